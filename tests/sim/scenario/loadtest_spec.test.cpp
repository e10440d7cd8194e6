// The rules of a scenario's loadtest section (sim/scenario/loadtest_spec.hpp):
// targets, the allow list and templates.
#include "sim/scenario/loadtest_spec.hpp"

#include <catch2/catch.hpp>

using namespace stampede;

TEST_CASE("a target URL is parsed into host and port, and anything but http or https is refused",
          "[loadtest]") {
  const auto t = sim::parse_target_url("http://127.0.0.1:8080");
  CHECK(t.host == "127.0.0.1");
  CHECK(t.port == 8080);
  CHECK(sim::parse_target_url("http://LocalHost/").host == "localhost");
  CHECK(sim::parse_target_url("http://localhost").port == 80);
  CHECK(sim::parse_target_url("http://[::1]:9000").host == "::1");
  CHECK(sim::parse_target_url("http://[::1]:9000").text() == "http://[::1]:9000");
  const auto s = sim::parse_target_url("https://LOCALHOST:8443/");
  CHECK(s.tls);
  CHECK(s.host == "localhost");
  CHECK(s.text() == "https://localhost:8443");
  CHECK(s.authority() == "localhost:8443");
  CHECK_FALSE(t.tls);
  CHECK(sim::parse_target_url("https://127.0.0.1").port == 443);
  CHECK(sim::parse_target_url("https://[::1]").text() == "https://[::1]:443");
  CHECK_THROWS_AS(sim::parse_target_url("127.0.0.1:8080"), sim::target_error);
  CHECK_THROWS_AS(sim::parse_target_url("http://127.0.0.1:70000"), sim::target_error);
  CHECK_THROWS_AS(sim::parse_target_url("http://127.0.0.1:"), sim::target_error);
  CHECK_THROWS_AS(sim::parse_target_url("http://:80"), sim::target_error);
  CHECK_THROWS_AS(sim::parse_target_url("http://user@10.0.0.1:80"), sim::target_error);
  CHECK_THROWS_AS(sim::parse_target_url("http://127.0.0.1:80/v1/api"), sim::target_error);
  CHECK_THROWS_WITH(sim::parse_target_url("ftp://x"), Catch::Contains("only http:// and https://"));
}

TEST_CASE("one target URL rule where the loader and the generator used to differ", "[loadtest]") {
  // The loader refused these and the generator took them: a scheme is
  // case-insensitive (RFC 3986), and resolvers accept '_' in container names.
  CHECK(sim::parse_target_url("HTTP://LocalHost:8080").text() == "http://localhost:8080");
  CHECK(sim::parse_target_url("http://my_service:8080").host == "my_service");
  // The generator took these and the loader refused them: brackets hold an IPv6
  // address, and a port has at most 5 digits.
  CHECK_THROWS_WITH(sim::parse_target_url("http://[abc]:80"),
                    Catch::Contains("brackets hold an IPv6 address only"));
  CHECK_THROWS_WITH(sim::parse_target_url("http://[::g]:80"),
                    Catch::Contains("brackets hold an IPv6 address only"));
  CHECK_THROWS_WITH(sim::parse_target_url("http://127.0.0.1:000080"),
                    Catch::Contains("a port in 1..65535"));
  CHECK(sim::parse_target_url("http://127.0.0.1:00080").port == 80);
  CHECK_THROWS_WITH(sim::parse_target_url("http://[::1]x"), Catch::Contains("no path"));
  // The same host rule for allow_hosts entries.
  CHECK(sim::valid_host("my_service"));
  CHECK(sim::valid_host("::1"));
  CHECK_FALSE(sim::valid_host("[::1]"));
  CHECK_FALSE(sim::valid_host("a host"));
  CHECK_FALSE(sim::valid_host(""));
  try {
    sim::parse_target_url("http://127.0.0.1:99999");
    FAIL("accepted port 99999");
  } catch (const sim::target_error& e) {
    CHECK(e.reason() == "a port in 1..65535");
  }
}

