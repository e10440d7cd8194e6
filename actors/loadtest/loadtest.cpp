#include "actors/loadtest/loadtest.hpp"

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <deque>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "actors/engine/free_cores.hpp"
#include "actors/loadtest/recorder.hpp"
#include "actors/loadtest/response_head.hpp"
#include "sim/observe/intervals.hpp"
#include "sim/results/result_builder.hpp"
#include "sim/results/slo.hpp"
#include "sim/scenario/wall_clock.hpp"
#include "sim/world/pool_set.hpp"
#include "sim/world/population_slice.hpp"
#include "sim/world/window.hpp"

namespace stampede::actors {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

using clock_type = std::chrono::steady_clock;

/// One request of the model on its way to the wire.
struct pending {
  /// Intended send time, wall microseconds since the start.
  std::int64_t intended_us = 0;
  std::uint32_t block = 0;
  std::uint32_t session = 0;
  std::uint16_t endpoint = 0;
  /// The simulated user (stable across sessions) and their tier.
  std::uint16_t tier = 0;
  std::uint64_t user = 0;
  /// The request's number in the test (${seq}; also picks its HTTP worker).
  std::uint64_t seq = 0;
  /// The user's patience, scenario time (behavior.patience, drawn by the model).
  sim::vtime patience = 0;
};

/// A request template with its verb resolved once.
struct prepared_template {
  bool active = false;
  http::verb method = http::verb::get;
  sim::compiled_template path;
  sim::compiled_template body;
  std::vector<std::pair<std::string, sim::compiled_template>> headers;
};

std::vector<std::string> endpoint_names(const sim::scenario& s) {
  std::vector<std::string> names;
  for (const auto& e : s.endpoints) names.push_back(e.name);
  return names;
}

/// The address of an allowed target: IP literals and "localhost" only, so no
/// name is ever looked up (a DNS answer could point anywhere).
asio::ip::address target_address(const sim::target_url& t,
                                 const std::vector<std::string>& allow_hosts) {
  if (!sim::host_allowed(t.host, allow_hosts)) {
    throw loadtest_refused("target host \"" + t.host +
                           "\" is not in loadtest.allow_hosts; add it there (allow_hosts: [" +
                           t.host + ", ...]) if you mean to load it");
  }
  if (t.host == "localhost") return asio::ip::address_v4::loopback();
  beast::error_code ec;
  const auto a = asio::ip::make_address(t.host, ec);
  if (ec) {
    throw loadtest_refused("target host \"" + t.host +
                           "\" is a name: give an IP address (or localhost); stampede resolves "
                           "no names, so that a load only goes where it was told");
  }
  return a;
}

std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// The run_result of a load test, from its recorder.
sim::run_result make_result(const sim::scenario& s, sim::loadtest_result lt, loadtest_recorder& rec,
                            const sim::population_final& population, double adopters,
                            std::uint64_t model_requests) {
  sim::run_result r;
  r.scenario = s.name;
  r.description = s.description;
  r.seed = s.seed;
  r.scale = sim::wall_clock_scale(s.scale, lt.rate_scale);
  r.weight = 1.0 / r.scale;
  r.horizon_s = lt.duration_s * lt.time_scale;
  r.simulated_s = lt.wall_s * lt.time_scale;
  r.tick_s = sim::to_seconds(s.tick);
  r.report_interval_s = lt.interval_s * lt.time_scale;
  r.threads = lt.threads;
  r.wall_seconds = lt.wall_s;
  r.simulated_users = population.users;
  r.simulated_requests = model_requests;
  r.series = rec.series();
  lt.endpoints = rec.finish_endpoints();
  lt.lag = rec.lag();
  lt.dropped = rec.dropped();
  lt.first_dropped_s = static_cast<double>(rec.first_dropped_us()) * 1e-6;
  lt.last_dropped_s = static_cast<double>(rec.last_dropped_us()) * 1e-6;
  lt.reliable = sim::kept_schedule(lt);
  for (std::size_t i = 0; i < s.endpoints.size(); ++i) {
    const auto& le = lt.endpoints[i];
    sim::endpoint_result e;
    e.name = le.name;
    e.pool = s.pools.at(static_cast<std::size_t>(s.endpoints[i].pool)).name;
    e.offered = le.sent;
    e.completed = le.completed;
    e.rejected = le.status_503 + le.status_429;
    e.abandoned = le.timed_out;
    e.in_flight = le.in_flight;
    e.latency = le.corrected;
    r.endpoints.push_back(std::move(e));
  }
  r.slos = sim::loadtest_slos(s, lt.endpoints);
  r.adoption.population = s.population_size;
  r.adoption.adopters_at_end = adopters * r.weight;
  r.adoption.model = s.adoption.model;
  r.adoption.shares = static_cast<double>(population.shares) * r.weight;
  r.adoption.adopted_by_share = static_cast<double>(population.adopted_by_share) * r.weight;
  sim::set_peak_daily_active(r.adoption, population.daily_active, r.weight);
  r.loadtest = std::move(lt);
  r.digest = sim::compute_digest(r);
  return r;
}

/// What a load test was (target, scales, limits) and how it went.
sim::loadtest_result test_meta(const sim::scenario& s, const loadtest_options& o,
                               std::uint64_t peak_connections, std::uint64_t connections_at_end,
                               int threads, double wall_s, bool interrupted) {
  const sim::loadtest_spec& spec = *s.loadtest;
  sim::loadtest_result lt;
  lt.target = o.target.text();
  lt.tls_insecure = o.target.tls && spec.tls.insecure;
  lt.embedded = o.embedded;
  lt.time_scale = spec.time_scale;
  lt.rate_scale = spec.rate_scale;
  lt.connections = spec.connections;
  lt.max_connections = spec.max_connections;
  lt.peak_connections = peak_connections;
  lt.connections_at_end = connections_at_end;
  lt.threads = threads;
  lt.duration_s = loadtest_duration_s(s, o);
  lt.wall_s = wall_s;
  lt.interval_s = o.interval_s;
  lt.timeout_s = sim::to_seconds(spec.timeout);
  lt.max_lag_s = sim::to_seconds(spec.max_lag);
  lt.max_dropped = spec.max_dropped;
  lt.interrupted = interrupted;
  return lt;
}

// ---------------------------------------------------------------- HTTP workers

/// A finished or dropped request on its way back to the scheduler thread.
struct finished_request {
  loadtest_sample sample;
  std::uint32_t block = 0;
  std::uint32_t session = 0;
};

/// What a worker hands back to the scheduler thread. Guarded by `m`; the
/// worker hands over what it booked in batches (http_worker::hand_over) and
/// the scheduler swaps the vectors out every drain period, so the lock is
/// taken by one thread at a time almost always, and rarely.
struct mailbox {
  std::mutex m;
  std::vector<finished_request> done;
  std::vector<std::uint64_t> sent, unsent;
  std::uint64_t in_flight = 0;
  /// The most connections the worker held open, and those open at the end.
  std::uint64_t peak_connections = 0;
  std::uint64_t connections_at_end = 0;
  bool finished = false;
};

/// What every worker reads and nobody writes while the test runs.
struct shared_setup {
  const sim::loadtest_spec* spec = nullptr;
  const std::atomic<bool>* stop = nullptr;
  std::vector<prepared_template> templates;
  tcp::endpoint target;
  std::string host_header;
  /// For an https target: the TLS settings every connection's session starts
  /// from (an SSL_CTX may be shared by threads); null for http.
  std::shared_ptr<asio::ssl::context> tls;
  /// The name the certificate must hold (empty: nothing is verified), and
  /// the SNI name (empty for an IP).
  std::string tls_host;
  std::string tls_sni;
  /// Set by the first failed handshake, which alone is told on stderr (the
  /// counts say how many followed).
  mutable std::atomic_flag tls_failure_told;
  std::string target_text;
  /// Tier names, by index.
  std::vector<std::string> tiers;
  /// Per population block, its users' region name (X-Stampede-Region: the
  /// service counts rate limits by the user's local day).
  std::vector<std::string_view> block_regions;
  clock_type::time_point start;
  std::int64_t end_us = 0;
  std::int64_t timeout_us = 0;
  std::int64_t max_lag_us = 0;
  /// Per endpoint, how long a served user waits for the work after the queue
  /// (scenario µs): mean + 6 sd of its work distribution.
  std::vector<double> work_allowance_us;
  /// Called on a worker's thread once it has finished: the scheduler then
  /// takes its last figures at once rather than at its next drain.
  std::function<void()> on_worker_done;
};

/// An HTTP client on its own thread and io_context, with its share of the
/// connections and of the schedule: requests go to workers by seq, so which
/// worker sends a request never depends on timing, and a worker touches no
/// state of another (no lock on the send/receive path but its mailbox).
/// It starts with `connections` and opens more while every one is busy, up to
/// `max_connections`; a request that finds none within max_lag of its intended
/// time is dropped. So nothing waits longer than max_lag, and what the worker
/// holds is bounded (max_connections, and max_lag's worth of waiting requests)
/// whatever the target does. Connections beyond `connections` that have been
/// idle for idle_close_us are closed again, so that a burst does not leave a
/// service holding idle keep-alive sockets for the rest of the test.
class http_worker {
  // Sockets and timers bound to the io_context's own executor type rather
  // than any_io_executor: no type-erased executor on each completion.
  using socket_type = asio::basic_stream_socket<tcp, asio::io_context::executor_type>;
  using timer_type = asio::basic_waitable_timer<clock_type, asio::wait_traits<clock_type>,
                                                asio::io_context::executor_type>;

