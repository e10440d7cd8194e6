#include "actors/service/http_service.hpp"

#include <sys/resource.h>

#include "sim/scenario/scenario_loader.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "sim/platform/pool.hpp"
#include "sim/population/rate_limit.hpp"
#include "sim/scenario/loadtest_spec.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "sim/scenario/wall_clock.hpp"

namespace stampede::actors {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

// A route's path with its template variables as wildcards, cut into path
// segments: "/v1/img/${user_id}-${seq}.png" is the segments "", "v1", "img" and
// {"", "-", ".png"}, the last with a wildcard between each two literals. A
// wildcard matches any run of characters within its segment.
struct route {
  std::string method;
  /// Per segment, the literals around its wildcards (one literal: no wildcard).
  std::vector<std::vector<std::string>> segments;
  int endpoint = 0;
};

std::vector<std::vector<std::string>> split_template(std::string_view path) {
  std::vector<std::vector<std::string>> segments{{""}};
  const auto literal = [&](std::string_view text) {
    for (const char c : text) {
      if (c == '/') {
        segments.push_back({""});
      } else {
        segments.back().back().push_back(c);
      }
    }
  };
  // The template syntax is sim/scenario/loadtest_spec.hpp's: a variable is a
  // wildcard; an unclosed "${" is plain text.
  sim::scan_template(
      path, literal, [&](std::string_view) { segments.back().emplace_back(); }, literal);
  return segments;
}

// One segment against its literals: the first must be a prefix, the last a
// suffix, and the middle ones found in order in between. Taking each middle
// literal at its leftmost place leaves the most room for the rest, so this
// greedy scan decides the match without backtracking: time linear in the
// segment for literals of bounded length.
bool segment_matches(const std::vector<std::string>& literals, std::string_view segment) {
  const std::string& first = literals.front();
  if (literals.size() == 1) return segment == first;
  const std::string& last = literals.back();
  if (segment.size() < first.size() + last.size() || !segment.starts_with(first) ||
      !segment.ends_with(last)) {
    return false;
  }
  std::size_t pos = first.size();
  const std::size_t end = segment.size() - last.size();
  for (std::size_t k = 1; k + 1 < literals.size(); ++k) {
    const std::size_t at = segment.substr(0, end).find(literals[k], pos);
    if (at == std::string_view::npos) return false;
    pos = at + literals[k].size();
  }
  return true;
}

bool matches(const std::vector<std::vector<std::string>>& segments, std::string_view path) {
  std::size_t k = 0;
  for (;;) {
    const std::size_t slash = path.find('/');
    if (k == segments.size() || !segment_matches(segments[k], path.substr(0, slash))) return false;
    ++k;
    if (slash == std::string_view::npos) return k == segments.size();
    path.remove_prefix(slash + 1);
  }
}

std::string json_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

struct atomic_endpoint {
  std::atomic<std::uint64_t> received{0};
  std::atomic<std::uint64_t> served{0};
  std::atomic<std::uint64_t> rejected{0};
  std::atomic<std::uint64_t> dropped{0};
  std::atomic<std::uint64_t> rate_limited{0};
  std::atomic<std::uint64_t> abandoned{0};
};

// What the model decided for one request.
struct decision {
  bool rejected = false;
  /// The user's patience ran out in the queue.
  bool abandoned = false;
  /// When the response is due (wall clock).
  clock_type::time_point due;
  /// Virtual time from arrival to completion.
  sim::vtime latency = 0;
};

// One pool model, fed one arrival at a time under its mutex: reading the clock
// under the same mutex keeps arrivals in time order, as pool_model requires.
struct pool_state {
  std::mutex mutex;
  std::unique_ptr<sim::pool_model> model;
  std::vector<sim::outcome> out;
  std::uint64_t next_id = 0;
  /// A batching or per-replica pool decides a request later than its arrival: the requests
  /// still undecided, by their id (carried as the outcome's session).
  struct waiting_request {
    sim::vtime at = 0;
    std::function<void(const decision&)> reply;
  };
  std::unordered_map<std::uint32_t, waiting_request> waiting;
  bool batched = false;
  /// Patience of requests that carry none: the scenario's behavior.patience.
  sim::rng_stream patience_rng;
};

}  // namespace

