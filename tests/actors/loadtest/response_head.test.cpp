// The load generator's quick read of a whole response (actors/loadtest/response_head.hpp):
// figures by hand, and the same status, keep-alive and size as Beast's parser
// wherever it answers at all.
#include "actors/loadtest/response_head.hpp"

#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace stampede::actors;
namespace http = boost::beast::http;

namespace {

/// What Beast's parser reads at the front of `bytes`: status, keep-alive and
/// bytes taken, or nothing when it fails or wants more.
std::optional<whole_response> beast_reads(const std::string& bytes) {
  http::response_parser<http::string_body> p;
  p.eager(true);
  boost::beast::error_code ec;
  const std::size_t n = p.put(boost::asio::buffer(bytes), ec);
  if (ec || !p.is_done()) return std::nullopt;
  return whole_response{static_cast<int>(p.get().result_int()), p.keep_alive(), n};
}

const std::string nginx_ok =
    "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Tue, 01 Dec 2026 02:00:00 GMT\r\n"
    "Content-Type: application/octet-stream\r\nContent-Length: 2\r\nConnection: keep-alive\r\n"
    "\r\nok";

}  // namespace

TEST_CASE("a whole response framed by Content-Length is read at once", "[loadtest]") {
  auto r = read_whole_response(nginx_ok);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->keep_alive);
  CHECK(r->size == nginx_ok.size());

  // Bytes after it are not part of it.
  r = read_whole_response(nginx_ok + "HTTP/1.1 200 OK\r\n");
  REQUIRE(r);
  CHECK(r->size == nginx_ok.size());

  r = read_whole_response(
      "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n"
      "CONNECTION: Close\r\n\r\n");
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK_FALSE(r->keep_alive);
  CHECK(r->size == 74);

  // HTTP/1.0 keeps the connection only when asked.
  r = read_whole_response("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx");
  REQUIRE(r);
  CHECK_FALSE(r->keep_alive);
  r = read_whole_response(
      "HTTP/1.0 429 \r\nConnection: foo, Keep-Alive\r\nContent-Length: 1\r\n\r\nx");
  REQUIRE(r);
  CHECK(r->status == 429);
  CHECK(r->keep_alive);
}