 public:
  http_worker(const shared_setup& setup, int connections, int max_connections,
              std::size_t endpoints)
      : setup_(setup),
        keep_connections_(static_cast<std::size_t>(connections)),
        max_connections_(static_cast<std::size_t>(max_connections)),
        pump_timer_(io_),
        sweep_timer_(io_),
        guard_timer_(io_) {
    for (int i = 0; i < connections; ++i) add_connection();
    box_.sent.assign(endpoints, 0);
    box_.unsent.assign(endpoints, 0);
    sent_.assign(endpoints, 0);
    // Timeouts by one sweep rather than a timer per request: arming a timer
    // per request was ~9% of the CPU (a timerfd_settime each). The sweep's
    // period bounds the error of a timeout's measured length.
    sweep_us_ = std::clamp<std::int64_t>(setup_.timeout_us / 20, 1000, 10'000);
  }

  void start() {
    thread_ = std::thread([this] {
      auto work = asio::make_work_guard(io_);
      arm_sweep();
      pump();
      io_.run();
    });
  }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  /// Stops and joins the thread when the run did not (it threw on the
  /// scheduler thread): a joinable std::thread would end the process in
  /// std::terminate, before the error could be reported.
  ~http_worker() {
    if (!thread_.joinable()) return;
    io_.stop();
    thread_.join();
  }
  /// Called from the scheduler thread: requests of a window, in intended order.
  void deliver(std::vector<pending> batch) {
    asio::post(io_, [this, b = std::move(batch)] {
      schedule_.insert(schedule_.end(), b.begin(), b.end());
      pump();
    });
  }
  mailbox& box() { return box_; }

 private:
  struct connection {
    explicit connection(asio::io_context& io) : socket(io) {}
    socket_type socket;
    /// The TLS session over `socket` (https); a new one for each connection
    /// opened, kept for every request the connection carries, and past its
    /// close until the next handshake: the aborted read still runs through it.
    std::optional<asio::ssl::stream<socket_type&>> tls;
    beast::flat_buffer buffer;
    std::string request;
    std::optional<status_parser> parser;
    bool open = false;
    bool busy = false;
    /// A write of `request` is in flight: until it completes the connection
    /// carries no other request (an answer can come before the request is
    /// all sent).
    bool writing = false;
    /// When it last became idle (wall µs since the start).
    std::int64_t idle_since_us = 0;
    /// Bumped at every close: a handler of an older socket finds another
    /// epoch and does nothing.
    std::uint64_t epoch = 0;
    pending job;
    std::int64_t sent_us = 0;
    std::int64_t deadline_us = 0;
    /// When the user's patience ends (wall µs since the start).
    std::int64_t patience_end_us = 0;
  };

  /// Scenario microseconds `t` in wall microseconds, at most `timeout`.
  std::int64_t wall_us(double t) const {
    const double wall = t / setup_.spec->time_scale;
    return std::max<std::int64_t>(
        1, std::llround(std::min(wall, static_cast<double>(setup_.timeout_us))));
  }

  std::int64_t now_us() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - setup_.start)
        .count();
  }