struct modeled_service::impl {
  impl(const sim::scenario& s, service_options o) : options(o) {
    if (!s.loadtest) throw std::invalid_argument("the scenario has no loadtest section");
    const sim::loadtest_spec& l = *s.loadtest;
    time_scale = l.time_scale;
    model = sim::wall_clock_model(s, sim::wall_clock_role::service);
    pools.reserve(model.pools.size());
    for (std::size_t p = 0; p < model.pools.size(); ++p) {
      auto state = std::make_unique<pool_state>();
      state->model = std::make_unique<sim::pool_model>(model, static_cast<int>(p));
      state->batched = state->model->batched();
      state->patience_rng = sim::rng_stream(s.seed, sim::stream::service_patience, p);
      pools.push_back(std::move(state));
    }
    for (std::size_t t = 0; t < model.tiers.size(); ++t)
      tier_limits.emplace_back(model, static_cast<int>(t));
    endpoint_counters = std::vector<atomic_endpoint>(model.endpoints.size());
    for (std::size_t e = 0; e < l.requests.size() && e < model.endpoints.size(); ++e) {
      if (l.requests[e].path.empty()) continue;
      const std::string& path = l.requests[e].path;
      routes.push_back({l.requests[e].method, split_template(path.substr(0, path.find('?'))),
                        static_cast<int>(e)});
    }
  }

  /// Offers one request of `endpoint` to its pool; `reply` gets the decision,
  /// at once for a rejection, later (when it completes or its patience ends)
  /// otherwise. `patience`: the user's, in scenario time; negative: none given,
  /// the service draws one from the scenario's behavior.patience.
  void offer(int endpoint, sim::vtime patience, std::function<void(const decision&)> reply) {
    const auto& spec = model.endpoints[static_cast<std::size_t>(endpoint)];
    pool_state& pool = *pools[static_cast<std::size_t>(spec.pool)];
    std::vector<std::function<void()>> replies;
    {
      std::lock_guard lock(pool.mutex);
      sim::request r;
      r.at = now_virtual();
      r.id = pool.next_id++;
      r.patience = patience >= 0
                       ? patience
                       : sim::from_seconds(model.behavior.patience.sample(pool.patience_rng));
      r.endpoint = static_cast<std::uint16_t>(endpoint);
      r.session = static_cast<std::uint32_t>(r.id);
      pool.waiting[r.session] = {r.at, std::move(reply)};
      pool.out.clear();
      pool.model->serve(std::span<const sim::request>(&r, 1), pool.out);
      take_decided(pool, replies);
    }
    for (auto& f : replies) f();
  }

  /// True when a request of `user` (of tier `tier` and region `region`, the
  /// scenario's first when empty) to `endpoint` is over the user's limit for
  /// their local day (sim/population/rate_limit.hpp); otherwise counts it.
  bool over_limit(const std::string& user, const std::string& tier, const std::string& region,
                  int endpoint) {
    const int t = model.tier_index(tier.empty() ? model.tiers.front().name : tier);
    const int r = model.region_index(region.empty() ? model.regions.front().name : region);
    if (t < 0 || r < 0) return false;
    std::lock_guard lock(usage_mutex);
    sim::daily_limits& limits = tier_limits[static_cast<std::size_t>(t)];
    const int slot = limits.slot(static_cast<std::size_t>(endpoint));
    if (slot < 0) return false;
    const sim::vtime now = now_virtual();
    limits.advance_to(now);
    const sim::vtime today =
        sim::local_day(now, model.regions[static_cast<std::size_t>(r)].utc_offset);
    if (usage.size() >= options.max_tracked_users && !usage.contains(user)) usage.clear();
    user_usage& u = usage[user];
    // Counts of an earlier day are worth nothing: a new day starts afresh.
    if (u.counts.empty() || u.day != today) {
      u.day = today;
      u.counts.assign(limits.slots(), 0);
    }
    std::uint32_t& used = u.counts[static_cast<std::size_t>(slot)];
    if (!limits.allows(static_cast<std::size_t>(slot), used)) return true;
    ++used;
    return false;
  }

