// stampede_fault_server: a tiny HTTP/1.1 keep-alive server that misbehaves on
// purpose, for the load generator's fault tests.
//
//   stampede_fault_server --port 0 --mode ok|close-mid-response|stall|error500|delay|unsolicited|
//                                         idle-close|slow-start|early-answer
//                         [--delay-ms N] [--max-seconds N] [--record FILE]
//
// It prints "listening on PORT" and serves until SIGTERM/SIGINT or N seconds
// (default 120), so a test that forgets it can never leave it running.
//   ok                  200 at once
//   close-mid-response  half of a 200 response, then the connection closes
//   stall               200 at once, except that in the last second of every
//                       3 s cycle all responses wait for the cycle's end (a global
//                       pause, like a GC pause): what coordinated omission hides
//   error500            500 at once
//   delay               200 after --delay-ms (default 2000) on every request: a
//                       slow target that keeps each connection busy that long
//   unsolicited         200 at once, followed by a 500 nobody asked for (a
//                       confused proxy): a client must not book it to its next request
//   idle-close          200 at once (keep-alive), and the connection is closed when
//                       no next request came within --delay-ms (a keep-alive
//                       timeout, as every server has): a client must not send on it
//   slow-start          200, but a request that comes in the first --delay-ms after
//                       the server started waits until then: a burst of busy
//                       connections, and a fast target after it
//   early-answer        200 as soon as a request's head has come, then nothing is
//                       read for --delay-ms before its body: an answer that comes
//                       while the client is still writing the request
// --tls-cert FILE --tls-key FILE serves over TLS with that certificate and key
// (PEM), and tells on stdout how each connection ended (close_notify or not).
// --record FILE appends every request it receives (head and body) to FILE, so a
// test can check what reached the wire.
#include <poll.h>
#include <signal.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>

