#pragma once
// What a run produces: the figures every report is written from. Counts are of
// simulated requests; `weight` (1/scale) turns them into real-world estimates.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "sim/observe/histogram.hpp"
#include "sim/scenario/scenario.hpp"

namespace stampede::sim {

/// Quantiles of one endpoint's completed latencies over the whole run (seconds),
/// computed by gpu/ after the run from the samples kept: every completed
/// latency while the sample memory allowed (exact), else a uniform sample.
struct latency_quantiles {
  bool valid = false;
  double p50 = 0, p90 = 0, p99 = 0, p999 = 0;
  /// "cuda" or "openmp": which Thrust backend computed them.
  std::string backend;
  /// The samples they were computed from, and the completed latencies there were.
  std::uint64_t kept = 0;
  std::uint64_t of = 0;
  /// True when every completed latency was kept: the quantiles are exact.
  bool exact() const { return kept == of; }
};

/// One endpoint over the whole run.
struct endpoint_result {
  std::string name;
  std::string pool;
  std::uint64_t offered = 0;
  std::uint64_t completed = 0;
  std::uint64_t rejected = 0;
  std::uint64_t abandoned = 0;
  /// Accepted but not finished at the horizon (waiting or in service).
  std::uint64_t in_flight = 0;
  /// Of the rejected: refused at the edge by a per-user rate limit (HTTP 429).
  std::uint64_t rate_limited = 0;
  /// Of the offered: retries of a request that was rejected or abandoned.
  std::uint64_t retried = 0;
  /// Time from arrival to completion of completed requests, microseconds.
  histogram latency;
  /// Completed latencies in microseconds, as floats (4 bytes each: exact below
  /// 2^24 us = 16.8 s, within 2^-24 relative above): every one while the
  /// endpoint's share of the sample memory lasts, then a uniform sample of that
  /// size (scenario::samples_per_endpoint).
  std::vector<float> latency_samples;
  /// How many completed latencies were offered to latency_samples.
  std::uint64_t samples_seen = 0;
  /// Set by gpu/ after the run (cli); invalid until then.
  latency_quantiles quantiles;

