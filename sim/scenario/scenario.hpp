#pragma once
// The scenario: everything a run needs, validated and in base units. The YAML
// loader (scenario_loader.hpp) is the only way to make one from a file; tests
// may also fill one in directly.
#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "sim/base/distribution.hpp"
#include "sim/base/units.hpp"
#include "sim/scenario/tune.hpp"
#include "sim/scenario/uncertainty.hpp"

namespace stampede::sim {

/// `adoption.cascade:` the cascade model's social graph and sharing (social_graph.hpp).
struct cascade_spec {
  /// Mean number of followers of a user (the graph's mean out-degree).
  double mean_degree = 20;
  /// γ of the scale-free follower-count law P(K >= k) ~ k^-(γ-1); > 2.
  double exponent = 2.5;
  /// Index into scenario::endpoints: a completed request of this endpoint shares
  /// an image with the sharer's followers.
  int share_endpoint = -1;
  /// The chance that a follower who sees a share adopts (if they have not yet).
  double share_exposure = 0.05;
};

/// `adoption:` how the population adopts the product.
struct adoption_spec {
  /// "bass": one hazard p + q·F(t) for every user. "cascade": the hazard p (plus
  /// q·F if given) and adoption through shares on a social graph.
  std::string model = "bass";
  /// p, the innovation coefficient, per second (the YAML says "0.002/day").
  double innovation = 0;
  /// q, the imitation coefficient, per second.
  double imitation = 0;
  /// Users who have adopted at t = 0 (real users, before scaling).
  double initial_adopters = 0;
  cascade_spec cascade;
  bool is_cascade() const { return model == "cascade"; }
};

/// `population.regions[i]:` where users live; the diurnal curve follows local time.
struct region_spec {
  std::string name = "global";
  double share = 1;
  vtime utc_offset = 0;
};

/// `population.tiers[i]:` a plan users are on, with its own behaviour and limits.
struct tier_spec {
  std::string name = "default";
  double share = 1;
  /// Mean sessions a day of one adopted user of this tier.
  double sessions_per_day = 1;
  /// USD a month a user of this tier pays (business.price_per_month).
  double price_per_month = 0;
};

/// `behavior.retry:` what a user does after a rejection or a timeout.
/// Attempt k (1-based) is sent backoff · multiplier^(k-1) · U(0.5, 1.5) after
/// the failure; a rate-limited request is never retried.
struct retry_spec {
  int max = 0;
  vtime backoff = 10 * second;
  double multiplier = 2;
};

/// `behavior.feedback:` how service quality feeds back into growth. Each user
/// has a satisfaction in [0, 1], starting at 1: a request that finally fails
/// (rejected or abandoned after its retries) multiplies it by (1 - penalty); a
/// completed one adds `recovery`. A user starts a session with probability
/// equal to their satisfaction, and an adopter's pull on others (the q·F of
/// Bass) is weighted by it, so a melting platform slows its own virality.
struct feedback_spec {
  double penalty = 0.2;
  double recovery = 0.05;
};

/// `platform.rate_limits[i]:` requests of one tier to one endpoint per user per day.
struct rate_limit_spec {
  int tier = 0;
  int endpoint = 0;
  double per_day = 0;
};

/// `business:` money.
struct business_spec {
  /// Free users of tier `from` convert to tier `to` at this rate (per second); -1 = none.
  int convert_from = -1;
  int convert_to = -1;
  double conversion = 0;
  /// Adopters leave the product at this rate (per second).
  double churn = 0;
};

/// `behavior:` what an adopted user does (`sessions_per_day` is per tier: tier_spec).
struct behavior_spec {
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
  retry_spec retry;
  feedback_spec feedback;
};

/// `platform.endpoints.NAME:` one API endpoint.
struct endpoint_spec {
  std::string name;
  /// Index into scenario::pools of the pool that serves it.
  int pool = 0;
  /// Seconds of server time one request needs.
  distribution work = distribution::constant(0);
};

/// `platform.pools[i].batch:` GPU batching. A free server takes up to `max`
/// waiting requests at once; with fewer waiting it waits up to `timeout` after
/// the oldest arrived for more. A batch of b requests takes the sum of their
/// work divided by speedup(b), so throughput at saturation is
/// servers × speedup(b) / mean work.
struct batch_spec {
  /// 1 = no batching (the plain FIFO pool).
  int max = 1;
  vtime timeout = 0;
  /// (batch size, speed-up) points, sorted by size; speedup(1) = 1. Sizes in
  /// between are interpolated linearly, beyond the last the last holds.
  std::vector<std::pair<int, double>> speedup;
  /// The speed-up of a batch of b requests.
  double speedup_for(int b) const;
};

/// `platform.pools[i].autoscale:` more servers when busy. Every `interval` the
/// servers busy on average over that interval, against the servers present plus
/// those on order (minus those told to leave), are compared with the target; above it, `step`
/// servers are ordered and join after `provisioning_delay`, up to `max`. Below half the target,
/// `step` servers leave (never under the initial count).
struct autoscale_spec {
  bool enabled = false;
  double target_utilization = 0.8;
  std::int64_t step = 1;
  vtime provisioning_delay = 0;
  /// Most servers the pool may have (before scaling).
  std::int64_t max = 0;
  vtime interval = 5 * minute;
};

/// `platform.pools[i].dispatch:` how arrivals reach the servers. `shared`: one
/// FIFO queue that every server takes from (pool.hpp). The others: a load
/// balancer routes each arrival to one server (a replica) with its own queue and
/// batches (dispatch.hpp), by turns, at random, to the least loaded, or to the
/// less loaded of two picked at random.
enum class dispatch_policy { shared, round_robin, random, join_shortest_queue, power_of_two };

/// The `dispatch:` values, in the order of dispatch_policy.
const std::vector<std::string>& dispatch_names();

/// `platform.pools[i]:` a pool of identical servers behind one FIFO queue, or
/// behind a load balancer (`dispatch`).
struct pool_spec {
  std::string name;
  /// Servers (GPUs), before scaling.
  std::int64_t servers = 1;
  /// Requests that may wait in the queue, before scaling; arrivals beyond are rejected.
  std::int64_t queue_capacity = 1'000'000;
  /// USD per provisioned server-hour.
  double cost_per_server_hour = 0;
  batch_spec batch;
  autoscale_spec autoscale;
  dispatch_policy dispatch = dispatch_policy::shared;
};

/// `events[i]:` something that happens at a point of virtual time.
struct event_spec {
  enum class kind { imitation_boost, rate_limit, add_servers, remove_servers, outage };
  kind what = kind::imitation_boost;
  vtime at = 0;
  /// imitation_boost and outage: how long it lasts (0 = for the rest of the run).
  vtime duration = 0;
  /// imitation_boost: q is multiplied by this while it lasts.
  double factor = 1;
  /// rate_limit: tier and endpoint (indices) and the new limit per user per day.
  int tier = -1;
  int endpoint = -1;
  double per_day = 0;
  /// add_servers, remove_servers, outage: the pool (index) and how many servers (before scaling).
  int pool = -1;
  std::int64_t count = 0;
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

/// A ${env:NAME} in a request template: read from the environment when a load
/// test starts, never stored in the scenario.
struct env_reference {
  std::string name;
  /// The one-line error when NAME is not set: "file:line:col: key.path: ...".
  std::string unset_error;
};

/// `loadtest.tls`: how an https target's certificate is checked.
struct loadtest_tls_spec {
  /// PEM file of the certificate authorities to trust; empty: the system's store.
  std::string ca_file;
  /// No verification at all (a test service with a throwaway certificate).
  bool insecure = false;
  /// The name sent as SNI and that the certificate must hold, when the
  /// target is reached by an address or another name (curl's --resolve);
  /// empty: the target's host.
  std::string server_name;
};

/// `loadtest:` playing the scenario against a real HTTP service, in wall-clock time.
struct loadtest_spec {
  /// "http://host:port" or "https://host:port"; empty: start the modeled
  /// service (`stampede serve`) on loopback.
  std::string target;
  loadtest_tls_spec tls;
  /// Hosts a load may be sent to; any other target is refused.
  std::vector<std::string> allow_hosts{"127.0.0.1", "localhost", "::1"};
  /// Virtual seconds per wall second.
  double time_scale = 1;
  /// Fraction of the modeled traffic that is sent.
  double rate_scale = 1;
  /// Keep-alive connections to the target at the start.
  int connections = 64;
  /// More are opened while every one is busy, up to this many (as k6's
  /// arrival-rate executors grow their VUs up to maxVUs); the loader defaults
  /// it to 4 × connections.
  int max_connections = 256;
  /// Per request; a request without a response by then counts as a timeout.
  vtime timeout = 30 * second;
  /// Wall-clock length of the test; 0 = horizon / time_scale.
  vtime duration = 0;
  /// Indexed like scenario::endpoints; an endpoint with an empty path is not sent.
  std::vector<request_template> requests;
  /// Values of ${prompt}, picked uniformly: `prompts`, or the lines of `prompts_file`.
  std::vector<std::string> prompts;
  /// prompts_file as opened (relative to the working directory); empty: none.
  std::string prompts_file;
  /// Every ${env:NAME} in the templates, in the order they appear.
  std::vector<env_reference> env;
  /// A request that cannot go out within max_lag of its intended send time
  /// (no connection free and none may be opened) is dropped, never sent late.
  vtime max_lag = 100 * msec;
  /// Results are marked unreliable, and the test exits 99, when more than this
  /// share of the intended requests was dropped.
  double max_dropped = 0.001;
};

/// `figures[i].role:` what a public figure is to the scenario.
enum class figure_role {
  /// The scenario's parameters were tuned to reproduce it: matching it shows the fit.
  target,
  /// They were not: matching it is evidence that the model predicts.
  prediction,
  /// What the real launch showed, while the scenario changes what produced it
  /// (a counterfactual): the difference is the change's effect, not a miss.
  reference
};

/// The `role:` values, in the order of figure_role.
const std::vector<std::string>& figure_role_names();

/// `figures[i]:` a public figure to compare each run with (a calibration target
/// a prediction or a reference, `role`); each run computes the same figure from its result
/// (sim/results/figures.hpp) and compares.
struct figure_spec {
  /// How the reports name it: "new users in the peak hour".
  std::string name;
  /// One of figure_metrics() (sim/results/figures.hpp): "peak_hourly_adopters", ...
  std::string metric;
  /// The public value, in the metric's real-world unit.
  double value = 0;
  /// Relative: held when |simulated - value| <= tolerance * |value|, or with
  /// `at_least` when value <= simulated <= value + tolerance * |value|.
  double tolerance = 0.15;
  /// `role:` a calibration target (the default), a prediction or a reference.
  figure_role role = figure_role::target;
  /// `compare: at_least`: the public value is a floor ("more than 700M"), so
  /// the comparison is one-sided.
  bool at_least = false;
  /// Where the public value comes from.
  std::string source;
  /// adopters_at, paying_users_at, revenue_per_day_at: when (required);
  /// requests_completed: until when (-1 = the whole run).
  vtime at = -1;
  /// requests_completed, latency_p99_peak_s: the endpoint (index), else -1.
  int endpoint = -1;
  /// first_saturation_hours, peak_servers: the pool (index), else -1.
  int pool = -1;
  /// `leave_one_out:` the relative error (simulated - value) / |value| of this
  /// target when the tuned values were fitted without it and it was
  /// predicted (`stampede fit figures`); NaN when none was recorded.
  double leave_one_out = std::numeric_limits<double>::quiet_NaN();
};

/// A whole, validated scenario.
struct scenario {
  /// Where it was loaded from, for messages ("" when built in code).
  std::string source;
  std::string name;
  std::string description;
  std::uint64_t seed = 1;
  vtime horizon = 7 * day;
  /// The window: every part of the model advances one window of virtual time at
  /// a time; what one part learns from another (an outcome, a share) takes
  /// effect from the next window.
  vtime tick = second;
  /// The reporting interval of timeseries.csv; a multiple of tick.
  vtime report_interval = hour;
  /// Fraction of the population simulated; each simulated user weighs 1/scale.
  double scale = 1;
  /// Addressable users, before scaling.
  double population_size = 0;
  /// At least one each; shares sum to 1.
  std::vector<region_spec> regions{region_spec{}};
  std::vector<tier_spec> tiers{tier_spec{}};
  std::vector<rate_limit_spec> rate_limits;
  business_spec business;
  adoption_spec adoption;
  behavior_spec behavior;
  std::vector<endpoint_spec> endpoints;
  std::vector<pool_spec> pools;
  std::vector<slo_spec> slos;
  /// The timeline, sorted by `at`.
  std::vector<event_spec> events;
  /// Present when the scenario has a `loadtest:` section.
  std::optional<loadtest_spec> loadtest;
  /// `projection:` the uncertain inputs of `stampede project` (no effect on a run).
  projection_spec projection;
  /// Public figures to compare the run with (`figures:`).
  std::vector<figure_spec> figures;
  /// Key paths of the values tuned to reproduce the calibration targets
  /// (`tuned:`), as written: "adoption.imitation", "platform.pools[0].servers".
  std::vector<std::string> tuned;
  /// `tune:` the values `stampede fit figures` may tune, in the order of the
  /// file (no effect on a run).
  std::vector<tunable> tune;
  /// metrics.max_samples: at most this many latency samples kept per endpoint
  /// (no limit unless given).
  std::int64_t max_samples = std::numeric_limits<std::int64_t>::max();
  /// metrics.sample_memory: bytes for the latency samples of all endpoints
  /// together, 4 a sample, shared evenly; 0 for no limit. `stampede run` sets
  /// it from the machine's available memory when the scenario does not.
  std::int64_t sample_memory = 0;

  /// Latency samples each endpoint keeps, every completed latency up to this
  /// many and a uniform sample of this many beyond: its even share of
  /// sample_memory, and no more than max_samples. A function of the scenario
  /// alone, so no thread count or shard layout changes it.
  std::int64_t samples_per_endpoint() const;

  /// Index of the endpoint, pool, tier or region with this name, or -1.
  int endpoint_index(const std::string& endpoint) const;
  int tier_index(const std::string& tier) const;
  int region_index(const std::string& region) const;
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
