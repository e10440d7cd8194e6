// What a load test's result says of the generator (sim/results/result.hpp).
#include <catch2/catch.hpp>

#include "sim/results/result.hpp"

using namespace stampede;

TEST_CASE("the schedule is kept only with drops within max_dropped and lag p99 within max_lag",
          "[loadtest]") {
  sim::loadtest_result lt;
  lt.max_lag_s = 0.1;
  lt.max_dropped = 0.001;
  sim::loadtest_endpoint_result e;
  e.sent = 999;
  e.dropped = 1;  // 0.1%: at the limit
  lt.endpoints = {e};
  for (int i = 0; i < 100; ++i) lt.lag.record(1000);  // 1 ms
  CHECK(sim::kept_schedule(lt));
  lt.endpoints[0].dropped = 2;  // 2 of 1001: over 0.1%
  CHECK_FALSE(sim::kept_schedule(lt));
  lt.endpoints[0].dropped = 0;
  for (int i = 0; i < 5; ++i) lt.lag.record(200'000);  // 5 of 105 at 200 ms: p99 there
  CHECK_FALSE(sim::kept_schedule(lt));
}
