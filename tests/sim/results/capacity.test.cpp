// Capacity rules (sim/results/capacity.hpp) on hand-computed cases.
#include "sim/results/capacity.hpp"

#include <catch2/catch.hpp>

using namespace stampede::sim;

TEST_CASE("a pool is saturated from 95% utilization on", "[sim][capacity]") {
  CHECK(saturated(0.95));
  CHECK(saturated(1.3));
  CHECK_FALSE(saturated(0.9499));
  CHECK_FALSE(saturated(0));
}
