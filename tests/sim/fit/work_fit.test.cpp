// Fitting work distributions to service times: maximum likelihood recovers the
// lognormal and gamma a sample was drawn from, the KS distance of a small case
// computed by hand, the special functions against their known values, and the
// CSV reader's errors.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "sim/fit/work_fit.hpp"

using namespace stampede::sim;

namespace {

constexpr std::size_t n = 20000;

// Samples come from the standard library's generators, a reference
// independent of stampede's own samplers.
std::vector<double> lognormal_sample(double median, double sigma, unsigned seed) {
  std::mt19937_64 g(seed);
  std::lognormal_distribution<double> d(std::log(median), sigma);
  std::vector<double> v(n);
  for (double& x : v) x = d(g);
  return v;
}

std::vector<double> gamma_sample(double shape, double scale, unsigned seed) {
  std::mt19937_64 g(seed);
  std::gamma_distribution<double> d(shape, scale);
  std::vector<double> v(n);
  for (double& x : v) x = d(g);
  return v;
}

}  // namespace

TEST_CASE("the special functions match their known values", "[sim][fit]") {
  constexpr double euler_gamma = 0.5772156649015329;
  constexpr double pi = 3.141592653589793;
  // Tolerance 1e-12: the asymptotic series past x = 6 is accurate to ~1e-13.
  CHECK(digamma(1) == Approx(-euler_gamma).margin(1e-12));
  CHECK(digamma(0.5) == Approx(-euler_gamma - 2 * std::log(2.0)).margin(1e-12));
  CHECK(digamma(100) == Approx(4.600161852738087).margin(1e-12));
  CHECK(trigamma(1) == Approx(pi * pi / 6).margin(1e-12));
  CHECK(trigamma(0.5) == Approx(pi * pi / 2).margin(1e-12));
  // Gamma CDFs with closed forms: shape 1 is the exponential, shape 2 is
  // 1 - e^-z (1 + z); both branches (series below shape + 1, fraction above).
  for (double x : {0.1, 0.7, 2.5, 9.0}) {
    CHECK(gamma_cdf(1, 2, x) == Approx(1 - std::exp(-x / 2)).margin(1e-13));
    const double z = x / 0.5;
    CHECK(gamma_cdf(2, 0.5, x) == Approx(1 - std::exp(-z) * (1 + z)).margin(1e-13));
  }
  CHECK(lognormal_cdf(6, 0.3, 6) == Approx(0.5).margin(1e-15));
  // One sigma above the median: the standard normal CDF at 1, 0.841344746...
  CHECK(lognormal_cdf(6, 0.3, 6 * std::exp(0.3)) == Approx(0.8413447460685429).margin(1e-13));
}

TEST_CASE("the KS distance of a small sample is the one computed by hand", "[sim][fit]") {
  // Sample {0.5, 1, 3} against the uniform CDF x/4 on [0, 4]: the empirical
  // CDF is 1/3, 2/3, 1 after each point; the gaps are
  //   at 0.5: F = 1/8, gaps 1/8 - 0 and 1/3 - 1/8 = 5/24
  //   at 1:   F = 1/4, gaps 1/4 - 1/3 < 0 and 2/3 - 1/4 = 5/12
  //   at 3:   F = 3/4, gaps 3/4 - 2/3 = 1/12 and 1 - 3/4 = 1/4
  // so D = 5/12.
  const auto uniform = [](double x) { return std::clamp(x / 4, 0.0, 1.0); };
  CHECK(ks_distance({0.5, 1, 3}, uniform) == Approx(5.0 / 12).margin(1e-15));
  // With a tie {1, 1, 2}: the CDF jumps 0 -> 2/3 at 1 (gap 2/3 - 1/4 = 5/12)
  // and reaches 1 at 2 (gap 1 - 1/2 = 1/2).
  CHECK(ks_distance({1, 1, 2}, uniform) == Approx(0.5).margin(1e-15));
}

