#include "sim/observe/reservoir.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

using namespace stampede::sim;

TEST_CASE("a reservoir keeps every value while it has room", "[sim][reservoir]") {
  rng_stream rng(1, stream::test, 0);
  reservoir r(5);
  std::vector<double> kept;
  for (double v : {1.0, 2.0, 3.0}) r.offer(v, kept, rng);
  CHECK(kept == std::vector<double>{1, 2, 3});
  CHECK(r.seen() == 3);
}

TEST_CASE("a full reservoir holds each value seen with probability capacity / n",
          "[sim][reservoir]") {
  // 20,000 reservoirs of 10 over the values 0..999: each value should be kept
  // 20,000 · 10/1000 = 200 times (binomial sd 14); the early, middle and late
  // values alike, which is what Algorithm L's skips must not bias.
  const int trials = 20'000, capacity = 10, n = 1000;
  std::vector<double> times(n, 0);
  for (int t = 0; t < trials; ++t) {
    rng_stream rng(2, stream::test, static_cast<std::uint64_t>(t));
    reservoir r(capacity);
    std::vector<double> kept;
    for (int v = 0; v < n; ++v) r.offer(v, kept, rng);
    REQUIRE(kept.size() == capacity);
    for (double v : kept) times[static_cast<std::size_t>(v)] += 1;
  }
  const double expected = static_cast<double>(trials) * capacity / n;
  double chi2 = 0;
  for (double c : times) chi2 += (c - expected) * (c - expected) / expected;
  // 999 degrees of freedom: mean 999, sd 44.7; 5 sd allowed.
  CHECK(chi2 < 999 + 5 * 44.7);
  // Thirds of the stream are kept alike (each 1/3 of the time, within 1%).
  for (int third = 0; third < 3; ++third) {
    double sum = 0;
    for (int v = third * n / 3; v < (third + 1) * n / 3; ++v)
      sum += times[static_cast<std::size_t>(v)];
    CHECK(sum / (static_cast<double>(trials) * capacity) == Approx(1.0 / 3).epsilon(0.01));
  }
}

TEST_CASE("a reservoir never allocates more than its capacity", "[sim][reservoir]") {
  // The capacity is the memory the run allowed: a vector doubling from 256 to
  // 512 would allocate 212 values more than the 300 asked for.
  rng_stream rng(3, stream::test, 0);
  reservoir r(300);
  std::vector<float> kept;
  for (int v = 0; v < 10'000; ++v) {
    r.offer(static_cast<float>(v), kept, rng);
    REQUIRE(kept.capacity() <= 300);
  }
  CHECK(kept.size() == 300);
  CHECK(r.seen() == 10'000);
}
