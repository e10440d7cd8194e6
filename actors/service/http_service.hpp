#pragma once
// The modeled service: an HTTP/1.1 server (Boost.Beast) that answers like the
// platform of a scenario, in wall-clock time. Routes come from
// `loadtest.requests`; each request is offered to its endpoint's sim::pool_model
// at the moment it arrives, and the answer is held until the model says it
// completes (or a 503 goes out at once when the pool's queue is full, or a 504
// when the user's patience ends in the queue). A request's patience, in
// scenario time, is its X-Stampede-Patience header (seconds; `stampede
// loadtest` sends each user's draw) or, without one, a draw from the
// scenario's behavior.patience on the service's own stream.
//
// The rules of the queue live in sim/platform/pool.hpp; this file only moves requests
// between sockets and the model, and maps clocks:
//   virtual µs = wall µs since start() × time_scale,
// so service times shrink by time_scale, and pools keep
// round(servers × scale × rate_scale) servers, as the load generator sends
// rate_scale of the traffic: utilisation matches the simulated run.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/results/result.hpp"
#include "sim/scenario/scenario.hpp"

namespace stampede::actors {

/// Limits and threads of the modeled service.
struct service_options {
  /// Threads running the io_context.
  int threads = 2;
  /// A connection with no request for this long is closed (wall seconds).
  double idle_timeout_seconds = 60;
  /// Bytes of request line + headers, and of a chunked body's trailer; beyond:
  /// 431 and close. At most 60 KiB is honoured: Beast cannot store a longer field.
  std::uint32_t header_limit = 8 * 1024;
  /// Bytes of body; beyond: 413 and close.
  std::uint64_t body_limit = 1024 * 1024;
  /// Open connections at most; a connection beyond gets a 503 and is closed at
  /// once. 0: the process's descriptor limit less 64 kept for everything else.
  std::uint32_t max_connections = 0;
  /// Users whose requests of today are counted for rate limits; when a new
  /// user would exceed it, the counts start again (a flood of made-up user
  /// names then loosens the limits instead of exhausting memory).
  std::uint32_t max_tracked_users = 1'000'000;
};

/// What one endpoint of the service did so far.
struct service_endpoint_counters {
  std::string name;
  /// Requests routed to it (each is offered to the pool model).
  std::uint64_t received = 0;
  /// 200 responses written.
  std::uint64_t served = 0;
  /// 503 responses written (the pool's queue was full), and 429 (rate limited).
  std::uint64_t rejected = 0;
  /// Responses that could not be written (the client had gone).
  std::uint64_t dropped = 0;
  /// Of the rejected: 429, over the user's daily rate limit.
  std::uint64_t rate_limited = 0;
  /// 504 responses written: the request's patience ran out in the queue.
  std::uint64_t abandoned = 0;
};

/// A snapshot of the service's counters.
struct service_counters {
  /// Indexed like scenario::endpoints.
  std::vector<service_endpoint_counters> endpoints;
  std::uint64_t connections = 0;
  /// Connections refused (503 and closed) because max_connections were open.
  std::uint64_t refused_connections = 0;
  /// Users whose requests of the current virtual day are counted (rate limits).
  std::uint64_t tracked_users = 0;
  std::uint64_t not_found = 0;           // 404
  std::uint64_t method_not_allowed = 0;  // 405
  std::uint64_t bad_request = 0;         // 400
  std::uint64_t body_too_large = 0;      // 413
  std::uint64_t headers_too_large = 0;   // 431
};

/// The platform of a scenario behind an HTTP/1.1 listener.
class modeled_service {
 public:
  /// `s` must have a loadtest section (its requests are the routes).
  /// Throws std::invalid_argument when it has none.
  explicit modeled_service(const sim::scenario& s, service_options options = {});
  /// Stops the service if it runs.
  ~modeled_service();
  modeled_service(const modeled_service&) = delete;
  modeled_service& operator=(const modeled_service&) = delete;

  /// Binds host:port (port 0: an ephemeral port), starts the io threads and
  /// returns the bound port. The model's clock starts here. Throws
  /// std::system_error when the address cannot be bound. Call once.
  std::uint16_t start(const std::string& host, std::uint16_t port);

  /// Closes the listener and every connection; responses not yet written are
  /// dropped. Returns once the io threads have finished. Idempotent.
  void stop();

  /// The counters so far (safe to call from any thread while running).
  service_counters counters() const;

  /// What each pool did from start() to now: servers, utilization, peak queue,
  /// server-hours and cost, as a run reports them (scaled like the model:
  /// servers × scale × rate_scale). Ends the pool models: call once, after stop().
  std::vector<sim::pool_result> finish_pools();

  /// The implementation, opaque outside http_service.cpp (public so that its
  /// connection objects can name it).
  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace stampede::actors
