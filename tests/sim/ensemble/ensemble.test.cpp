#include "sim/ensemble/ensemble.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <set>
#include <string>

#include "sim/scenario/scenario_loader.hpp"
#include "sim/world/world.hpp"

using namespace stampede::sim;

namespace {

const std::string small = R"(scenario: small
seed: 7
horizon: 6h
population:
  size: 2000
adoption:
  innovation: 0.5/day
  imitation: 1/day
  initial_adopters: 100
behavior:
  sessions_per_day: 4
  mix: {api: 1}
platform:
  endpoints:
    api: {pool: web, work: {dist: exponential, mean: 2s}}
  pools:
    - name: web
      servers: 2
      cost_per_server_hour: 1
slo:
  - {endpoint: api, latency_p99: 10s}
projection:
  members: 6
  uncertain:
    adoption.imitation: {dist: uniform, low: 0.5/day, high: 2/day}
    platform.pools[0].servers: {dist: uniform, low: 1, high: 4, round: true}
)";

}  // namespace

TEST_CASE("a member's seed and draws are a function of the scenario's seed and its index",
          "[sim][ensemble]") {
  const scenario base = load_scenario_text(small, "small.yaml");
  const member_draw a = draw_member(base, 3);
  const member_draw again = draw_member(base, 3);
  CHECK(a.seed == again.seed);
  CHECK(a.inputs == again.inputs);
  CHECK(a.overrides == again.overrides);
  REQUIRE(a.inputs.size() == 2);
  CHECK(a.overrides[0] == "seed=" + std::to_string(a.seed));
  // Within the distributions' supports (uniform on [0.5, 2] per day; whole servers in [1, 4]).
  CHECK(a.inputs[0] * 86400 >= 0.5);
  CHECK(a.inputs[0] * 86400 <= 2);
  CHECK(a.inputs[1] == std::floor(a.inputs[1]));
  // Other members and another scenario seed draw other values.
  std::set<std::uint64_t> seeds;
  for (std::uint64_t i = 0; i < 50; ++i) seeds.insert(draw_member(base, i).seed);
  CHECK(seeds.size() == 50);
  const scenario other = load_scenario_text(small, "small.yaml", {"seed=8"});
  CHECK(draw_member(other, 3).seed != a.seed);
}

TEST_CASE("the ensemble's digest and members do not depend on the threads", "[sim][ensemble]") {
  ensemble_options one;
  one.threads = 1;
  ensemble_options two;
  two.threads = 2;
  const ensemble_result a = run_ensemble(small, "small.yaml", {}, 6, one);
  const ensemble_result b = run_ensemble(small, "small.yaml", {}, 6, two);
  REQUIRE(a.members.size() == 6);
  REQUIRE(b.members.size() == 6);
  CHECK(a.digest == b.digest);
  std::set<std::string> digests;
  for (std::size_t i = 0; i < 6; ++i) {
    CHECK(a.members[i].draw.index == i);
    CHECK(b.members[i].draw.index == i);
    CHECK(a.members[i].digest == b.members[i].digest);
    CHECK(a.members[i].paths.values == b.members[i].paths.values);
    digests.insert(a.members[i].digest);
  }
  // Six different futures, not one run six times.
  CHECK(digests.size() == 6);
  // The digest covers the members: one fewer changes it.
  std::vector<member_result> fewer(a.members.begin(), a.members.end() - 1);
  CHECK(ensemble_digest(fewer) != a.digest);
}

TEST_CASE("a member is the run of the scenario with its draws as overrides", "[sim][ensemble]") {
  ensemble_options options;
  const ensemble_result e = run_ensemble(small, "small.yaml", {"scale=0.5"}, 2, options);
  REQUIRE(e.members.size() == 2);
  for (const member_result& m : e.members) {
    std::vector<std::string> sets{"scale=0.5"};
    sets.insert(sets.end(), m.draw.overrides.begin(), m.draw.overrides.end());
    const run_result plain = run_world(load_scenario_text(small, "small.yaml", sets));
    CHECK(plain.digest == m.digest);
    // Its outcomes are its own time series: adopters at the horizon, cost so far.
    CHECK(m.headline.adopters == plain.series.rows.back()[1]);
    CHECK(m.headline.cost_usd == plain.series.rows.back().back());
  }
}

