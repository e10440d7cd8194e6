// `stampede serve` and the fault server, run as child processes on loopback.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "run_binary.hpp"
#include "tests/child_process.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using stampede::test::child;
using stampede::test::clock_type;
using stampede::test::port_of;

namespace {

// A blocking loopback connection with a 5 s receive timeout.
class connection {
 public:
  explicit connection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    timeval timeout{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~connection() { ::close(fd_); }
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  bool connected() const { return connected_; }
  void send(const std::string& bytes) {
    REQUIRE(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(bytes.size()));
  }
  /// One response: headers, then Content-Length bytes of body. Whatever
  /// arrived when the peer closed (or after 5 s) otherwise.
  std::string response() {
    std::string data;
    char buf[4096];
    for (;;) {
      const auto end = data.find("\r\n\r\n");
      if (end != std::string::npos) {
        const auto cl = data.find("Content-Length: ");
        if (cl != std::string::npos && cl < end) {
          const std::size_t length = std::strtoull(data.c_str() + cl + 16, nullptr, 10);
          if (data.size() >= end + 4 + length) return data;
        }
      }
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return data;
      data.append(buf, static_cast<std::size_t>(n));
    }
  }
  std::string get(const std::string& path) {
    send("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    return response();
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

std::vector<std::string> serve_args(std::vector<std::string> extra = {}) {
  std::vector<std::string> args{STAMPEDE_BINARY, "serve", "tests/scenarios/good/service.yaml",
                                "--listen", "127.0.0.1:0"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

/// Sends `sig` and checks that the server exits 0 within 2 s.
void check_stops_promptly(child& server, int sig) {
  const auto t0 = clock_type::now();
  server.signal(sig);
  const auto code = server.wait(std::chrono::seconds(5));
  REQUIRE(code.has_value());
  CHECK(*code == 0);
  CHECK(seconds_since(t0) < 2.0);
}

}  // namespace

TEST_CASE("stampede serve prints its port, answers, and exits 0 soon after SIGTERM",
          "[cli][serve]") {
  const auto dir = stampede::test::temp_dir("serve");
  child server(serve_args({"--set", "loadtest.requests.echo.path=/ping", "--threads", "1"}),
               (dir / "err").string());
  const std::string line = server.read_line(std::chrono::seconds(10));
  REQUIRE_THAT(line, StartsWith("listening on http://127.0.0.1:"));
  const int port = port_of(line);
  REQUIRE(port > 0);
  {
    connection c(port);
    REQUIRE(c.connected());
    // The --set override moved the route.
    CHECK_THAT(c.get("/ping"), StartsWith("HTTP/1.1 200 OK") && Contains("\"endpoint\":\"echo\""));
    CHECK_THAT(c.get("/v1/echo"), StartsWith("HTTP/1.1 404"));
  }
  check_stops_promptly(server, SIGTERM);
  const std::string err = stampede::test::read_all(dir / "err");
  CHECK_THAT(err, Contains("echo: 1 received, 1 served"));
  CHECK_THAT(err, Contains("404: 1"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("stampede serve stops on SIGINT with a response still in flight", "[cli][serve]") {
  child server(serve_args({"--set", "platform.endpoints.generate.work=30s"}));
  const int port = port_of(server.read_line(std::chrono::seconds(10)));
  REQUIRE(port > 0);
  connection waiting(port);
  waiting.send("POST /v1/images/generations HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  check_stops_promptly(server, SIGINT);
  // The in-flight response is dropped: the connection closes without one.
  CHECK(waiting.response().empty());
}

TEST_CASE(
    "requests crafted against a route with three variables in a segment neither pin "
    "stampede serve nor delay its stop",
    "[cli][serve]") {
  child server(
      serve_args({"--set", "loadtest.requests.echo.path=/v1/img/${user_id}-${seq}-${tier}.png"}));
  const int port = port_of(server.read_line(std::chrono::seconds(10)));
  REQUIRE(port > 0);
  // Two io threads, two requests of 3,200 dashes: each took minutes to match
  // by trying every split, which stopped the service.
  connection a(port), b(port);
  const std::string crafted =
      "GET /v1/img/" + std::string(3200, '-') + " HTTP/1.1\r\nHost: x\r\n\r\n";
  a.send(crafted);
  b.send(crafted);
  CHECK_THAT(a.response(), StartsWith("HTTP/1.1 404"));
  CHECK_THAT(b.response(), StartsWith("HTTP/1.1 404"));
  connection c(port);
  CHECK_THAT(c.get("/v1/img/u1-7-free.png"), StartsWith("HTTP/1.1 200"));
  check_stops_promptly(server, SIGINT);
}

TEST_CASE("stampede serve counts rate limits on the user's local day, as run does",
          "[cli][serve][rate_limit]") {
  // tests/scenarios/good/local-day.yaml: 1 request a day; time_scale 43,200 makes
  // a wall second 12 virtual hours. Region east (UTC+12h) starts a new local day
  // at 12:00 UTC, one wall second in; region utc only at two wall seconds.
  child server(
      {STAMPEDE_BINARY, "serve", "tests/scenarios/good/local-day.yaml", "--listen", "127.0.0.1:0"});
  const int port = port_of(server.read_line(std::chrono::seconds(10)));
  // The service's clock started before it printed its port: it is at least this far on.
  const auto t0 = clock_type::now();
  REQUIRE(port > 0);
  connection c(port);
  const auto as = [&](const std::string& user, const std::string& region) {
    std::string request = "GET /v1/echo HTTP/1.1\r\nHost: x\r\nX-Stampede-User: " + user +
                          "\r\nX-Stampede-Tier: free\r\n";
    if (!region.empty()) request += "X-Stampede-Region: " + region + "\r\n";
    c.send(request + "\r\n");
    return c.response();
  };
  CHECK_THAT(as("1", "east"), StartsWith("HTTP/1.1 200"));
  CHECK_THAT(as("1", "east"), StartsWith("HTTP/1.1 429"));  // one a day
  CHECK_THAT(as("2", "utc"), StartsWith("HTTP/1.1 200"));
  CHECK_THAT(as("3", ""), StartsWith("HTTP/1.1 200"));  // no header: the first region, east
  // The first requests must fall before the east midnight, one wall second in.
  REQUIRE(seconds_since(t0) < 0.9);
  // 1.5 wall seconds in: 18:00 UTC, 06:00 the next day at UTC+12h. 0.4 s of
  // slack either side for a loaded machine.
  std::this_thread::sleep_until(t0 + std::chrono::milliseconds(1500));
  CHECK_THAT(as("1", "east"), StartsWith("HTTP/1.1 200"));  // a new local day
  CHECK_THAT(as("3", ""), StartsWith("HTTP/1.1 200"));
  CHECK_THAT(as("2", "utc"), StartsWith("HTTP/1.1 429"));  // still the same UTC day
  REQUIRE(seconds_since(t0) < 1.9);
  check_stops_promptly(server, SIGTERM);
}

TEST_CASE("stampede serve refuses bad listen addresses and scenarios without loadtest",
          "[cli][serve]") {
  auto r =
      stampede::test::run_stampede("serve tests/scenarios/good/minimal.yaml --listen 127.0.0.1:0");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("has no loadtest section"));

  r = stampede::test::run_stampede("serve tests/scenarios/good/service.yaml --listen localhost");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("expected HOST:PORT"));

  r = stampede::test::run_stampede(
      "serve tests/scenarios/good/service.yaml --listen 127.0.0.1:0 --set loadtest.time_scale=-1");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("loadtest.time_scale: expected a positive number"));

  // A port already taken: a failure of the run, not of the command line.
  child first(serve_args());
  const int port = port_of(first.read_line(std::chrono::seconds(10)));
  REQUIRE(port > 0);
  r = stampede::test::run_stampede("serve tests/scenarios/good/service.yaml --listen 127.0.0.1:" +
                                   std::to_string(port));
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains("cannot listen on"));
  first.signal(SIGTERM);
  CHECK(first.wait(std::chrono::seconds(5)) == std::optional<int>(0));
}

TEST_CASE("the fault server misbehaves as each mode says and stops on SIGTERM",
          "[cli][serve][fault]") {
  const auto start = [](const std::string& mode) {
    return std::make_unique<child>(std::vector<std::string>{STAMPEDE_FAULT_SERVER, "--port", "0",
                                                            "--mode", mode, "--max-seconds", "30"});
  };
  {
    auto server = start("ok");
    const int port = port_of(server->read_line(std::chrono::seconds(5)));
    REQUIRE(port > 0);
    connection c(port);
    // Keep-alive: two requests on one connection.
    CHECK_THAT(c.get("/a"), StartsWith("HTTP/1.1 200"));
    CHECK_THAT(c.get("/b"), StartsWith("HTTP/1.1 200"));
    server->signal(SIGTERM);
    CHECK(server->wait(std::chrono::seconds(2)) == std::optional<int>(0));
  }
  {
    auto server = start("error500");
    connection c(port_of(server->read_line(std::chrono::seconds(5))));
    CHECK_THAT(c.get("/a"), StartsWith("HTTP/1.1 500"));
    CHECK_THAT(c.get("/b"), StartsWith("HTTP/1.1 500"));
  }
  {
    auto server = start("close-mid-response");
    connection c(port_of(server->read_line(std::chrono::seconds(5))));
    const std::string partial = c.get("/a");
    // Some of the status line, never a whole response.
    CHECK_THAT(partial, StartsWith("HTTP/1.1 2"));
    CHECK(partial.find("\r\n\r\n{") == std::string::npos);
  }
  {
    // Within any 3 s, one stall of about 1 s: the slowest of ~35 requests spread
    // over 3.5 s waits 0.5-1.1 s (0.1 s of slack for scheduling), the fastest not at all.
    auto server = start("stall");
    connection c(port_of(server->read_line(std::chrono::seconds(5))));
    double slowest = 0;
    double fastest = 10;
    const auto t0 = clock_type::now();
    while (seconds_since(t0) < 3.5) {
      const auto t = clock_type::now();
      REQUIRE_THAT(c.get("/a"), StartsWith("HTTP/1.1 200"));
      slowest = std::max(slowest, seconds_since(t));
      fastest = std::min(fastest, seconds_since(t));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK(slowest > 0.5);
    CHECK(slowest < 1.1);
    CHECK(fastest < 0.05);
  }
  {
    // Every answer after --delay-ms: 300 ms, with up to 0.2 s of slack for scheduling.
    auto server = std::make_unique<child>(
        std::vector<std::string>{STAMPEDE_FAULT_SERVER, "--port", "0", "--mode", "delay",
                                 "--delay-ms", "300", "--max-seconds", "30"});
    connection c(port_of(server->read_line(std::chrono::seconds(5))));
    for (int i = 0; i < 2; ++i) {
      const auto t = clock_type::now();
      CHECK_THAT(c.get("/a"), StartsWith("HTTP/1.1 200"));
      CHECK(seconds_since(t) >= 0.3);
      CHECK(seconds_since(t) < 0.5);
    }
  }
  {
    auto server = std::make_unique<child>(std::vector<std::string>{
        STAMPEDE_FAULT_SERVER, "--port", "0", "--mode", "ok", "--max-seconds", "1"});
    REQUIRE(port_of(server->read_line(std::chrono::seconds(5))) > 0);
    // --max-seconds ends it even without a signal.
    CHECK(server->wait(std::chrono::seconds(3)) == std::optional<int>(0));
  }
}
