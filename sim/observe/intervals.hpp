#pragma once
// What the parts of a run report: each pool and population shard per reporting
// interval while the run goes, and once at its end. sim/results/result_builder.hpp
// turns these reports into a run_result.
#include <cstdint>
#include <utility>
#include <vector>

#include "sim/results/result.hpp"
#include "sim/scenario/scenario.hpp"

namespace stampede::sim {

/// Number of reporting intervals of a scenario: ceil(horizon / report_interval).
inline int interval_count(const scenario& s) {
  return static_cast<int>((s.horizon + s.report_interval - 1) / s.report_interval);
}

/// One endpoint in one reporting interval (simulated counts).
struct endpoint_interval {
  /// Arrivals in the interval.
  std::uint64_t offered = 0;
  /// Completions, rejections and abandonments that happened in the interval.
  std::uint64_t completed = 0;
  std::uint64_t rejected = 0;
  std::uint64_t abandoned = 0;
  /// Latency quantiles (microseconds) of the completed requests that arrived in
  /// the interval; -1 when none did.
  std::int64_t p50 = -1, p90 = -1, p99 = -1, p999 = -1;
};

/// One pool in one reporting interval, final once the interval has closed.
struct pool_interval {
  int pool = 0;
  int interval = 0;
  /// Server-seconds of service performed in the interval.
  double busy_seconds = 0;
  /// Requests waiting in the queue at the end of the interval.
  std::int64_t queue_at_end = 0;
  /// Servers in the simulation at the end of the interval.
  std::int64_t servers = 0;
  /// Server-seconds the simulation's servers were present in the interval
  /// (utilization = busy_seconds / available_seconds).
  double available_seconds = 0;
  /// Real servers (the scenario's numbers) at the end of the interval, and
  /// their server-seconds in it (for cost).
  double real_servers = 0;
  double real_server_seconds = 0;
  /// Indexed like scenario::endpoints; endpoints of other pools stay zero.
  std::vector<endpoint_interval> endpoints;
};

/// One population shard in one reporting interval.
struct population_interval {
  int interval = 0;
  /// Adopted users, those of them who have not left, and sessions in progress,
  /// at the end of the interval.
  std::uint64_t adopters = 0;
  std::uint64_t active_users = 0;
  std::uint64_t active_sessions = 0;
  std::uint64_t sessions_started = 0;
  /// Active users per tier, and users converted by business.conversion.
  std::vector<std::uint64_t> active_by_tier;
  std::uint64_t converted = 0;
  /// Per endpoint, in the interval: requests refused by rate limits, retries,
  /// and first attempts that passed the rate limits (sim::edge_counts).
  std::vector<std::uint64_t> rate_limited;
  std::vector<std::uint64_t> retried;
  std::vector<std::uint64_t> first_attempts;
};

/// What a pool hands over at the end of the run.
struct pool_final {
  int pool = 0;
  pool_result result;
  /// The pool's endpoints, with their scenario index.
  std::vector<std::pair<int, endpoint_result>> endpoints;
};

/// What a population shard hands over at the end of the run.
struct population_final {
  std::uint64_t users = 0;
  std::uint64_t requests_sent = 0;
  /// Users active on each day.
  std::vector<std::uint64_t> daily_active;
  /// Per endpoint, over the run: requests refused by rate limits, and retries.
  std::vector<std::uint64_t> rate_limited;
  std::vector<std::uint64_t> retried;
  std::size_t memory_bytes = 0;
  /// Cascade: shares made, and users who adopted from one.
  std::uint64_t shares = 0;
  std::uint64_t adopted_by_share = 0;
};

}  // namespace stampede::sim