  /// One user's requests on their local day `day`, per limit slot of their tier.
  struct user_usage {
    sim::vtime day = 0;
    std::vector<std::uint32_t> counts;
  };
  /// Guards the limits in force and the usage table.
  std::mutex usage_mutex;
  /// Per tier, its limits in force (built on `model`, advanced to now).
  std::vector<sim::daily_limits> tier_limits;
  std::unordered_map<std::string, user_usage> usage;

  /// Lets every batching pool decide what is due by now (batch timeouts fire
  /// without any arrival); called about every millisecond.
  void pump() {
    for (auto& pool : pools) {
      if (!pool->batched) continue;
      std::vector<std::function<void()>> replies;
      {
        std::lock_guard lock(pool->mutex);
        pool->out.clear();
        pool->model->advance(now_virtual(), pool->out);
        take_decided(*pool, replies);
      }
      for (auto& f : replies) f();
    }
  }

  /// Virtual time now: wall-clock microseconds since the start × time_scale.
  sim::vtime now_virtual() const {
    const double wall_us =
        std::chrono::duration<double, std::micro>(clock_type::now() - started).count();
    return static_cast<sim::vtime>(wall_us * time_scale);
  }

  /// Turns the pool's decided outcomes into replies (called under its mutex,
  /// the replies run after it is released).
  void take_decided(pool_state& pool, std::vector<std::function<void()>>& replies) {
    for (const sim::outcome& o : pool.out) {
      const auto it = pool.waiting.find(o.session);
      if (it == pool.waiting.end()) continue;
      decision d;
      d.rejected = o.what == sim::outcome::kind::rejected;
      d.abandoned = o.what == sim::outcome::kind::abandoned;
      d.latency = o.at - it->second.at;
      d.due =
          started +
          std::chrono::duration_cast<clock_type::duration>(
              std::chrono::duration<double, std::micro>(static_cast<double>(o.at) / time_scale));
      replies.push_back([reply = std::move(it->second.reply), d] { reply(d); });
      pool.waiting.erase(it);
    }
  }

  service_options options;
  double time_scale = 1;
  sim::scenario model;
  std::vector<std::unique_ptr<pool_state>> pools;
  std::vector<route> routes;
  clock_type::time_point started;

  std::vector<atomic_endpoint> endpoint_counters;
  std::atomic<std::uint64_t> connections{0};
  /// Connections open now, and the most that may be (max_connections resolved).
  std::atomic<std::uint32_t> open_connections{0};
  std::uint32_t max_connections = 0;
  std::atomic<std::uint64_t> refused_connections{0};
  std::atomic<std::uint64_t> not_found{0};
  std::atomic<std::uint64_t> method_not_allowed{0};
  std::atomic<std::uint64_t> bad_request{0};
  std::atomic<std::uint64_t> body_too_large{0};
  std::atomic<std::uint64_t> headers_too_large{0};

  // The io objects live apart so that stop() can destroy them, which closes
  // every connection, while the counters stay readable.
  struct io {
    asio::io_context context;
    tcp::acceptor acceptor{context};
    asio::steady_timer accept_retry{context};
    /// Every millisecond, lets batching pools decide what is due.
    asio::steady_timer pump{context};
    std::vector<std::thread> threads;
  };

  void schedule_pump() {
    io_->pump.expires_after(std::chrono::milliseconds(1));
    io_->pump.async_wait([this](beast::error_code ec) {
      if (ec) return;
      pump();
      schedule_pump();
    });
  }
  std::unique_ptr<io> io_;
  std::mutex lifecycle;
  bool started_once = false;

  void accept();
};

namespace {

class session : public std::enable_shared_from_this<session> {
 public:
  // The read buffer holds at most one header (or trailer) of header_limit
  // bytes: bodies pass through it. Bounding it turns an endless trailer, which
  // no parser limit covers, into buffer_overflow (431).
  session(modeled_service::impl& service, tcp::socket socket)
      : service_(service),
        stream_(std::move(socket)),
        timer_(stream_.get_executor()),
        buffer_(header_limit(service.options)) {
    ++service_.open_connections;
  }
  ~session() { --service_.open_connections; }

  /// The header limit applied: Beast stores a field's length in 16 bits.
  static std::uint32_t header_limit(const service_options& o) {
    return std::min<std::uint32_t>(o.header_limit, 60 * 1024);
  }

  void start() { read(); }

 private:
  std::chrono::steady_clock::duration idle() const {
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(service_.options.idle_timeout_seconds));
  }

