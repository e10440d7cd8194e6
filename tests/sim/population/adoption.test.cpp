#include "sim/population/adoption.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "sim/population/population.hpp"

using namespace stampede::sim;

TEST_CASE("the Bass closed form starts at zero, rises and tends to one", "[sim][adoption]") {
  const double p = 0.01, q = 0.5;
  CHECK(bass_share(p, q, 0) == 0);
  // The inflection point of Bass is at t* = ln(q/p)/(p+q), where F = (q - p) / 2q.
  const double t_star = std::log(q / p) / (p + q);
  CHECK(bass_share(p, q, t_star) == Approx((q - p) / (2 * q)).epsilon(1e-12));
  CHECK(bass_share(p, q, 200) == Approx(1).epsilon(1e-9));
}

TEST_CASE("a block adopts 1 - e^-H of its users at cumulative hazard H", "[sim][adoption]") {
  const std::uint32_t n = 60'000;
  adoption_block block(n, 0, rng_stream(5, stream::adoption, 0));
  for (double h : {0.01, 0.1, 0.5, 1.0, 3.0}) {
    block.advance_to(h);
    const double expected = n * (1 - std::exp(-h));
    const double sd = std::sqrt(n * (1 - std::exp(-h)) * std::exp(-h));
    // Five standard deviations of the binomial count.
    CHECK(std::abs(block.adopted() - expected) <= 5 * sd + 1);
  }
  block.advance_to(1e9);
  CHECK(block.adopted() == n);
}

TEST_CASE("initial adopters are spread over blocks and add up exactly", "[sim][adoption]") {
  scenario s;
  s.population_size = 1'000'003;
  s.scale = 1;
  s.adoption.initial_adopters = 12'345;
  const block_layout l = block_layout::of(s);
  std::uint64_t users = 0, initial = 0;
  for (std::uint32_t b = 0; b < l.count(); ++b) {
    users += l.size_of(b);
    initial += l.initial_of(b);
  }
  CHECK(users == 1'000'003);
  CHECK(initial == 12'345);
}

TEST_CASE("a block that tracks users adopts Bass thresholds exactly like one that does not",
          "[sim][adoption][cascade]") {
  adoption_block plain(10'000, 30, rng_stream(6, stream::adoption, 2));
  adoption_block tracked(10'000, 30, rng_stream(6, stream::adoption, 2), true);
  for (double h : {0.01, 0.2, 1.0}) {
    CHECK(plain.advance_to(h) == tracked.advance_to(h));
  }
  CHECK(plain.memory_bytes() == 0);
  CHECK(tracked.memory_bytes() == 4 * 10'000);  // two uint16 a user
}

TEST_CASE("a block adopts the very users a share reached, once each", "[sim][adoption][cascade]") {
  const std::uint32_t n = 1'000;
  adoption_block block(n, 10, rng_stream(6, stream::adoption, 3), true);
  CHECK(block.adopt_node(500));
  CHECK(block.adopt_node(999));
  CHECK_FALSE(block.adopt_node(500));  // already adopted
  CHECK_FALSE(block.adopt_node(3));    // an initial adopter
  CHECK(block.adopted() == 12);
  std::vector<bool> seen(n, false);
  for (std::uint32_t slot = 0; slot < n; ++slot) {
    const std::uint32_t node = block.node_of(slot);
    REQUIRE(node < n);
    REQUIRE_FALSE(seen[node]);  // slots and nodes stay a permutation
    seen[node] = true;
  }
  std::vector<std::uint32_t> adopted;
  for (std::uint32_t slot = 0; slot < block.adopted(); ++slot)
    adopted.push_back(block.node_of(slot));
  CHECK(std::count(adopted.begin(), adopted.end(), 500u) == 1);
  CHECK(std::count(adopted.begin(), adopted.end(), 999u) == 1);
}

TEST_CASE("after shares took some users, the rest still adopt at hazard H",
          "[sim][adoption][cascade]") {
  // 20 blocks of 5,000: 2,000 users each adopt from shares at H = 0.1, then
  // the hazard runs on to 0.5. The 3,000 left each cross with probability
  // 1 - e^-(0.5 - 0.1) (memoryless thresholds).
  const std::uint32_t n = 5'000, taken = 2'000;
  double total = 0, left = 0;
  for (std::uint64_t b = 0; b < 20; ++b) {
    adoption_block block(n, 0, rng_stream(8, stream::adoption, b), true);
    block.advance_to(0.1);
    const std::uint32_t before = block.adopted();
    std::uint32_t took = 0;
    for (std::uint32_t node = 0; took < taken; ++node) took += block.adopt_node(node) ? 1 : 0;
    left += n - before - taken;
    block.advance_to(0.5);
    total += block.adopted() - before - taken;
  }
  const double p = 1 - std::exp(-0.4);
  // Five binomial standard deviations.
  CHECK(std::abs(total - left * p) <= 5 * std::sqrt(left * p * (1 - p)));
}

TEST_CASE("an infinite hazard adopts the whole block and stops", "[sim][adoption]") {
  // Every threshold is below +inf; the block has 1,000 users to adopt and no more.
  adoption_block block(1'000, 10, rng_stream(5, stream::adoption, 0));
  CHECK(block.advance_to(std::numeric_limits<double>::infinity()) == 990);
  CHECK(block.adopted() == 1'000);
  CHECK(block.advance_to(std::numeric_limits<double>::infinity()) == 0);
  CHECK(block.adopted() == 1'000);
}