TEST_CASE("fit_work recovers the lognormal a sample was drawn from", "[sim][fit]") {
  const double median = 6, sigma = 0.3;
  const work_fit w = fit_work(lognormal_sample(median, sigma, 11));
  CHECK(w.n == n);
  // The MLE's standard errors: sigma/sqrt(n) for ln median, sigma/sqrt(2n) for
  // sigma; 5 of them leave a false alarm at ~1e-6.
  const double se_mu = sigma / std::sqrt(double(n)), se_sigma = sigma / std::sqrt(2.0 * n);
  CHECK(std::abs(std::log(w.lognormal.median / median)) < 5 * se_mu);
  CHECK(std::abs(w.lognormal.sigma - sigma) < 5 * se_sigma);
  // A sample of the fitted law is within ~1.6/sqrt(n) in KS distance (the
  // 99.9% point of the limiting Kolmogorov law is 1.95/sqrt(n), less when
  // the parameters are fitted); the gamma is a worse shape.
  CHECK(w.lognormal.ks < 1.95 / std::sqrt(double(n)));
  CHECK_FALSE(w.gamma_closer);
}

TEST_CASE("fit_work recovers the gamma a sample was drawn from", "[sim][fit]") {
  const double shape = 3, scale = 2;
  const work_fit w = fit_work(gamma_sample(shape, scale, 12));
  // The shape's asymptotic variance is k / (n (k psi'(k) - 1)), with
  // psi'(3) = pi^2/6 - 1 - 1/4 written out here; the mean k*scale is the
  // sample mean, of standard error sqrt(k) scale / sqrt(n). 5 standard errors.
  const double pi = 3.141592653589793;
  const double psi1 = pi * pi / 6 - 1 - 0.25;
  const double se_shape = std::sqrt(shape / (n * (shape * psi1 - 1)));
  const double se_mean = std::sqrt(shape) * scale / std::sqrt(double(n));
  CHECK(std::abs(w.gamma.shape - shape) < 5 * se_shape);
  CHECK(std::abs(w.gamma.shape * w.gamma.scale - shape * scale) < 5 * se_mean);
  CHECK(w.gamma.ks < 1.95 / std::sqrt(double(n)));
  CHECK(w.gamma_closer);
  // The Newton iteration converged (it stops on a relative step of 1e-12).
  CHECK(w.gamma.iterations < 100);
}

TEST_CASE("the work CSV reader takes a load test's results.csv as it is", "[sim][fit]") {
  const std::string csv =
      "intended_us,endpoint,outcome,status,corrected_us,uncorrected_us,lag_us\n"
      "1000,generate_image,2xx,200,6100000,6000000,100000\n"
      "2000,generate_image,503,503,20000,20000,0\n"
      "3000,view_feed,2xx,200,41000,40000,1000\n"
      "4000,generate_image,2xx,200,5000000,5000000,0\n"
      "5000,view_feed,2xx,200,50000,50000,0\n";
  const work_samples w = parse_work_csv(csv, "results.csv", "", "", "all");
  REQUIRE(w.endpoints == std::vector<std::string>{"generate_image", "view_feed"});
  CHECK(w.column == "uncorrected_us");
  CHECK(w.seconds[0] == std::vector<double>{6.0, 5.0});
  CHECK(w.seconds[1] == std::vector<double>{0.04, 0.05});
  CHECK(w.skipped == 1);
}

TEST_CASE("the work CSV reader says where a value is bad", "[sim][fit]") {
  const auto error = [](const std::string& csv, const std::string& column = "") {
    try {
      parse_work_csv(csv, "f.csv", column, "", "all");
    } catch (const fit_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error("duration\n1s\n2s\n  -3\n") ==
        "f.csv:4:3: duration: expected a positive duration (a number in s or a value like "
        "250ms), got \"-3\"");
  CHECK(error("duration,x\n1s,2\n3s\n") == "f.csv:3:1: expected 2 fields like the header, got 1");
  CHECK(error("latency_ms\n1\n", "").starts_with("f.csv:1:1: no column `duration`"));
  CHECK(error("duration\n2s\n2s\n") ==
        "f.csv:3:1: endpoint all: expected at least 2 different durations to fit a "
        "distribution, got 2 row(s) all equal");
  CHECK(error("latency_ms\n1\n2\n", "latency_ms") == "no error");
}
