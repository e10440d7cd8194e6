#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <vector>

#include <catch2/catch.hpp>

#include "sim/base/distribution.hpp"

using stampede::sim::distribution;
using stampede::sim::inverse_normal_cdf;
using stampede::sim::rng_stream;
using stampede::sim::sample_binomial;
using stampede::sim::sample_poisson;
using stampede::sim::stream;

namespace {

// Every statistical check below allows 5 standard errors: a correct sampler
// fails one (two-sided, normal approximation) with p < 1e-6. The streams are
// fixed, so a pass or a failure is reproducible, not flaky.
constexpr double z_tolerance = 5.0;

// Sample mean, variance and 4th central moment of `values`.
struct moments {
  double mean = 0, variance = 0, fourth = 0;
};

template <class T>
moments moments_of(const std::vector<T>& values) {
  moments m;
  const double n = static_cast<double>(values.size());
  for (T v : values) m.mean += static_cast<double>(v);
  m.mean /= n;
  for (T v : values) {
    const double d = static_cast<double>(v) - m.mean;
    m.variance += d * d;
    m.fourth += d * d * d * d;
  }
  m.variance /= n;
  m.fourth /= n;
  return m;
}

// Checks the sample mean and variance against the exact ones. The mean's
// standard error is sqrt(variance / n); the sample variance's is
// sqrt((mu4 - variance^2) / n), mu4 being the 4th central moment.
template <class T>
void check_moments(const std::vector<T>& values, double exact_mean, double exact_variance,
                   double exact_fourth) {
  const moments m = moments_of(values);
  const double n = static_cast<double>(values.size());
  INFO("sample mean " << m.mean << " vs " << exact_mean << ", sample variance " << m.variance
                      << " vs " << exact_variance);
  CHECK(std::abs(m.mean - exact_mean) <= z_tolerance * std::sqrt(exact_variance / n));
  CHECK(std::abs(m.variance - exact_variance) <=
        z_tolerance * std::sqrt((exact_fourth - exact_variance * exact_variance) / n));
}

// Chi-square statistic of observed counts against a pmf over 0, 1, 2, ...;
// cells with expectation under 5 are pooled with their neighbours (the
// usual condition for the chi-square approximation), the tails included.
struct chi_square_result {
  double statistic = 0;
  int degrees_of_freedom = 0;
};

chi_square_result chi_square(const std::map<std::uint64_t, int>& observed,
                             const std::vector<double>& pmf, double draws) {
  chi_square_result r;
  double pooled_expected = 0, pooled_observed = 0;
  double mass_so_far = 0;
  int cells = 0;
  for (std::size_t k = 0; k < pmf.size(); ++k) {
    pooled_expected += pmf[k] * draws;
    mass_so_far += pmf[k];
    const auto it = observed.find(k);
    pooled_observed += it == observed.end() ? 0 : it->second;
    const double rest = (1.0 - mass_so_far) * draws;
    if (pooled_expected >= 5 && rest >= 5) {
      r.statistic += (pooled_observed - pooled_expected) * (pooled_observed - pooled_expected) /
                     pooled_expected;
      ++cells;
      pooled_expected = pooled_observed = 0;
    }
  }
  // The last cell takes everything above the table as well.
  double observed_total = 0;
  for (const auto& [k, c] : observed) observed_total += c;
  double counted = 0;
  for (const auto& [k, c] : observed) {
    if (k < pmf.size()) counted += c;
  }
  pooled_observed += observed_total - counted;
  pooled_expected += (1.0 - mass_so_far) * draws;
  r.statistic +=
      (pooled_observed - pooled_expected) * (pooled_observed - pooled_expected) / pooled_expected;
  ++cells;
  r.degrees_of_freedom = cells - 1;
  return r;
}

// The chi-square value exceeded with probability ~1e-6 (Wilson-Hilferty; for
// 9 to 99 degrees of freedom it is 0.2-1.2 above the exact value, so the test
// is slightly more lenient than p = 1e-6).
double chi_square_critical(int df) {
  const double z = 4.753424308822899;  // upper 1e-6 point of N(0, 1)
  const double h = 2.0 / (9.0 * df);
  return df * std::pow(1.0 - h + z * std::sqrt(h), 3);
}

template <class F>
std::vector<double> sampled(int n, F&& draw) {
  std::vector<double> out(n);
  for (double& x : out) x = draw();
  return out;
}

}  // namespace

