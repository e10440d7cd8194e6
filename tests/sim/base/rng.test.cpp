#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include <catch2/catch.hpp>

#include "sim/base/rng.hpp"

using stampede::sim::philox4x32;
using stampede::sim::rng_stream;
using stampede::sim::stream;

TEST_CASE("philox4x32-10 reproduces the Random123 known-answer vectors", "[sim]") {
  // Vectors from Random123's kat_vectors (philox4x32 10 rounds): exact match required.
  using block = std::array<std::uint32_t, 4>;
  using key = std::array<std::uint32_t, 2>;
  CHECK(philox4x32(block{0, 0, 0, 0}, key{0, 0}) ==
        block{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u});
  CHECK(philox4x32(block{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
                   key{0xffffffffu, 0xffffffffu}) ==
        block{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu});
  CHECK(philox4x32(block{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u},
                   key{0xa4093822u, 0x299f31d0u}) ==
        block{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u});
}

TEST_CASE("two streams with the same key and counter yield the same numbers", "[sim]") {
  rng_stream a(42, stream::requests, 7, 1000);
  rng_stream b(42, stream::requests, 7, 1000);
  for (int i = 0; i < 100; ++i) REQUIRE(a.next_u64() == b.next_u64());

  // A copy taken mid-block continues exactly where the original is.
  a.next_u64();
  rng_stream copy = a;
  for (int i = 0; i < 100; ++i) REQUIRE(copy.uniform() == a.uniform());

  // Starting at counter c is the same as skipping c blocks (2 draws each).
  rng_stream from_zero(42, stream::requests, 7, 0);
  rng_stream from_five(42, stream::requests, 7, 5);
  for (int i = 0; i < 10; ++i) from_zero.next_u64();
  CHECK(from_zero.counter() == 5);
  for (int i = 0; i < 10; ++i) REQUIRE(from_zero.next_u64() == from_five.next_u64());
}

TEST_CASE("different seeds, streams and entities give different numbers", "[sim]") {
  auto first_draws = [](rng_stream s) {
    std::vector<std::uint64_t> out;
    for (int i = 0; i < 4; ++i) out.push_back(s.next_u64());
    return out;
  };
  const auto base = first_draws(rng_stream(1, stream::service, 3));
  // Any two of these sharing even one 64-bit draw would happen by chance with
  // p ~ 16 * 2^-64: a match means a key or counter field is being ignored.
  const std::vector<std::vector<std::uint64_t>> others = {
      first_draws(rng_stream(2, stream::service, 3)),
      first_draws(rng_stream(std::uint64_t{1} << 32 | 1, stream::service, 3)),
      first_draws(rng_stream(1, stream::sessions, 3)),
      first_draws(rng_stream(1, stream::service, 4)),
      first_draws(rng_stream(1, stream::service, std::uint64_t{3} | std::uint64_t{1} << 32)),
      // Four draws use blocks 0 and 1, so a stream started at counter 2 must
      // share none of them (one started at 1 would share block 1 by design).
      first_draws(rng_stream(1, stream::service, 3, 2)),
  };
  for (const auto& other : others) {
    for (std::uint64_t x : base) {
      for (std::uint64_t y : other) CHECK(x != y);
    }
  }
}

TEST_CASE("uniform() stays in (0, 1) with the mean and variance of U(0, 1)", "[sim]") {
  rng_stream rng(2024, stream::test, 0);
  constexpr int n = 1'000'000;
  double sum = 0, sum_sq = 0;
  double lowest = 1, highest = 0;
  for (int i = 0; i < n; ++i) {
    const double u = rng.uniform();
    lowest = std::min(lowest, u);
    highest = std::max(highest, u);
    sum += u;
    sum_sq += (u - 0.5) * (u - 0.5);
  }
  CHECK(lowest > 0.0);
  CHECK(highest < 1.0);
  const double mean = sum / n;
  const double variance = sum_sq / n - (mean - 0.5) * (mean - 0.5);
  // Tolerances are 5 standard errors (two-sided, fails by chance with p < 1e-6):
  // sd of U is sqrt(1/12); sd of (U - 1/2)^2 is sqrt(1/80 - 1/144) = sqrt(1/180).
  CHECK(std::abs(mean - 0.5) <= 5 * std::sqrt(1.0 / 12 / n));
  CHECK(std::abs(variance - 1.0 / 12) <= 5 * std::sqrt(1.0 / 180 / n));
}

TEST_CASE("below(n) draws each of 0..n-1 equally often", "[sim]") {
  rng_stream rng(99, stream::test, 1);
  constexpr int n_values = 10;
  constexpr int draws = 1'000'000;
  std::array<int, n_values> seen{};
  for (int i = 0; i < draws; ++i) {
    const std::uint64_t x = rng.below(n_values);
    REQUIRE(x < n_values);
    ++seen[x];
  }
  const double expected = static_cast<double>(draws) / n_values;
  double chi_square = 0;
  for (int c : seen) chi_square += (c - expected) * (c - expected) / expected;
  // Chi-square with 9 degrees of freedom exceeds 44.81 with probability 1e-6.
  CHECK(chi_square < 44.81);

  // below(1) has a single possible value; a huge n still stays below n.
  for (int i = 0; i < 100; ++i) REQUIRE(rng.below(1) == 0);
  const std::uint64_t big = (std::uint64_t{1} << 63) + 12345;
  for (int i = 0; i < 100; ++i) REQUIRE(rng.below(big) < big);
}

TEST_CASE("scale(bits, n) is below(n) for bits drawn ahead", "[sim]") {
  // A block draws the bits of its next session's user one start ahead and
  // scales them by the adopters of the moment the session starts.
  rng_stream a(7, stream::test, 3);
  rng_stream b = a;
  for (std::uint64_t n : {1ULL, 2ULL, 10ULL, 65'536ULL, 1ULL << 40}) {
    const std::uint64_t bits = a.next_u64();
    REQUIRE(rng_stream::scale(bits, n) == b.below(n));
    REQUIRE(rng_stream::scale(bits, n) < n);
  }
  CHECK(rng_stream::scale(~std::uint64_t{0}, 100) == 99);
  CHECK(rng_stream::scale(0, 100) == 0);
}

TEST_CASE("peek_u64() shows the next draw and changes no draw", "[sim]") {
  rng_stream a(7, stream::test, 3);
  rng_stream b = a;
  // Peeks on both sides of a block boundary (two draws per Philox block),
  // some repeated, between draws of the same stream.
  for (int i = 0; i < 9; ++i) {
    const std::uint64_t seen = a.peek_u64();
    if (i % 3 == 0) REQUIRE(a.peek_u64() == seen);
    const std::uint64_t drawn = a.next_u64();
    REQUIRE(drawn == seen);
    REQUIRE(drawn == b.next_u64());
  }
}
