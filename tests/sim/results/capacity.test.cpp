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

TEST_CASE("servers needed run the demand at 80% utilization, rounded up", "[sim][capacity]") {
  // 8 servers a demand keeps 125% busy: 10 servers of work, 12.5 at 80%, so 13.
  CHECK(servers_needed(8, 1.25) == 13);
  // 16 servers at 75%: 12 servers of work, 15 at 80% exactly (0.8 is stored a
  // hair above 0.8, so the quotient stays at or below 15 and is not pushed to 16).
  CHECK(servers_needed(16, 0.75) == 15);
  // Another target: 10 servers at 90% aiming for 50% need 18.
  CHECK(servers_needed(10, 0.9, 0.5) == 18);
}
