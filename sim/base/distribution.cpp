#include "sim/base/distribution.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace stampede::sim {
namespace {

constexpr double half_log_two_pi = 0.91893853320467274178;  // log(sqrt(2*pi))

// A geometric distribution on {1, 2, ...} with mean m has success probability
// 1/m; means at or below 1 degenerate to "always 1".
double geometric_p(double mean) {
  return mean > 1.0 ? 1.0 / mean : 1.0;
}

// Evaluates a polynomial of degree 7 with coefficients c[0] + c[1] x + ...
double poly7(const double (&c)[8], double x) {
  return ((((((c[7] * x + c[6]) * x + c[5]) * x + c[4]) * x + c[3]) * x + c[2]) * x + c[1]) * x +
         c[0];
}

// log(n!) - log(sqrt(2 pi n) (n/e)^n), the error of Stirling's formula
// (Loader, "Fast and accurate computation of binomial probabilities", 2000).
// Splitting it out lets the log-pmfs below avoid subtracting two lgamma values
// of 2e10 each, which would lose ~1e-5 of absolute precision for n ~ 1e9.
double stirling_error(double n) {
  if (n < 16.0) {
    return std::lgamma(n + 1.0) - (n + 0.5) * std::log(n) + n - half_log_two_pi;
  }
  // Asymptotic series; the first omitted term is < 1e-15 at n = 16.
  constexpr double s0 = 1.0 / 12, s1 = 1.0 / 360, s2 = 1.0 / 1260, s3 = 1.0 / 1680, s4 = 1.0 / 1188;
  const double nn = n * n;
  return (s0 - (s1 - (s2 - (s3 - s4 / nn) / nn) / nn) / nn) / n;
}

// x log(x / np) + np - x, computed without cancellation when x is close to np
// (Loader 2000). Both arguments > 0.
double deviance_term(double x, double np) {
  const double d = x - np;
  if (std::abs(d) < 0.1 * (x + np)) {
    double v = d / (x + np);
    double s = d * v;
    double ej = 2.0 * x * v;
    v *= v;
    for (int j = 1; j < 1000; ++j) {
      ej *= v;
      const double next = s + ej / (2 * j + 1);
      if (next == s) return next;
      s = next;
    }
    return s;
  }
  return x * std::log(x / np) + np - x;
}

// log P(X = k) for X ~ Poisson(mean), mean > 0.
double poisson_log_pmf(double k, double mean) {
  if (k == 0.0) return -mean;
  return -stirling_error(k) - deviance_term(k, mean) - 0.5 * std::log(k) - half_log_two_pi;
}

// log P(X = k) for X ~ Binomial(n, p), 0 < p < 1, 0 <= k <= n.
double binomial_log_pmf(double k, double n, double p, double q) {
  if (k == 0.0) return n * std::log1p(-p);
  if (k == n) return n * std::log(p);
  return stirling_error(n) - stirling_error(k) - stirling_error(n - k) - deviance_term(k, n * p) -
         deviance_term(n - k, n * q) + 0.5 * std::log(n / (k * (n - k))) - half_log_two_pi;
}

// Converts a non-negative integral double to a count, saturating instead of
// overflowing (a double above 2^64 has no uint64 value: casting it is UB).
std::uint64_t to_count(double k) {
  constexpr double limit = 18446744073709551616.0;  // 2^64
  if (!(k >= 0.0)) return 0;
  if (k >= limit) return std::numeric_limits<std::uint64_t>::max();
  return static_cast<std::uint64_t>(k);
}

// Poisson by sequential-search inversion: one uniform per sample, exact up to
// the rounding of the cumulative sum (~1e-16 per step).
std::uint64_t poisson_inversion(double mean, rng_stream& rng) {
  const double u = rng.uniform();
  double p = std::exp(-mean);
  double cumulative = p;
  std::uint64_t k = 0;
  // The pmf falls faster than geometrically past the mean, so the terms
  // underflow long before 1000 steps; the bound only guards against u landing
  // in the ~1e-16 of mass that rounding leaves uncovered.
  while (u > cumulative && k < 1000) {
    ++k;
    p *= mean / static_cast<double>(k);
    if (p == 0.0) break;
    cumulative += p;
  }
  return k;
}

// Hörmann, "The transformed rejection method for generating Poisson random
// variables", Insurance: Mathematics and Economics 12 (1993), algorithm PTRS.
// Valid for mean >= 10; about 1.1 iterations (2.2 uniforms) per sample.
std::uint64_t poisson_ptrs(double mean, rng_stream& rng) {
  const double slam = std::sqrt(mean);
  const double b = 0.931 + 2.53 * slam;
  const double a = -0.059 + 0.02483 * b;
  const double log_inv_alpha = std::log(1.1239 + 1.1328 / (b - 3.4));
  const double v_r = 0.9277 - 3.6224 / (b - 2.0);
  for (;;) {
    const double u = rng.uniform() - 0.5;
    const double v = rng.uniform();
    const double us = 0.5 - std::abs(u);
    const double k = std::floor((2.0 * a / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= v_r) return to_count(k);
    if (k < 0.0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + log_inv_alpha - std::log(a / (us * us) + b) <= poisson_log_pmf(k, mean)) {
      return to_count(k);
    }
  }
}

// Binomial by sequential-search inversion (BINV, Kachitvichyanukul & Schmeiser
// 1988) for p <= 1/2 and n p < 10: one uniform per sample.
std::uint64_t binomial_inversion(std::uint64_t n, double p, rng_stream& rng) {
  const double q = 1.0 - p;
  const double s = p / q;
  const double a = (static_cast<double>(n) + 1.0) * s;
  double r = std::exp(static_cast<double>(n) * std::log1p(-p));  // P(X = 0) >= e^-14 here
  double u = rng.uniform();
  std::uint64_t x = 0;
  // P(X = x+1) / P(X = x) = (n - x) / (x + 1) * p / q = a / (x + 1) - s.
  while (u > r && x < n) {
    u -= r;
    ++x;
    r *= a / static_cast<double>(x) - s;
    // Past the mean the terms shrink super-geometrically; once they underflow
    // only the ~1e-16 of mass lost to rounding remains, so stop there.
    if (r <= 0.0) break;
  }
  return x;
}

// Hörmann, "The generation of binomial random variates", J. Statist. Comput.
// Simul. 46 (1993), algorithm BTRS. For p <= 1/2 and n p >= 10.
std::uint64_t binomial_btrs(std::uint64_t n_int, double p, rng_stream& rng) {
  const double n = static_cast<double>(n_int);
  const double q = 1.0 - p;
  const double spq = std::sqrt(n * p * q);
  const double b = 1.15 + 2.53 * spq;
  const double a = -0.0873 + 0.0248 * b + 0.01 * p;
  const double c = n * p + 0.5;
  const double log_alpha = std::log((2.83 + 5.1 / b) * spq);
  const double v_r = 0.92 - 4.2 / b;
  const double mode = std::floor((n + 1.0) * p);
  const double log_pmf_mode = binomial_log_pmf(mode, n, p, q);
  for (;;) {
    const double u = rng.uniform() - 0.5;
    const double v = rng.uniform();
    const double us = 0.5 - std::abs(u);
    const double k = std::floor((2.0 * a / us + b) * u + c);
    if (k < 0.0 || k > n) continue;
    if (us >= 0.07 && v <= v_r) return to_count(k);
    if (std::log(v) + log_alpha - std::log(a / (us * us) + b) <=
        binomial_log_pmf(k, n, p, q) - log_pmf_mode) {
      return to_count(k);
    }
  }
}

std::string format_number(double x) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", x);
  return buffer;
}

}  // namespace