TEST_CASE("only hosts on the allow list may be loaded", "[loadtest]") {
  const std::vector<std::string> allow{"127.0.0.1", "localhost", "::1"};
  CHECK(sim::host_allowed("127.0.0.1", allow));
  CHECK(sim::host_allowed("LOCALHOST", allow));
  CHECK(sim::host_allowed("[::1]", allow));
  CHECK_FALSE(sim::host_allowed("127.0.0.2", allow));
  CHECK_FALSE(sim::host_allowed("example.com", allow));
  CHECK_FALSE(sim::host_allowed("127.0.0.1", {}));
}

TEST_CASE("templates expand the four variables and name any other", "[loadtest]") {
  sim::template_values v;
  v.user_id = 65537;
  v.seq = 12;
  v.prompt = "a cat";
  const auto text =
      sim::expand_template(R"({"u":${user_id},"s":${seq},"p":"${prompt}","t":"${tier}"})", v);
  CHECK(text == R"({"u":65537,"s":12,"p":"a cat","t":"default"})");
  CHECK(sim::unknown_template_variables("/v1/${user_id}/x?${seq}").empty());
  CHECK(sim::unknown_template_variables("/v1/${user}/${seq}/${nope}") ==
        std::vector<std::string>{"user", "nope"});
  CHECK(sim::expand_template("no variables", v) == "no variables");
}

TEST_CASE("${env:NAME} expands to the value read at the start, and redact takes it back out",
          "[loadtest]") {
  const sim::env_values env{{"TOKEN", "s3cr3t"}, {"EMPTY", ""}};
  sim::template_values v;
  v.env = &env;
  CHECK(sim::expand_template("Bearer ${env:TOKEN}/${env:EMPTY}/${env:OTHER}", v) ==
        "Bearer s3cr3t//${env:OTHER}");
  // Without values (as when echoing the scenario) the placeholder stays.
  CHECK(sim::expand_template("Bearer ${env:TOKEN}", sim::template_values{}) ==
        "Bearer ${env:TOKEN}");
  CHECK(sim::env_variable_name("env:API_KEY_2") == "API_KEY_2");
  for (const char* bad : {"env:", "env:2X", "env:A-B", "ENV:X", "user_id"}) {
    INFO(bad);
    CHECK(sim::env_variable_name(bad).empty());
  }
  CHECK(sim::unknown_template_variables("${env:TOKEN} ${env:} ${env:A B}") ==
        std::vector<std::string>{"env:", "env:A B"});
  CHECK(sim::redact("got Bearer s3cr3t and s3cr3ts3cr3t", env) ==
        "got Bearer ${env:TOKEN} and ${env:TOKEN}${env:TOKEN}");
}

TEST_CASE("a compiled template expands each request's values, request after request",
          "[loadtest]") {
  const sim::env_values env{{"TOKEN", "s3cr3t"}, {"EMPTY", ""}};
  const sim::compiled_template t(
      R"(${user_id}/${seq}/${prompt}/${tier} ${env:TOKEN}${env:EMPTY} ${env:OTHER} ${nope} $${seq}} ${user_id)",
      &env);
  const auto expand = [&](std::uint64_t user, std::uint64_t seq, std::string_view prompt,
                          std::string_view tier) {
    sim::template_values v;
    v.user_id = user;
    v.seq = seq;
    v.prompt = prompt;
    v.tier = tier;
    std::string out = "kept:";
    t.expand_into(out, v);
    return out;
  };
  CHECK(expand(65537, 12, "a cat", "pro") ==
        "kept:65537/12/a cat/pro s3cr3t ${env:OTHER} ${nope} $12} ${user_id");
  CHECK(expand(0, 18446744073709551615u, "", "default") ==
        "kept:0/18446744073709551615//default s3cr3t ${env:OTHER} ${nope} $18446744073709551615} "
        "${user_id");
  CHECK(sim::compiled_template("", &env).empty());
  CHECK_FALSE(sim::compiled_template("x", nullptr).empty());
}