  void pump() {
    if (stopping_) return;
    const std::int64_t now = now_us();
    const bool interrupted = setup_.stop && setup_.stop->load();
    if (!interrupted) {
      // Everything due before the end goes out, even when this wake-up came
      // late past the end (a busy machine): the model emitted it, so it is sent.
      while (!schedule_.empty() && schedule_.front().intended_us <= now) {
        pending p = schedule_.front();
        schedule_.pop_front();
        if (p.intended_us >= setup_.end_us) continue;
        dispatch(p, now);
      }
    }
    if (now - handed_us_ >= hand_over_us) hand_over(now);
    if (interrupted || now >= setup_.end_us) return begin_stop();
    std::int64_t next = std::min(setup_.end_us, now + 50'000);
    if (!schedule_.empty()) {
      // Wake-ups at least `gap` apart: arming the timer for every request
      // (one timerfd_settime each) was a fifth of the CPU at full rate. A send
      // is then up to 0.2 ms late (1 ms while every connection is busy, none
      // may be opened and it would only join the waiting line), which the lag
      // histogram records.
      const std::int64_t gap = idle_.empty() && conns_.size() >= max_connections_ ? 1000 : 200;
      next = std::min(next, std::max(schedule_.front().intended_us, now + gap));
    }
    if (armed_ && armed_us_ <= next) return;  // an earlier wake-up is already set
    armed_ = true;
    armed_us_ = next;
    pump_timer_.expires_at(setup_.start + std::chrono::microseconds(next));
    pump_timer_.async_wait([this](beast::error_code ec) {
      if (ec) return;
      armed_ = false;
      pump();
    });
  }

  void dispatch(const pending& p, std::int64_t now) {
    if (late(p, now)) return drop(p, now);
    if (idle_.empty() && conns_.size() < max_connections_) add_connection();
    if (idle_.empty()) {
      // Every connection is busy and no more may be opened: the request waits
      // for one until max_lag past its intended time, then it is dropped.
      waiting_.push_back(p);
      return;
    }
    connection* c = idle_.back();
    idle_.pop_back();
    send(*c, p);
  }

  void add_connection() {
    conns_.push_back(std::make_unique<connection>(io_));
    idle_.push_back(conns_.back().get());
  }

  /// Too late to send: past max_lag of its intended time.
  bool late(const pending& p, std::int64_t now) const {
    return now - p.intended_us > setup_.max_lag_us;
  }

  /// Counts a request that was never sent, as a sample of class `dropped`
  /// (the results file keeps it, so a rebuilt report counts it too).
  void drop(const pending& p, std::int64_t now) {
    finished_request f;
    f.sample.intended_us = p.intended_us;
    f.sample.endpoint = p.endpoint;
    f.sample.what = outcome_class::dropped;
    f.sample.corrected_us = now - p.intended_us;
    f.block = p.block;
    f.session = p.session;
    done_.push_back(f);
  }

  /// Drops the waiting requests that are too late (the line is in intended order).
  void drop_late_waiting(std::int64_t now) {
    while (!waiting_.empty() && late(waiting_.front(), now)) {
      drop(waiting_.front(), now);
      waiting_.pop_front();
    }
  }

  /// The request line, headers and body, written by hand into the
  /// connection's own buffer (reused, so no allocation once it has grown).
  void build(connection& c, const pending& p) {
    const prepared_template& t = setup_.templates[p.endpoint];
    const auto& spec = *setup_.spec;
    sim::template_values v;
    v.user_id = p.user;
    v.tier = setup_.tiers[p.tier];
    v.seq = p.seq;
    if (!spec.prompts.empty()) v.prompt = spec.prompts[mix64(v.seq) % spec.prompts.size()];
    std::string& r = c.request;
    r.clear();
    // string_view literals: appended without a strlen each.
    using namespace std::string_view_literals;
    const auto method = http::to_string(t.method);
    r.append(method.data(), method.size());
    r += ' ';
    t.path.expand_into(r, v);
    r += " HTTP/1.1\r\nHost: "sv;
    r += setup_.host_header;
    r += "\r\nUser-Agent: stampede-loadtest\r\n"sv;
    // Who sends it, so that a service can apply per-user limits (the modeled
    // one answers 429 over the scenario's rate limits).
    char user[24];
    r += "X-Stampede-User: "sv;
    r.append(user, std::to_chars(user, user + sizeof user, p.user).ptr);
    r += "\r\nX-Stampede-Tier: "sv;
    r += setup_.tiers[p.tier];
    r += "\r\nX-Stampede-Region: "sv;
    r += setup_.block_regions[p.block];
    // The user's patience in scenario seconds: the modeled service abandons the
    // request in its queue as `run` does.
    r += "\r\nX-Stampede-Patience: "sv;
    sim::append_seconds(r, p.patience);
    r += "\r\n"sv;
    for (const auto& [k, val] : t.headers) {
      r += k;
      r += ": "sv;
      val.expand_into(r, v);
      r += "\r\n"sv;
    }
    body_.clear();
    t.body.expand_into(body_, v);
    // As Beast's prepare_payload: a length when there is a body or the method
    // expects one, none for a bodiless GET.
    if (!body_.empty() || t.method == http::verb::post || t.method == http::verb::put ||
        t.method == http::verb::patch) {
      char buf[24];
      const auto e = std::to_chars(buf, buf + sizeof buf, body_.size());
      r += "Content-Length: "sv;
      r.append(buf, e.ptr);
      r += "\r\n"sv;
    }
    r += "\r\n"sv;
    r += body_;
  }

  void send(connection& c, const pending& p) {
    c.job = p;
    c.busy = true;
    ++in_flight_;
    ++sent_[p.endpoint];
    build(c, p);
    c.sent_us = now_us();
    // The user's patience bounds the wait in the queue, which a client cannot
    // see: it waits the patience plus the work of a served request, at most
    // `timeout` (one deadline for connect, write and read). An error answer
    // after the patience alone, such as the modeled service's 504, is an
    // abandonment too.
    const auto patience = static_cast<double>(p.patience);
    c.patience_end_us = c.sent_us + wall_us(patience);
    c.deadline_us = c.sent_us + wall_us(patience + setup_.work_allowance_us[p.endpoint]);
    c.parser.reset();
    if (c.open) return write(c);
    peak_open_ = std::max(peak_open_, ++open_);
    c.socket.async_connect(setup_.target, [this, &c, epoch = c.epoch](beast::error_code ec) {
      if (epoch != c.epoch) return;
      if (ec) {
        close(c);
        return finish(c, outcome_class::connect_error, 0);
      }
      c.open = true;
      c.socket.set_option(tcp::no_delay(true));
      // retire's close_notify is written by a synchronous call, which must
      // not wait.
      c.socket.non_blocking(true);
      if (setup_.tls) return handshake(c);
      read(c);
      write(c);
    });
  }

  /// Starts TLS on a freshly connected socket: SNI, the certificate checked
  /// against the target's host (unless the context verifies nothing), then
  /// the request.
  void handshake(connection& c) {
    c.tls.emplace(c.socket, *setup_.tls);
    // Asio asks OpenSSL to free a connection's record buffers whenever they
    // are empty (SSL_MODE_RELEASE_BUFFERS), which on a keep-alive connection
    // means two ~17 KiB allocations and frees per request. Keeping them costs
    // 34 KiB per connection: kept up to 4096 connections (136 MiB).
    if (setup_.spec->max_connections <= 4096) {
      SSL_clear_mode(c.tls->native_handle(), SSL_MODE_RELEASE_BUFFERS);
    }
    if (!setup_.tls_sni.empty()) {
      SSL_set_tlsext_host_name(c.tls->native_handle(), setup_.tls_sni.c_str());
    }
    if (!setup_.tls_host.empty()) {
      // OpenSSL's own check, so that a failure names its reason ("hostname
      // mismatch", "IP address mismatch"); an IP is matched as an IP.
      X509_VERIFY_PARAM* param = SSL_get0_param(c.tls->native_handle());
      if (setup_.tls_sni.empty()) {
        X509_VERIFY_PARAM_set1_ip_asc(param, setup_.tls_host.c_str());
      } else {
        X509_VERIFY_PARAM_set1_host(param, setup_.tls_host.c_str(), setup_.tls_host.size());
      }
    }
    c.tls->async_handshake(
        asio::ssl::stream_base::client, [this, &c, epoch = c.epoch](beast::error_code ec) {
          if (epoch != c.epoch) return;
          if (ec && !setup_.tls_failure_told.test_and_set()) {
            const long verify = SSL_get_verify_result(c.tls->native_handle());
            std::cerr << "warning: the TLS handshake with " << setup_.target_text
                      << " failed: " << ec.message()
                      << (verify != X509_V_OK
                              ? std::string(" (") + X509_verify_cert_error_string(verify) + ")"
                              : "")
                      << "; such requests count as tls_handshake\n";
          }
          if (ec) {
            close(c);
            return finish(c, outcome_class::tls_handshake, 0);
          }
          read(c);
          write(c);
        });
  }

  /// Calls f with the connection's stream: the TLS session, or the socket.
  template <class F>
  static void with_stream(connection& c, F&& f) {
    if (c.tls) return f(*c.tls);
    f(c.socket);
  }

  void write(connection& c) {
    // Over http, what the socket takes at once goes out now: an asynchronous
    // write of a request that fits (nearly all do) costs an operation, its
    // allocation and a completion on top of the same send (bench/README.md,
    // "Issue 16 part 5, round 3"). The rest, if any, is written
    // asynchronously. Over TLS a write cut short by a full socket would lose
    // bytes already encrypted, so TLS writes stay asynchronous.
    std::size_t sent = 0;
    if (!c.tls) {
      beast::error_code ec;
      sent = c.socket.write_some(asio::buffer(c.request), ec);
      if (ec && ec != asio::error::would_block) return fail(c);
      if (sent == c.request.size()) return;
    }
    c.writing = true;
    with_stream(c, [this, &c, sent](auto& stream) {
      asio::async_write(stream, asio::buffer(c.request) + sent,
                        [this, &c, epoch = c.epoch](beast::error_code ec, std::size_t) {
                          if (epoch != c.epoch) return;
                          c.writing = false;
                          if (ec) fail(c);
                        });
    });
  }

  /// Keeps one read pending on an open connection, busy or idle, from its
  /// handshake on. While busy it reads the response. While idle it finds
  /// bytes nobody asked for (they would pass for the next response) or the
  /// server closing the connection (a keep-alive timeout): either closes it,
  /// and the next request opens a fresh one. A read that waits costs nothing
  /// until bytes come, so a request costs a send, the receive of its answer
  /// and the first try of the next read; a wait for readability or a check
  /// before reuse would each cost one syscall more.
  void read(connection& c) {
    const auto space = c.buffer.prepare(beast::read_size(c.buffer, 65536));
    with_stream(c, [this, &c, space](auto& stream) {
      stream.async_read_some(space,
                             [this, &c, epoch = c.epoch](beast::error_code ec, std::size_t n) {
                               if (epoch != c.epoch) return;
                               c.buffer.commit(n);
                               if (!c.busy) return close(c);
                               received(c, ec);
                             });
    });
  }

  /// Books the response to a busy connection once it is whole: at once when
  /// the first bytes hold all of it (response_head.hpp), else through Beast's
  /// parser, fed as Beast's http::read does.
  void received(connection& c, beast::error_code ec) {
    if (!c.parser) {
      const auto bytes = c.buffer.data();
      const auto whole =
          ec ? std::nullopt
             : responses_.read({static_cast<const char*>(bytes.data()), bytes.size()});
      if (whole) {
        c.buffer.consume(whole->size);
        return complete(c, whole->status, whole->keep_alive);
      }
      c.parser.emplace();
      // Responses from a load target are small; a cap keeps a runaway one
      // from filling memory.
      c.parser->body_limit(64 * 1024 * 1024);
    }
    status_parser& parser = *c.parser;
    if (ec == asio::error::eof && parser.got_some()) {
      // A response that ends with the connection.
      ec = {};
      parser.put_eof(ec);
    }
    while (!ec && c.buffer.size() > 0 && !parser.is_done()) {
      c.buffer.consume(parser.put(c.buffer.data(), ec));
      if (ec == http::error::need_more) {
        ec = {};
        break;
      }
    }
    if (ec) return fail(c);
    if (!parser.is_done()) return read(c);
    complete(c, parser.status, parser.keep_alive());
  }

  /// A whole response read: the connection waits for the next request, or is
  /// closed, and the request is booked.
  void complete(connection& c, int status, bool keep_alive) {
    // Bytes past the response answer no request of ours: on a reused
    // connection they would pass for the next response.
    if (!keep_alive || c.buffer.size() > 0 || tls_pending(c) || c.writing) {
      close(c);
    } else {
      read(c);
    }
    answered(c, status);
  }

  /// Received TLS bytes not yet read (the rest of a record, or records after
  /// the response): they never make the socket readable again.
  static bool tls_pending(connection& c) {
    if (!c.tls) return false;
    SSL* ssl = c.tls->native_handle();
    return SSL_pending(ssl) > 0 || BIO_ctrl_pending(SSL_get_rbio(ssl)) > 0;
  }

  /// Books the answer `status` to the request on `c`. An answer after the
  /// deadline found the user gone (the sweep closes late by up to its period),
  /// and so did an error answer after the patience (the modeled service's 504).
  void answered(connection& c, int status) {
    const std::int64_t now = now_us();
    const bool late =
        now >= c.deadline_us || (now >= c.patience_end_us && (status < 200 || status >= 300));
    finish(c, late ? outcome_class::timeout : classify_status(status), late ? 0 : status, now);
  }

  /// Closes an idle connection the generator no longer needs; over TLS it
  /// sends close_notify first, so the server sees a clean end rather than a
  /// truncation. The alert is written without waiting for the server's own
  /// (RFC 8446 6.1 asks for none), so no server can hold this up: the socket
  /// does not block, and an idle connection's send buffer has room.
  void retire(connection& c) {
    if (c.tls && c.open) {
      beast::error_code ignored;
      c.tls->shutdown(ignored);
    }
    close(c);
  }

  void fail(connection& c) {
    close(c);
    finish(c, outcome_class::reset_closed, 0);
  }

  void close(connection& c) {
    if (c.socket.is_open()) --open_;
    beast::error_code ignored;
    c.socket.shutdown(tcp::socket::shutdown_both, ignored);
    c.socket.close(ignored);
    c.buffer.clear();
    c.open = false;
    c.writing = false;
    ++c.epoch;
  }

  /// Books the request on `c` as `what`, finished at `now` (read from the
  /// clock when not given), and hands the connection the next waiting request.
  void finish(connection& c, outcome_class what, int status, std::int64_t now = -1) {
    if (now < 0) now = now_us();
    const pending& p = c.job;
    finished_request f;
    f.sample.intended_us = p.intended_us;
    f.sample.endpoint = p.endpoint;
    f.sample.what = what;
    f.sample.status = status;
    f.sample.corrected_us = now - p.intended_us;
    f.sample.uncorrected_us = now - c.sent_us;
    f.sample.lag_us = c.sent_us - p.intended_us;
    f.block = p.block;
    f.session = p.session;
    c.busy = false;
    --in_flight_;
    done_.push_back(f);
    if (now - handed_us_ >= hand_over_us) hand_over(now);
    if (!stopping_) drop_late_waiting(now);
    if (!stopping_ && !waiting_.empty()) {
      const pending next = waiting_.front();
      waiting_.pop_front();
      send(c, next);
      return;
    }
    idle_.push_back(&c);
    c.idle_since_us = now;
    if (stopping_ && in_flight_ == 0) done();
  }

  /// Hands what the worker booked since the last time to the scheduler, under
  /// one lock: the send and receive path takes none. At every sweep, and from
  /// the pump and finish once hand_over_us has passed since the last: a result
  /// waits hand_over_us at most, or a sweep period (at most 10 ms) when nothing
  /// finishes after it, for the scheduler's next drain.
  void hand_over(std::int64_t now) {
    handed_us_ = now;
    if (done_.empty() && std::all_of(sent_.begin(), sent_.end(), [](auto n) { return n == 0; })) {
      return;
    }
    std::lock_guard lock(box_.m);
    box_.done.insert(box_.done.end(), done_.begin(), done_.end());
    for (std::size_t e = 0; e < sent_.size(); ++e) box_.sent[e] += std::exchange(sent_[e], 0);
    done_.clear();
  }

  void arm_sweep() {
    sweep_timer_.expires_after(std::chrono::microseconds(sweep_us_));
    sweep_timer_.async_wait([this](beast::error_code ec) {
      if (ec) return;
      const std::int64_t now = now_us();
      if (!stopping_) drop_late_waiting(now);
      // By index: a timed-out request's connection may carry the next waiting
      // request at once, which never opens a connection.
      for (std::size_t i = 0; i < conns_.size(); ++i) {
        connection& c = *conns_[i];
        if (c.busy && now >= c.deadline_us) {
          // Closing makes the pending connect, write or wait a no-op (epoch).
          close(c);
          finish(c, outcome_class::timeout, 0, now);
        }
      }
      // The longest idle first (the front of the idle stack): connections
      // opened for a burst go once it is over.
      for (connection* c : idle_) {
        if (open_ <= keep_connections_) break;
        if (c->open && now - c->idle_since_us >= idle_close_us) retire(*c);
      }
      hand_over(now);
      arm_sweep();
    });
  }

  void begin_stop() {
    const std::int64_t now = now_us();
    drop_late_waiting(now);
    stopping_ = true;
    hand_over(now);
    {
      std::lock_guard lock(box_.m);
      for (const pending& p : waiting_) ++box_.unsent[p.endpoint];
    }
    waiting_.clear();
    schedule_.clear();
    pump_timer_.cancel();
    if (in_flight_ == 0) return done();
    // Every request has its own timeout; this is only a guard against a bug.
    guard_timer_.expires_after(std::chrono::microseconds(setup_.timeout_us) +
                               std::chrono::seconds(2));
    guard_timer_.async_wait([this](beast::error_code ec) {
      if (!ec) done();
    });
  }

  void done() {
    pump_timer_.cancel();
    sweep_timer_.cancel();
    guard_timer_.cancel();
    hand_over(now_us());
    {
      std::lock_guard lock(box_.m);
      box_.in_flight = in_flight_;
      box_.peak_connections = peak_open_;
      box_.connections_at_end = open_;
      box_.finished = true;
    }
    for (auto& c : conns_) {
      if (!c->busy) retire(*c);
    }
    io_.stop();
    setup_.on_worker_done();
  }

  // The io_context is declared first so that it outlives every socket and timer.
  asio::io_context io_{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  const shared_setup& setup_;
  /// This worker's share of `connections`, of `max_connections`, and how long
  /// one more than `connections` may stay idle before it is closed.
  std::size_t keep_connections_;
  std::size_t max_connections_;
  static constexpr std::int64_t idle_close_us = 1'000'000;
  /// Connections open (connecting included), and the most at once.
  std::size_t open_ = 0;
  std::size_t peak_open_ = 0;
  timer_type pump_timer_, sweep_timer_, guard_timer_;
  std::vector<std::unique_ptr<connection>> conns_;
  std::vector<connection*> idle_;
  std::deque<pending> schedule_;
  std::deque<pending> waiting_;
  std::string body_;
  /// Reads whole responses, remembering the last head (one for all the
  /// worker's connections: a target answers them alike).
  response_reader responses_;
  std::uint64_t in_flight_ = 0;
  std::int64_t sweep_us_ = 1000;
  /// The pump timer is set, for armed_us_.
  bool armed_ = false;
  std::int64_t armed_us_ = 0;
  bool stopping_ = false;
  /// Booked since the last hand_over (at handed_us_): finished and dropped
  /// requests, and sends per endpoint.
  std::vector<finished_request> done_;
  std::vector<std::uint64_t> sent_;
  std::int64_t handed_us_ = 0;
  static constexpr std::int64_t hand_over_us = 1000;
  mailbox box_;
  std::thread thread_;
};

// ---------------------------------------------------------------- generator

/// The scheduler: runs the population model a tick ahead of the wall clock,
/// hands each window's requests to the HTTP workers, and takes their finished
/// requests back (recorder, results file, feedback to the users) every
/// drain_period and before each window is stepped. The model and the recorder
/// live on this thread only.
class generator {
 public:
  generator(const sim::scenario& s, const loadtest_options& o)
      : s_(s),
        spec_(*s.loadtest),
        o_(o),
        time_scale_(spec_.time_scale),
        duration_s_(loadtest_duration_s(s, o)),
        end_us_(static_cast<std::int64_t>(duration_s_ * 1e6)),
        end_virtual_(static_cast<sim::vtime>(duration_s_ * 1e6 * time_scale_)),
        rec_(endpoint_names(s), o.interval_s, time_scale_),
        timer_(io_),
        drain_timer_(io_),
        flush_timer_(io_),
        progress_timer_(io_),
        acceptor_(io_) {
    const auto address = target_address(o.target, spec_.allow_hosts);
    setup_.target = tcp::endpoint(address, o.target.port);
    setup_.host_header = o.target.authority();
    setup_.target_text = o.target.text();
    if (o.target.tls) setup_tls(o.target);
    setup_.spec = &spec_;
    setup_.stop = o.stop;
    setup_.end_us = end_us_;
    setup_.timeout_us = std::max<std::int64_t>(1, spec_.timeout);
    setup_.max_lag_us = spec_.max_lag;
    setup_.on_worker_done = [this] { asio::post(io_, [this] { drain(); }); };
    // Thinning by users, not by requests, keeps every simulated session whole.
    model_ = sim::wall_clock_model(s, sim::wall_clock_role::generator);
    for (const auto& t : s.tiers) setup_.tiers.push_back(t.name);
    layout_ = sim::block_layout::of(model_);
    for (const auto& b : layout_.blocks)
      setup_.block_regions.push_back(model_.regions[b.region].name);
    population_ = std::make_unique<sim::population_slice>(model_, layout_);
    adoption_ = std::make_unique<sim::adoption_clock>(model_, layout_.users);
    per_pool_.resize(s.pools.size());
    setup_.templates.resize(s.endpoints.size());
    for (const auto& e : s.endpoints) {
      setup_.work_allowance_us.push_back(1e6 * (e.work.mean() + 6 * std::sqrt(e.work.variance())));
    }
    for (std::size_t e = 0; e < s.endpoints.size() && e < spec_.requests.size(); ++e) {
      const auto& t = spec_.requests[e];
      if (t.path.empty()) continue;
      auto& p = setup_.templates[e];
      p.active = true;
      p.method = http::string_to_verb(t.method);
      if (p.method == http::verb::unknown) {
        throw loadtest_refused("loadtest.requests." + s.endpoints[e].name + ".method: unknown \"" +
                               t.method + "\"");
      }
      // ${env:NAME} is replaced here, once: no worker reads the environment.
      p.path = sim::compiled_template(t.path, &o.env);
      p.body = sim::compiled_template(t.body, &o.env);
      for (const auto& [name, value] : t.headers) {
        p.headers.emplace_back(name, sim::compiled_template(value, &o.env));
      }
    }
    // The connections are split between the HTTP threads (no more threads
    // than connections).
    const int n = std::max(1, spec_.connections);
    const int m = std::max(n, spec_.max_connections);
    const int workers = std::min(n, o.threads > 0 ? o.threads : default_http_threads());
    const auto share = [workers](int total, int w) {
      return total / workers + (w < total % workers ? 1 : 0);
    };
    for (int w = 0; w < workers; ++w) {
      workers_.push_back(
          std::make_unique<http_worker>(setup_, share(n, w), share(m, w), s.endpoints.size()));
    }
    batches_.resize(workers_.size());
    // One wall tick ahead: a window's requests are in the schedule before the
    // first of them is due, plus a millisecond for the stepping itself.
    lookahead_us_ = static_cast<std::int64_t>(static_cast<double>(s.tick) / time_scale_) + 1000;
  }

  sim::run_result run() {
    if (!o_.metrics_listen.empty()) start_metrics();
    if (o_.results) {
      const std::string h = results_header();
      std::fwrite(h.data(), 1, h.size(), o_.results);
      std::fflush(o_.results);
    }
    if (o_.on_ready) o_.on_ready();
    start_ = clock_type::now();
    setup_.start = start_;
    last_progress_ = start_;
    // The first windows are in the workers' schedules before they start.
    step_until(lookahead_us_);
    for (auto& w : workers_) w->start();
    pump();
    arm_drain();
    arm_flush();
    arm_progress();
    io_.run();
    for (auto& w : workers_) w->join();
    drain();
    const double wall = seconds_since_start();
    if (o_.results) {
      write_results();
      std::fflush(o_.results);
    }
    report_progress();

    std::uint64_t in_flight = 0, connections = 0, at_end = 0;
    for (auto& w : workers_) {
      in_flight += w->box().in_flight;
      connections += w->box().peak_connections;
      at_end += w->box().connections_at_end;
    }
    if (rec_.in_flight() != in_flight) {
      throw std::logic_error("load-test accounting: the recorder has " +
                             std::to_string(rec_.in_flight()) + " requests in flight, the pool " +
                             std::to_string(in_flight));
    }
    if (o_.part != nullptr) {
      for (const auto& e : rec_.endpoints()) {
        o_.part->sent.push_back(e.sent);
        o_.part->not_sent.push_back(e.not_sent);
        o_.part->unsent_at_stop.push_back(e.unsent_at_stop);
      }
      o_.part->model_requests = model_requests_;
      o_.part->peak_connections = connections;
      o_.part->connections_at_end = at_end;
      o_.part->threads = static_cast<int>(workers_.size());
      o_.part->wall_s = wall;
      o_.part->interrupted = interrupted_;
      o_.part->population = population_->final_figures();
      o_.part->adopters = static_cast<double>(population_->adopted());
    }
    sim::loadtest_result lt = test_meta(s_, o_, connections, at_end,
                                        static_cast<int>(workers_.size()), wall, interrupted_);
    auto r = make_result(s_, std::move(lt), rec_, population_->final_figures(),
                         static_cast<double>(population_->adopted()), model_requests_);
    if (!r.loadtest->reliable) {
      std::cerr << "warning: the generator fell behind its schedule (" << r.loadtest->dropped
                << " requests dropped, " << sim::dropped_share(r.loadtest->endpoints) * 100
                << "% > loadtest.max_dropped " << r.loadtest->max_dropped * 100 << "%; lag p99 "
                << static_cast<double>(r.loadtest->lag.quantile(0.99)) * 1e-3
                << " ms, loadtest.max_lag " << r.loadtest->max_lag_s * 1e3 << " ms; " << connections
                << " of at most " << spec_.max_connections
                << " connections): the results are marked unreliable\n";
    }
    return r;
  }

 private:
  /// How often finished requests are taken back between windows. Each drain
  /// wakes this thread, and a wake-up costs more than the work of a drain;
  /// nothing waits for it: a window is stepped after a drain of its own, the
  /// results file and the progress line are written every half second, and a
  /// worker that finishes says so at once (on_worker_done).
  static constexpr std::chrono::milliseconds drain_period{10};

  /// The TLS context of an https target: the system's certificate store, or
  /// loadtest.tls.ca_file, and peer verification unless loadtest.tls.insecure;
  /// the name checked and sent as SNI.
  void setup_tls(const sim::target_url& t) {
    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    beast::error_code ec;
    if (spec_.tls.ca_file.empty()) {
      ctx->set_default_verify_paths(ec);
    } else {
      ctx->load_verify_file(spec_.tls.ca_file, ec);
    }
    if (ec) {
      throw loadtest_refused(spec_.tls.ca_file.empty()
                                 ? "cannot read the system's certificate store: " + ec.message()
                                 : "loadtest.tls.ca_file: cannot read \"" + spec_.tls.ca_file +
                                       "\" as PEM certificates: " + ec.message());
    }
    ctx->set_verify_mode(spec_.tls.insecure ? asio::ssl::verify_none : asio::ssl::verify_peer);
    setup_.tls = std::move(ctx);
    // loadtest.tls.server_name stands for the host when the target is reached
    // by an address or another name.
    const std::string& name = spec_.tls.server_name.empty() ? t.host : spec_.tls.server_name;
    if (!spec_.tls.insecure) setup_.tls_host = name;
    // SNI carries a DNS name only (RFC 6066), never an address.
    beast::error_code not_ip;
    asio::ip::make_address(name, not_ip);
    if (not_ip) setup_.tls_sni = name;
  }

  std::int64_t now_us() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - start_)
        .count();
  }
  double seconds_since_start() const {
    return std::chrono::duration<double>(clock_type::now() - start_).count();
  }

