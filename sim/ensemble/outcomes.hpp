#pragma once
// The outcomes an ensemble summarizes, read from one member's run: per
// reporting interval, the time-series columns leadership and planners read,
// and the figures derived on the member's own path (cumulative revenue and
// requests, margin = revenue - cost, SLOs held), since percentiles do not add.
#include <string>
#include <vector>

#include "sim/results/result.hpp"
#include "sim/scenario/scenario.hpp"

namespace stampede::sim {

/// One member's outcomes: values[k][i] is outcome names[k] in interval i.
struct outcome_paths {
  /// Column names of timeseries.csv where the outcome is one ("adopters",
  /// "completed_rps.generate_image", "queue.gpu", "cost_usd"), else derived:
  /// "revenue_usd" and "completed.<endpoint>" (cumulative), "margin_usd"
  /// (revenue_usd - cost_usd), "slo_held.<endpoint>.<key>" (1 held, 0 not) and
  /// "slo_held" (1 where every SLO held).
  std::vector<std::string> names;
  /// End of each interval, hours.
  std::vector<double> t_hours;
  std::vector<std::vector<double>> values;
};

/// The headline figures of one member, at the end of its run.
struct member_headline {
  double adopters = 0;
  double cost_usd = 0;
  double revenue_usd = 0;
  double margin_usd = 0;
  /// Share of intervals in which every SLO held (1 without SLOs).
  double slo_held_share = 1;
};

/// The outcomes of `r`, a run of `s`, from its time series and SLO verdicts;
/// also, on the member's own path:
/// - "servers_needed.<pool>": the servers that would have served the highest
///   demand so far at the target utilization (sim/results/capacity.hpp), the
///   demand being the first attempts that passed the rate limits (no retries)
///   times each endpoint's mean work: a first-order estimate, not a plan;
/// - "reached.<outcome>.<value>" per milestone of s.projection: 1 from the
///   interval in which the outcome first reached the value on.
outcome_paths outcomes_of(const run_result& r, const scenario& s);
/// The name of a milestone's path ("reached.adopters.1000000").
std::string milestone_path(const milestone& m);
/// The headline of a member from its outcomes.
member_headline headline_of(const outcome_paths& p);

}  // namespace stampede::sim