namespace {

using tcp = boost::asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

enum class mode {
  ok,
  close_mid_response,
  stall,
  error500,
  delay,
  unsolicited,
  idle_close,
  slow_start,
  early_answer
};

const clock_type::time_point started = clock_type::now();

/// --record: where every request received is appended; nullptr: not recorded.
std::FILE* record = nullptr;
std::mutex record_mutex;

// Until the end of the current stall, if `now` falls in one.
void wait_out_stall() {
  using namespace std::chrono;
  const auto cycle = seconds(3);
  const auto since = clock_type::now() - started;
  const auto phase = since % cycle;
  if (phase >= seconds(2)) std::this_thread::sleep_until(started + (since - phase) + cycle);
}

std::string response(int status, const char* reason, bool keep_alive) {
  const std::string body = status == 200 ? "{\"ok\":true}\n" : "{\"error\":\"fault\"}\n";
  return "HTTP/1.1 " + std::to_string(status) + " " + reason +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: " + (keep_alive ? "keep-alive" : "close") + "\r\n\r\n" + body;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// How a TLS connection ended, on stdout: "connection ended: close_notify"
/// when the client sent one, "connection ended: without close_notify (...)"
/// when it closed the TCP connection without.
void tell_end(const boost::system::error_code& ec) {
  static std::mutex m;
  std::lock_guard lock(m);
  std::cout << "connection ended: "
            << (ec == boost::asio::error::eof ? "close_notify"
                                              : "without close_notify (" + ec.message() + ")")
            << std::endl;
}

/// Serves requests on `stream` (the socket, or TLS over it) until the client
/// leaves or the mode closes the connection.
template <class Stream>
void serve(Stream& stream, tcp::socket& socket, mode m, int delay_ms) {
  constexpr bool tls = !std::is_same_v<Stream, tcp::socket>;
  boost::system::error_code ec;
  std::string buffer;
  char chunk[16384];
  for (;;) {
    // One request: headers up to the blank line, then Content-Length bytes.
    std::size_t end = 0;
    while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
      const std::size_t n = stream.read_some(boost::asio::buffer(chunk), ec);
      if (ec) {
        if constexpr (tls) tell_end(ec);
        return;
      }
      buffer.append(chunk, n);
      if (buffer.size() > 1 << 20) return;
    }
    const std::string head = lower(buffer.substr(0, end));
    std::size_t length = 0;
    if (const auto at = head.find("\r\ncontent-length:"); at != std::string::npos) {
      length = std::strtoull(head.c_str() + at + 17, nullptr, 10);
    }
    const bool keep_alive = head.find("\r\nconnection: close") == std::string::npos &&
                            head.find("http/1.0") == std::string::npos;
    if (m == mode::early_answer) {
      boost::asio::write(stream, boost::asio::buffer(response(200, "OK", keep_alive)), ec);
      if (ec) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    }
    while (buffer.size() < end + 4 + length) {
      const std::size_t n = stream.read_some(boost::asio::buffer(chunk), ec);
      if (ec) return;
      buffer.append(chunk, n);
    }
    if (record != nullptr) {
      std::lock_guard lock(record_mutex);
      std::fwrite(buffer.data(), 1, end + 4 + length, record);
      std::fflush(record);
    }
    buffer.erase(0, end + 4 + length);

    std::string out;
    switch (m) {
      case mode::ok:
        out = response(200, "OK", keep_alive);
        break;
      case mode::early_answer:  // answered above
        if (!keep_alive) return;
        continue;
      case mode::error500:
        out = response(500, "Internal Server Error", keep_alive);
        break;
      case mode::delay:
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
        out = response(200, "OK", keep_alive);
        break;
      case mode::unsolicited:
        out = response(200, "OK", keep_alive) + response(500, "Internal Server Error", keep_alive);
        break;
      case mode::idle_close:
        out = response(200, "OK", keep_alive);
        break;
      case mode::slow_start:
        std::this_thread::sleep_until(started + std::chrono::milliseconds(delay_ms));
        out = response(200, "OK", keep_alive);
        break;
      case mode::stall:
        wait_out_stall();
        out = response(200, "OK", keep_alive);
        break;
      case mode::close_mid_response: {
        const std::string full = response(200, "OK", true);
        boost::asio::write(stream, boost::asio::buffer(full.data(), full.size() / 2), ec);
        socket.shutdown(tcp::socket::shutdown_both, ec);
        socket.close(ec);
        return;
      }
    }
    boost::asio::write(stream, boost::asio::buffer(out), ec);
    if (ec || !keep_alive) return;
    if (m == mode::idle_close && buffer.empty()) {
      pollfd p{socket.native_handle(), POLLIN, 0};
      if (::poll(&p, 1, delay_ms) == 0) return;  // the socket closes as it goes out of scope
    }
  }
}

void serve_connection(tcp::socket socket, mode m, int delay_ms, boost::asio::ssl::context* tls) {
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  if (tls == nullptr) return serve(socket, socket, m, delay_ms);
  boost::asio::ssl::stream<tcp::socket&> stream(socket, *tls);
  stream.handshake(boost::asio::ssl::stream_base::server, ec);
  if (!ec) serve(stream, socket, m, delay_ms);
}

[[noreturn]] void usage(const char* why) {
  std::cerr << "stampede_fault_server: " << why
            << "\nusage: stampede_fault_server --port P --mode ok|close-mid-response|stall|"
               "error500|delay|unsolicited|idle-close|slow-start|early-answer [--delay-ms N] "
               "[--max-seconds N] "
               "[--record FILE] [--tls-cert FILE --tls-key FILE]\n";
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  int max_seconds = 120;
  int delay_ms = 2000;
  std::string mode_name = "ok";
  std::string tls_cert, tls_key;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) usage(("missing value after " + arg).c_str());
    const std::string value = argv[++i];
    if (arg == "--port") {
      port = std::atoi(value.c_str());
    } else if (arg == "--mode") {
      mode_name = value;
    } else if (arg == "--delay-ms") {
      delay_ms = std::atoi(value.c_str());
    } else if (arg == "--max-seconds") {
      max_seconds = std::atoi(value.c_str());
    } else if (arg == "--tls-cert") {
      tls_cert = value;
    } else if (arg == "--tls-key") {
      tls_key = value;
    } else if (arg == "--record") {
      record = std::fopen(value.c_str(), "w");
      if (record == nullptr) usage(("cannot write " + value).c_str());
    } else {
      usage(("unknown option " + arg).c_str());
    }
  }
  mode m = mode::ok;
  if (mode_name == "ok") {
    m = mode::ok;
  } else if (mode_name == "close-mid-response") {
    m = mode::close_mid_response;
  } else if (mode_name == "stall") {
    m = mode::stall;
  } else if (mode_name == "error500") {
    m = mode::error500;
  } else if (mode_name == "delay") {
    m = mode::delay;
  } else if (mode_name == "unsolicited") {
    m = mode::unsolicited;
  } else if (mode_name == "idle-close") {
    m = mode::idle_close;
  } else if (mode_name == "slow-start") {
    m = mode::slow_start;
  } else if (mode_name == "early-answer") {
    m = mode::early_answer;
  } else {
    usage(("unknown mode " + mode_name).c_str());
  }
  if (port < 0 || port > 65535 || max_seconds <= 0 || delay_ms < 0) {
    usage("bad --port, --max-seconds or --delay-ms");
  }

  // Signals are taken synchronously by the main thread: block them before any
  // thread starts so that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::unique_ptr<boost::asio::ssl::context> tls;
  if (!tls_cert.empty()) {
    tls = std::make_unique<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
    boost::system::error_code ec;
    tls->use_certificate_chain_file(tls_cert, ec);
    if (!ec) tls->use_private_key_file(tls_key, boost::asio::ssl::context::pem, ec);
    if (ec) usage(("cannot use --tls-cert/--tls-key: " + ec.message()).c_str());
  }

  boost::asio::io_context context;
  tcp::acceptor acceptor(context);
  try {
    const tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"),
                                 static_cast<unsigned short>(port));
    acceptor.open(endpoint.protocol());
    acceptor.set_option(boost::asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(boost::asio::socket_base::max_listen_connections);
  } catch (const std::exception& e) {
    std::cerr << "stampede_fault_server: cannot listen: " << e.what() << "\n";
    return 1;
  }
  std::cout << "listening on " << acceptor.local_endpoint().port() << std::endl;

  std::thread([&acceptor, &context, &tls, m, delay_ms] {
    for (;;) {
      tcp::socket socket(context);
      boost::system::error_code ec;
      acceptor.accept(socket, ec);
      if (ec) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      std::thread(serve_connection, std::move(socket), m, delay_ms, tls.get()).detach();
    }
  }).detach();

  const timespec limit{max_seconds, 0};
  sigtimedwait(&signals, nullptr, &limit);
  // Connection threads may be blocked in reads: leave without unwinding them.
  std::_Exit(0);
}