  /// The endpoint's one run-wide latency quantile for q in {0.5, 0.9, 0.99,
  /// 0.999}, in seconds: from `quantiles` once computed, else the histogram's.
  /// Every table, SLO verdict and file shows this value.
  double quantile(double q) const;
};

/// One pool over the whole run.
struct pool_result {
  std::string name;
  /// Servers as the scenario gives them (before scaling).
  std::int64_t servers = 0;
  /// Servers in the simulation (after scaling).
  std::int64_t simulated_servers = 0;
  double mean_utilization = 0;
  /// Highest utilization of one reporting interval.
  double peak_utilization = 0;
  /// Longest queue seen at a window's end or at its sampling instant (below),
  /// simulated requests.
  std::int64_t peak_queue = 0;
  /// Provisioned server-hours (real servers) and their cost in USD.
  double server_hours = 0;
  double cost = 0;
  /// Most real servers present at once (events and autoscaling included).
  std::int64_t peak_servers = 0;
  /// Little's law, measured independently: mean queue length sampled once per
  /// window at an instant drawn uniformly within it (L; a fixed instant would
  /// be biased, as the queue has a sawtooth within each window), arrival rate
  /// of accepted requests per second (lambda), their mean time in queue in
  /// seconds (W).
  double little_l = 0;
  double little_lambda = 0;
  double little_w = 0;
  /// The smallest scale at which this pool queues as the full one (a shared
  /// queue feeding batches, sim/platform/dispatch.hpp), from the run's offered rate; 0
  /// when any scale does.
  double faithful_scale = 0;
};

/// One SLO's verdict.
struct slo_result {
  std::string endpoint;
  /// "latency_p99 <= 120s", "max_rejected <= 0.02".
  std::string objective;
  double threshold = 0;
  /// For a latency objective, its quantile (0.5 ... 0.999); 0 for max_rejected.
  double quantile = 0;
  /// Over the whole run: the endpoint's latency quantile (seconds,
  /// endpoint_result::quantile) or the rejected share.
  double measured = 0;
  bool held = true;
  /// Why the verdict is not what measured vs threshold alone says, or empty:
  /// "23.9% of the requests gave up waiting; a p99 allows 1%".
  std::string note;
  /// Reporting intervals in which it did not hold, and the first of them (-1 if none).
  int breached_intervals = 0;
  int first_breach_interval = -1;
  /// Per reporting interval: true where it held (an interval breaches as counted above).
  std::vector<bool> held_by_interval;
};

/// Columns of named values, one row per reporting interval. Column names
/// follow "what[.entity]": "t_hours", "adopters", "offered_rps.generate_image",
/// "completed_rps.generate_image", "latency_p50_s.generate_image",
/// "latency_p99_s.generate_image", "queue.gen-h100", "utilization.gen-h100",
/// "servers.gen-h100", "cost_usd".
struct timeseries {
  std::vector<std::string> columns;
  std::vector<std::vector<double>> rows;
  /// Index of a column, or -1.
  int column(const std::string& name) const;
};

/// The adoption side of the run.
struct adoption_result {
  double population = 0;
  double adopters_at_end = 0;
  double peak_daily_active_users = 0;
  /// Day (0-based) of that peak.
  int peak_day = 0;
  /// "bass" or "cascade".
  std::string model = "bass";
  /// Cascade: images shared, and people who adopted because they saw one.
  double shares = 0;
  double adopted_by_share = 0;
};

/// One endpoint of a load test: what was sent and what came back, by outcome class.
/// Exact accounting: sent = completed + failed + timed_out + in_flight.
struct loadtest_endpoint_result {
  std::string name;
  /// Requests put on the wire (or whose connection was attempted).
  std::uint64_t sent = 0;
  /// Requests of the model for an endpoint without a `loadtest.requests` entry.
  std::uint64_t not_sent = 0;
  /// Requests still waiting for a free connection when the test stopped (never sent).
  std::uint64_t unsent_at_stop = 0;
  /// Requests that could not go out within loadtest.max_lag of their intended
  /// send time (never sent): the generator fell behind.
  std::uint64_t dropped = 0;
  /// Requests the model asked for: sent + dropped + unsent_at_stop.
  std::uint64_t intended = 0;
  std::uint64_t status_2xx = 0;
  /// 503: the target's queue was full.
  std::uint64_t status_503 = 0;
  /// 429: rate limited.
  std::uint64_t status_429 = 0;
  /// Other 4xx, other 5xx, and statuses outside 200..599 (1xx, 3xx).
  std::uint64_t status_4xx = 0;
  std::uint64_t status_5xx = 0;
  std::uint64_t status_other = 0;
  /// No response within `loadtest.timeout`.
  std::uint64_t timeout = 0;
  /// The connection could not be opened.
  std::uint64_t connect_error = 0;
  /// The connection was reset or closed before the whole response came.
  std::uint64_t reset_closed = 0;
  /// The TLS handshake failed (https targets only).
  std::uint64_t tls_handshake = 0;
  /// completed = status_2xx; failed = every other class but timeout.
  std::uint64_t completed = 0;
  std::uint64_t failed = 0;
  std::uint64_t timed_out = 0;
  /// Sent but without an outcome when the test ended.
  std::uint64_t in_flight = 0;
  /// Microseconds from the intended send time to the response (2xx only):
  /// coordinated-omission free.
  histogram corrected;
  /// Microseconds from the actual send to the response (2xx only): what a
  /// closed-loop tester would report.
  histogram uncorrected;
};

/// What `stampede loadtest` adds to a run's result.
struct loadtest_result {
  /// "http://127.0.0.1:8080", or the embedded service's URL.
  std::string target;
  /// True when an https target's certificate was not verified (loadtest.tls.insecure).
  bool tls_insecure = false;
  /// True when the embedded modeled service was the target.
  bool embedded = false;
  double time_scale = 1;
  double rate_scale = 1;
  /// Connections at the start, the most that may be opened, and the most the
  /// generator held open (it opens more while every one is busy).
  int connections = 0;
  int max_connections = 0;
  std::uint64_t peak_connections = 0;
  /// Connections open when the test ended: the ones opened for a burst are
  /// closed once idle for a while, down to `connections`.
  std::uint64_t connections_at_end = 0;
  /// HTTP threads the connections were spread over (summed over generators);
  /// 0 when not known (a report rebuilt from the results file).
  int threads = 0;
  /// Wall seconds the generator ran (asked for, and actually).
  double duration_s = 0;
  double wall_s = 0;
  /// Wall seconds per row of the run's time series.
  double interval_s = 1;
  double timeout_s = 0;
  /// Microseconds between a sent request's intended and actual send time.
  histogram lag;
  double max_lag_s = 0;
  /// The largest share of dropped requests (dropped / (sent + dropped)) that
  /// still counts as keeping the schedule.
  double max_dropped = 0.001;
  /// Dropped requests over all endpoints, and the wall seconds (since the
  /// start) of the first and last one's intended send time.
  std::uint64_t dropped = 0;
  double first_dropped_s = 0;
  double last_dropped_s = 0;
  /// False when more than max_dropped of the requests were dropped or the lag
  /// p99 exceeded max_lag: the generator could not keep its schedule, so the
  /// target saw less load than the scenario asks for.
  bool reliable = true;
  /// True when the test was stopped before its duration (Ctrl-C).
  bool interrupted = false;
  /// True when rebuilt by `stampede report` from the results file alone (the
  /// requests in flight at the end are then unknown).
  bool rebuilt = false;
  std::vector<loadtest_endpoint_result> endpoints;
};

/// One public figure next to what the run gives for it (sim/results/figures.hpp).
struct figure_result {
  std::string name;
  /// The metric's name and its parameters: "requests_completed(generate_image, until 7d)".
  std::string metric;
  /// The public value and the simulated one, in the metric's real-world unit.
  double value = 0;
  double simulated = 0;
  /// Relative tolerance; within = |simulated - value| <= tolerance * |value|,
  /// or for `at_least`, value <= simulated <= value + tolerance * |value|.
  double tolerance = 0;
  bool within = false;
  /// A calibration target, a prediction, or a reference (for which `within`
  /// is no verdict: the difference is what the scenario changes).
  figure_role role = figure_role::target;
  /// One-sided: the public value is a floor ("more than X").
  bool at_least = false;
  std::string source;
  /// The scenario's recorded leave-one-out error of this figure
  /// (figure_spec::leave_one_out): a prediction's error, NaN if none.
  double leave_one_out = std::numeric_limits<double>::quiet_NaN();
};

/// One event of the scenario's timeline, with the names of what it acts on
/// (reports put it in words).
struct event_result {
  double at_s = 0;
  event_spec::kind what = event_spec::kind::imitation_boost;
  /// imitation_boost: the factor on q.
  double factor = 0;
  /// imitation_boost, outage: how long it lasts; 0 = to the end of the run.
  vtime duration = 0;
  /// rate_limit: the tier and endpoint limited, and the new limit per user per day.
  std::string tier;
  std::string endpoint;
  double per_day = 0;
  /// add_servers, remove_servers, outage: the pool and how many servers; the pool is
  /// empty for other kinds.
  std::string pool;
  std::int64_t count = 0;
};

/// Everything one run produced.
struct run_result {
  std::string scenario;
  std::string description;
  std::uint64_t seed = 0;
  double scale = 1;
  /// 1/scale: real-world users or requests per simulated one.
  double weight = 1;
  double horizon_s = 0;
  /// Virtual time actually simulated: the horizon, or less when the run was stopped.
  double simulated_s = 0;
  double tick_s = 0;
  double report_interval_s = 0;
  /// Hex FNV-1a hash over the time series and the final counters; the same for
  /// the same scenario, seed and scale, whatever the threads.
  std::string digest;
  /// Not part of the digest: how the run went on this machine.
  int threads = 0;
  double wall_seconds = 0;
  std::uint64_t simulated_users = 0;
  std::uint64_t simulated_requests = 0;
  /// Bytes of population state (per-user arrays, sessions) at the end of the run.
  std::uint64_t population_bytes = 0;
  std::vector<endpoint_result> endpoints;
  std::vector<pool_result> pools;
  std::vector<slo_result> slos;
  adoption_result adoption;
  std::vector<event_result> events;
  timeseries series;
  /// Present for `stampede loadtest` results.
  std::optional<loadtest_result> loadtest;
  /// The scenario's public figures and the simulated ones (not part of the digest).
  std::vector<figure_result> figures;
  /// Key paths of the values tuned to the calibration targets (scenario `tuned:`).
  std::vector<std::string> tuned;
  /// Why the run ended before its horizon when no one asked it to (a worker
  /// lost); empty otherwise.
  std::string stop_reason;
  /// Pools whose figures never arrived (they lived on a lost worker): absent
  /// from `pools`, their endpoints from `endpoints` and those endpoints' SLOs
  /// from `slos`. Their columns of the time series stand.
  std::vector<std::string> pools_missing;
};

/// The first figure of a run that is not a number where one is due ("revenue_per_day_usd
/// at 3h", "pools.gpu.cost"), or empty when all are. NaN stands for "none" only
/// where reports expect it: latency quantiles of intervals without completions
/// and figures the run cannot give; infinities are never due.
std::string non_finite_figure(const run_result& r);

/// Sets the run-wide measure and verdict of every latency SLO from its
/// endpoint's quantile (endpoint_result::quantile): called when the result is
/// built, and again once gpu/ has computed the quantiles from the samples.
void settle_latency_slos(run_result& r);

/// The digest of a result: FNV-1a over the time series (bit patterns of the
/// doubles), every endpoint's and pool's final counters and every endpoint's
/// latency histogram (count, min, max, exact mean). Not over latency_samples:
/// how many are kept depends on the sample memory, which may be the machine's.
std::string compute_digest(const run_result& r);

/// The share of the requests the generator tried to send that it dropped:
/// dropped / (sent + dropped), 0 when it dropped none.
double dropped_share(const std::vector<loadtest_endpoint_result>& endpoints);

/// True when the generator kept its schedule: at most max_dropped of its
/// requests dropped, and the lag p99 of the sent ones within max_lag.
bool kept_schedule(const loadtest_result& lt);

}  // namespace stampede::sim
