#include "sim/adoption.hpp"

#include <catch2/catch.hpp>
#include <cmath>

#include "sim/population.hpp"

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