TEST_CASE("inverse_normal_cdf matches the normal quantiles to 1e-12", "[sim]") {
  // Reference values computed with mpmath at 40 digits; AS 241 is accurate to
  // ~1e-16 relative, so 1e-12 absolute leaves room only for rounding.
  CHECK(inverse_normal_cdf(0.975) == Approx(1.959963984540054).margin(1e-12).epsilon(0));
  CHECK(inverse_normal_cdf(0.5) == Approx(0.0).margin(1e-12));
  CHECK(inverse_normal_cdf(1e-10) == Approx(-6.361340902404056).margin(1e-12).epsilon(0));
  // One point in each of the three rational approximations, both tails.
  CHECK(inverse_normal_cdf(0.3) == Approx(-0.524400512708041).margin(1e-12).epsilon(0));
  CHECK(inverse_normal_cdf(0.02) == Approx(-2.053748910631823).margin(1e-12).epsilon(0));
  CHECK(inverse_normal_cdf(1e-20) == Approx(-9.262340089798408).margin(1e-12).epsilon(0));
  CHECK(inverse_normal_cdf(1.0 - 1e-6) == Approx(4.753424308822899).margin(1e-9).epsilon(0));
  // (1 - 1e-6 is not exactly representable: its quantile differs by ~1e-11.)
  CHECK(inverse_normal_cdf(0.0) == -std::numeric_limits<double>::infinity());
  CHECK(inverse_normal_cdf(1.0) == std::numeric_limits<double>::infinity());
}

TEST_CASE("every distribution shape but the lognormal consumes exactly one draw per sample",
          "[sim]") {
  const std::vector<distribution> shapes = {
      distribution::constant(3),         distribution::exponential(2), distribution::uniform(1, 4),
      distribution::triangular(1, 2, 5), distribution::geometric(3),   distribution::geometric(1)};
  for (const distribution& d : shapes) {
    rng_stream sampled_stream(5, stream::test, 2);
    rng_stream reference(5, stream::test, 2);
    for (int i = 0; i < 7; ++i) {
      d.sample(sampled_stream);
      reference.uniform();
    }
    INFO(d.describe());
    CHECK(sampled_stream.next_u64() == reference.next_u64());
  }
}

TEST_CASE("exponential samples have the exact mean and variance", "[sim]") {
  rng_stream rng(11, stream::test, 0);
  const distribution d = distribution::exponential(2.5);
  CHECK(d.mean() == 2.5);
  CHECK(d.variance() == 6.25);
  const auto x = sampled(1'000'000, [&] { return d.sample(rng); });
  // Exponential(m): 4th central moment 9 m^4.
  check_moments(x, 2.5, 6.25, 9 * std::pow(2.5, 4));
  for (double v : x) REQUIRE(v > 0.0);
}

TEST_CASE("lognormal samples have the exact mean and variance", "[sim]") {
  rng_stream rng(12, stream::test, 0);
  const double median = 6, sigma = 0.3;
  const distribution d = distribution::lognormal(median, sigma);
  // Raw moments E[X^k] = median^k exp(k^2 sigma^2 / 2).
  auto raw = [&](int k) { return std::pow(median, k) * std::exp(k * k * sigma * sigma / 2); };
  const double mean = raw(1);
  const double variance = raw(2) - mean * mean;
  const double fourth =
      raw(4) - 4 * mean * raw(3) + 6 * mean * mean * raw(2) - 3 * std::pow(mean, 4);
  CHECK(d.mean() == Approx(mean).epsilon(1e-14));
  CHECK(d.variance() == Approx(variance).epsilon(1e-12));
  const auto x = sampled(1'000'000, [&] { return d.sample(rng); });
  check_moments(x, mean, variance, fourth);
  // The median is the median: the fraction below it is 1/2 within 5 standard
  // errors of a binomial proportion, 5 * 0.5 / sqrt(n).
  double below = 0;
  for (double v : x) below += v < median;
  CHECK(std::abs(below / x.size() - 0.5) <= z_tolerance * 0.5 / std::sqrt(x.size()));
  CHECK(d.describe() == "lognormal(median 6, sigma 0.3)");
}