namespace {

// Ziggurat tables: 128 layers of equal area V under the normal density
// exp(-x²/2), the base layer extending to the tail beyond R (Doornik 2005).
struct ziggurat {
  static constexpr int layers = 128;
  static constexpr double r = 3.442619855899;
  static constexpr double v = 9.91256303526217e-3;
  double x[layers + 1];
  /// x[i+1] / x[i]: below it a point of layer i is inside the density for sure.
  double ratio[layers];
  ziggurat() {
    double f = std::exp(-0.5 * r * r);
    x[0] = v / f;
    x[1] = r;
    x[layers] = 0;
    for (int i = 2; i < layers; ++i) {
      x[i] = std::sqrt(-2 * std::log(v / x[i - 1] + f));
      f = std::exp(-0.5 * x[i] * x[i]);
    }
    for (int i = 0; i < layers; ++i) ratio[i] = x[i + 1] / x[i];
  }
};
const ziggurat zig;

}  // namespace

double standard_normal(std::uint64_t bits, rng_stream& rng) {
  for (;;) {
    // The low 7 bits pick the layer, the top 53 the abscissa u in (-1, 1).
    const int i = static_cast<int>(bits & 0x7F);
    const double u = 2 * rng_stream::to_uniform(bits) - 1;
    if (std::abs(u) < zig.ratio[i]) return u * zig.x[i];
    if (i == 0) {
      // The base layer's overhang: the tail beyond R (Marsaglia 1964).
      double x, y;
      do {
        x = std::log(rng.uniform()) / ziggurat::r;
        y = std::log(rng.uniform());
      } while (-2 * y < x * x);
      return u < 0 ? x - ziggurat::r : ziggurat::r - x;
    }
    // A wedge: accept under the density between the layer's two edges.
    const double x = u * zig.x[i];
    const double f0 = std::exp(-0.5 * (zig.x[i] * zig.x[i] - x * x));
    const double f1 = std::exp(-0.5 * (zig.x[i + 1] * zig.x[i + 1] - x * x));
    if (f1 + rng.uniform() * (f0 - f1) < 1.0) return x;
    bits = rng.next_u64();
  }
}

