// The wall-clock model of `serve` and `loadtest` (sim/scenario/wall_clock.hpp).
#include "sim/scenario/wall_clock.hpp"

#include <catch2/catch.hpp>
#include <stdexcept>

#include "sim/scenario/scenario_loader.hpp"

using namespace stampede::sim;

namespace {

scenario limited() {
  return load_scenario_file(
      std::string(STAMPEDE_SOURCE_DIR) + "/tests/scenarios/good/service.yaml",
      {"scale=0.5", "loadtest.rate_scale=0.1", "loadtest.time_scale=60",
       "platform.pools[0].servers=400",
       "platform.rate_limits=[{tier: default, endpoint: echo, limit: 5/day}]",
       "events=[{at: 1h, kind: rate_limit, tier: default, endpoint: echo, limit: 2/day}, "
       "{at: 2h, kind: add_servers, pool: web, count: 10}]"});
}

}  // namespace

TEST_CASE("both wall-clock runners simulate scale times rate_scale of users and servers",
          "[sim][wall_clock]") {
  const scenario s = limited();
  for (const auto role : {wall_clock_role::generator, wall_clock_role::service}) {
    const scenario m = wall_clock_model(s, role);
    CHECK(m.scale == Approx(0.05));       // 0.5 × 0.1, one rounding
    CHECK(m.simulated_servers(0) == 20);  // round(400 × 0.05)
    CHECK(m.simulated_users() == 50);     // round(1000 × 0.05)
  }
  CHECK(wall_clock_scale(0.5, 0.1) == Approx(0.05));
}

TEST_CASE("the generator leaves rate limits to the target, the service keeps them",
          "[sim][wall_clock]") {
  const scenario s = limited();
  const scenario g = wall_clock_model(s, wall_clock_role::generator);
  CHECK(g.rate_limits.empty());
  REQUIRE(g.events.size() == 1);  // the server event stays
  CHECK(g.events[0].what == event_spec::kind::add_servers);
  CHECK(g.horizon == s.horizon);

  const scenario v = wall_clock_model(s, wall_clock_role::service);
  CHECK(v.rate_limits.size() == 1);
  CHECK(v.events.size() == 2);
  // Ten years of wall time at time_scale 60, in a thousand ticks.
  const double ten_years_virtual_us = 10 * 365.0 * 86400e6 * 60;
  CHECK(static_cast<double>(v.horizon) == Approx(ten_years_virtual_us).epsilon(1e-12));
  CHECK(v.tick == v.horizon / 1000);
  CHECK(v.report_interval == v.tick);
  CHECK(v.max_samples == 1);
}

TEST_CASE("a scenario without a loadtest section has no wall-clock model", "[sim][wall_clock]") {
  scenario s = limited();
  s.loadtest.reset();
  CHECK_THROWS_AS(wall_clock_model(s, wall_clock_role::generator), std::invalid_argument);
}
