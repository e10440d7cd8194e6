#pragma once
// Certificates for TLS tests, made with the openssl CLI.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "tests/cli/run_binary.hpp"

namespace stampede::test {

/// A throwaway PKI made with the openssl CLI in `dir`: ca.pem (the trusted CA),
/// wrong-ca.pem (a CA that signed nothing here), server.pem/key (from ca, for
/// localhost and 127.0.0.1) and other.pem/key (from ca, for other.example only).
inline void make_test_pki(const std::filesystem::path& dir) {
  const std::string d = dir.string();
  const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  const auto ca = [&](const std::string& name) {
    return "openssl req -x509" + ec + " -keyout " + d + "/" + name + ".key -out " + d + "/" + name +
           ".pem -days 2 -subj /CN=" + name;
  };
  const auto leaf = [&](const std::string& name, const std::string& cn, const std::string& san) {
    return "openssl req" + ec + " -keyout " + d + "/" + name + ".key -out " + d + "/" + name +
           ".csr -subj /CN=" + cn + " && echo subjectAltName=" + san + " > " + d + "/" + name +
           ".ext && openssl x509 -req -in " + d + "/" + name + ".csr -CA " + d + "/ca.pem -CAkey " +
           d + "/ca.key -CAcreateserial -days 2 -out " + d + "/" + name + ".pem -extfile " + d +
           "/" + name + ".ext";
  };
  const std::string script = "(" + ca("ca") + " && " + ca("wrong-ca") + " && " +
                             leaf("server", "localhost", "DNS:localhost,IP:127.0.0.1") + " && " +
                             leaf("other", "other.example", "DNS:other.example") + ") > " + d +
                             "/openssl.log 2>&1";
  const int rc = std::system(script.c_str());
  INFO(read_all(dir / "openssl.log"));
  REQUIRE(rc == 0);
}

}  // namespace stampede::test