TEST_CASE("gamma samples have the exact mean and variance, and the closed-form CDF at k = 2",
          "[sim]") {
  // Gamma(k, theta): mean k theta, variance k theta^2, 4th central moment
  // 3 k (k + 2) theta^4 (excess kurtosis 6 / k). k < 1 takes the boosted path.
  for (const auto [k, theta] : {std::pair{4.0, 1.5}, std::pair{0.5, 2.0}, std::pair{2.0, 1.0}}) {
    INFO("k " << k << ", theta " << theta);
    rng_stream rng(13, stream::test, static_cast<std::uint64_t>(k * 10));
    const distribution d = distribution::gamma(k, theta);
    CHECK(d.mean() == Approx(k * theta).epsilon(1e-15));
    CHECK(d.variance() == Approx(k * theta * theta).epsilon(1e-15));
    const auto x = sampled(1'000'000, [&] { return d.sample(rng); });
    check_moments(x, k * theta, k * theta * theta, 3 * k * (k + 2) * std::pow(theta, 4));
    for (double v : x) REQUIRE(v > 0.0);
    if (k == 2.0) {
      // P(X <= 2 theta) = 1 - e^-2 (1 + 2) for k = 2, within 5 binomial standard errors.
      const double p = 1 - 3 * std::exp(-2.0);
      double below = 0;
      for (double v : x) below += v <= 2 * theta;
      CHECK(std::abs(below / x.size() - p) <=
            z_tolerance * std::sqrt(p * (1 - p) / static_cast<double>(x.size())));
    }
  }
  CHECK(distribution::gamma(4, 1.5).describe() == "gamma(shape 4, scale 1.5)");
}

TEST_CASE("uniform samples stay in range with the exact mean and variance", "[sim]") {
  rng_stream rng(13, stream::test, 0);
  const distribution d = distribution::uniform(2, 7);
  CHECK(d.mean() == 4.5);
  CHECK(d.variance() == Approx(25.0 / 12).epsilon(1e-15));
  const auto x = sampled(1'000'000, [&] { return d.sample(rng); });
  // Uniform of width w: 4th central moment w^4 / 80.
  check_moments(x, 4.5, 25.0 / 12, std::pow(5.0, 4) / 80);
  for (double v : x) REQUIRE((v > 2.0 && v < 7.0));
}

TEST_CASE("triangular samples stay in range with the exact mean and variance", "[sim]") {
  rng_stream rng(14, stream::test, 0);
  const double low = 1, mode = 2, high = 5;
  const distribution d = distribution::triangular(low, mode, high);
  const double mean = (low + mode + high) / 3;
  const double variance =
      (low * low + mode * mode + high * high - low * mode - low * high - mode * high) / 18;
  CHECK(d.mean() == Approx(mean).epsilon(1e-15));
  CHECK(d.variance() == Approx(variance).epsilon(1e-15));
  const auto x = sampled(1'000'000, [&] { return d.sample(rng); });
  // Every triangular law has excess kurtosis -3/5 (it does not depend on the
  // three points), so its 4th central moment is (3 - 3/5) variance^2 = 2.4
  // variance^2: 1.2519 here, as integrating (x - mean)^4 against the density
  // gives.
  check_moments(x, mean, variance, 2.4 * variance * variance);
  for (double v : x) REQUIRE((v > low && v < high));
  // P(X < mode) = (mode - low) / (high - low) = 1/4, within 5 binomial standard errors.
  double below_mode = 0;
  for (double v : x) below_mode += v < mode;
  CHECK(std::abs(below_mode / x.size() - 0.25) <= z_tolerance * std::sqrt(0.25 * 0.75 / x.size()));
}

TEST_CASE("geometric samples are whole numbers >= 1 with the exact mean and variance", "[sim]") {
  rng_stream rng(15, stream::test, 0);
  const double m = 3;  // p = 1/3
  const distribution d = distribution::geometric(m);
  const double p = 1 / m, q = 1 - p;
  CHECK(d.mean() == Approx(3.0).epsilon(1e-15));
  CHECK(d.variance() == Approx(q / (p * p)).epsilon(1e-15));
  const auto x = sampled(1'000'000, [&] { return d.sample(rng); });
  // Geometric central 4th moment: q (p^2 + 9 q) / p^4.
  check_moments(x, m, q / (p * p), q * (p * p + 9 * q) / std::pow(p, 4));
  for (double v : x) REQUIRE((v >= 1.0 && v == std::floor(v)));
  // P(X = 1) = p, within 5 binomial standard errors.
  double ones = 0;
  for (double v : x) ones += v == 1.0;
  CHECK(std::abs(ones / x.size() - p) <= z_tolerance * std::sqrt(p * q / x.size()));

  // A mean of 1 is the degenerate "always 1".
  const distribution always_one = distribution::geometric(1);
  for (int i = 0; i < 1000; ++i) REQUIRE(always_one.sample(rng) == 1.0);
  CHECK(always_one.mean() == 1.0);
  CHECK(always_one.variance() == 0.0);
}