double standard_gamma(double k, std::uint64_t bits, rng_stream& rng) {
  // Marsaglia and Tsang, "A simple method for generating gamma variables",
  // ACM TOMS 26 (2000): for k >= 1, d·v with v = (1 + c·x)^3, x normal,
  // accepted when log(u) < x²/2 + d - d·v + d·log(v). For k < 1, a Gamma(k + 1)
  // times u^(1/k).
  const double boost = k < 1.0 ? std::pow(rng.uniform(), 1.0 / k) : 1.0;
  const double d = (k < 1.0 ? k + 1.0 : k) - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    const double x = standard_normal(bits, rng);
    bits = rng.next_u64();
    const double t = 1.0 + c * x;
    if (t <= 0.0) continue;
    const double v = t * t * t;
    const double u = rng.uniform();
    if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return boost * d * v;
  }
}

double distribution::sample(rng_stream& rng) const {
  // Draw first for every shape, constant included, so that a scenario edit that
  // swaps one shape for another never shifts the draws that follow (but for the
  // lognormal's rare second draw).
  const std::uint64_t bits = rng.next_u64();
  const double u = rng_stream::to_uniform(bits);
  switch (shape) {
    case kind::constant:
      return a;
    case kind::exponential:
      return -a * std::log(u);
    case kind::lognormal:
      return a * std::exp(b * standard_normal(bits, rng));
    case kind::uniform:
      return a + (b - a) * u;
    case kind::triangular: {
      const double width = c - a;
      if (!(width > 0.0)) return a;
      const double left = b - a;
      if (u * width < left) return a + std::sqrt(u * width * left);
      return c - std::sqrt((1.0 - u) * width * (c - b));
    }
    case kind::geometric: {
      const double p = geometric_p(a);
      if (p >= 1.0) return 1.0;
      // P(X > k) = (1-p)^k, so X = 1 + floor(log(u) / log(1-p)); log(u) >= -38
      // keeps the result finite for any p in (0, 1).
      return 1.0 + geometric_failures(u, std::log1p(-p));
    }
    case kind::gamma:
      return b * standard_gamma(a, bits, rng);
  }
  return a;
}

double distribution::mean() const {
  switch (shape) {
    case kind::constant:
      return a;
    case kind::exponential:
      return a;
    case kind::lognormal:
      return a * std::exp(0.5 * b * b);
    case kind::uniform:
      return 0.5 * (a + b);
    case kind::triangular:
      return (a + b + c) / 3.0;
    case kind::geometric:
      return 1.0 / geometric_p(a);
    case kind::gamma:
      return a * b;
  }
  return a;
}

