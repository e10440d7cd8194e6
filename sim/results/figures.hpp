#pragma once
// Public figures: what a scenario is calibrated against (`figures:`), computed
// from a run's result in real-world units and compared with the public value,
// so every report shows "public figure / simulated" from the same numbers.
#include <string>
#include <vector>

#include "sim/results/result.hpp"
#include "sim/scenario/scenario.hpp"

namespace stampede::sim {

/// What one metric of `figures:` measures and which parameters it takes.
struct figure_metric_info {
  std::string name;
  /// The real-world unit of its value: "users per hour", "requests", "hours", ...
  std::string unit;
  /// One line for the docs and errors.
  std::string description;
  /// `at:` required (adopters_at, paying_users_at, revenue_per_day_at).
  bool needs_at = false;
  /// `until:` allowed (requests_completed).
  bool takes_until = false;
  /// `endpoint:` required.
  bool needs_endpoint = false;
  /// `pool:` required.
  bool needs_pool = false;
};

/// Every metric a figure may name, in documentation order.
const std::vector<figure_metric_info>& figure_metrics();

/// The metric of that name, or nullptr.
const figure_metric_info* find_figure_metric(const std::string& name);

/// One figure computed from a finished run's time series and pools. A figure
/// the run cannot give (a pool that never saturated, a time past the end of a
/// stopped run) has a NaN `simulated` and is not within tolerance.
figure_result evaluate_figure(const scenario& s, const figure_spec& f, const run_result& r);

/// Fills r.figures from s.figures and r.tuned from s.tuned; called by
/// result_builder::build, so every consumer of a run_result gets them.
void evaluate_figures(const scenario& s, run_result& r);

}  // namespace stampede::sim