TEST_CASE("a constant distribution always returns its value", "[sim]") {
  rng_stream rng(16, stream::test, 0);
  const distribution d = distribution::constant(4.25);
  for (int i = 0; i < 1000; ++i) REQUIRE(d.sample(rng) == 4.25);
  CHECK(d.mean() == 4.25);
  CHECK(d.variance() == 0.0);
  CHECK(d.describe() == "constant(4.25)");
}

TEST_CASE("poisson samples have the exact mean and variance from tiny to huge means", "[sim]") {
  for (double lambda : {0.3, 4.0, 9.99, 10.0, 37.5, 1e4, 1e9}) {
    rng_stream rng(21, stream::test, static_cast<std::uint64_t>(lambda * 100));
    std::vector<std::uint64_t> x(1'000'000);
    for (auto& v : x) v = sample_poisson(lambda, rng);
    INFO("mean " << lambda);
    // Poisson(l): variance l, 4th central moment l (1 + 3 l).
    check_moments(x, lambda, lambda, lambda * (1 + 3 * lambda));
  }
}

TEST_CASE("poisson counts follow the poisson pmf on both sides of the method switch", "[sim]") {
  // 4 and 9.99 use inversion, 10 and 37.5 use PTRS, whose acceptance test is
  // where an error would bend the shape without moving the mean.
  for (double lambda : {0.3, 4.0, 9.99, 10.0, 37.5}) {
    rng_stream rng(22, stream::test, static_cast<std::uint64_t>(lambda * 100));
    constexpr int draws = 1'000'000;
    std::map<std::uint64_t, int> observed;
    for (int i = 0; i < draws; ++i) ++observed[sample_poisson(lambda, rng)];
    std::vector<double> pmf;
    for (int k = 0; k < 200; ++k) {
      pmf.push_back(std::exp(-lambda + k * std::log(lambda) - std::lgamma(k + 1.0)));
    }
    const chi_square_result r = chi_square(observed, pmf, draws);
    INFO("mean " << lambda << ": chi-square " << r.statistic << " with " << r.degrees_of_freedom
                 << " degrees of freedom");
    REQUIRE(r.degrees_of_freedom >= 2);
    CHECK(r.statistic < chi_square_critical(r.degrees_of_freedom));
  }
}

TEST_CASE("poisson handles a zero, negative, NaN and huge mean", "[sim]") {
  rng_stream rng(23, stream::test, 0);
  for (int i = 0; i < 100; ++i) {
    REQUIRE(sample_poisson(0.0, rng) == 0);
    REQUIRE(sample_poisson(-3.0, rng) == 0);
    REQUIRE(sample_poisson(std::numeric_limits<double>::quiet_NaN(), rng) == 0);
  }
  // Mean 1e12: sd 1e6. 1e4 draws put the sample mean within 5 * 1e6 / 100 =
  // 5e4 of 1e12 (5 standard errors); each draw lies within 10 sd (p ~ 1e-23).
  constexpr int n = 10'000;
  const double lambda = 1e12;
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    const auto k = sample_poisson(lambda, rng);
    REQUIRE(std::abs(static_cast<double>(k) - lambda) < 10 * std::sqrt(lambda));
    sum += static_cast<double>(k);
  }
  CHECK(std::abs(sum / n - lambda) <= z_tolerance * std::sqrt(lambda / n));
  // An infinite mean saturates instead of overflowing.
  CHECK(sample_poisson(std::numeric_limits<double>::infinity(), rng) >= (std::uint64_t{1} << 61));
}

TEST_CASE("binomial samples have the exact mean and variance", "[sim]") {
  struct setting {
    std::uint64_t n;
    double p;
  };
  // Inversion (n p < 10 after folding p to <= 1/2) and BTRS, with p near 0 and 1.
  const std::vector<setting> settings = {
      {20, 0.3},     {1000, 0.001},        {1000, 0.999},         {50, 0.2},
      {10'000, 0.5}, {1'000'000'000, 0.3}, {1'000'000'000, 5e-9}, {1'000'000'000, 1 - 1e-7},
      {100, 0.97}};
  for (const auto& [n, p] : settings) {
    rng_stream rng(31, stream::test, n + static_cast<std::uint64_t>(p * 1e9));
    std::vector<std::uint64_t> x(1'000'000);
    for (auto& v : x) {
      v = sample_binomial(n, p, rng);
      REQUIRE(v <= n);
    }
    const double nd = static_cast<double>(n);
    const double q = 1 - p;
    const double variance = nd * p * q;
    INFO("n " << n << ", p " << p);
    // Binomial 4th central moment: n p q (1 + 3 (n - 2) p q).
    check_moments(x, nd * p, variance, variance * (1 + 3 * (nd - 2) * p * q));
  }
}

