#include "actors/service/http_service.hpp"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "sim/scenario/scenario_loader.hpp"

using namespace stampede;
using Catch::Matchers::Contains;

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

sim::scenario service_scenario(const std::vector<std::string>& overrides = {}) {
  const auto path =
      std::filesystem::path(STAMPEDE_SOURCE_DIR) / "tests" / "scenarios" / "good" / "service.yaml";
  return sim::load_scenario_file(path.string(), overrides);
}

// A blocking client connection; every read gives up after 5 s so that a
// stalled server fails the test instead of hanging it.
struct client {
  asio::io_context context;
  tcp::socket socket{context};
  beast::flat_buffer buffer;

  explicit client(std::uint16_t port) {
    socket.connect({asio::ip::make_address("127.0.0.1"), port});
    timeval timeout{5, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }

  void send(http::verb method, const std::string& target, const std::string& body = "") {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.body() = body;
    req.prepare_payload();
    http::write(socket, req);
  }
  http::response<http::string_body> receive() {
    http::response<http::string_body> res;
    http::read(socket, buffer, res);
    return res;
  }
  http::response<http::string_body> exchange(http::verb method, const std::string& target,
                                             const std::string& body = "") {
    send(method, target, body);
    return receive();
  }
  void send_raw(const std::string& bytes) { asio::write(socket, asio::buffer(bytes)); }
  /// True when the server has closed the connection (EOF or reset), false on data or timeout.
  bool closed_by_server() {
    char c;
    boost::system::error_code ec;
    const std::size_t n = socket.read_some(asio::buffer(&c, 1), ec);
    return n == 0 && (ec == asio::error::eof || ec == asio::error::connection_reset);
  }
};

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

// Counters move when a write completes, which may be just after the client has
// read the response: wait for them (up to 2 s) instead of racing.
template <class F>
bool eventually(F&& condition) {
  const auto until = clock_type::now() + std::chrono::seconds(2);
  while (!condition()) {
    if (clock_type::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

std::uint64_t served(const actors::modeled_service& s, const std::string& endpoint) {
  for (const auto& e : s.counters().endpoints) {
    if (e.name == endpoint) return e.served;
  }
  return 0;
}

}  // namespace

TEST_CASE("the modeled service routes by method and path and answers 404 and 405",
          "[actors][serve]") {
  actors::modeled_service service(service_scenario());
  const auto port = service.start("127.0.0.1", 0);
  REQUIRE(port != 0);
  client c(port);

  auto res = c.exchange(http::verb::get, "/v1/echo");
  CHECK(res.result() == http::status::ok);
  CHECK_THAT(res.body(), Contains("\"endpoint\":\"echo\""));
  CHECK(res[http::field::content_type] == "application/json");
  CHECK(res.keep_alive());

  // The template variable matches any one path segment; the query is ignored.
  res = c.exchange(http::verb::get, "/v1/users/u-42/feed?page=7");
  CHECK(res.result() == http::status::ok);
  CHECK_THAT(res.body(), Contains("\"endpoint\":\"feed\""));
  CHECK(c.exchange(http::verb::get, "/v1/users/a/b/feed").result() == http::status::not_found);
  CHECK(c.exchange(http::verb::get, "/nope").result() == http::status::not_found);

  res = c.exchange(http::verb::delete_, "/v1/echo");
  CHECK(res.result() == http::status::method_not_allowed);
  CHECK(res[http::field::allow] == "GET");

  CHECK(eventually([&] { return service.counters().method_not_allowed == 1; }));
  const auto counters = service.counters();
  REQUIRE(counters.endpoints.size() == 3);
  CHECK(counters.endpoints[0].name == "echo");
  CHECK(counters.endpoints[0].served == 1);
  CHECK(counters.endpoints[1].served == 1);
  CHECK(counters.endpoints[2].received == 0);
  CHECK(counters.not_found == 2);
  CHECK(counters.method_not_allowed == 1);
  CHECK(counters.connections == 1);
}

TEST_CASE("the service answers after the work time divided by time_scale", "[actors][serve]") {
  // 2 s of virtual work at 10 virtual seconds per wall second: 200 ms of wall time.
  actors::modeled_service service(
      service_scenario({"loadtest.time_scale=10", "platform.endpoints.generate.work=2s"}));
  const auto port = service.start("127.0.0.1", 0);
  client c(port);
  const auto t0 = clock_type::now();
  const auto res = c.exchange(http::verb::post, "/v1/images/generations", "{\"prompt\":\"x\"}");
  const double wall = seconds_since(t0);
  CHECK(res.result() == http::status::ok);
  // The body reports the model's virtual latency, exactly the constant work (no queue).
  CHECK_THAT(res.body(), Contains("\"latency_ms\":2000.000"));
  // Never early (the timer waits for the due time); late by at most scheduling
  // noise on a shared 2-core machine: 150 ms is generous.
  CHECK(wall >= 0.195);
  CHECK(wall < 0.35);
}

TEST_CASE("a request whose X-Stampede-Patience ends in the queue gets 504 then",
          "[actors][serve]") {
  // The generate pool: one server, a queue of one, 500 ms of work per request.
  actors::modeled_service service(service_scenario({"platform.endpoints.generate.work=500ms"}));
  const auto port = service.start("127.0.0.1", 0);
  client first(port), second(port), bad(port);
  first.send(http::verb::post, "/v1/images/generations");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  // Queued behind ~480 ms of work with 100 ms of patience: abandoned at 100 ms.
  const auto t1 = clock_type::now();
  second.send_raw(
      "POST /v1/images/generations HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Stampede-Patience: "
      "0.1\r\nContent-Length: 0\r\n\r\n");
  const auto abandoned = second.receive();
  const double waited = seconds_since(t1);
  CHECK(abandoned.result() == http::status::gateway_timeout);
  CHECK_THAT(abandoned.body(), Contains("patience"));
  // Never before the patience ends; late by scheduling noise at most.
  CHECK(waited >= 0.095);
  CHECK(waited < 0.3);
  CHECK(first.receive().result() == http::status::ok);

  bad.send_raw(
      "POST /v1/images/generations HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Stampede-Patience: "
      "soon\r\nContent-Length: 0\r\n\r\n");
  CHECK(bad.receive().result() == http::status::bad_request);
  service.stop();
  const auto c = service.counters();
  std::uint64_t abandoned_n = 0;
  for (const auto& e : c.endpoints) abandoned_n += e.abandoned;
  CHECK(abandoned_n == 1);
}

TEST_CASE("a patience over 1e12 s (a far-tail draw) is never rather than a 400",
          "[actors][serve]") {
  actors::modeled_service service(service_scenario());
  const auto port = service.start("127.0.0.1", 0);
  // A connection each: a 400 closes its connection.
  const auto with_patience = [&](const std::string& seconds) {
    client c(port);
    c.send_raw("GET /v1/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Stampede-Patience: " + seconds +
               "\r\n\r\n");
    return c.receive().result();
  };
  // What `stampede loadtest` sends for a draw that from_seconds saturates
  // (max_duration, 2^60 us), and for patience: 1.1e12s, which the loader takes.
  CHECK(with_patience("1152921504606.846976") == http::status::ok);
  CHECK(with_patience("1100000000000") == http::status::ok);
  CHECK(with_patience("1e300") == http::status::ok);
  CHECK(with_patience("-1") == http::status::bad_request);
  service.stop();
}

TEST_CASE("a full queue gets 503 at once while accepted requests wait their turn",
          "[actors][serve]") {
  // The generate pool: one server, a queue of one, 500 ms of work per request.
  actors::modeled_service service(service_scenario({"platform.endpoints.generate.work=500ms"}));
  const auto port = service.start("127.0.0.1", 0);
  client first(port), second(port), third(port);
  const auto t0 = clock_type::now();
  first.send(http::verb::post, "/v1/images/generations");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  second.send(http::verb::post, "/v1/images/generations");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto t3 = clock_type::now();
  third.send(http::verb::post, "/v1/images/generations");

  const auto rejected = third.receive();
  CHECK(rejected.result() == http::status::service_unavailable);
  CHECK_THAT(rejected.body(), Contains("queue full"));
  // Rejection is decided at arrival: far sooner than one work time.
  CHECK(seconds_since(t3) < 0.25);
  CHECK(rejected.keep_alive());

  CHECK(first.receive().result() == http::status::ok);
  CHECK(seconds_since(t0) >= 0.5);
  const auto queued = second.receive();
  CHECK(queued.result() == http::status::ok);
  // Waited for the first (500 ms) then its own work (500 ms), minus its 20 ms later arrival.
  CHECK(seconds_since(t0) >= 0.99);
  CHECK(seconds_since(t0) < 1.3);
  CHECK_THAT(queued.body(), Contains("\"latency_ms\":9"));  // ~980 ms virtual at time_scale 1

  CHECK(eventually([&] { return service.counters().endpoints[2].served == 2; }));
  const auto generate = service.counters().endpoints[2];
  CHECK(generate.received == 3);
  CHECK(generate.served == 2);
  CHECK(generate.rejected == 1);
}

TEST_CASE("pools keep servers × scale × rate_scale servers", "[actors][serve]") {
  // 4 servers at rate_scale 0.5: 2 servers and a queue of 1, so of 4 requests at
  // once 2 start, 1 waits and 1 is rejected; at rate_scale 1 all 4 would start.
  actors::modeled_service service(
      service_scenario({"platform.pools[1].servers=4", "loadtest.rate_scale=0.5",
                        "platform.endpoints.generate.work=300ms"}));
  const auto port = service.start("127.0.0.1", 0);
  std::vector<std::unique_ptr<client>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(std::make_unique<client>(port));
    clients.back()->send(http::verb::post, "/v1/images/generations");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  int ok = 0;
  int unavailable = 0;
  for (auto& c : clients) {
    const auto status = c->receive().result();
    ok += status == http::status::ok;
    unavailable += status == http::status::service_unavailable;
  }
  CHECK(ok == 3);
  CHECK(unavailable == 1);
}

TEST_CASE("malformed requests get 400 and close, and the next connection is served",
          "[actors][serve]") {
  actors::modeled_service service(service_scenario());
  const auto port = service.start("127.0.0.1", 0);
  // The start of a TLS ClientHello: its NUL bytes need the explicit length.
  constexpr char tls_hello[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n";
  for (const std::string& garbage :
       {std::string("GARBAGE\r\n\r\n"), std::string("GET /v1/echo HTTP/9.9\r\n\r\n"),
        std::string("GET /v1/echo HTTP/1.1\r\nContent-Length: banana\r\n\r\n"),
        std::string(tls_hello, sizeof tls_hello - 1)}) {
    INFO(garbage);
    client bad(port);
    bad.send_raw(garbage);
    const auto res = bad.receive();
    CHECK(res.result() == http::status::bad_request);
    CHECK_FALSE(res.keep_alive());
    CHECK(bad.closed_by_server());
    client good(port);
    CHECK(good.exchange(http::verb::get, "/v1/echo").result() == http::status::ok);
  }
  CHECK(service.counters().bad_request == 4);
  CHECK(eventually([&] { return served(service, "echo") == 4; }));
}

TEST_CASE("oversized headers get 431 and oversized bodies 413", "[actors][serve]") {
  actors::modeled_service service(service_scenario());
  const auto port = service.start("127.0.0.1", 0);
  {
    client c(port);
    c.send_raw("GET /v1/echo HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n");
    CHECK(c.receive().result() == http::status::request_header_fields_too_large);
    CHECK(c.closed_by_server());
  }
  {
    // Just under the limit is fine.
    client c(port);
    c.send_raw("GET /v1/echo HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(7000, 'a') + "\r\n\r\n");
    CHECK(c.receive().result() == http::status::ok);
  }
  {
    client c(port);
    c.send(http::verb::post, "/v1/images/generations", std::string(1024 * 1024 + 1, 'b'));
    CHECK(c.receive().result() == http::status::payload_too_large);
    CHECK(c.closed_by_server());
  }
  {
    // A declared length beyond the limit is refused before the body arrives.
    client c(port);
    c.send_raw(
        "POST /v1/images/generations HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n");
    CHECK(c.receive().result() == http::status::payload_too_large);
  }
  const auto counters = service.counters();
  CHECK(counters.headers_too_large == 1);
  CHECK(counters.body_too_large == 2);
  CHECK(counters.endpoints[2].received == 0);
}

TEST_CASE("200 keep-alive connections doing several requests each are all served",
          "[actors][serve]") {
  actors::modeled_service service(service_scenario());
  const auto port = service.start("127.0.0.1", 0);
  constexpr int connections = 200;
  constexpr int rounds = 5;
  std::vector<std::unique_ptr<client>> clients;
  for (int i = 0; i < connections; ++i) clients.push_back(std::make_unique<client>(port));
  int ok = 0;
  for (int r = 0; r < rounds; ++r) {
    // All requests of a round are in flight at once, on every connection.
    for (int i = 0; i < connections; ++i) {
      clients[static_cast<std::size_t>(i)]->send(
          http::verb::get, i % 2 == 0 ? "/v1/echo" : "/v1/users/" + std::to_string(i) + "/feed");
    }
    for (auto& c : clients) {
      const auto res = c->receive();
      ok += res.result() == http::status::ok && res.keep_alive();
    }
  }
  CHECK(ok == connections * rounds);
  CHECK(eventually([&] {
    const auto c = service.counters();
    return c.endpoints[0].served + c.endpoints[1].served == connections * rounds;
  }));
  const auto counters = service.counters();
  CHECK(counters.connections == connections);
  CHECK(counters.endpoints[0].served + counters.endpoints[1].served == connections * rounds);
}

TEST_CASE("idle connections are closed after the idle timeout", "[actors][serve]") {
  actors::service_options options;
  options.idle_timeout_seconds = 0.3;
  actors::modeled_service service(service_scenario(), options);
  const auto port = service.start("127.0.0.1", 0);
  client c(port);
  CHECK(c.exchange(http::verb::get, "/v1/echo").result() == http::status::ok);
  const auto t0 = clock_type::now();
  CHECK(c.closed_by_server());
  // Closed by the 0.3 s timer, not by the client's 5 s read timeout.
  CHECK(seconds_since(t0) < 2.0);
}

TEST_CASE("stop closes the listener and open connections, and is idempotent", "[actors][serve]") {
  actors::modeled_service service(service_scenario({"platform.endpoints.generate.work=10s"}));
  const auto port = service.start("127.0.0.1", 0);
  client open(port);
  CHECK(open.exchange(http::verb::get, "/v1/echo").result() == http::status::ok);
  client waiting(port);
  waiting.send(http::verb::post, "/v1/images/generations");  // due in 10 s: dropped at stop
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto t0 = clock_type::now();
  service.stop();
  CHECK(seconds_since(t0) < 1.0);
  CHECK(open.closed_by_server());
  CHECK(waiting.closed_by_server());
  CHECK_THROWS(client(port));
  service.stop();
  CHECK(service.counters().endpoints[2].served == 0);
}

TEST_CASE("a scenario without a loadtest section cannot be served", "[actors][serve]") {
  sim::scenario s = service_scenario();
  s.loadtest.reset();
  CHECK_THROWS_AS(actors::modeled_service(s), std::invalid_argument);
}

TEST_CASE("a batching pool answers when its batch is done", "[actors][serve]") {
  // One GPU, batches of up to 4 with a 100 ms timeout, 200 ms of work, a batch
  // of 4 twice as fast per request. Virtual = wall (time_scale 1).
  actors::modeled_service service(service_scenario(
      {"platform.pools[1].batch={max: 4, timeout: 100ms, speedup: {1: 1.0, 4: 2.0}}",
       "platform.pools[1].queue.capacity=100"}));
  const auto port = service.start("127.0.0.1", 0);

  // Alone, a request waits for the timeout, then is served on its own:
  // 100 ms + 200 ms, exactly, in the model's own clock.
  client alone(port);
  const auto t0 = clock_type::now();
  auto res = alone.exchange(http::verb::post, "/v1/images/generations", "{}");
  CHECK(res.result() == http::status::ok);
  CHECK_THAT(res.body(), Contains("\"latency_ms\":300.000"));
  CHECK(seconds_since(t0) >= 0.29);

  // Four at once fill a batch: no timeout, 4 × 200 ms / 2 = 400 ms for each.
  std::vector<std::unique_ptr<client>> four;
  for (int i = 0; i < 4; ++i) four.push_back(std::make_unique<client>(port));
  for (auto& c : four) c->send(http::verb::post, "/v1/images/generations", "{}");
  int in_one_batch = 0;
  for (auto& c : four) {
    const auto r = c->receive();
    CHECK(r.result() == http::status::ok);
    // The four arrive within a few ms of each other: the last one completes the
    // batch at once, the first waited for it (a few ms over 400).
    const auto pos = r.body().find("\"latency_ms\":");
    REQUIRE(pos != std::string::npos);
    const double ms = std::stod(r.body().substr(pos + 13));
    if (ms >= 400 && ms < 450) ++in_one_batch;
  }
  CHECK(in_one_batch == 4);
  service.stop();
}

TEST_CASE("a user over the scenario's daily rate limit gets 429", "[actors][serve]") {
  actors::modeled_service service(
      service_scenario({"platform.rate_limits=[{tier: default, endpoint: echo, limit: 2/day}]"}));
  const auto port = service.start("127.0.0.1", 0);
  client c(port);
  const auto as = [&](const char* user) {
    http::request<http::string_body> req{http::verb::get, "/v1/echo", 11};
    req.set(http::field::host, "127.0.0.1");
    if (user) {
      req.set("X-Stampede-User", user);
      req.set("X-Stampede-Tier", "default");
    }
    http::write(c.socket, req);
    return c.receive().result();
  };
  CHECK(as("7") == http::status::ok);
  CHECK(as("7") == http::status::ok);
  CHECK(as("7") == http::status::too_many_requests);  // a third in one day
  CHECK(as("8") == http::status::ok);                 // limits are per user
  CHECK(as(nullptr) == http::status::ok);             // anonymous: never limited
  CHECK(eventually([&] { return service.counters().endpoints[0].rate_limited == 1; }));
  service.stop();
}

TEST_CASE("a route with several variables in one segment matches in linear time",
          "[actors][serve]") {
  actors::modeled_service service(
      service_scenario({"loadtest.requests.echo.path=/v1/img/${user_id}-${seq}-${tier}.png"}));
  const auto port = service.start("127.0.0.1", 0);
  client c(port);
  CHECK(c.exchange(http::verb::get, "/v1/img/u1-7-pro.png").result() == http::status::ok);
  // A variable may hold the separator: "a-b" + "-" + "c" + "-" + "d".
  CHECK(c.exchange(http::verb::get, "/v1/img/a-b-c-d.png").result() == http::status::ok);
  // Variables may be empty, but every literal must be there, in order.
  CHECK(c.exchange(http::verb::get, "/v1/img/--.png").result() == http::status::ok);
  CHECK(c.exchange(http::verb::get, "/v1/img/u1-7.png").result() == http::status::not_found);
  CHECK(c.exchange(http::verb::get, "/v1/img/u1-7-pro.jpg").result() == http::status::not_found);
  CHECK(c.exchange(http::verb::get, "/v1/img/u/1-7-pro.png").result() == http::status::not_found);
  CHECK(c.exchange(http::verb::get, "/v1/img/-.png").result() == http::status::not_found);
  // 3,200 dashes and no ".png": trying every split of them between the three
  // variables took minutes. One scan takes microseconds; 1 s is for a loaded
  // machine.
  const auto t0 = clock_type::now();
  CHECK(c.exchange(http::verb::get, "/v1/img/" + std::string(3200, '-')).result() ==
        http::status::not_found);
  CHECK(seconds_since(t0) < 1.0);
  service.stop();
}

TEST_CASE("connections beyond max_connections get 503 and close, and room frees up",
          "[actors][serve]") {
  actors::service_options options;
  options.max_connections = 2;
  actors::modeled_service service(service_scenario(), options);
  const auto port = service.start("127.0.0.1", 0);
  auto first = std::make_unique<client>(port);
  client second(port);
  CHECK(first->exchange(http::verb::get, "/v1/echo").result() == http::status::ok);
  CHECK(second.exchange(http::verb::get, "/v1/echo").result() == http::status::ok);
  {
    client third(port);
    const auto res = third.receive();
    CHECK(res.result() == http::status::service_unavailable);
    CHECK_FALSE(res.keep_alive());
    CHECK(third.closed_by_server());
  }
  CHECK(service.counters().refused_connections == 1);
  first.reset();  // the server sees the close and frees the slot
  CHECK(eventually([&] {
    client again(port);
    boost::system::error_code ec;
    http::request<http::string_body> req{http::verb::get, "/v1/echo", 11};
    req.set(http::field::host, "127.0.0.1");
    http::write(again.socket, req, ec);
    http::response<http::string_body> res;
    if (!ec) http::read(again.socket, again.buffer, res, ec);
    return !ec && res.result() == http::status::ok;
  }));
  service.stop();
}

TEST_CASE("the rate-limit table holds at most max_tracked_users users", "[actors][serve]") {
  actors::service_options options;
  options.max_tracked_users = 3;
  actors::modeled_service service(
      service_scenario({"platform.rate_limits=[{tier: default, endpoint: echo, limit: 1/day}]"}),
      options);
  const auto port = service.start("127.0.0.1", 0);
  client c(port);
  const auto as = [&](const std::string& user) {
    http::request<http::string_body> req{http::verb::get, "/v1/echo", 11};
    req.set(http::field::host, "127.0.0.1");
    req.set("X-Stampede-User", user);
    http::write(c.socket, req);
    return c.receive().result();
  };
  for (int u = 0; u < 10; ++u) {
    CHECK(as("user-" + std::to_string(u)) == http::status::ok);
    CHECK(service.counters().tracked_users <= 3);
  }
  // Within the table the limit still holds: user-9 was counted last.
  CHECK(as("user-9") == http::status::too_many_requests);
  service.stop();
}

TEST_CASE("a chunked request with an oversized trailer gets 431, and the service goes on",
          "[actors][serve]") {
  actors::modeled_service service(service_scenario());
  const auto port = service.start("127.0.0.1", 0);
  {
    client bad(port);
    // One trailer field of 70,000 bytes: past what Beast can store in a field
    // (it threw from inside the read), and past the 8 KiB header limit.
    bad.send_raw(
        "POST /v1/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        "2\r\n{}\r\n0\r\nX-Pad: " +
        std::string(70'000, 'a') + "\r\n\r\n");
    const auto res = bad.receive();
    CHECK(res.result() == http::status::request_header_fields_too_large);
    CHECK(bad.closed_by_server());
  }
  CHECK(service.counters().headers_too_large == 1);
  client good(port);
  CHECK(good.exchange(http::verb::get, "/v1/echo").result() == http::status::ok);
  service.stop();
}

TEST_CASE(
    "HTTP/1.1 without exactly one Host, or with a transfer coding other than chunked, gets "
    "400",
    "[actors][serve]") {
  actors::modeled_service service(service_scenario());
  const auto port = service.start("127.0.0.1", 0);
  for (const std::string& request :
       {std::string("GET /v1/echo HTTP/1.1\r\n\r\n"),
        std::string("GET /v1/echo HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
        std::string("POST /v1/echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n"),
        std::string("GET /v1/echo HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n")}) {
    INFO(request);
    client bad(port);
    bad.send_raw(request);
    const auto res = bad.receive();
    CHECK(res.result() == http::status::bad_request);
    CHECK(bad.closed_by_server());
  }
  // HTTP/1.0 may leave Host out.
  client old(port);
  old.send_raw("GET /v1/echo HTTP/1.0\r\n\r\n");
  CHECK(old.receive().result() == http::status::ok);
  CHECK(service.counters().bad_request == 4);
  service.stop();
}