  void read() {
    parser_.emplace();
    parser_->header_limit(header_limit(service_.options));
    parser_->body_limit(service_.options.body_limit);
    endpoint_ = -1;
    stream_.expires_after(idle());
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted) {
      return close();
    }
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
      ++service_.headers_too_large;
      return fail(http::status::request_header_fields_too_large, "request headers too large\n");
    }
    if (ec == http::error::body_limit) {
      ++service_.body_too_large;
      return fail(http::status::payload_too_large, "request body too large\n");
    }
    if (ec == http::error::partial_message) return close();  // the client left mid-request
    if (ec && ec.category() == http::make_error_code(http::error::bad_target).category()) {
      ++service_.bad_request;
      return fail(http::status::bad_request, "malformed request\n");
    }
    if (ec) return close();
    handle(parser_->get());
  }

  void handle(const http::request<http::string_body>& req) {
    keep_alive_ = req.keep_alive();
    version_ = req.version();
    // RFC 9112: HTTP/1.1 needs exactly one Host (1.0 at most one), and a
    // request whose last transfer coding is not chunked has no framing a
    // server can trust (3.3.3); both are 400 and close.
    const std::size_t hosts = req.count(http::field::host);
    const bool chunked_or_none = req.count(http::field::transfer_encoding) == 0 || req.chunked();
    if (hosts > 1 || (hosts == 0 && version_ >= 11) || !chunked_or_none) {
      ++service_.bad_request;
      return fail(http::status::bad_request, "malformed request\n");
    }
    const std::string_view target = req.target();
    const std::string_view path = target.substr(0, target.find('?'));
    const std::string_view method = req.method_string();
    std::string allow;
    for (const route& r : service_.routes) {
      if (!matches(r.segments, path)) continue;
      if (r.method == method) {
        endpoint_ = r.endpoint;
        break;
      }
      if (allow.find(r.method) == std::string::npos)
        allow += (allow.empty() ? "" : ", ") + r.method;
    }
    if (endpoint_ < 0) {
      if (allow.empty()) {
        ++service_.not_found;
        return respond(http::status::not_found, "text/plain", "no such path\n");
      }
      ++service_.method_not_allowed;
      return respond(http::status::method_not_allowed, "text/plain", "method not allowed\n", allow);
    }

    auto& counters = service_.endpoint_counters[static_cast<std::size_t>(endpoint_)];
    ++counters.received;
    // The scenario's rate limits, for requests that say who sends them (as
    // `stampede loadtest` does); anonymous requests are never limited.
    const auto user = req["X-Stampede-User"];
    if (!user.empty() && service_.over_limit(std::string(user), std::string(req["X-Stampede-Tier"]),
                                             std::string(req["X-Stampede-Region"]), endpoint_)) {
      ++counters.rate_limited;
      rejected_ = true;
      const std::string name =
          json_escape(service_.model.endpoints[static_cast<std::size_t>(endpoint_)].name);
      return respond(http::status::too_many_requests, "application/json",
                     "{\"endpoint\":\"" + name + "\",\"error\":\"rate limited\"}\n");
    }
    // The user's patience in scenario seconds, as `stampede loadtest` sends it;
    // without the header the service draws one from behavior.patience.
    sim::vtime patience = -1;
    if (const auto given = req["X-Stampede-Patience"]; !given.empty()) {
      const auto seconds = sim::read_seconds({given.data(), given.size()});
      if (!seconds) {
        ++service_.bad_request;
        return fail(http::status::bad_request,
                    "X-Stampede-Patience: expected seconds of scenario time, >= 0\n");
      }
      patience = *seconds;
    }
    // Nothing is read meanwhile (one request at a time per connection), so the
    // idle timeout must not fire while the model "works".
    stream_.expires_never();
    service_.offer(endpoint_, patience, [self = shared_from_this()](const decision& d) {
      asio::post(self->stream_.get_executor(), [self, d] { self->deliver(d); });
    });
  }

  void deliver(const decision& d) {
    const std::string name =
        json_escape(service_.model.endpoints[static_cast<std::size_t>(endpoint_)].name);
    if (d.rejected) {
      rejected_ = true;
      return respond(http::status::service_unavailable, "application/json",
                     "{\"endpoint\":\"" + name + "\",\"error\":\"queue full\"}\n");
    }
    rejected_ = false;
    abandoned_ = d.abandoned;
    // An abandoned request is answered when its patience ends (504): a client
    // that keeps the user's patience has given up by then, and any other one
    // learns what the model decided.
    const http::status status = d.abandoned ? http::status::gateway_timeout : http::status::ok;
    if (d.abandoned) {
      body_ = "{\"endpoint\":\"" + name + "\",\"error\":\"patience ran out in the queue\"}\n";
    } else {
      char latency[64];
      std::snprintf(latency, sizeof latency, "%.3f", static_cast<double>(d.latency) / 1000.0);
      body_ = "{\"endpoint\":\"" + name + "\",\"latency_ms\":" + latency + "}\n";
    }
    if (d.due <= clock_type::now()) {
      return respond(status, "application/json", std::move(body_));
    }
    timer_.expires_at(d.due);
    timer_.async_wait([self = shared_from_this(), status](beast::error_code ec) {
      if (ec) return self->close();
      self->respond(status, "application/json", std::move(self->body_));
    });
  }

  void respond(http::status status, const char* content_type, std::string body,
               const std::string& allow = {}) {
    response_ = {};
    if (!allow.empty()) response_.set(http::field::allow, allow);
    response_.result(status);
    response_.version(version_);
    response_.set(http::field::server, "stampede");
    response_.set(http::field::content_type, content_type);
    response_.keep_alive(keep_alive_ && !closing_);
    response_.body() = std::move(body);
    response_.prepare_payload();
    stream_.expires_after(idle());
    http::async_write(
        stream_, response_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    if (endpoint_ >= 0) {
      auto& counters = service_.endpoint_counters[static_cast<std::size_t>(endpoint_)];
      if (ec) {
        ++counters.dropped;
      } else if (rejected_) {
        ++counters.rejected;
      } else if (abandoned_) {
        ++counters.abandoned;
      } else {
        ++counters.served;
      }
    }
    if (ec) return close();
    if (closing_) return drain();
    if (!keep_alive_) return close();
    read();
  }

  // An error response, then the connection closes: after a bad or oversized
  // request the stream's framing cannot be trusted.
  void fail(http::status status, std::string body) {
    closing_ = true;
    keep_alive_ = false;
    endpoint_ = -1;
    respond(status, "text/plain", std::move(body));
  }

  // Closing with unread bytes in the socket sends a reset that can destroy the
  // error response before the client reads it: stop sending, read what is left
  // for a moment, then close.
  void drain() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(2));
    drain_buffer_.resize(16 * 1024);
    read_drain();
  }
  void read_drain() {
    stream_.async_read_some(asio::buffer(drain_buffer_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > 8 * 1024 * 1024) return self->close();
                              self->read_drain();
                            });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  modeled_service::impl& service_;
  beast::tcp_stream stream_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  std::string body_;
  std::vector<char> drain_buffer_;
  std::size_t drained_ = 0;
  int endpoint_ = -1;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool closing_ = false;
  bool rejected_ = false;
  bool abandoned_ = false;
};

}  // namespace