TEST_CASE("a stop before the first member keeps no member", "[sim][ensemble]") {
  const std::atomic<bool> stop{true};
  ensemble_options options;
  options.stop = &stop;
  const ensemble_result e = run_ensemble(small, "small.yaml", {}, 4, options);
  CHECK(e.asked == 4);
  CHECK(e.members.empty());
}

TEST_CASE("margin, cumulative revenue and SLOs held are read on each member's own path",
          "[sim][ensemble]") {
  run_result r;
  r.series.columns = {"t_hours", "adopters", "active_users", "revenue_per_day_usd", "cost_usd"};
  // Two hours: revenue 24 and 48 USD/day is 1 and 2 USD in each hour.
  r.series.rows = {{1, 10, 5, 24, 3}, {2, 20, 6, 48, 7}};
  slo_result slo;
  slo.endpoint = "api";
  slo.objective = "latency_p99 <= 10s";
  slo.held_by_interval = {true, false};
  r.slos.push_back(slo);
  const outcome_paths p = outcomes_of(r, scenario{});
  const auto at = [&](const std::string& name) {
    for (std::size_t k = 0; k < p.names.size(); ++k) {
      if (p.names[k] == name) return p.values[k];
    }
    FAIL("no outcome " << name);
    return std::vector<double>{};
  };
  CHECK(p.t_hours == std::vector<double>{1, 2});
  CHECK(at("revenue_usd") == std::vector<double>{1, 3});
  CHECK(at("margin_usd") == std::vector<double>{1 - 3, 3 - 7});
  CHECK(at("slo_held.api.latency_p99") == std::vector<double>{1, 0});
  CHECK(at("slo_held") == std::vector<double>{1, 0});
  const member_headline h = headline_of(p);
  CHECK(h.adopters == 20);
  CHECK(h.margin_usd == -4);
  CHECK(h.slo_held_share == 0.5);
}

TEST_CASE("servers needed follow the peak first-attempt demand, and a milestone once reached stays",
          "[sim][ensemble]") {
  scenario s;
  s.pools.emplace_back();
  s.pools[0].name = "gpu";
  endpoint_spec generate;
  generate.name = "generate";
  generate.work = distribution::constant(6);  // 6 s of a GPU per image
  endpoint_spec edit;
  edit.name = "edit";
  edit.work = distribution::exponential(4);  // 4 s on average
  s.endpoints = {generate, edit};
  s.projection.milestones = {{"adopters", 15}, {"adopters", 100}, {"servers_needed.gpu", 150}};
  run_result r;
  r.series.columns = {"t_hours", "adopters", "first_attempts_rps.generate",
                      "first_attempts_rps.edit"};
  // Busy GPUs: hour 1 10×6 + 5.5×4 = 82, so 82 / 0.8 = 102.5 → 103 needed; hour 2
  // 4×6 + 1×4 = 28 (35), the peak so far stays 103; hour 3 21×6 = 126 → 157.5 → 158.
  r.series.rows = {{1, 10, 10, 5.5}, {2, 20, 4, 1}, {3, 12, 21, 0}};
  const outcome_paths p = outcomes_of(r, s);
  const auto at = [&](const std::string& name) {
    for (std::size_t k = 0; k < p.names.size(); ++k) {
      if (p.names[k] == name) return p.values[k];
    }
    FAIL("no outcome " << name);
    return std::vector<double>{};
  };
  CHECK(at("servers_needed.gpu") == std::vector<double>{103, 103, 158});
  // Adopters fall back to 12 in hour 3 (churn): 15 was reached in hour 2 and stays so.
  CHECK(at("reached.adopters.15") == std::vector<double>{0, 1, 1});
  CHECK(at("reached.adopters.100") == std::vector<double>{0, 0, 0});
  CHECK(at("reached.servers_needed.gpu.150") == std::vector<double>{0, 0, 1});
}
