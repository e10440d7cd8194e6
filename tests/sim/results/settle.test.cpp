#include <catch2/catch.hpp>
#include <string>

#include "sim/scenario/scenario_loader.hpp"
#include "sim/world/world.hpp"

using namespace stampede::sim;

TEST_CASE("a latency SLO keeps its per-interval verdicts once judged on the run's quantile",
          "[sim][slo]") {
  // One server for 2/s of 1 s work from the second hour: the queue grows
  // without bound, so every interval from then on breaches a 10 s p99.
  const std::string overloaded = R"(scenario: overloaded
horizon: 4h
population:
  size: 1000
adoption:
  innovation: 0.01/day
  imitation: 0/day
  initial_adopters: 1000
behavior:
  sessions_per_day: 172.8
  diurnal: flat
  mix: {api: 1}
platform:
  endpoints:
    api: {pool: one, work: {dist: constant, value: 1s}}
  pools:
    - name: one
      servers: 1
slo:
  - {endpoint: api, latency_p99: 10s}
)";
  const run_result r = run_world(load_scenario_text(overloaded, "overloaded.yaml"));
  REQUIRE(r.slos.size() == 1);
  const slo_result& v = r.slos[0];
  CHECK_FALSE(v.held);
  // One verdict per reporting interval (4 hours), as many breached as counted.
  REQUIRE(v.held_by_interval.size() == 4);
  int breached = 0;
  for (bool held : v.held_by_interval) breached += held ? 0 : 1;
  CHECK(breached == v.breached_intervals);
  CHECK(breached >= 3);
}
