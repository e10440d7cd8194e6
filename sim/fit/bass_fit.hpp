#pragma once
// Fitting the Bass diffusion model to observed signups (`stampede fit adoption`).
//
// The series is cut into periods, one per row: the launch is one period (the
// gap between the first two rows) before the first row, and row i counts the
// users who adopted in the period ending at its date. The model says that m
// users adopt in all, a share F(t) of them by day t since the launch:
//
//   F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})
//
// (bass_share in population/adoption.hpp, the closed form of
// dF/dt = (p + qF)(1 - F): stampede's adoption rule with every adopter fully
// satisfied). p, q and m are the values that minimize the
// squared differences between the observed signups and m·(F(t_i) - F(t_{i-1}));
// for given p and q the best m is a closed form, so the search is over p and q
// alone. Intervals come from a wild bootstrap: each period keeps its own
// residual with its sign flipped at random, and each resampled series is
// fitted again (it needs no model of how the noise grows with the count).
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sim/fit/csv.hpp"

namespace stampede::sim {

/// Signups per period, the periods' ends in days since the launch.
struct adoption_series {
  std::vector<double> day;
  std::vector<double> signups;
  /// The first row's date, as written (for the report).
  std::string first_date;
};

/// Parses CSV text with a header naming `date` (ISO 8601: 2025-03-25 or
/// 2025-03-25T17:00:00Z) and either `signups` (new in each period) or
/// `adopters` (cumulative). Rows in increasing date order, at least four.
/// `file` names the source in errors.
adoption_series parse_adoption_csv(std::string_view text, const std::string& file);

/// Days since 1970-01-01 of an ISO 8601 date or date-time; nothing if malformed.
bool parse_iso_day(std::string_view text, double& day);

/// Expected signups per period for (p, q, m).
std::vector<double> bass_signups(const std::vector<double>& day, double p, double q, double m);

/// A least-squares fit: the values, and the sum of squared residuals.
struct bass_point {
  double p = 0;
  double q = 0;
  double m = 0;
  double sse = 0;
};

/// The least-squares (p, q, m) for `signups`; `start` (when p > 0) is where
/// the search begins, else a grid over p in [1e-5, 0.5]/day, q in [1e-3, 5]/day.
bass_point fit_bass(const std::vector<double>& day, const std::vector<double>& signups,
                    const bass_point& start = {});

/// An estimate and its interval.
struct estimate {
  double value = 0;
  double low = 0;
  double high = 0;
};

/// What `stampede fit adoption` reports.
struct bass_fit {
  estimate innovation_per_day;
  estimate imitation_per_day;
  estimate market_size;
  /// Coverage of the intervals (0.8: the 10th to the 90th percentile of the
  /// bootstrap), and the resamples behind them.
  double level = 0.8;
  int resamples = 0;
  /// Goodness of fit on the signups per period.
  double r_squared = 0;
  double rmse = 0;
  std::size_t periods = 0;
  std::vector<double> fitted;
};

/// Fits (p, q, m) and their `level` intervals from `resamples` bootstrap
/// resamples drawn from `seed`.
bass_fit fit_adoption(const adoption_series& s, int resamples, std::uint64_t seed,
                      double level = 0.8);

}  // namespace stampede::sim
