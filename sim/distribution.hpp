#pragma once
// The probability distributions a scenario can name, and the samplers of the
// model. Every sampler consumes draws from an rng_stream only, so it is as
// deterministic as the stream it is given.
#include <cstdint>
#include <string>

#include "sim/rng.hpp"

namespace stampede::sim {

/// A distribution from the scenario: `{dist: lognormal, median: 6s, sigma: 0.3}`.
/// Parameters are in base units (seconds for durations, plain numbers for counts).
struct distribution {
  enum class kind { constant, exponential, lognormal, uniform, triangular, geometric };

  kind shape = kind::constant;
  /// constant: value | exponential: mean | lognormal: median | uniform: low |
  /// triangular: low | geometric: mean (support 1, 2, 3, ...; mean >= 1)
  double a = 0;
  /// lognormal: sigma | uniform: high | triangular: mode
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

  /// One sample; consumes one uniform draw (inverse transform) for every shape.
  double sample(rng_stream& rng) const;
  /// The exact mean of the distribution.
  double mean() const;
  /// The exact variance of the distribution.
  double variance() const;
  /// For messages and reports: "lognormal(median 6, sigma 0.3)".
  std::string describe() const;
};

/// The standard normal quantile function (Wichura's AS 241, relative error ~1e-16).
double inverse_normal_cdf(double p);

/// A Poisson-distributed count with the given mean (>= 0): inversion for small
/// means, Hörmann's PTRS transformed rejection for large ones.
std::uint64_t sample_poisson(double mean, rng_stream& rng);

/// A binomial count of successes in n trials of probability p.
std::uint64_t sample_binomial(std::uint64_t n, double p, rng_stream& rng);

}  // namespace stampede::sim
