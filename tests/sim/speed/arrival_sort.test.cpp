#include "sim/speed/arrival_sort.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <vector>

#include "sim/base/rng.hpp"

using namespace stampede::sim;

namespace {

/// n arrivals as a shard sends them: ids increasing in the order sent (a few
/// blocks, each numbering its own), times at random within [t0, t0 + span),
/// many of them equal.
std::vector<request> as_sent(std::size_t n, vtime t0, vtime span, rng_stream& rng) {
  std::vector<request> v;
  const std::uint32_t blocks = 1 + static_cast<std::uint32_t>(n % 7);
  std::uint64_t counter = 0;
  for (std::uint32_t b = 0; b < blocks; ++b) {
    for (std::size_t i = b * n / blocks; i < (b + 1) * n / blocks; ++i) {
      request r;
      // Coarse times in half of the cases, so that ties are common.
      const auto offset = static_cast<vtime>(rng.below(static_cast<std::uint64_t>(span)));
      r.at = t0 + (i % 2 == 0 ? offset - offset % 1000 : offset);
      r.id = request::make_id(b * 3, counter++);
      r.session = static_cast<std::uint32_t>(i);
      v.push_back(r);
    }
  }
  return v;
}

}  // namespace

TEST_CASE("arrival_sorter orders a shard's arrivals by time, then id, as std::sort does",
          "[sim][arrival_sort]") {
  rng_stream rng(11, stream::test, 0);
  arrival_sorter sorter;
  // Sizes on both sides of the radix threshold; windows of 1 s, 5 s, an hour
  // and 2^33 us (a span too wide for the radix keys).
  for (const std::size_t n : {0, 1, 2, 47, 48, 49, 300, 3'000, 40'000}) {
    for (const vtime span : {second, 5 * second, hour, vtime{1} << 33}) {
      std::vector<request> v = as_sent(n, 7 * day, span, rng);
      std::vector<request> expected = v;
      std::sort(expected.begin(), expected.end(), by_arrival{});
      sorter.sort(v);
      REQUIRE(v.size() == expected.size());
      for (std::size_t i = 0; i < v.size(); ++i) {
        REQUIRE(v[i].at == expected[i].at);
        REQUIRE(v[i].id == expected[i].id);
        REQUIRE(v[i].session == expected[i].session);
      }
    }
  }
}
