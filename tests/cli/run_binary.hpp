#pragma once
// Runs the stampede binary as a user would, capturing exit code, stdout and stderr.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

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

/// A fresh empty folder under the system's temp dir.
inline std::filesystem::path temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("stampede-test-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

/// Runs `stampede ARGS` (ARGS as shell words) from the repository root.
inline command_result run_stampede(const std::string& args) {
  const auto dir = temp_dir("cmd");
  const std::string cmd = std::string("cd ") + STAMPEDE_SOURCE_DIR + " && " + STAMPEDE_BINARY +
                          " " + args + " >" + (dir / "out").string() + " 2>" +
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
