#include "sim/population/social_graph.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

using namespace stampede::sim;

namespace {

struct degree_stats {
  double mean = 0;
  /// Share of users with at least 10·k_min followers.
  double tail = 0;
};

degree_stats degrees_of(const social_graph& g) {
  degree_stats d;
  std::uint64_t tail = 0;
  for (std::uint64_t u = 0; u < g.users(); ++u) {
    const std::uint64_t k = g.followers(u);
    d.mean += static_cast<double>(k);
    if (static_cast<double>(k) >= 10 * g.min_degree()) ++tail;
  }
  d.mean /= static_cast<double>(g.users());
  d.tail = static_cast<double>(tail) / static_cast<double>(g.users());
  return d;
}

}  // namespace

TEST_CASE("follower counts have the configured mean and a power-law tail", "[sim][cascade]") {
  const std::uint64_t n = 1'000'000;
  SECTION("exponent 3") {
    // Finite mean, (barely) infinite variance: the sample mean of 1e6 users
    // came within 0.4% of 20 over five seeds; 1% allowed.
    const auto d = degrees_of(social_graph(1, n, 20, 3.0));
    CHECK(d.mean == Approx(20).epsilon(0.01));
    // P(K >= 10 k_min) = 10^-(γ-1) = 1%; 10,000 expected users, sd 1%: 4% allowed.
    CHECK(d.tail == Approx(0.01).epsilon(0.04));
  }
  SECTION("exponent 2.5") {
    // A heavier tail: sample means of 1e6 users fall short of the mean (the cap
    // at n - 1 followers and the skew of heavy-tailed sums), 19.70-19.98 over
    // five seeds; 2% allowed.
    const auto d = degrees_of(social_graph(2, n, 20, 2.5));
    CHECK(d.mean == Approx(20).epsilon(0.02));
    CHECK(d.tail == Approx(std::pow(10, -1.5)).epsilon(0.03));
  }
}

TEST_CASE("followers are other users, the same every time they are asked for", "[sim][cascade]") {
  const std::uint64_t n = 5'000;
  const social_graph g(3, n, 8, 2.5);
  const social_graph same(3, n, 8, 2.5);
  const social_graph other(4, n, 8, 2.5);
  std::vector<std::uint64_t> in_degree(n, 0);
  std::uint64_t edges = 0, differs = 0;
  for (std::uint64_t u = 0; u < n; ++u) {
    REQUIRE(g.followers(u) <= n - 1);
    REQUIRE(g.followers(u) == same.followers(u));
    for (std::uint64_t j = 0; j < g.followers(u); ++j) {
      const std::uint64_t f = g.follower(u, j);
      REQUIRE(f < n);
      REQUIRE(f != u);
      REQUIRE(f == same.follower(u, j));
      if (j < other.followers(u) && f != other.follower(u, j)) ++differs;
      ++in_degree[f];
      ++edges;
    }
  }
  CHECK(differs > 0);
  // Followers are uniform: how many accounts a user follows is close to
  // Poisson with the mean degree (variance = mean, within 10%).
  const double mean = static_cast<double>(edges) / n;
  double var = 0;
  for (auto k : in_degree) var += (static_cast<double>(k) - mean) * (static_cast<double>(k) - mean);
  var /= n;
  CHECK(var == Approx(mean).epsilon(0.10));
}

TEST_CASE("a graph with one user has no followers", "[sim][cascade]") {
  CHECK(social_graph(1, 1, 20, 2.5).followers(0) == 0);
}
