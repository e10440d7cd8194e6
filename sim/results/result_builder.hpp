#pragma once
// The one place where the reports of a run's parts (sim/observe/intervals.hpp)
// become a run_result: the time series, the SLO verdicts, the adoption figures,
// the model's invariants and the digest.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/observe/intervals.hpp"
#include "sim/results/result.hpp"
#include "sim/scenario/scenario.hpp"

namespace stampede::sim {

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

 private:
  /// The parts of build(), in the order it calls them. `rows`: the intervals
  /// of the time series.
  run_result header(vtime reached) const;
  /// Endpoints in scenario order, with the edge's rate-limited requests; pools.
  void add_endpoints_and_pools(run_result& r);
  void drop_missing_pools(run_result& r) const;
  void add_time_series(run_result& r, int rows) const;
  /// SLO verdicts over the run (latency ones settled later) and per interval.
  void add_slo_verdicts(run_result& r, int rows) const;
  void add_timeline(run_result& r) const;
  void add_adoption(run_result& r, int rows) const;
  /// One endpoint in one interval, edge and pool together.
  endpoint_interval endpoint_at(std::size_t e, std::size_t i) const;
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