  // ------------------------------------------------------------ schedule

  /// Steps the population model through every window that starts before
  /// `wall_us` (in wall time), and hands the requests of those windows to the
  /// workers (request seq modulo the number of workers).
  void step_until(std::int64_t wall_us) {
    const auto limit = static_cast<sim::vtime>(static_cast<double>(wall_us) * time_scale_);
    while (window_t0_ < end_virtual_ && window_t0_ <= limit) {
      const sim::vtime t0 = window_t0_;
      const sim::vtime t1 = std::min(end_virtual_, t0 + s_.tick);
      const sim::window w{window_index_++, t0, t1};
      for (auto& v : per_pool_) v.clear();
      // The window of sim::world, paced by the wall clock: exposures from the
      // last window's shares, the slice's step, its close.
      if (exposures_) population_->expose(*exposures_);
      sim::slice_report report = population_->step(w, adoption_->hazard(), per_pool_);
      summer_.add(report);
      const sim::window_summary summary = summer_.take();
      adoption_->close(w, summary);
      exposures_ = summary.exposures;
      // The slice sorted each pool's batch: merge them into one send order.
      batch_.clear();
      for (const auto& v : per_pool_) sim::merge_arrivals(batch_, v, merge_scratch_);
      for (const sim::request& r : batch_) {
        const bool active = setup_.templates[r.endpoint].active;
        // ${seq} numbers the load-tested requests of the whole schedule, so
        // that a request has its number whichever generator sends it.
        const std::uint64_t seq = active ? seq_++ : 0;
        if (r.block() % o_.shares != o_.share) {
          // Another generator's request: it sends it; here its user is taken as served.
          population_->receive({r.at, r.block(), r.session, sim::outcome::kind::completed});
          continue;
        }
        ++model_requests_;
        if (!active) {
          // Not load-tested: the user sees it succeed at once, so the session goes on.
          rec_.not_sent(r.endpoint);
          population_->receive({r.at, r.block(), r.session, sim::outcome::kind::completed});
          continue;
        }
        pending p;
        p.intended_us = std::llround(static_cast<double>(r.at) / time_scale_);
        p.block = r.block();
        p.session = r.session;
        p.endpoint = r.endpoint;
        p.tier = population_->block(r.block()).tier();
        p.user =
            layout_.blocks[r.block()].first_user + population_->block(r.block()).user_of(r.session);
        p.seq = seq;
        p.patience = r.patience;
        batches_[p.seq % batches_.size()].push_back(p);
      }
      for (std::size_t w = 0; w < workers_.size(); ++w) {
        if (batches_[w].empty()) continue;
        workers_[w]->deliver(std::move(batches_[w]));
        batches_[w] = {};
      }
      window_t0_ = t1;
    }
  }