TEST_CASE("what is not a whole Content-Length response is left to Beast's parser", "[loadtest]") {
  for (const std::string& bytes : {
           nginx_ok.substr(0, nginx_ok.size() - 1),  // body not whole
           nginx_ok.substr(0, 40),                   // head not whole
           std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"),
           std::string("HTTP/1.1 200 OK\r\n\r\nok"),  // no length: read until the close
           std::string("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"),
           std::string("HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n"),
           std::string("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
           std::string("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx"),
           std::string("HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\nx"),
           std::string("HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\nx"),
           std::string("HTTP/1.1 200 OK\r\nBad Name: x\r\nContent-Length: 0\r\n\r\n"),
           std::string("HTTP/1.1 200 OK\r\n folded: x\r\nContent-Length: 0\r\n\r\n"),
           std::string("HTTP/1.1 200 OK\r\nX: a\rb\r\nContent-Length: 0\r\n\r\n"),
           std::string("HTTP/1.1 200 OK\nContent-Length: 0\n\n"),
           std::string("HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n"),
           std::string("HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n"),
           std::string("HTTP/1.1 200OK\r\nContent-Length: 0\r\n\r\n"),
           std::string("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"),
           std::string("HTTP/1.1 200 OK\r\n: x\r\nContent-Length: 0\r\n\r\n"),
           // Not a token list: Beast's parser refuses it (bad_value).
           std::string("HTTP/1.1 200 OK\r\nConnection: keep-alive;x\r\nContent-Length: 0\r\n\r\n"),
           std::string("HTTP/1.1 200 OK\r\nConnection: \"close\"\r\nContent-Length: 0\r\n\r\n"),
           std::string("HTTP/1.1 200 OK\r\nProxy-Connection: a b\r\nContent-Length: 0\r\n\r\n"),
           // A head over Beast's header_limit (8 KiB): refused however it arrives.
           "HTTP/1.1 200 OK\r\nX-Big: " + std::string(9000, 'v') + "\r\nContent-Length: 0\r\n\r\n",
       }) {
    INFO(bytes);
    CHECK_FALSE(read_whole_response(bytes));
  }
}

TEST_CASE("where both read a response, the quick read and Beast's parser agree", "[loadtest]") {
  std::vector<std::string> cases = {nginx_ok};
  const std::vector<std::string> status_lines = {"HTTP/1.1 200 OK", "HTTP/1.1 200 ",
                                                 "HTTP/1.0 201 Created", "HTTP/1.1 404 Not\tFound",
                                                 "HTTP/1.1 599 x"};
  const std::vector<std::string> connections = {
      "", "Connection: close\r\n", "Connection: keep-alive\r\n",
      "Connection: Keep-Alive, close\r\n", "Connection:close\r\n",
      "Connection: upgrade,  close \r\n", "Connection: ,,keep-alive\r\n",
      "Connection: x\r\nConnection: close\r\n", "Connection: closed\r\n",
      // Beast's keep_alive() reads Proxy-Connection too.
      "Proxy-Connection: close\r\n", "Proxy-Connection: keep-alive\r\n"};
  const std::vector<std::string> others = {"", "X-A: \r\n", "Server:\tnginx\t\r\n",
                                           "X-Long: " + std::string(300, 'v') + "\r\n"};
  for (const auto& status : status_lines) {
    for (const auto& connection : connections) {
      for (const auto& other : others) {
        for (const std::string& body : {std::string(), std::string("hello")}) {
          cases.push_back(status + "\r\n" + other + "Content-Length: " +
                          std::to_string(body.size()) + "\r\n" + connection + "\r\n" + body);
        }
      }
    }
  }
  int read_both = 0;
  for (const auto& bytes : cases) {
    INFO(bytes);
    const auto quick = read_whole_response(bytes);
    const auto beast = beast_reads(bytes);
    if (!quick) continue;
    REQUIRE(beast);
    CHECK(quick->status == beast->status);
    CHECK(quick->keep_alive == beast->keep_alive);
    CHECK(quick->size == beast->size);
    ++read_both;
  }
  // Every generated case is well formed: the quick read takes them all.
  CHECK(read_both == static_cast<int>(cases.size()));
}

TEST_CASE("the response reader remembers the last head and reads the same as without it",
          "[loadtest]") {
  const std::string head = nginx_ok.substr(0, nginx_ok.size() - 2);
  response_reader reader;
  const auto same = [&](const std::string& bytes) {
    const auto memo = reader.read(bytes);
    const auto plain = read_whole_response(bytes);
    REQUIRE(memo.has_value() == plain.has_value());
    if (!memo) return false;
    CHECK(memo->status == plain->status);
    CHECK(memo->keep_alive == plain->keep_alive);
    CHECK(memo->size == plain->size);
    CHECK(memo->head == plain->head);
    return true;
  };
  CHECK(same(nginx_ok));
  CHECK(reader.read(nginx_ok)->head == head.size());
  // The same head: a body not all come yet, then whole, then with more after it.
  CHECK_FALSE(same(head));
  CHECK_FALSE(same(head + "o"));
  CHECK(same(head + "no"));
  CHECK(same(nginx_ok + "HTTP/1.1 200 OK\r\n"));
  // Another head (the Date of the next second, another status) is read again.
  std::string next = nginx_ok;
  next.replace(next.find("02:00:00"), 8, "02:00:01");
  CHECK(same(next));
  CHECK(same("HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
  CHECK(
      reader
          .read("HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
          ->status == 429);
  // A head that is not whole, or one read by Beast alone, leaves the memory as it was.
  CHECK_FALSE(same("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"));
  CHECK_FALSE(same(head.substr(0, 40)));
  CHECK(same(nginx_ok));
}
