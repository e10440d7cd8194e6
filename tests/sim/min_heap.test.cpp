#include "sim/min_heap.hpp"

#include <catch2/catch.hpp>
#include <functional>
#include <queue>
#include <vector>

#include "sim/rng.hpp"

using namespace stampede::sim;

TEST_CASE("a min_heap pops what std::priority_queue pops, replace_top included",
          "[sim][min_heap]") {
  rng_stream rng(3, stream::test, 0);
  std::vector<long> start;
  for (int i = 0; i < 37; ++i) start.push_back(static_cast<long>(rng.below(50)));
  min_heap<long> heap(start);
  std::priority_queue<long, std::vector<long>, std::greater<>> reference(std::greater<>{}, start);
  for (int step = 0; step < 20'000; ++step) {
    REQUIRE(heap.size() == reference.size());
    if (!heap.empty()) REQUIRE(heap.top() == reference.top());
    const auto op = rng.below(3);
    const auto value = static_cast<long>(rng.below(100));
    if (op == 0 || heap.empty()) {
      heap.push(value);
      reference.push(value);
    } else if (op == 1) {
      heap.pop();
      reference.pop();
    } else {
      heap.replace_top(value);
      reference.pop();
      reference.push(value);
    }
  }
}