  /// Steps windows as the wall clock reaches them, until the end or a stop.
  void pump() {
    const std::int64_t now = now_us();
    if (o_.stop && o_.stop->load()) {
      interrupted_ = now < end_us_;
      return;
    }
    // Feedback first, so that the window about to be stepped sees it.
    drain();
    step_until(now + lookahead_us_);
    if (window_t0_ >= end_virtual_) return;
    const std::int64_t next = std::min(
        now + 50'000,
        static_cast<std::int64_t>(static_cast<double>(window_t0_) / time_scale_) - lookahead_us_);
    timer_.expires_at(start_ + std::chrono::microseconds(std::max(next, now)));
    timer_.async_wait([this](beast::error_code ec) {
      if (!ec) pump();
    });
  }

  /// Takes what the workers finished: counts, samples, and the users' feedback.
  void drain() {
    bool all_finished = true;
    for (auto& w : workers_) {
      mailbox& box = w->box();
      {
        std::lock_guard lock(box.m);
        std::swap(box.done, taken_);
        for (std::size_t e = 0; e < box.sent.size(); ++e) {
          for (; box.sent[e] > 0; --box.sent[e]) rec_.sent(static_cast<int>(e));
          for (; box.unsent[e] > 0; --box.unsent[e]) rec_.unsent_at_stop(static_cast<int>(e));
        }
        all_finished = all_finished && box.finished;
      }
      merged_.insert(merged_.end(), taken_.begin(), taken_.end());
      taken_.clear();
    }
    // The recorder wants samples in the order they finished; each worker's
    // are, so one sort of the two runs restores it.
    std::sort(merged_.begin(), merged_.end(), [](const auto& a, const auto& b) {
      return a.sample.intended_us + a.sample.corrected_us <
             b.sample.intended_us + b.sample.corrected_us;
    });
    for (const finished_request& f : merged_) {
      rec_.record(f.sample);
      if (o_.part != nullptr) o_.part->samples.push_back(f.sample);
      recent_lag_.record(f.sample.lag_us);
      if (o_.results) append_sample(results_buffer_, f.sample, rec_names_);
      // Back to the user: at the virtual time the response came.
      const auto at = static_cast<sim::vtime>(
          static_cast<double>(f.sample.intended_us + f.sample.corrected_us) * time_scale_);
      population_->receive({at, f.block, f.session, model_kind(f.sample.what)});
    }
    merged_.clear();
    if (results_buffer_.size() >= 256 * 1024) write_results();
    if (all_finished && !stopped_) {
      stopped_ = true;
      if (o_.stop && o_.stop->load() && now_us() < end_us_) interrupted_ = true;
      shutdown();
    }
  }

