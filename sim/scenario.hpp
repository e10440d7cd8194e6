#pragma once
// The scenario: everything a run needs, validated and in base units. The YAML
// loader (scenario_loader.hpp) is the only way to make one from a file; tests
// may also fill one in directly.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/distribution.hpp"
#include "sim/units.hpp"

namespace stampede::sim {

/// `adoption:` how the population adopts the product.
struct adoption_spec {
  /// Only "bass" for now (Bass diffusion, one hazard p + q·F(t) for every user).
  std::string model = "bass";
  /// p, the innovation coefficient, per second (the YAML says "0.002/day").
  double innovation = 0;
  /// q, the imitation coefficient, per second.
  double imitation = 0;
  /// Users who have adopted at t = 0 (real users, before scaling).
  double initial_adopters = 0;
};

/// `behavior:` what an adopted user does.
struct behavior_spec {
  /// Mean sessions a day of one adopted user.
  double sessions_per_day = 1;
  /// Relative activity for each local hour 0..23, normalised to a mean of 1.
  std::array<double, 24> diurnal{};
  /// Requests in one session (a count distribution, values >= 1).
  distribution requests_per_session = distribution::constant(1);
  /// Seconds between a response and the user's next request of the session.
  distribution think_time = distribution::constant(0);
  /// Share of requests going to each endpoint, indexed like scenario::endpoints; sums to 1.
  std::vector<double> mix;
  /// Seconds a user waits in a queue before abandoning the request.
  distribution patience = distribution::constant(1e12);
};

/// `platform.endpoints.NAME:` one API endpoint.
struct endpoint_spec {
  std::string name;
  /// Index into scenario::pools of the pool that serves it.
  int pool = 0;
  /// Seconds of server time one request needs.
  distribution work = distribution::constant(0);
};

/// `platform.pools[i]:` a pool of identical servers behind one FIFO queue.
struct pool_spec {
  std::string name;
  /// Servers (GPUs), before scaling.
  std::int64_t servers = 1;
  /// Requests that may wait in the queue, before scaling; arrivals beyond are rejected.
  std::int64_t queue_capacity = 1'000'000;
  /// USD per provisioned server-hour.
  double cost_per_server_hour = 0;
};

/// `slo[i]:` one service-level objective on one endpoint.
struct slo_spec {
  /// Index into scenario::endpoints.
  int endpoint = 0;
  enum class kind { latency_quantile, max_rejected } what = kind::latency_quantile;
  /// For latency_quantile: the quantile (0.5, 0.9, 0.99, 0.999); the key was latency_p50..p999.
  double quantile = 0.99;
  /// latency_quantile: seconds; max_rejected: a share in [0, 1] of offered requests.
  double threshold = 0;
  /// The YAML key, for reports: "latency_p99", "max_rejected".
  std::string key;
};

/// `loadtest.requests.ENDPOINT:` how one endpoint's requests are sent over HTTP.
/// Templates may use ${user_id}, ${seq}, ${prompt} and ${tier}.
struct request_template {
  std::string method = "GET";
  std::string path;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// `loadtest:` playing the scenario against a real HTTP service, in wall-clock time.
struct loadtest_spec {
  /// "http://host:port"; empty: start the modeled service (`stampede serve`) on loopback.
  std::string target;
  /// Hosts a load may be sent to; any other target is refused.
  std::vector<std::string> allow_hosts{"127.0.0.1", "localhost", "::1"};
  /// Virtual seconds per wall second.
  double time_scale = 1;
  /// Fraction of the modeled traffic that is sent.
  double rate_scale = 1;
  /// Keep-alive connections to the target.
  int connections = 64;
  /// Per request; a request without a response by then counts as a timeout.
  vtime timeout = 30 * second;
  /// Wall-clock length of the test; 0 = horizon / time_scale.
  vtime duration = 0;
  /// Indexed like scenario::endpoints; an endpoint with an empty path is not sent.
  std::vector<request_template> requests;
  /// Values of ${prompt}, picked uniformly.
  std::vector<std::string> prompts;
  /// Results are marked unreliable when the generator's p99 lag behind its
  /// schedule exceeds this.
  vtime max_lag = 100 * msec;
};

/// A whole, validated scenario.
struct scenario {
  /// Where it was loaded from, for messages ("" when built in code).
  std::string source;
  std::string name;
  std::string description;
  std::uint64_t seed = 1;
  vtime horizon = 7 * day;
  /// The virtual-time window of the coordinator.
  vtime tick = second;
  /// The reporting interval of timeseries.csv; a multiple of tick.
  vtime report_interval = hour;
  /// Fraction of the population simulated; each simulated user weighs 1/scale.
  double scale = 1;
  /// Addressable users, before scaling.
  double population_size = 0;
  adoption_spec adoption;
  behavior_spec behavior;
  std::vector<endpoint_spec> endpoints;
  std::vector<pool_spec> pools;
  std::vector<slo_spec> slos;
  /// Present when the scenario has a `loadtest:` section.
  std::optional<loadtest_spec> loadtest;
  /// Raw latency samples kept per endpoint for exact quantiles (a reservoir beyond).
  std::int64_t max_samples = 1'000'000;

  /// Index of the endpoint or pool with this name, or -1.
  int endpoint_index(const std::string& endpoint) const;
  int pool_index(const std::string& pool) const;
  /// Users simulated individually: round(population_size * scale).
  std::int64_t simulated_users() const;
  /// Servers of a pool in the simulation: round(servers * scale), at least 1.
  std::int64_t simulated_servers(int pool) const;
  /// Queue capacity of a pool in the simulation: round(capacity * scale), at least 1.
  std::int64_t simulated_queue_capacity(int pool) const;
};

/// The built-in "standard" diurnal curve: 24 hourly weights with a mean of 1,
/// low at night (04:00) and peaking in the evening (20:00-21:00).
std::array<double, 24> standard_diurnal();

}  // namespace stampede::sim
