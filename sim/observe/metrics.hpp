#pragma once
// What the parts of a run report, per reporting interval and at the end, and
// the one place where those reports become a run_result: the time series, the
// SLO verdicts and the digest.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/results/result.hpp"
#include "sim/scenario/scenario.hpp"

namespace stampede::sim {

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

/// A rule of the model was broken: a bug, never a property of the scenario.
class invariant_error : public std::logic_error {
 public:
  explicit invariant_error(const std::string& what)
      : std::logic_error("model invariant violated (a bug in stampede): " + what) {}
};

/// Checks what must hold at the end of every run, and throws invariant_error if
/// not: every request offered is completed, rejected, abandoned or in flight;
/// and, for a run that reached its horizon, Little's law L = λW in each pool.
void check_invariants(const run_result& r, bool complete);

/// Sets a.peak_daily_active_users and a.peak_day from the users active on each
/// day (simulated users; × weight for the real-world figure).
void set_peak_daily_active(adoption_result& a, const std::vector<std::uint64_t>& users_per_day,
                           double weight);

/// Number of reporting intervals of a scenario: ceil(horizon / report_interval).
int interval_count(const scenario& s);

/// Collects the reports of all pools and shards and builds the run_result.
/// Reports may come in any order; the result depends only on their content.
class result_builder {
 public:
  explicit result_builder(const scenario& s);
  void add(const population_interval& p);
  void add(const pool_interval& p);
  void add(const population_final& p);
  void add(pool_final p);
  /// The result: time series (real-world figures: simulated × weight), SLO
  /// verdicts, adoption figures, digest. Call once, after every report arrived.
  /// `reached` is the virtual time simulated (the horizon unless stopped early):
  /// the time series ends with the last interval begun before it, and that
  /// row ends at `reached` (a stopped run reports its partial interval).
  run_result build(vtime reached);
  /// Bytes of population state reported so far, and users.
  std::size_t population_memory_bytes() const { return memory_bytes_; }

 private:
  /// Paying users and revenue per day (simulated users) at the end of an interval.
  std::pair<double, double> paying_and_revenue(const population_interval& p) const;

  const scenario& s_;
  int intervals_;
  std::vector<population_interval> population_;
  /// [pool][interval]
  std::vector<std::vector<pool_interval>> pools_;
  std::vector<pool_final> pool_finals_;
  std::vector<std::uint64_t> daily_active_;
  std::vector<std::uint64_t> rate_limited_;
  std::vector<std::uint64_t> retried_;
  std::uint64_t users_ = 0;
  std::uint64_t requests_ = 0;
  std::size_t memory_bytes_ = 0;
  std::uint64_t shares_ = 0;
  std::uint64_t adopted_by_share_ = 0;
};

}  // namespace stampede::sim