void modeled_service::impl::accept() {
  io_->acceptor.async_accept(asio::make_strand(io_->context),
                             [this](beast::error_code ec, tcp::socket socket) {
                               if (ec == asio::error::operation_aborted || !io_->acceptor.is_open())
                                 return;
                               if (ec) {
                                 // Out of file descriptors, most likely: retrying at once would
                                 // spin.
                                 io_->accept_retry.expires_after(std::chrono::milliseconds(50));
                                 io_->accept_retry.async_wait([this](beast::error_code e) {
                                   if (!e) accept();
                                 });
                                 return;
                               }
                               ++connections;
                               beast::error_code ignored;
                               if (open_connections.load() >= max_connections) {
                                 // Out of room: say so and close, rather than
                                 // leave the client waiting in the backlog.
                                 ++refused_connections;
                                 static constexpr char busy[] =
                                     "HTTP/1.1 503 Service Unavailable\r\nConnection: "
                                     "close\r\nContent-Length: 0\r\n\r\n";
                                 socket.non_blocking(true, ignored);
                                 socket.write_some(asio::buffer(busy, sizeof busy - 1), ignored);
                                 socket.shutdown(tcp::socket::shutdown_both, ignored);
                                 socket.close(ignored);
                                 return accept();
                               }
                               socket.set_option(tcp::no_delay(true), ignored);
                               std::make_shared<session>(*this, std::move(socket))->start();
                               accept();
                             });
}

