#pragma once
// A child process with its stdout on a pipe (a server that prints the port it
// listens on), killed with SIGKILL if a test leaves it running, even on failure.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace stampede::test {

using clock_type = std::chrono::steady_clock;

/// A child process running argv[0] (a path) from the repository root.
class child {
 public:
  explicit child(std::vector<std::string> argv, const std::string& stderr_path = "/dev/null") {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      const int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (err >= 0) ::dup2(err, STDERR_FILENO);
      ::close(fds[0]);
      ::close(fds[1]);
      if (::chdir(STAMPEDE_SOURCE_DIR) != 0) ::_exit(126);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    out_ = fds[0];
  }
  ~child() {
    if (pid_ > 0 && !exit_code_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) ::close(out_);
  }
  child(const child&) = delete;
  child& operator=(const child&) = delete;

  /// The next line of stdout, or "" if none comes within `timeout`.
  std::string read_line(std::chrono::milliseconds timeout) {
    const auto until = clock_type::now() + timeout;
    std::string line;
    while (clock_type::now() < until) {
      pollfd p{out_, POLLIN, 0};
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(until - clock_type::now());
      if (::poll(&p, 1, static_cast<int>(std::max<long>(1, left.count()))) <= 0) continue;
      char c;
      if (::read(out_, &c, 1) != 1) break;
      if (c == '\n') return line;
      line.push_back(c);
    }
    return "";
  }

  void signal(int sig) { ::kill(pid_, sig); }

  /// The exit code, or nothing if the process has not exited within `timeout`
  /// (-1 when it died of a signal).
  std::optional<int> wait(std::chrono::milliseconds timeout) {
    const auto until = clock_type::now() + timeout;
    while (true) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return exit_code_;
      }
      if (clock_type::now() > until) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::optional<int> exit_code_;
};

/// The port at the end of a "listening on ..." line, or 0.
inline int port_of(const std::string& line) {
  const auto colon = line.rfind(':');
  const auto space = line.rfind(' ');
  const auto at =
      colon != std::string::npos && (space == std::string::npos || colon > space) ? colon : space;
  if (at == std::string::npos) return 0;
  return std::atoi(line.c_str() + at + 1);
}

}  // namespace stampede::test
