#pragma once
// Tuning a scenario's `tune:` values to its target figures (`stampede fit
// figures`), and the leave-one-out check of that fit.
//
// The objective is the sum over the target figures of the squared relative
// error of the simulated value: (simulated - value) / |value|. An `at_least`
// figure counts as its verdict reads it: nothing inside its band [value,
// value + tolerance·|value|], the distance above the band, and below the floor
// the miss plus the band's width (tolerance), so that a floor missed by a hair
// costs as much as a two-sided target missed by its whole tolerance and the
// search never trades a floor for a closer fit elsewhere. A figure the run
// cannot give (NaN: a pool that never saturated) counts as a relative error of
// `missing_error`.
//
// The search is Nelder-Mead (sim/fit/nelder_mead.hpp) on each value's
// position in its range in log space, u = ln(v/min) / ln(max/min) in [0, 1],
// so every value moves by the same factor per step whatever its unit. Every
// evaluation is one run of the scenario with the candidate values as
// overrides and the scenario's own seed: common random numbers, so two
// candidates differ by their values, not by their luck.
//
// Leave-one-out: for each target figure, the values are fitted again on the
// other targets alone (from the same start) and the figure is predicted by a
// run at those values; its error is a prediction's, not a fit's. With k
// targets and n tunables a figure left out leaves k - 1 figures for n values:
// when k - 1 < n the values are not identifiable without it, and no error is
// reported.
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/scenario/scenario.hpp"

namespace stampede::sim {

/// The relative error a figure the run cannot give counts as (a 1000% miss:
/// worse than any value the run gives, yet finite, so the search moves on).
inline constexpr double missing_error = 10;

/// One run at `values` (base units, one per tunable): each figure of the
/// scenario computed from it (NaN where the run cannot give it), or an empty
/// vector when the run was stopped before its horizon.
using figure_model = std::function<std::vector<double>(const std::vector<double>& values)>;

/// The signed relative error (simulated - value) / |value| (NaN when not given).
double relative_error(const figure_spec& f, double simulated);
/// What the objective counts for one figure (see above).
double objective_error(const figure_spec& f, double simulated);

/// How to search.
struct figure_fit_options {
  /// Runs per fit (the fit on every target, and each leave-one-out fit).
  int max_runs = 200;
  /// Fits run in parallel (each fit is sequential).
  int threads = 1;
  /// Skips the leave-one-out fits.
  bool leave_one_out = true;
  /// When set to true the fits stop, keeping the best found so far.
  const std::atomic<bool>* stop = nullptr;
  /// Called (under a lock) after every run with the runs so far and the best
  /// objective of the fit on every target.
  std::function<void(int runs, double best)> on_run;
};

/// One fit's outcome: the best values found and the figures of their run.
struct fit_point {
  /// Base units, one per tunable; empty when no run finished.
  std::vector<double> values;
  double objective = 0;
  /// Every figure of the scenario at those values.
  std::vector<double> simulated;
  int runs = 0;
  /// False when it stopped at the run cap or on a stop request.
  bool converged = false;
  bool stopped = false;
};

/// A target figure's errors in and out of sample.
struct figure_errors {
  /// Index into scenario::figures.
  std::size_t figure = 0;
  double in_sample_simulated = 0;
  double in_sample_error = 0;
  /// False when k - 1 < n (or the fits were skipped or stopped): no prediction.
  bool identifiable = false;
  bool predicted = false;
  /// The leave-one-out fit, and the figure's value and error at its values.
  fit_point without;
  double predicted_simulated = 0;
  double predicted_error = 0;
};

/// What `stampede fit figures` reports.
struct figure_fit_result {
  fit_point fit;
  std::vector<figure_errors> targets;
  int total_runs = 0;
};

/// Fits `s.tune` to the target figures of `s` through `model`; throws
/// std::invalid_argument when there is nothing to fit (no tunables, no
/// targets, a target of value 0).
figure_fit_result fit_figures(const scenario& s, const figure_model& model,
                              const figure_fit_options& options);

/// The model of `fit_figures` for scenario text `yaml` (named `file`) under
/// `user_overrides`: each call loads it with the values as `--set` overrides
/// and runs sim::run_world. A value the scenario refuses throws
/// scenario_error at the tune entry that gave it.
figure_model world_model(std::string_view yaml, const std::string& file,
                         const std::vector<std::string>& user_overrides, const scenario& base,
                         const std::atomic<bool>* stop);

}  // namespace stampede::sim
