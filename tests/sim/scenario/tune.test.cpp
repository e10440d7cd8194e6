// The `tune:` section: ranges in base units by key path, the scenario's own
// value as the start, and errors with file:line:col for what cannot be tuned.
#include "sim/scenario/tune.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "sim/scenario/scenario_loader.hpp"
#include "tests/sim/scenario/minimal.hpp"

using namespace stampede::sim;

namespace {

const std::string& minimal = stampede::test::minimal_scenario;

std::string error_of(const std::string& tune, const std::vector<std::string>& sets = {}) {
  try {
    load_scenario_text(minimal + tune, "inline.yaml", sets);
  } catch (const scenario_error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("the tune section loads ranges in base units and starts at the scenario's values",
          "[sim][loader]") {
  const scenario s = load_scenario_text(minimal + R"(tune:
  adoption.imitation: {min: 0.1/day, max: 2/day}
  platform.pools[0].servers: {min: 2, max: 16, round: true}
  behavior.think_time: {min: 5s, max: 1m}
)",
                                        "inline.yaml", {"adoption.imitation=0.25/day"});
  REQUIRE(s.tune.size() == 3);
  const tunable& q = s.tune[0];
  CHECK(q.key == "adoption.imitation");
  CHECK(q.kind == uncertain_input::unit::rate);
  // Exact decimals divided once by 86400: within 1e-12 relative.
  CHECK(q.min == Approx(0.1 / 86400).epsilon(1e-12));
  CHECK(q.max == Approx(2.0 / 86400).epsilon(1e-12));
  // The start is the value after --set.
  CHECK(q.start == Approx(0.25 / 86400).epsilon(1e-12));
  CHECK(q.line == 18);
  CHECK(s.tune[1].round);
  CHECK(s.tune[1].start == 4);
  CHECK(s.tune[1].value_text(7.4) == "7");
  // think_time is not in the scenario: the start is the geometric mean, sqrt(5 * 60) s.
  CHECK(s.tune[2].kind == uncertain_input::unit::duration);
  CHECK(s.tune[2].start == Approx(std::sqrt(300.0)).epsilon(1e-12));
}

TEST_CASE("a bad tune section is refused at its place", "[sim][loader]") {
  CHECK(error_of("tune:\n  adoption.imitation: {min: 2/day, max: 0.1/day}\n") ==
        "inline.yaml:18:41: tune.adoption.imitation.max: expected max > min");
  CHECK(error_of("tune:\n  adoption.imitation: {min: 0.1/day, max: 2s}\n") ==
        "inline.yaml:18:43: tune.adoption.imitation.max: expected the same kind of value as "
        "min (both numbers, rates or durations)");
  CHECK(error_of("tune:\n  adoption.imitation: {min: 0, max: 1/day}\n")
            .starts_with("inline.yaml:18:29: tune.adoption.imitation.min: expected a positive"));
  CHECK(error_of("tune:\n  adoption.imitation: {min: 0.6/day, max: 1/day}\n") ==
        "inline.yaml:18:3: tune.adoption.imitation: the scenario's value 0.5/day is outside "
        "[0.6/day, 1/day]; the search starts there");
  CHECK(error_of("tune:\n  seed: {min: 1, max: 9}\n") ==
        "inline.yaml:18:3: tune.seed: seed cannot be tuned; expected the key path of a model "
        "value");
  CHECK(error_of("tune:\n  adoption.imitation: {min: 0.1/day, maks: 1/day}\n")
            .starts_with("inline.yaml:18:38: tune.adoption.imitation.maks: unknown key"));
}

TEST_CASE("a target figure records its leave-one-out error; a prediction cannot", "[sim][loader]") {
  const scenario s = load_scenario_text(
      minimal +
          "figures:\n  - {name: a, metric: adopters_at, at: 1d, value: 10, leave_one_out: "
          "-0.129}\n",
      "inline.yaml");
  REQUIRE(s.figures.size() == 1);
  CHECK(s.figures[0].leave_one_out == -0.129);
  // None recorded: NaN.
  const scenario plain = load_scenario_text(
      minimal + "figures:\n  - {name: a, metric: adopters_at, at: 1d, value: 10}\n", "inline.yaml");
  CHECK(std::isnan(plain.figures[0].leave_one_out));
  CHECK(error_of("figures:\n  - {name: a, metric: adopters_at, at: 1d, value: 10, role: "
                 "prediction, leave_one_out: 0.1}\n") ==
        "inline.yaml:18:88: figures[0].leave_one_out: only a calibration target (role: target) "
        "is fitted, so only it has a leave-one-out error");
}
