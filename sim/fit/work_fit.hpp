#pragma once
// Fitting a work distribution to observed service times (`stampede fit work`):
// per endpoint, a lognormal and a gamma by maximum likelihood, each with its
// Kolmogorov-Smirnov distance to the sample, and the closer one chosen.
//
//   lognormal  mu and sigma are the mean and the standard deviation (divided
//              by n: the MLE) of ln x; median e^mu.
//   gamma      shape k solves ln k - digamma(k) = ln(mean x) - mean(ln x)
//              (Newton's method from Minka's closed-form start), scale mean/k.
//
// KS distance: sup |F_n(x) - F(x)| over the sample, evaluated on both sides of
// each step of the empirical CDF.
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/fit/csv.hpp"

namespace stampede::sim {

/// The lognormal of largest likelihood, and its KS distance.
struct lognormal_fit {
  double median = 0;
  double sigma = 0;
  double ks = 0;
};

/// The gamma of largest likelihood (mean shape * scale), and its KS distance.
struct gamma_fit {
  double shape = 0;
  double scale = 0;
  double ks = 0;
  /// Newton steps taken on the shape.
  int iterations = 0;
};

/// Both fits of one sample.
struct work_fit {
  std::size_t n = 0;
  double mean = 0;
  lognormal_fit lognormal;
  gamma_fit gamma;
  /// True when the gamma's KS distance is the smaller.
  bool gamma_closer = false;
};

/// Fits both distributions to `samples` (all > 0, at least two distinct values).
work_fit fit_work(const std::vector<double>& samples);

/// sup |F_n - cdf| of the sample `sorted` (ascending).
double ks_distance(const std::vector<double>& sorted, const std::function<double(double)>& cdf);

/// The lognormal's CDF at x.
double lognormal_cdf(double median, double sigma, double x);
/// The gamma's CDF at x: the regularized lower incomplete gamma P(shape, x/scale).
double gamma_cdf(double shape, double scale, double x);
/// The digamma (psi) and trigamma functions, for x > 0.
double digamma(double x);
double trigamma(double x);

/// Service times by endpoint, in seconds, in the order endpoints first appear.
struct work_samples {
  std::vector<std::string> endpoints;
  std::vector<std::vector<double>> seconds;
  /// Rows skipped because their `outcome` was not 2xx.
  std::size_t skipped = 0;
  /// The column read, and its unit ("us", "ms", "s").
  std::string column;
  std::string unit;
};

/// Reads service times from CSV text with a header. `column` names the
/// durations (default: uncorrected_us when the header has it, as in a load
/// test's results.csv, else duration); its unit comes from the name's suffix
/// (_us, _ms, _s; seconds otherwise), or each value carries one ("250ms").
/// `endpoint_column` (default endpoint) names each row's endpoint; without
/// one, every row belongs to `fallback_endpoint`. Where the header has an
/// `outcome` column, only rows whose outcome is 2xx are service times.
/// Throws fit_error "FILE:LINE:COL: what was expected".
work_samples parse_work_csv(std::string_view text, const std::string& file,
                            const std::string& column, const std::string& endpoint_column,
                            const std::string& fallback_endpoint);

}  // namespace stampede::sim