  void write_results() {
    if (!o_.results || results_buffer_.empty()) return;
    std::fwrite(results_buffer_.data(), 1, results_buffer_.size(), o_.results);
    results_buffer_.clear();
  }

  void arm_drain() {
    drain_timer_.expires_after(drain_period);
    drain_timer_.async_wait([this](beast::error_code ec) {
      if (ec) return;
      drain();
      if (!stopped_) arm_drain();
    });
  }

  void shutdown() {
    timer_.cancel();
    drain_timer_.cancel();
    flush_timer_.cancel();
    progress_timer_.cancel();
    beast::error_code ignored;
    acceptor_.close(ignored);
    io_.stop();
  }

  void arm_flush() {
    flush_timer_.expires_after(std::chrono::milliseconds(500));
    flush_timer_.async_wait([this](beast::error_code ec) {
      if (ec) return;
      if (o_.results) {
        write_results();
        std::fflush(o_.results);
      }
      arm_flush();
    });
  }

  void arm_progress() {
    progress_timer_.expires_after(std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::duration<double>(o_.progress_every_s)));
    progress_timer_.async_wait([this](beast::error_code ec) {
      if (ec) return;
      report_progress();
      arm_progress();
    });
  }

  void report_progress() {
    const auto now = clock_type::now();
    const double dt = std::chrono::duration<double>(now - last_progress_).count();
    last_progress_ = now;
    rec_.advance(now_us());
    const double lag_p99 = static_cast<double>(recent_lag_.quantile(0.99)) * 1e-6;
    const std::uint64_t dropped = rec_.dropped() - last_dropped_;
    last_dropped_ = rec_.dropped();
    if ((dropped > 0 || lag_p99 > sim::to_seconds(spec_.max_lag)) &&
        std::chrono::duration<double>(now - last_behind_warning_).count() > 5) {
      last_behind_warning_ = now;
      std::cerr << "\nwarning: the generator is behind its schedule (" << dropped
                << " requests dropped, lag p99 " << lag_p99 * 1e3 << " ms over the last " << dt
                << " s)\n";
    }
    recent_lag_.clear();
    if (!o_.on_progress) return;
    loadtest_progress p;
    p.wall_s = seconds_since_start();
    p.duration_s = duration_s_;
    p.virtual_s = p.wall_s * time_scale_;
    p.rate = dt > 0 ? static_cast<double>(rec_.finished() - last_finished_) / dt : 0;
    last_finished_ = rec_.finished();
    p.p99_s = rec_.last_p99_s();
    p.errors = rec_.errors();
    p.dropped = rec_.dropped();
    p.in_flight = rec_.in_flight();
    p.lag_p99_s = lag_p99;
    for (const auto& e : rec_.endpoints()) p.sent += e.sent;
    o_.on_progress(p);
  }

  // ------------------------------------------------------------ metrics server

  std::string prometheus_text() {
    std::string out;
    const auto add = [&](const std::string& line) { out += line + "\n"; };
    add("# HELP stampede_loadtest_sent_total Requests sent, by endpoint.");
    add("# TYPE stampede_loadtest_sent_total counter");
    for (const auto& e : rec_.endpoints()) {
      add("stampede_loadtest_sent_total{endpoint=\"" + e.name + "\"} " + std::to_string(e.sent));
    }
    add("# HELP stampede_loadtest_requests_total Finished requests, by endpoint and outcome.");
    add("# TYPE stampede_loadtest_requests_total counter");
    for (const auto& e : rec_.endpoints()) {
      const std::uint64_t counts[] = {e.status_2xx,   e.status_503,   e.status_429, e.status_4xx,
                                      e.status_5xx,   e.status_other, e.timeout,    e.connect_error,
                                      e.reset_closed, e.tls_handshake};
      for (int k = 0; k < outcome_classes; ++k) {
        add("stampede_loadtest_requests_total{endpoint=\"" + e.name + "\",outcome=\"" +
            outcome_class_name(static_cast<outcome_class>(k)) + "\"} " + std::to_string(counts[k]));
      }
    }
    add("# HELP stampede_loadtest_dropped_total Requests never sent: no connection within "
        "max_lag of their intended time.");
    add("# TYPE stampede_loadtest_dropped_total counter");
    for (const auto& e : rec_.endpoints()) {
      add("stampede_loadtest_dropped_total{endpoint=\"" + e.name + "\"} " +
          std::to_string(e.dropped));
    }
    add("# HELP stampede_loadtest_latency_seconds Latency of 2xx responses (corrected: from "
        "the intended send time; uncorrected: from the actual send).");
    add("# TYPE stampede_loadtest_latency_seconds summary");
    for (const auto& e : rec_.endpoints()) {
      for (const auto& [kind, h] :
           {std::pair{"corrected", &e.corrected}, std::pair{"uncorrected", &e.uncorrected}}) {
        for (double q : {0.5, 0.9, 0.99, 0.999}) {
          char buf[64];
          std::snprintf(buf, sizeof buf, "%g", static_cast<double>(h->quantile(q)) * 1e-6);
          add("stampede_loadtest_latency_seconds{endpoint=\"" + e.name + "\",kind=\"" + kind +
              "\",quantile=\"" + std::to_string(q).substr(0, 5) + "\"} " + buf);
        }
        add("stampede_loadtest_latency_seconds_count{endpoint=\"" + e.name + "\",kind=\"" + kind +
            "\"} " + std::to_string(h->count()));
      }
    }
    add("# HELP stampede_loadtest_lag_seconds Intended minus actual send time.");
    add("# TYPE stampede_loadtest_lag_seconds summary");
    for (double q : {0.5, 0.99}) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%g", static_cast<double>(rec_.lag().quantile(q)) * 1e-6);
      add(std::string("stampede_loadtest_lag_seconds{quantile=\"") + (q == 0.5 ? "0.5" : "0.99") +
          "\"} " + buf);
    }
    add("# TYPE stampede_loadtest_in_flight gauge");
    add("stampede_loadtest_in_flight " + std::to_string(rec_.in_flight()));
    add("# TYPE stampede_loadtest_virtual_seconds gauge");
    add("stampede_loadtest_virtual_seconds " + std::to_string(seconds_since_start() * time_scale_));
    return out;
  }

  void start_metrics() {
    const auto colon = o_.metrics_listen.rfind(':');
    beast::error_code ec;
    const auto addr = asio::ip::make_address(
        colon == std::string::npos ? "" : o_.metrics_listen.substr(0, colon), ec);
    if (ec || !addr.is_loopback()) {
      throw loadtest_refused("--metrics-listen " + o_.metrics_listen +
                             ": expected a loopback address and port, like 127.0.0.1:9464");
    }
    const auto port = static_cast<unsigned short>(std::stoi(o_.metrics_listen.substr(colon + 1)));
    const tcp::endpoint ep(addr, port);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen();
    if (o_.on_metrics_port) o_.on_metrics_port(acceptor_.local_endpoint().port());
    accept_metrics();
  }

  struct metrics_session {
    explicit metrics_session(tcp::socket s) : stream(std::move(s)) {}
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::response<http::string_body> res;
  };

  void accept_metrics() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      auto session = std::make_shared<metrics_session>(std::move(socket));
      session->stream.expires_after(std::chrono::seconds(5));
      http::async_read(session->stream, session->buffer, session->req,
                       [this, session](beast::error_code ec, std::size_t) {
                         if (ec) return;
                         session->res.version(11);
                         session->res.result(http::status::ok);
                         session->res.set(http::field::content_type, "text/plain; version=0.0.4");
                         session->res.body() = prometheus_text();
                         session->res.keep_alive(false);
                         session->res.prepare_payload();
                         http::async_write(session->stream, session->res,
                                           [session](beast::error_code, std::size_t) {
                                             beast::error_code ignored;
                                             session->stream.socket().shutdown(
                                                 tcp::socket::shutdown_both, ignored);
                                           });
                       });
      accept_metrics();
    });
  }

  // The io_context is declared first so that it outlives every socket and timer.
  asio::io_context io_{1};
  const sim::scenario& s_;
  const sim::loadtest_spec& spec_;
  const loadtest_options& o_;
  double time_scale_;
  double duration_s_;
  std::int64_t end_us_;
  sim::vtime end_virtual_;
  loadtest_recorder rec_;
  std::vector<std::string> rec_names_ = endpoint_names(s_);
  asio::steady_timer timer_, drain_timer_, flush_timer_, progress_timer_;
  tcp::acceptor acceptor_;
  shared_setup setup_;

  sim::scenario model_;
  sim::block_layout layout_;
  std::unique_ptr<sim::population_slice> population_;
  std::unique_ptr<sim::adoption_clock> adoption_;
  sim::window_summer summer_;
  std::shared_ptr<const std::vector<std::uint64_t>> exposures_;
  std::int64_t window_index_ = 0;
  std::vector<std::vector<sim::request>> per_pool_;
  std::vector<sim::request> batch_;
  std::vector<sim::request> merge_scratch_;
  sim::vtime window_t0_ = 0;
  std::int64_t lookahead_us_ = 0;
  std::uint64_t model_requests_ = 0;
  std::uint64_t seq_ = 0;

  std::vector<std::unique_ptr<http_worker>> workers_;
  std::vector<std::vector<pending>> batches_;
  std::vector<finished_request> taken_, merged_;
  std::string results_buffer_;
  bool stopped_ = false;
  bool interrupted_ = false;

  clock_type::time_point start_;
  clock_type::time_point last_progress_;
  clock_type::time_point last_behind_warning_{};
  std::uint64_t last_finished_ = 0;
  std::uint64_t last_dropped_ = 0;
  sim::histogram recent_lag_;
};

}  // namespace

