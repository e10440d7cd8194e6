#pragma once
// Ensemble statistics on Thrust (`stampede project`): per-series quantiles and
// means over members, and Spearman rank correlations. Plain C++ like stats.hpp:
// no Thrust type here, so the CLI never goes through nvcc.
#include <cstddef>
#include <span>
#include <vector>

#include "gpu/stats.hpp"

namespace stampede::gpu {

/// Quantiles and means of many series of one ensemble.
struct series_summary {
  /// quantiles[s * qs.size() + k]: quantile qs[k] of series s (nearest rank,
  /// as quantiles() in stats.hpp).
  std::vector<double> quantiles;
  /// mean[s]: the mean of series s.
  std::vector<double> mean;
};

/// `values` holds series after series of `members` values each (series s is
/// values[s * members, (s + 1) * members)): for an ensemble, one series per
/// outcome and interval, one value per member. One segmented sort, one gather
/// and one reduction by key, whatever the number of series. Throws stats_error
/// on NaN, members == 0, a size not a multiple of members, a q outside [0, 1].
series_summary series_quantiles(std::span<const double> values, std::size_t members,
                                std::span<const double> qs);

/// Spearman's rank correlation of each of `a`'s vectors with each of `b`'s:
/// `a` and `b` hold vectors of n values one after the other; the result's
/// [i * (b.size() / n) + j] is the Pearson correlation of the ranks of a's
/// vector i and b's vector j, ties given their average rank. NaN where either
/// vector is constant (no ranking to correlate). Throws stats_error on NaN,
/// n < 2 or sizes not a multiple of n.
std::vector<double> rank_correlations(std::span<const double> a, std::span<const double> b,
                                      std::size_t n);

}  // namespace stampede::gpu
