// Fitting Bass diffusion to signups: the closed form against its differential
// equation, recovery of known values from synthetic series, and the bootstrap
// intervals' coverage over repeated synthetic draws.
#include <catch2/catch.hpp>
#include <cmath>

#include "sim/base/distribution.hpp"
#include "sim/base/rng.hpp"
#include "sim/fit/bass_fit.hpp"
#include "sim/population/adoption.hpp"

using namespace stampede::sim;

namespace {

constexpr double true_p = 0.003, true_q = 0.3, true_m = 1e6;

/// 60 daily periods of Poisson signups around the Bass curve, the expected
/// count per period written here from the closed form, independently of
/// bass_signups.
adoption_series synthetic(std::uint64_t seed) {
  const auto F = [](double t) {
    const double e = std::exp(-(true_p + true_q) * t);
    return (1 - e) / (1 + (true_q / true_p) * e);
  };
  adoption_series s;
  rng_stream rng(seed, stream::test, 7);
  for (int day = 1; day <= 60; ++day) {
    s.day.push_back(day);
    s.signups.push_back(static_cast<double>(sample_poisson(true_m * (F(day) - F(day - 1)), rng)));
  }
  return s;
}

}  // namespace

TEST_CASE("the Bass share solves dF/dt = (p + qF)(1 - F) from F(0) = 0", "[sim][fit]") {
  for (auto [p, q] : {std::pair{0.003, 0.3}, std::pair{0.02, 0.1}, std::pair{0.1, 0.0}}) {
    CHECK(bass_share(p, q, 0) == 0);
    CHECK(bass_share(p, q, 1e4) == Approx(1));
    for (double t : {1.0, 10.0, 30.0}) {
      const double h = 1e-5;
      const double slope = (bass_share(p, q, t + h) - bass_share(p, q, t - h)) / (2 * h);
      const double F = bass_share(p, q, t);
      CHECK(slope == Approx((p + q * F) * (1 - F)).epsilon(1e-6));
    }
  }
}

TEST_CASE("a fit recovers p, q and m within 10% from Poisson signups", "[sim][fit]") {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    const bass_fit f = fit_adoption(synthetic(seed), 100, seed);
    CHECK(f.innovation_per_day.value == Approx(true_p).epsilon(0.1));
    CHECK(f.imitation_per_day.value == Approx(true_q).epsilon(0.1));
    CHECK(f.market_size.value == Approx(true_m).epsilon(0.1));
    CHECK(f.r_squared > 0.99);
    CHECK(f.innovation_per_day.low <= f.innovation_per_day.value);
    CHECK(f.innovation_per_day.high >= f.innovation_per_day.value);
  }
}

TEST_CASE("a fit recovers p, q and m within 10% when the counts are noisier than Poisson",
          "[sim][fit]") {
  // Each period's count off by a lognormal factor of sigma 0.1 (reporting noise).
  adoption_series s = synthetic(5);
  rng_stream rng(5, stream::test, 8);
  for (double& v : s.signups) v *= std::exp(0.1 * inverse_normal_cdf(rng.uniform()));
  const bass_fit f = fit_adoption(s, 200, 5);
  INFO("p " << f.innovation_per_day.value << " [" << f.innovation_per_day.low << ", "
            << f.innovation_per_day.high << "]");
  // p rests on the first days alone (a few thousand signups each, off by ~10%
  // here), so it is the least sure of the three: its interval must say so.
  CHECK(f.innovation_per_day.value == Approx(true_p).epsilon(0.25));
  CHECK(f.innovation_per_day.high - f.innovation_per_day.low > 0.1 * true_p);
  CHECK(f.imitation_per_day.value == Approx(true_q).epsilon(0.1));
  CHECK(f.market_size.value == Approx(true_m).epsilon(0.1));
}

TEST_CASE("80% bootstrap intervals cover the true values in about 80% of synthetic draws",
          "[sim][fit]") {
  // 100 independent series: the share that covers the truth is binomial with
  // standard deviation 0.04 at 80%, so [0.68, 0.92] is 3 of them either side.
  const int draws = 100;
  int p_in = 0, q_in = 0, m_in = 0;
  for (int d = 0; d < draws; ++d) {
    const bass_fit f = fit_adoption(synthetic(1000 + d), 200, d);
    const auto in = [](const estimate& e, double truth) {
      return e.low <= truth && truth <= e.high;
    };
    p_in += in(f.innovation_per_day, true_p);
    q_in += in(f.imitation_per_day, true_q);
    m_in += in(f.market_size, true_m);
  }
  INFO("coverage p " << p_in << ", q " << q_in << ", m " << m_in << " of " << draws);
  CHECK(p_in >= 68);
  CHECK(p_in <= 92);
  CHECK(q_in >= 68);
  CHECK(q_in <= 92);
  CHECK(m_in >= 68);
  CHECK(m_in <= 92);
}

TEST_CASE("signups or cumulative adopters by date, the launch one period before", "[sim][fit]") {
  const adoption_series a = parse_adoption_csv(
      "date,signups\n2025-03-25,10\n2025-03-26,20\n2025-03-27, 30\n2025-03-28,40\n", "s.csv");
  CHECK(a.day == std::vector<double>{1, 2, 3, 4});
  CHECK(a.signups == std::vector<double>{10, 20, 30, 40});
  CHECK(a.first_date == "2025-03-25");
  const adoption_series b = parse_adoption_csv(
      "adopters,date\n10,2025-03-25T00:00:00Z\n30,2025-03-25T12:00Z\n60,2025-03-26T00:00:00+00:00\n"
      "100,2025-03-26T12:00:00Z\n",
      "a.csv");
  CHECK(b.day == std::vector<double>{0.5, 1.0, 1.5, 2.0});
  CHECK(b.signups == std::vector<double>{10, 20, 30, 40});
}

TEST_CASE("a bad adoption series names its file, line and column", "[sim][fit]") {
  const auto error = [](const char* text) {
    try {
      parse_adoption_csv(text, "x.csv");
    } catch (const fit_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error("") ==
        "x.csv:1:1: empty file: expected a header with `date` and `signups` or "
        "`adopters`");
  CHECK(error("day,signups\n").find("x.csv:1:1: the header needs a `date` column") == 0);
  CHECK(error("date,signups\n2025-02-30,1\n").find("x.csv:2:1: date: expected an ISO 8601") == 0);
  CHECK(error("date,signups\n2025-03-25,1\n2025-03-25,1\n")
            .find("x.csv:3:1: date: expected a "
                  "date after") == 0);
  CHECK(error("date,signups\n2025-03-25,-1\n").find("x.csv:2:12: signups: expected a number") == 0);
  CHECK(error("date,adopters\n2025-03-25,5\n2025-03-26,4\n")
            .find("x.csv:3:12: adopters: expected a cumulative count") == 0);
  CHECK(
      error("date,signups\n2025-03-25,1\n2025-03-26,1\n").find("x.csv:3:1: expected at least 4") ==
      0);
  CHECK(error("date,signups,adopters\n").find("x.csv:1:14: both `signups` and `adopters`") == 0);
}
