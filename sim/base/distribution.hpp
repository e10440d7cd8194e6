#pragma once
// The probability distributions a scenario can name, and the samplers of the
// model. Every sampler consumes draws from an rng_stream only, so it is as
// deterministic as the stream it is given.
#include <cmath>
#include <cstdint>
#include <string>

#include "sim/base/rng.hpp"

namespace stampede::sim {

/// A distribution from the scenario: `{dist: lognormal, median: 6s, sigma: 0.3}`.
/// Parameters are in base units (seconds for durations, plain numbers for counts).
struct distribution {
  enum class kind { constant, exponential, lognormal, uniform, triangular, geometric, gamma };

  kind shape = kind::constant;
  /// constant: value | exponential: mean | lognormal: median | uniform: low |
  /// triangular: low | geometric: mean (support 1, 2, 3, ...; mean >= 1) |
  /// gamma: shape k
  double a = 0;
  /// lognormal: sigma | uniform: high | triangular: mode | gamma: scale theta
  double b = 0;
  /// triangular: high
  double c = 0;

  static distribution constant(double value) { return {kind::constant, value, 0, 0}; }
  static distribution exponential(double mean) { return {kind::exponential, mean, 0, 0}; }
  static distribution lognormal(double median, double sigma) {
    return {kind::lognormal, median, sigma, 0};
  }
  static distribution uniform(double low, double high) { return {kind::uniform, low, high, 0}; }
  static distribution triangular(double low, double mode, double high) {
    return {kind::triangular, low, mode, high};
  }
  static distribution geometric(double mean) { return {kind::geometric, mean, 0, 0}; }
  /// Density x^(k-1) e^(-x/theta): mean k·theta, variance k·theta².
  static distribution gamma(double shape, double scale) { return {kind::gamma, shape, scale, 0}; }

  /// One sample; consumes one draw for every shape (inverse transform), but for
  /// the lognormal: its normal comes from a ziggurat, which draws again in
  /// about 2% of the samples; and the gamma (Marsaglia and Tsang's rejection,
  /// a normal and a uniform per try, about 1.05 tries; one more uniform for k < 1).
  double sample(rng_stream& rng) const;
  /// The exact mean of the distribution.
  double mean() const;
  /// The exact variance of the distribution.
  double variance() const;
  /// For messages and reports: "lognormal(median 6, sigma 0.3)".
  std::string describe() const;
};

/// Failures before the first success in Bernoulli(p) trials, 0 < p < 1, from a
/// uniform u in (0, 1) and log_miss = log(1 - p): floor(log(u) / log(1 - p)),
/// since P(X >= k) = (1-p)^k. A double: it may exceed any count. Geometric
/// samples, skips over a sequence (a share's followers, a reservoir's stream)
/// and the like all draw it this one way.
inline double geometric_failures(double u, double log_miss) {
  return std::floor(std::log(u) / log_miss);
}

/// The standard normal quantile function (Wichura's AS 241, relative error ~1e-16).
double inverse_normal_cdf(double p);

/// A standard normal variate by the ziggurat method (Marsaglia & Tsang 2000,
/// with Doornik's 2005 ZIGNOR form: 128 layers, one 64-bit draw for the layer
/// and the abscissa). `bits` is the first draw; about 98% of the time it is the
/// only one, and the call costs a table lookup and a multiply, where inverting
/// the CDF costs a rational polynomial. Exact: rejection, no approximation.
double standard_normal(std::uint64_t bits, rng_stream& rng);

/// A Gamma(k, 1) variate, k > 0 (Marsaglia and Tsang); `bits` is the first
/// draw, as for standard_normal.
double standard_gamma(double k, std::uint64_t bits, rng_stream& rng);

/// A Poisson-distributed count with the given mean (>= 0): inversion for small
/// means, Hörmann's PTRS transformed rejection for large ones.
std::uint64_t sample_poisson(double mean, rng_stream& rng);

/// A binomial count of successes in n trials of probability p.
std::uint64_t sample_binomial(std::uint64_t n, double p, rng_stream& rng);

}  // namespace stampede::sim
