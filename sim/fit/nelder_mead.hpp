#pragma once
// Nelder-Mead: a derivative-free minimizer for the fits of sim/fit/, which
// minimize sums of squares that either have no derivative at hand (a whole
// simulated run per evaluation) or have long flat valleys.
#include <functional>
#include <vector>

namespace stampede::sim {

/// When a search stops.
struct nelder_mead_options {
  /// The simplex's first steps from the start, one per coordinate.
  double step = 0.1;
  /// Stops when the simplex is smaller than this in every coordinate...
  double size_tolerance = 1e-10;
  /// ...or its values differ by at most this times max(1, best value).
  double value_tolerance = 1e-14;
  int max_iterations = 2000;
  /// Stops before an evaluation past this many (0: no cap).
  int max_evaluations = 0;
  /// Stops (keeping the best so far) as soon as it returns true.
  std::function<bool()> stop;
};

/// The best point found and what it cost.
struct nelder_mead_result {
  std::vector<double> x;
  double value = 0;
  int evaluations = 0;
  int iterations = 0;
};

/// Minimizes f from `start` with the standard moves (reflect, expand,
/// contract outside or inside, shrink toward the best), the simplex built by
/// stepping each coordinate of the start by options.step.
nelder_mead_result nelder_mead(const std::function<double(const std::vector<double>&)>& f,
                               const std::vector<double>& start,
                               const nelder_mead_options& options = {});

}  // namespace stampede::sim