TEST_CASE("binomial counts follow the binomial pmf for both methods", "[sim]") {
  struct setting {
    std::uint64_t n;
    double p;
  };
  // (20, 0.3): inversion; (50, 0.2) and (60, 0.75): BTRS (the latter folded).
  for (const auto& [n, p] : {setting{20, 0.3}, setting{50, 0.2}, setting{60, 0.75}}) {
    rng_stream rng(32, stream::test, n);
    constexpr int draws = 1'000'000;
    std::map<std::uint64_t, int> observed;
    for (int i = 0; i < draws; ++i) ++observed[sample_binomial(n, p, rng)];
    std::vector<double> pmf;
    for (std::uint64_t k = 0; k <= n; ++k) {
      pmf.push_back(std::exp(std::lgamma(n + 1.0) - std::lgamma(k + 1.0) -
                             std::lgamma(n - k + 1.0) + k * std::log(p) +
                             (n - k) * std::log1p(-p)));
    }
    const chi_square_result r = chi_square(observed, pmf, draws);
    INFO("n " << n << ", p " << p << ": chi-square " << r.statistic << " with "
              << r.degrees_of_freedom << " degrees of freedom");
    REQUIRE(r.degrees_of_freedom >= 2);
    CHECK(r.statistic < chi_square_critical(r.degrees_of_freedom));
  }
}

TEST_CASE("binomial edge cases: no trials, p = 0, p = 1", "[sim]") {
  rng_stream rng(33, stream::test, 0);
  for (int i = 0; i < 100; ++i) {
    REQUIRE(sample_binomial(0, 0.4, rng) == 0);
    REQUIRE(sample_binomial(100, 0.0, rng) == 0);
    REQUIRE(sample_binomial(100, 1.0, rng) == 100);
    REQUIRE(sample_binomial(1'000'000'000, 1.0, rng) == 1'000'000'000);
    REQUIRE(sample_binomial(1'000'000'000, 0.0, rng) == 0);
  }
}

TEST_CASE("the ziggurat's normals follow the standard normal law, tails included", "[sim]") {
  // Chi-square over 100 equiprobable bins (edges from the exact quantile
  // function) plus the two tails beyond the ziggurat's base layer (|z| > R =
  // 3.4426, where a different algorithm takes over).
  const int n = 2'000'000, bins = 100;
  rng_stream rng(21, stream::test, 0);
  std::vector<double> edges;
  for (int k = 1; k < bins; ++k) edges.push_back(inverse_normal_cdf(static_cast<double>(k) / bins));
  std::vector<double> count(bins, 0);
  double tails = 0, draws_before = 0;
  const std::uint64_t before = rng.counter();
  for (int i = 0; i < n; ++i) {
    const double z = standard_normal(rng.next_u64(), rng);
    count[static_cast<std::size_t>(std::upper_bound(edges.begin(), edges.end(), z) -
                                   edges.begin())]++;
    tails += std::abs(z) > 3.442619855899;
  }
  double chi2 = 0;
  const double expected = static_cast<double>(n) / bins;
  for (double c : count) chi2 += (c - expected) * (c - expected) / expected;
  // 99 degrees of freedom: mean 99, sd 14; 99 + 5 sd = 169.
  CHECK(chi2 < 169);
  // P(|Z| > R) = 5.76e-4: 1152 expected, sd 34.
  const double tail_expected = n * 2 * 0.5 * std::erfc(3.442619855899 / std::sqrt(2.0));
  CHECK(std::abs(tails - tail_expected) <= 5 * std::sqrt(tail_expected));
  // A draw of 64 bits per normal, and one or two more in ~2% of them (outside
  // the layers' boxes); measured 1.041 a normal, counted in Philox blocks of two.
  draws_before = static_cast<double>(rng.counter() - before) * 2;
  CHECK(draws_before / n > 1.0);
  CHECK(draws_before / n < 1.05);
}
