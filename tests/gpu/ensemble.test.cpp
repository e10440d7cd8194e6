// gpu/ensemble against small examples computed by hand.
#include "gpu/ensemble.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

namespace {

using stampede::gpu::rank_correlations;
using stampede::gpu::series_quantiles;
using stampede::gpu::stats_error;

}  // namespace

TEST_CASE("ensemble quantiles of each series are its nearest-rank P10, P50, P90 and its mean",
          "[gpu]") {
  // Two series of 5 members, shuffled. Nearest rank: ceil(0.1·5) = 1st,
  // ceil(0.5·5) = 3rd, ceil(0.9·5) = 5th smallest.
  const std::vector<double> values{3, 1, 2, 5, 4, 30, 10, 50, 20, 40};
  const std::vector<double> qs{0.1, 0.5, 0.9};
  const auto s = series_quantiles(values, 5, qs);
  CHECK(s.quantiles == std::vector<double>{1, 3, 5, 10, 30, 50});
  // Sums of small integers: exact in doubles.
  CHECK(s.mean == std::vector<double>{3, 30});
}

TEST_CASE("ensemble quantiles take 0.1 of 10 members as the 1st, not the 2nd", "[gpu]") {
  // 0.1·10 is 1.0000000000000002 in doubles; the rank meant is 1. Three series
  // of 10: 10..1 descending, all equal, and negative values.
  std::vector<double> values;
  for (int i = 10; i >= 1; --i) values.push_back(i);
  for (int i = 0; i < 10; ++i) values.push_back(7);
  for (int i = 1; i <= 10; ++i) values.push_back(-i * 0.5);
  const std::vector<double> qs{0.1, 0.5, 0.9};
  const auto s = series_quantiles(values, 10, qs);
  CHECK(s.quantiles == std::vector<double>{1, 5, 9, 7, 7, 7, -5, -3, -1});
  CHECK(s.mean[0] == 5.5);
  CHECK(s.mean[1] == 7);
  CHECK(s.mean[2] == -2.75);
}

TEST_CASE("ensemble quantiles refuse NaN, no members and a ragged layout", "[gpu]") {
  const std::vector<double> qs{0.5};
  const std::vector<double> nan{1, std::numeric_limits<double>::quiet_NaN()};
  CHECK_THROWS_AS(series_quantiles(nan, 2, qs), stats_error);
  const std::vector<double> three{1, 2, 3};
  CHECK_THROWS_AS(series_quantiles(three, 0, qs), stats_error);
  CHECK_THROWS_AS(series_quantiles(three, 2, qs), stats_error);
  const std::vector<double> bad_q{1.5};
  CHECK_THROWS_AS(series_quantiles(three, 3, bad_q), stats_error);
}

TEST_CASE("rank correlations are Spearman's rho with ties at their average rank", "[gpu]") {
  const std::vector<double> a{1, 2, 3, 4, 5};
  // b's ranks: 5 -> 1, 6 -> 2, the two 7s -> 3.5 each, 8 -> 5. Centred ranks of
  // a: -2 -1 0 1 2; of b: -2 -1 0.5 2 0.5. Covariance 8, variances 10 and 9.5,
  // so rho = 8 / sqrt(95).
  const std::vector<double> b{5,  6,  7,  8,  7,   // ties
                              50, 40, 30, 20, 10,  // reversed: rho = -1
                              3,  3,  3,  3,  3};  // constant: no ranking
  const auto rho = rank_correlations(a, b, 5);
  REQUIRE(rho.size() == 3);
  // Rounding of one division and one square root: within 4 ulps.
  CHECK(rho[0] == Approx(8 / std::sqrt(95.0)).epsilon(1e-15));
  CHECK(rho[1] == -1);
  CHECK(std::isnan(rho[2]));
}

TEST_CASE("rank correlations lay out every pair of vectors, input-major", "[gpu]") {
  // Two inputs against two outputs; ranks do not see the scale of a value.
  const std::vector<double> a{1, 2, 3, 10, 30, 20};
  const std::vector<double> b{100, 200, 300, 0.3, 0.2, 0.1};
  const auto rho = rank_correlations(a, b, 3);
  REQUIRE(rho.size() == 4);
  CHECK(rho[0] == 1);   // a0 with b0
  CHECK(rho[1] == -1);  // a0 with b1
  // a1 ranks 1 3 2 (centred -1 1 0) against b0 ranks 1 2 3 (centred -1 0 1): 1/2.
  CHECK(rho[2] == Approx(0.5).epsilon(1e-15));
  // against b1 ranks 3 2 1 (centred 1 0 -1): -1/2.
  CHECK(rho[3] == Approx(-0.5).epsilon(1e-15));
  CHECK_THROWS_AS(rank_correlations(a, b, 1), stats_error);
  CHECK_THROWS_AS(rank_correlations(a, b, 4), stats_error);
}
