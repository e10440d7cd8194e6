#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <catch2/catch.hpp>

#include "sim/base/distribution.hpp"
#include "sim/base/rng.hpp"
#include "sim/observe/histogram.hpp"

using stampede::sim::distribution;
using stampede::sim::histogram;
using stampede::sim::rng_stream;
using stampede::sim::stream;

namespace {

// The exact nearest-rank quantile of sorted values, as histogram::quantile defines it.
std::int64_t exact_quantile(const std::vector<std::int64_t>& sorted, double q) {
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

const std::vector<double> quantiles = {0.0,  0.001, 0.01, 0.1,   0.25,   0.5,
                                       0.75, 0.9,   0.99, 0.999, 0.9999, 1.0};

}  // namespace

TEST_CASE("a histogram reports values below 256 exactly", "[sim]") {
  histogram h;
  for (std::int64_t v = 0; v < 256; ++v) h.record(v);
  REQUIRE(h.count() == 256);
  for (std::int64_t v = 0; v < 256; ++v) {
    // Nearest rank ceil(q * 256) = v + 1 picks exactly the value v.
    REQUIRE(h.quantile((static_cast<double>(v) + 0.5) / 256) == v);
  }
}

TEST_CASE("a histogram reports every trackable value within 1/256 of it", "[sim]") {
  // Each value is recorded between 0 and max_trackable so that the [min, max]
  // clamp cannot hide the bucket midpoint; the layout promises a bucket width
  // of at most 1/128 of its lower bound, so the midpoint is within 1/256.
  for (double v = 200; v <= static_cast<double>(histogram::max_trackable); v *= 1.0137) {
    histogram h;
    const auto value = static_cast<std::int64_t>(v);
    h.record(0);
    h.record(value);
    h.record(histogram::max_trackable);
    const auto reported = h.quantile(0.5);
    INFO("value " << value << " reported as " << reported);
    REQUIRE(std::abs(static_cast<double>(reported - value)) <= static_cast<double>(value) / 256);
  }
}

TEST_CASE("histogram quantiles of lognormal latencies are within 1% of the exact ones", "[sim]") {
  rng_stream rng(7, stream::test, 0);
  // Latencies in microseconds: median 50 ms with a wide spread (sigma 1.2
  // covers from ~1 ms to ~3 s in 1e5 draws), so many octaves are exercised.
  const distribution latency = distribution::lognormal(50'000, 1.2);
  histogram h;
  std::vector<std::int64_t> values;
  for (int i = 0; i < 100'000; ++i) {
    const auto v = static_cast<std::int64_t>(std::llround(latency.sample(rng)));
    values.push_back(v);
    h.record(v);
  }
  std::sort(values.begin(), values.end());
  for (double q : quantiles) {
    const auto exact = exact_quantile(values, q);
    const auto reported = h.quantile(q);
    INFO("q " << q << ": exact " << exact << ", histogram " << reported);
    // The 1% contract of the histogram (the layout gives < 0.4%).
    CHECK(std::abs(static_cast<double>(reported - exact)) <= 0.01 * static_cast<double>(exact));
  }
  CHECK(h.quantile(0.0) == values.front());
  CHECK(h.quantile(1.0) == values.back());
}

TEST_CASE("a histogram keeps min, max and mean exact", "[sim]") {
  histogram h;
  h.record(1'000'003);
  h.record(17);
  h.record(123'456'789, 3);
  h.record(-5);  // recorded as 0
  CHECK(h.count() == 6);
  CHECK(h.min() == 0);
  CHECK(h.max() == 123'456'789);
  // Integers summed exactly: the mean is exact up to the final division.
  const double sum = 1'000'003.0 + 17 + 3 * 123'456'789.0;
  CHECK(h.mean() == Approx(sum / 6).epsilon(1e-15));
  // Not the bucket midpoints: q = 0 and q = 1 are the exact extremes.
  CHECK(h.quantile(0.0) == 0);
  CHECK(h.quantile(1.0) == 123'456'789);
  // Recording zero occurrences changes nothing.
  h.record(999'999'999, 0);
  CHECK(h.count() == 6);
  CHECK(h.max() == 123'456'789);
}

TEST_CASE("merging two histograms equals recording both into one", "[sim]") {
  rng_stream rng(8, stream::test, 0);
  const distribution fast = distribution::exponential(800);
  const distribution slow = distribution::lognormal(2'000'000, 0.8);
  histogram a, b, both;
  for (int i = 0; i < 50'000; ++i) {
    const auto x = static_cast<std::int64_t>(fast.sample(rng));
    const auto y = static_cast<std::int64_t>(slow.sample(rng));
    a.record(x);
    b.record(y);
    both.record(x);
    both.record(y);
  }
  b.record(histogram::max_trackable * 4);  // one clamped value travels too
  both.record(histogram::max_trackable * 4);
  a.merge(b);
  CHECK(a.count() == both.count());
  CHECK(a.min() == both.min());
  CHECK(a.max() == both.max());
  CHECK(a.clamped() == both.clamped());
  CHECK(a.mean() == Approx(both.mean()).epsilon(1e-15));
  for (double q = 0; q <= 1.0; q += 0.001) REQUIRE(a.quantile(q) == both.quantile(q));
}

TEST_CASE("values above max_trackable are clamped and counted", "[sim]") {
  histogram h;
  h.record(histogram::max_trackable);
  CHECK(h.clamped() == 0);
  h.record(histogram::max_trackable + 1);
  h.record(std::int64_t{1} << 50, 3);
  CHECK(h.clamped() == 4);
  CHECK(h.count() == 5);
  // The extremes stay exact even though the buckets saturate.
  CHECK(h.max() == std::int64_t{1} << 50);
  CHECK(h.quantile(1.0) == std::int64_t{1} << 50);
  // The clamped values sit in the last bucket, reported near max_trackable.
  const auto p50 = h.quantile(0.5);
  CHECK(std::abs(static_cast<double>(p50 - histogram::max_trackable)) <=
        static_cast<double>(histogram::max_trackable) / 128);
}

TEST_CASE("clear empties a histogram and an empty histogram reports zeros", "[sim]") {
  histogram h;
  CHECK(h.quantile(0.5) == 0);
  CHECK(h.quantile(0.0) == 0);
  CHECK(h.quantile(1.0) == 0);
  CHECK(h.min() == 0);
  CHECK(h.max() == 0);
  CHECK(h.mean() == 0.0);

  for (std::int64_t v = 1; v < 1'000'000; v *= 3) h.record(v);
  h.record(histogram::max_trackable * 2);
  h.clear();
  CHECK(h.count() == 0);
  CHECK(h.clamped() == 0);
  CHECK(h.quantile(0.99) == 0);
  CHECK(h.min() == 0);
  CHECK(h.max() == 0);
  CHECK(h.mean() == 0.0);

  // Usable again after clear, with no trace of the old values.
  h.record(500);
  h.record(700);
  CHECK(h.min() == 500);
  CHECK(h.max() == 700);
  CHECK(h.quantile(0.5) == Approx(500).epsilon(1.0 / 256));
}

TEST_CASE("a histogram's memory does not depend on what it records", "[sim]") {
  histogram h;
  const std::size_t empty = h.memory_bytes();
  // 35 octaves of 128 buckets above 256 exact ones, 8 bytes each: about 37 KiB.
  CHECK(empty >= 4736 * sizeof(std::uint64_t));
  CHECK(empty < 64 * 1024);
  for (std::int64_t v = 0; v < histogram::max_trackable; v = v * 2 + 1) h.record(v);
  h.record(histogram::max_trackable * 8);
  CHECK(h.memory_bytes() == empty);
  histogram other;
  other.record(12345);
  h.merge(other);
  CHECK(h.memory_bytes() == empty);
  h.clear();
  CHECK(h.memory_bytes() == empty);
}

TEST_CASE("a histogram restored from its saved state answers as the original", "[histogram]") {
  stampede::sim::histogram h;
  // Values spanning exact buckets, log buckets and the clamp (one above 2^42).
  for (std::int64_t v : {0, 7, 255, 256, 1000, 123'456, 9'999'999}) h.record(v, 3);
  h.record(stampede::sim::histogram::max_trackable + 5);
  const auto r = stampede::sim::histogram::restore(h.save());
  CHECK(r.count() == 22);
  CHECK(r.clamped() == 1);
  CHECK(r.min() == 0);
  CHECK(r.max() == stampede::sim::histogram::max_trackable + 5);
  CHECK(r.mean() == h.mean());
  for (double q : {0.0, 0.1, 0.5, 0.9, 0.99, 1.0}) CHECK(r.quantile(q) == h.quantile(q));
  auto bad = h.save();
  bad.counts.pop_back();
  CHECK_THROWS_AS(stampede::sim::histogram::restore(bad), std::invalid_argument);
}
