#pragma once
// What a run produces: the figures every report is written from. Counts are of
// simulated requests; `weight` (1/scale) turns them into real-world estimates.
#include <cstdint>
#include <string>
#include <vector>

#include "sim/histogram.hpp"

namespace stampede::sim {

/// Exact quantiles of the raw latency samples of one endpoint (seconds),
/// computed by gpu/ after the run.
struct exact_quantiles {
  bool valid = false;
  double p50 = 0, p90 = 0, p99 = 0, p999 = 0;
  /// "cuda" or "openmp": which Thrust backend computed them.
  std::string backend;
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
  /// Time from arrival to completion of completed requests, microseconds.
  histogram latency;
  /// A uniform sample (a reservoir when there were more) of completed latencies, seconds.
  std::vector<double> latency_samples;
  /// How many completed latencies the reservoir saw.
  std::uint64_t samples_seen = 0;
  exact_quantiles exact;
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
  /// Longest queue seen at a window boundary, simulated requests.
  std::int64_t peak_queue = 0;
  /// Provisioned server-hours (real servers) and their cost in USD.
  double server_hours = 0;
  double cost = 0;
  /// Little's law, measured independently: mean queue length sampled at every
  /// window boundary (L), arrival rate of queued requests per second (lambda),
  /// mean time in queue in seconds (W).
  double little_l = 0;
  double little_lambda = 0;
  double little_w = 0;
};

/// One SLO's verdict.
struct slo_result {
  std::string endpoint;
  /// "latency_p99 <= 120s", "max_rejected <= 0.02".
  std::string objective;
  double threshold = 0;
  /// Over the whole run: the latency quantile (seconds) or the rejected share.
  double measured = 0;
  bool held = true;
  /// Reporting intervals in which it did not hold, and the first of them (-1 if none).
  int breached_intervals = 0;
  int first_breach_interval = -1;
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
  std::vector<endpoint_result> endpoints;
  std::vector<pool_result> pools;
  std::vector<slo_result> slos;
  adoption_result adoption;
  timeseries series;
};

/// The digest of a result: FNV-1a over the time series (bit patterns of the
/// doubles) and every endpoint's and pool's final counters.
std::string compute_digest(const run_result& r);

}  // namespace stampede::sim
