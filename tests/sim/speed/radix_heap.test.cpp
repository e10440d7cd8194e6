#include "sim/speed/radix_heap.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

#include "sim/base/rng.hpp"

using namespace stampede::sim;

namespace {

using reference_heap = std::priority_queue<std::int64_t, std::vector<std::int64_t>, std::greater<>>;

}  // namespace

TEST_CASE("a radix_heap pops what std::priority_queue pops, as the pool uses it",
          "[sim][radix_heap]") {
  // Servers' free times: take the earliest, put it back busy until later; now
  // and then servers join at a time before the earliest free one.
  rng_stream rng(5, stream::test, 0);
  const std::vector<std::int64_t> start(40, 0);
  radix_heap<std::int64_t> heap(start);
  reference_heap reference(std::greater<>{}, start);
  std::int64_t now = 0;
  for (int step = 0; step < 50'000; ++step) {
    REQUIRE(heap.size() == reference.size());
    REQUIRE(heap.top() == reference.top());
    now += static_cast<std::int64_t>(rng.below(20));
    const auto op = rng.below(100);
    if (op < 2) {
      // A key below every other one: forces a rebuild.
      const std::int64_t early = reference.top() / 2;
      heap.push(early);
      reference.push(early);
    } else if (op < 4 && heap.size() > 1) {
      heap.pop();
      reference.pop();
    } else {
      const std::int64_t end = std::max(now, reference.top()) + 1 +
                               static_cast<std::int64_t>(rng.below(1u << (1 + rng.below(30))));
      heap.replace_top(end);
      reference.pop();
      reference.push(end);
    }
  }
  while (!heap.empty()) {
    REQUIRE(heap.top() == reference.top());
    heap.pop();
    reference.pop();
  }
  CHECK(reference.empty());
}

TEST_CASE("a radix_heap keeps equal keys apart and empties", "[sim][radix_heap]") {
  radix_heap<std::int64_t> heap;
  CHECK(heap.empty());
  for (std::int64_t v : std::vector<std::int64_t>{7, 3, 7, 3, 0, std::int64_t{1} << 62, 3}) {
    heap.push(v);
  }
  std::vector<std::int64_t> popped;
  while (!heap.empty()) {
    popped.push_back(heap.top());
    heap.pop();
  }
  CHECK(popped == std::vector<std::int64_t>{0, 3, 3, 3, 7, 7, std::int64_t{1} << 62});
  heap.push(5);  // below the last key popped: a rebuild
  CHECK(heap.top() == 5);
  CHECK(heap.size() == 1);
}