double loadtest_duration_s(const sim::scenario& s, const loadtest_options& o) {
  if (o.duration_s > 0) return o.duration_s;
  const auto& spec = *s.loadtest;
  if (spec.duration > 0) return sim::to_seconds(spec.duration);
  return sim::to_seconds(s.horizon) / spec.time_scale;
}

int http_threads_for(int offered) {
  return std::max(1, offered / 2);
}

int default_http_threads() {
  return http_threads_for(measure_machine().threads);
}

double loadtest_interval_s(double duration_s) {
  return std::max(1.0, std::ceil(duration_s / 600.0));
}

sim::run_result run_loadtest(const sim::scenario& s, const loadtest_options& o) {
  if (!s.loadtest) throw loadtest_refused("the scenario has no loadtest: section");
  generator g(s, o);
  return g.run();
}

sim::run_result merge_loadtest(const sim::scenario& s, const loadtest_options& o,
                               std::vector<loadtest_part> parts) {
  if (parts.empty()) throw std::logic_error("merge_loadtest: no parts");
  loadtest_recorder rec(endpoint_names(s), o.interval_s, s.loadtest->time_scale);
  std::vector<loadtest_sample> samples;
  std::uint64_t model_requests = 0, connections = 0, at_end = 0;
  int threads = 0;
  double wall_s = 0;
  bool interrupted = false;
  for (const loadtest_part& p : parts) {
    for (std::size_t e = 0; e < p.sent.size(); ++e) {
      const int i = static_cast<int>(e);
      for (std::uint64_t k = 0; k < p.sent[e]; ++k) rec.sent(i);
      for (std::uint64_t k = 0; k < p.not_sent[e]; ++k) rec.not_sent(i);
      for (std::uint64_t k = 0; k < p.unsent_at_stop[e]; ++k) rec.unsent_at_stop(i);
    }
    samples.insert(samples.end(), p.samples.begin(), p.samples.end());
    model_requests += p.model_requests;
    connections += p.peak_connections;
    at_end += p.connections_at_end;
    threads += p.threads;
    wall_s = std::max(wall_s, p.wall_s);
    interrupted = interrupted || p.interrupted;
  }
  // Each part's samples are in the order they finished: one stable sort by
  // finish time gives the order of one recorder (ties: the parts' order).
  std::stable_sort(samples.begin(), samples.end(), [](const auto& a, const auto& b) {
    return a.intended_us + a.corrected_us < b.intended_us + b.corrected_us;
  });
  for (const auto& smp : samples) rec.record(smp);
  if (o.results != nullptr) {
    const std::vector<std::string> names = endpoint_names(s);
    std::string text = results_header();
    for (const auto& smp : samples) append_sample(text, smp, names);
    std::fwrite(text.data(), 1, text.size(), o.results);
  }
  return make_result(s, test_meta(s, o, connections, at_end, threads, wall_s, interrupted), rec,
                     parts.front().population, parts.front().adopters, model_requests);
}

sim::run_result rebuild_loadtest(const sim::scenario& s, const sim::loadtest_result& meta,
                                 const std::vector<loadtest_sample>& samples) {
  loadtest_recorder rec(endpoint_names(s), meta.interval_s, meta.time_scale);
  std::int64_t last_us = 0;
  for (const auto& smp : samples) {
    if (smp.what != outcome_class::dropped) rec.sent(smp.endpoint);
    rec.record(smp);
    last_us = std::max(last_us, smp.intended_us + smp.corrected_us);
  }
  sim::loadtest_result lt = meta;
  lt.rebuilt = true;
  // loadtest.json without the wall time is from a test that never finished
  // (killed): it covers up to the last request that finished.
  if (lt.wall_s <= 0) {
    lt.wall_s = static_cast<double>(last_us) * 1e-6;
    lt.interrupted = true;
  }
  const sim::block_layout layout = [&] {
    sim::scenario m = s;
    m.scale = sim::wall_clock_scale(s.scale, meta.rate_scale);
    return sim::block_layout::of(m);
  }();
  // The population's state is not in the results file: only its size is known.
  sim::population_final population;
  population.users = layout.users;
  return make_result(s, std::move(lt), rec, population, 0, 0);
}

}  // namespace stampede::actors