double distribution::variance() const {
  switch (shape) {
    case kind::constant:
      return 0.0;
    case kind::exponential:
      return a * a;
    case kind::lognormal: {
      const double s2 = b * b;
      return a * a * std::exp(s2) * std::expm1(s2);
    }
    case kind::uniform:
      return (b - a) * (b - a) / 12.0;
    case kind::triangular:
      return (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0;
    case kind::geometric: {
      const double p = geometric_p(a);
      return (1.0 - p) / (p * p);
    }
    case kind::gamma:
      return a * b * b;
  }
  return 0.0;
}

std::string distribution::describe() const {
  switch (shape) {
    case kind::constant:
      return "constant(" + format_number(a) + ")";
    case kind::exponential:
      return "exponential(mean " + format_number(a) + ")";
    case kind::lognormal:
      return "lognormal(median " + format_number(a) + ", sigma " + format_number(b) + ")";
    case kind::uniform:
      return "uniform(low " + format_number(a) + ", high " + format_number(b) + ")";
    case kind::triangular:
      return "triangular(low " + format_number(a) + ", mode " + format_number(b) + ", high " +
             format_number(c) + ")";
    case kind::geometric:
      return "geometric(mean " + format_number(a) + ")";
    case kind::gamma:
      return "gamma(shape " + format_number(a) + ", scale " + format_number(b) + ")";
  }
  return "unknown distribution";
}

double inverse_normal_cdf(double p) {
  // Wichura, "Algorithm AS 241: The percentage points of the normal
  // distribution", Applied Statistics 37 (1988), PPND16.
  static constexpr double a[8] = {3.3871328727963666080e0,  1.3314166789178437745e+2,
                                  1.9715909503065514427e+3, 1.3731693765509461125e+4,
                                  4.5921953931549871457e+4, 6.7265770927008700853e+4,
                                  3.3430575583588128105e+4, 2.5090809287301226727e+3};
  static constexpr double b[8] = {1.0,
                                  4.2313330701600911252e+1,
                                  6.8718700749205790830e+2,
                                  5.3941960214247511077e+3,
                                  2.1213794301586595867e+4,
                                  3.9307895800092710610e+4,
                                  2.8729085735721942674e+4,
                                  5.2264952788528545610e+3};
  static constexpr double c[8] = {1.42343711074968357734e0,  4.63033784615654529590e0,
                                  5.76949722146069140550e0,  3.64784832476320460504e0,
                                  1.27045825245236838258e0,  2.41780725177450611770e-1,
                                  2.27238449892691845833e-2, 7.74545014278341407640e-4};
  static constexpr double d[8] = {1.0,
                                  2.05319162663775882187e0,
                                  1.67638483018380384940e0,
                                  6.89767334985100004550e-1,
                                  1.48103976427480074590e-1,
                                  1.51986665636164571966e-2,
                                  5.47593808499534494600e-4,
                                  1.05075007164441684324e-9};
  static constexpr double e[8] = {6.65790464350110377720e0,  5.46378491116411436990e0,
                                  1.78482653991729133580e0,  2.96560571828504891230e-1,
                                  2.65321895265761230930e-2, 1.24266094738807843860e-3,
                                  2.71155556874348757815e-5, 2.01033439929228813265e-7};
  static constexpr double f[8] = {1.0,
                                  5.99832206555887937690e-1,
                                  1.36929880922735805310e-1,
                                  1.48753612908506148525e-2,
                                  7.86869131145613259100e-4,
                                  1.84631831751005468180e-5,
                                  1.42151175831644588870e-7,
                                  2.04426310338993978564e-15};
  if (std::isnan(p)) return p;
  if (p <= 0.0) return -std::numeric_limits<double>::infinity();
  if (p >= 1.0) return std::numeric_limits<double>::infinity();

  const double q = p - 0.5;
  if (std::abs(q) <= 0.425) {
    const double r = 0.180625 - q * q;
    return q * poly7(a, r) / poly7(b, r);
  }
  double r = std::sqrt(-std::log(q < 0.0 ? p : 1.0 - p));
  double value;
  if (r <= 5.0) {
    r -= 1.6;
    value = poly7(c, r) / poly7(d, r);
  } else {
    r -= 5.0;
    value = poly7(e, r) / poly7(f, r);
  }
  return q < 0.0 ? -value : value;
}

std::uint64_t sample_poisson(double mean, rng_stream& rng) {
  if (!(mean > 0.0)) return 0;  // also catches NaN
  // Above 2^62 consecutive doubles are 1024 apart, so no sampler can be exact
  // there; capping keeps every intermediate finite and the result in range.
  constexpr double largest_mean = 4611686018427387904.0;  // 2^62
  mean = std::min(mean, largest_mean);
  if (mean < 10.0) return poisson_inversion(mean, rng);
  return poisson_ptrs(mean, rng);
}

std::uint64_t sample_binomial(std::uint64_t n, double p, rng_stream& rng) {
  if (n == 0 || !(p > 0.0)) return 0;
  if (p >= 1.0) return n;
  // Both samplers want p <= 1/2; the count of failures of Binomial(n, p) is
  // Binomial(n, 1 - p).
  if (p > 0.5) return n - sample_binomial(n, 1.0 - p, rng);
  if (static_cast<double>(n) * p < 10.0) return binomial_inversion(n, p, rng);
  return binomial_btrs(n, p, rng);
}

}  // namespace stampede::sim
