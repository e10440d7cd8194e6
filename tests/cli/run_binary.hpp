#pragma once
// Runs the stampede binary as a user would, capturing exit code, stdout and stderr.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

namespace stampede::test {

struct command_result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// The JSON document in the file at `p` (summary.json, plan.json, projection.json).
inline nlohmann::json read_json(const std::filesystem::path& p) {
  return nlohmann::json::parse(read_all(p));
}

/// A fresh empty folder under the system's temp dir.
inline std::filesystem::path temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("stampede-test-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

/// Runs `stampede ARGS` (ARGS as shell words) from the repository root. With
/// `limit_s` > 0 the run is stopped after that many seconds (SIGTERM, then
/// SIGKILL 2 s later): the exit code is then 124 or 137. A run killed by a
/// signal exits 128 + the signal (139 for SIGSEGV).
inline command_result run_stampede(const std::string& args, int limit_s = 0) {
  const auto dir = temp_dir("cmd");
  const std::string limit =
      limit_s > 0 ? "timeout -k 2 " + std::to_string(limit_s) + " " : std::string();
  const std::string cmd = std::string("cd ") + STAMPEDE_SOURCE_DIR + " && " + limit +
                          STAMPEDE_BINARY + " " + args + " >" + (dir / "out").string() + " 2>" +
                          (dir / "err").string() + " </dev/null";
  const int status = std::system(cmd.c_str());
  command_result r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_all(dir / "out");
  r.err = read_all(dir / "err");
  std::filesystem::remove_all(dir);
  return r;
}

}  // namespace stampede::test