modeled_service::modeled_service(const sim::scenario& s, service_options options)
    : impl_(std::make_unique<impl>(s, options)) {}

modeled_service::~modeled_service() {
  stop();
}

std::uint16_t modeled_service::start(const std::string& host, std::uint16_t port) {
  std::lock_guard lock(impl_->lifecycle);
  if (impl_->started_once) throw std::logic_error("modeled_service::start called twice");
  impl_->started_once = true;
  impl_->io_ = std::make_unique<impl::io>();
  auto& io = *impl_->io_;
  impl_->max_connections = impl_->options.max_connections;
  if (impl_->max_connections == 0) {
    // Descriptors beyond the connections: the listener, files, the metrics
    // endpoint, a loader's sockets when `loadtest` embeds the service.
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    const rlim_t usable = limit.rlim_cur > 128 ? limit.rlim_cur - 64 : limit.rlim_cur / 2;
    impl_->max_connections = static_cast<std::uint32_t>(std::clamp<rlim_t>(usable, 1, 1'000'000));
  }
  const tcp::endpoint endpoint(asio::ip::make_address(host), port);
  io.acceptor.open(endpoint.protocol());
  io.acceptor.set_option(asio::socket_base::reuse_address(true));
  io.acceptor.bind(endpoint);
  io.acceptor.listen(asio::socket_base::max_listen_connections);
  const std::uint16_t bound = io.acceptor.local_endpoint().port();
  impl_->started = clock_type::now();
  impl_->accept();
  const bool any_batched = std::any_of(impl_->pools.begin(), impl_->pools.end(),
                                       [](const auto& p) { return p->batched; });
  if (any_batched) impl_->schedule_pump();
  const int threads = std::max(1, impl_->options.threads);
  for (int i = 0; i < threads; ++i) {
    io.threads.emplace_back([&io] {
      // A handler that throws must not take the service down with it.
      for (;;) {
        try {
          io.context.run();
          return;
        } catch (const std::exception& e) {
          std::fprintf(stderr, "stampede serve: %s\n", e.what());
        }
      }
    });
  }
  return bound;
}

void modeled_service::stop() {
  std::lock_guard lock(impl_->lifecycle);
  if (!impl_->io_) return;
  auto& io = *impl_->io_;
  asio::post(io.context, [&io] {
    beast::error_code ignored;
    io.acceptor.close(ignored);
    io.accept_retry.cancel();
    io.pump.cancel();
  });
  io.context.stop();
  for (auto& t : io.threads) t.join();
  // Destroying the context destroys the pending handlers and with them every
  // session and its socket.
  impl_->io_.reset();
}

std::vector<sim::pool_result> modeled_service::finish_pools() {
  const sim::vtime now = impl_->now_virtual();
  std::vector<sim::pool_result> pools;
  for (auto& pool : impl_->pools) {
    std::lock_guard lock(pool->mutex);
    pools.push_back(pool->model->finish(now).result);
  }
  return pools;
}

service_counters modeled_service::counters() const {
  service_counters c;
  for (std::size_t e = 0; e < impl_->endpoint_counters.size(); ++e) {
    const auto& a = impl_->endpoint_counters[e];
    c.endpoints.push_back({impl_->model.endpoints[e].name, a.received.load(), a.served.load(),
                           a.rejected.load(), a.dropped.load(), a.rate_limited.load(),
                           a.abandoned.load()});
  }
  c.connections = impl_->connections.load();
  c.refused_connections = impl_->refused_connections.load();
  {
    std::lock_guard lock(impl_->usage_mutex);
    c.tracked_users = impl_->usage.size();
  }
  c.not_found = impl_->not_found.load();
  c.method_not_allowed = impl_->method_not_allowed.load();
  c.bad_request = impl_->bad_request.load();
  c.body_too_large = impl_->body_too_large.load();
  c.headers_too_large = impl_->headers_too_large.load();
  return c;
}

}  // namespace stampede::actors
