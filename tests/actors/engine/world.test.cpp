// sim::world, the sequential reference runner, against the CAF engine: the
// same windows cut at the same seams, so the same digest on any thread count.
#include <catch2/catch.hpp>
#include <filesystem>

#include "actors/engine/engine.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "sim/world/world.hpp"

using namespace stampede;

namespace {

/// Every shipped scenario, made small enough for a test: fewer users, three
/// days (past ghibli-launch's day-2 rate limit and the autoscaler's first
/// orders), 10 s windows (a window costs the engine a round of messages
/// whatever happens in it), figures dropped since they name days past the third.
std::vector<std::pair<std::string, sim::scenario>> shipped_scenarios() {
  std::vector<std::pair<std::string, sim::scenario>> out;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(STAMPEDE_SOURCE_DIR) + "/scenarios")) {
    if (entry.path().extension() != ".yaml") continue;
    const std::string name = entry.path().stem().string();
    const std::string scale = name.rfind("ghibli", 0) == 0 ? "0.002" : "0.05";
    out.emplace_back(
        name, sim::load_scenario_file(entry.path().string(),
                                      {"horizon=3d", "tick=10s", "figures=[]", "scale=" + scale}));
  }
  REQUIRE(out.size() >= 7);
  return out;
}

}  // namespace

TEST_CASE("sim::world and the CAF engine on 1, 2 and 4 threads give the same digest",
          "[actors][world]") {
  for (const auto& [name, s] : shipped_scenarios()) {
    INFO(name);
    const sim::run_result reference = sim::run_world(s);
    REQUIRE(reference.simulated_requests > 0);
    for (int threads : {1, 2, 4}) {
      INFO("threads " << threads);
      actors::run_options o;
      o.threads = threads;
      o.actors_on_one_thread = true;
      const sim::run_result r = actors::run(s, o);
      CHECK(r.digest == reference.digest);
      CHECK(r.simulated_requests == reference.simulated_requests);
    }
  }
}

TEST_CASE("a stopped world ends after the window in which it saw the stop", "[actors][world]") {
  const sim::scenario s =
      sim::load_scenario_file(std::string(STAMPEDE_SOURCE_DIR) + "/scenarios/quickstart.yaml",
                              {"horizon=1d", "scale=0.02"});
  std::atomic<bool> stop{false};
  sim::world_options o;
  o.stop = &stop;
  const sim::vtime five_hours = sim::from_seconds(5 * 3600.0);
  o.on_window = [&](sim::vtime reached, std::uint64_t) {
    if (reached == five_hours) stop = true;
  };
  const sim::run_result r = sim::run_world(s, o);
  // The flag is read after the next window's step, like shard 0 of the engine.
  CHECK(r.simulated_s == Approx(sim::to_seconds(five_hours + s.tick)));
  // Hourly rows 0-4 and the partial sixth.
  CHECK(r.series.rows.size() == 6);
}
