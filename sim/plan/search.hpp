#pragma once
// The capacity planner of `stampede plan`: the fewest servers per pool (and,
// with a period, per pool per period) whose runs hold every SLO.
//
// A candidate is the scenario with its planned pools' servers set (a schedule
// as add_servers / remove_servers events at the period starts): the text of
// plan.yaml, run as it is (sim/plan/document.hpp). Every candidate runs the
// same members (the scenario itself, or members 0..N-1 of its ensemble with
// their seeds and draws, sim/ensemble/members.hpp): candidates are compared on
// common random numbers.
//
// The search, in simulated servers (one simulated server stands for 1/scale
// real ones: the resolution):
//   1. an upper bound: the scenario's servers, doubled for every pool whose
//      SLOs fail, until every SLO holds (or the engine's limit is reached);
//   2. period after period, pool after pool, a bisection between 0 (fails) and
//      the current count (holds) on that pool's SLOs in that period, the other
//      pools and the earlier periods as found, the later ones at the bound.
//      A period's capacity cannot change what happened before it, so the
//      periods are settled in time order, and these runs stop at the end of
//      the period searched;
//   3. the whole plan run once more; if coupling between pools (retries,
//      satisfaction) broke an SLO there, steps 2-3 again (at most 3 rounds).
// Bisection assumes that more servers never break an SLO that fewer held; on
// common random numbers that holds but for noise at the boundary.
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/results/result.hpp"
#include "sim/scenario/scenario.hpp"

namespace stampede::sim {

/// How to plan.
struct plan_options {
  /// 1: the scenario itself (its own seed); N > 1: members 0..N-1 of its ensemble.
  std::uint64_t members = 1;
  /// The share of members in which every SLO must hold (with one member: it must hold).
  double hold = 0.9;
  /// 0: one server count per pool for the whole horizon; else a schedule with
  /// one count per period (a multiple of the reporting interval).
  vtime period = 0;
  /// Worker threads running a candidate's members (none changes a result).
  int threads = 1;
  /// metrics.sample_memory for each run where the scenario sets none (0: no limit).
  std::int64_t sample_memory = 0;
  /// When set to true, the running candidate stops and the search returns what it tried.
  const std::atomic<bool>* stop = nullptr;
  /// Called on each finished run before it is judged (the command computes its
  /// exact latency quantiles there, as `stampede run` does).
  std::function<void(run_result&)> settle;
  /// Called after each candidate with the candidates tried so far.
  std::function<void(const struct plan_result&)> on_candidate;
};

/// A pool of the scenario as the plan sees it.
struct plan_pool {
  std::string name;
  /// False when no SLO names an endpoint it serves: the plan keeps its servers.
  bool planned = false;
  /// Servers as the scenario gives them (real servers).
  std::int64_t scenario_servers = 0;
  /// From its `autoscale:` section, which the plan replaces by fixed servers:
  /// servers for a period must be ordered this long before it starts.
  vtime provisioning_delay = 0;
  bool had_autoscale = false;
  double cost_per_server_hour = 0;
};

/// One SLO on one candidate.
struct slo_attainment {
  std::string endpoint;
  /// "latency_p99 <= 2m".
  std::string objective;
  /// Index into plan_result::pools of the pool serving the endpoint.
  int pool = 0;
  double threshold = 0;
  /// Share of members in which it held over the run.
  double held_share = 0;
  /// Per period: share of members in which it held in every reporting interval
  /// of the period (with no period: the same as held_share); only the periods
  /// that ended by the candidate's until_s.
  std::vector<double> period_held_share;
  /// Over the run, the measured value (seconds or rejected share) of the member
  /// at the hold share: the value that held in that share of members.
  double measured = 0;
  /// Why it broke when the measured value alone does not say (too many gave
  /// up): the note of the first member in which it broke over the run.
  std::string note;
};

/// One candidate tried.
struct plan_candidate {
  /// Real servers, [pool][period] (a pool the plan keeps has its scenario count).
  std::vector<std::vector<std::int64_t>> servers;
  /// What it was tried for: "upper bound", "gpu, period 2", "check".
  std::string purpose;
  /// Virtual seconds its runs covered: the horizon, or the end of the period
  /// being searched (a period cannot change an earlier one, so the runs stop
  /// there); over-the-run figures (cost, held_share, measured) cover this much.
  double until_s = 0;
  /// Mean over members of the run's server cost, USD over the horizon.
  double cost = 0;
  std::vector<slo_attainment> slos;
  /// Every SLO held in the required share of members (and in every period),
  /// over the whole horizon (false for a run cut short).
  bool holds = false;
  /// Member 0's run digest: with one member, `stampede run plan.yaml` gives it.
  std::string digest;
  std::uint64_t simulated_requests = 0;
  double wall_seconds = 0;
};

/// What the planner found.
struct plan_result {
  std::string scenario;
  std::string description;
  std::uint64_t seed = 0;
  double scale = 1;
  /// Real servers per simulated server (1/scale): the search's resolution.
  double resolution = 1;
  double horizon_s = 0;
  double report_interval_s = 0;
  /// 0 without a schedule.
  double period_s = 0;
  /// Period start times, seconds (one entry, 0, without a schedule).
  std::vector<double> period_starts_s;
  std::uint64_t members = 1;
  double hold = 1;
  std::vector<plan_pool> pools;
  std::vector<plan_candidate> tried;
  /// Index into `tried` of the plan, when one was found.
  std::optional<std::size_t> chosen;
  /// plan.yaml: the scenario with the chosen plan applied.
  std::string yaml;
  /// Set when the search was stopped before it finished.
  bool stopped = false;
  /// Why no plan was found (empty when one was, or when stopped).
  std::string failure;
  double wall_seconds = 0;
};

/// Plans the scenario text `yaml` (named `file` in messages) under
/// `user_overrides`. Throws scenario_error for a scenario (or a period) it
/// cannot plan; runs end in the result, never in a throw.
plan_result plan_capacity(std::string_view yaml, const std::string& file,
                          const std::vector<std::string>& user_overrides,
                          const plan_options& options);

}  // namespace stampede::sim
