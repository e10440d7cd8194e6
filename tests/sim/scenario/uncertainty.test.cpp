#include "sim/scenario/uncertainty.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "sim/ensemble/members.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "tests/sim/scenario/minimal.hpp"

using namespace stampede::sim;
using Catch::Matchers::Contains;

namespace {

const std::string& minimal = stampede::test::minimal_scenario;

std::string member_error(const std::string& projection, std::uint64_t member = 0) {
  const std::string yaml = minimal + projection;
  const scenario base = load_scenario_text(yaml, "inline.yaml");
  try {
    load_member(yaml, "inline.yaml", {}, base, draw_member(base, member));
  } catch (const scenario_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("the projection section loads its inputs in base units, in file order", "[sim][loader]") {
  const scenario s = load_scenario_text(minimal + R"(projection:
  members: 250
  uncertain:
    adoption.imitation: {dist: lognormal, median: 0.2/day, sigma: 0.3}
    behavior.think_time: {dist: uniform, low: 10s, high: 30s}
    platform.pools[0].servers: {dist: triangular, low: 2, mode: 4, high: 9, round: true}
)",
                                        "inline.yaml");
  CHECK(s.projection.members == 250);
  REQUIRE(s.projection.uncertain.size() == 3);
  const auto& q = s.projection.uncertain[0];
  CHECK(q.key == "adoption.imitation");
  CHECK(q.kind == uncertain_input::unit::rate);
  CHECK(q.dist.shape == distribution::kind::lognormal);
  // One division of exact decimals: within 1e-12 relative.
  CHECK(q.dist.a == Approx(0.2 / 86400).epsilon(1e-12));
  CHECK(q.dist.b == 0.3);
  CHECK(q.line == 20);
  CHECK(q.column == 25);
  const auto& think = s.projection.uncertain[1];
  CHECK(think.kind == uncertain_input::unit::duration);
  CHECK(think.dist.a == 10);
  CHECK(think.dist.b == 30);
  const auto& servers = s.projection.uncertain[2];
  CHECK(servers.kind == uncertain_input::unit::number);
  CHECK(servers.round);
  CHECK(servers.dist.c == 9);
}

TEST_CASE("a scenario without a projection section has no uncertain inputs", "[sim][loader]") {
  const scenario s = load_scenario_text(minimal, "inline.yaml");
  CHECK(s.projection.members == 0);
  CHECK(s.projection.uncertain.empty());
}

TEST_CASE("a drawn value is written back as text the loader reads as the same value",
          "[sim][loader]") {
  uncertain_input rate;
  rate.kind = uncertain_input::unit::rate;
  for (const double v : {2.3148148148148148e-06, 1.0 / 3.0, 7e-300, 12345.678}) {
    CHECK(rate.value_text(v).ends_with("/s"));
    CHECK(parse_rate(rate.value_text(v)) == v);
  }
  uncertain_input number;
  CHECK(parse_number(number.value_text(0.1 + 0.2)) == 0.1 + 0.2);
  number.round = true;
  CHECK(number.value_text(6.5000001) == "7");
  uncertain_input d;
  d.kind = uncertain_input::unit::duration;
  // Durations are whole microseconds in the model: 1.5 s is 1,500,000 us.
  CHECK(d.value_text(1.5) == "1500000us");
  CHECK(parse_duration(d.value_text(1.5)) == 1'500'000);
}

TEST_CASE("a member's draw the scenario refuses is reported at the uncertain input",
          "[sim][loader]") {
  // Servers must be whole: an unrounded uniform draw is refused by the loader's
  // own check, and the message points at the input that drew it.
  const std::string message = member_error(R"(projection:
  uncertain:
    platform.pools[0].servers: {dist: uniform, low: 1, high: 3}
)");
  CHECK_THAT(message, Contains("inline.yaml:19:32: projection.uncertain.platform.pools[0].servers: "
                               "member 0 drew ") &&
                          Contains("expected a positive integer"));
  // A key the scenario does not have: the loader's did-you-mean, at the input.
  CHECK_THAT(member_error(R"(projection:
  uncertain:
    adoption.imitaton: {dist: uniform, low: 0.1/day, high: 0.3/day}
)"),
             Contains("inline.yaml:19:24: projection.uncertain.adoption.imitaton: member 0") &&
                 Contains("did you mean \"imitation\""));
}

TEST_CASE("the projection section refuses what it cannot draw", "[sim][loader]") {
  const auto error = [](const std::string& projection) {
    try {
      load_scenario_text(minimal + projection, "inline.yaml");
    } catch (const scenario_error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK_THAT(error("projection:\n  uncertain:\n    seed: {dist: uniform, low: 1, high: 9}\n"),
             Contains("inline.yaml:19:11: projection.uncertain.seed: each member draws its own "
                      "seed"));
  CHECK_THAT(error("projection:\n  uncertain:\n    scale: {dist: lognormal, median: 0.5}\n"),
             Contains("projection.uncertain.scale.sigma: required key is missing"));
  CHECK_THAT(error("projection:\n  uncertain:\n    scale: {dist: uniform, low: 0.5, high: 0.2}\n"),
             Contains("inline.yaml:19:44: projection.uncertain.scale.high: expected high > low"));
  CHECK_THAT(error("projection:\n  horizon: 30d\n"),
             Contains("inline.yaml:18:3: projection.horizon: unknown key; allowed keys are "
                      "members, uncertain"));
  CHECK_THAT(error("projection:\n  uncertain:\n    tick: {dist: uniform, low: 1s, high: 2s, "
                   "round: true}\n"),
             Contains("projection.uncertain.tick.round: only plain numbers can be rounded"));
}

TEST_CASE("a projection value given with --set is reported as coming from it", "[sim][loader]") {
  std::string message;
  try {
    load_scenario_text(minimal + "projection:\n  members: 5\n", "inline.yaml",
                       {"projection.members=0"});
  } catch (const scenario_error& e) {
    message = e.what();
  }
  CHECK(message ==
        "inline.yaml: projection.members: expected a whole number of members from 1 to 1000000 "
        "(from --set projection.members=0)");
}
