// End-to-end tests of `stampede plan`: what a planner types, what they get.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/cli/run_binary.hpp"

using stampede::test::read_all;
using stampede::test::read_json;
using stampede::test::run_stampede;
using stampede::test::temp_dir;

TEST_CASE("stampede plan --help teaches every flag", "[cli][plan]") {
  const auto r = run_stampede("plan --help");
  CHECK(r.exit_code == 0);
  for (const char* flag : {"--out", "--members", "--hold", "--period", "--threads", "--set",
                           "--progress", "--quiet", "plan.yaml", "resolution"}) {
    CHECK(r.out.find(flag) != std::string::npos);
  }
}

TEST_CASE("the plan of quickstart holds its SLOs in stampede run and one step fewer breaks them",
          "[cli][plan]") {
  // Scale 0.05: one simulated GPU stands for 20, a run takes about a second.
  const auto dir = temp_dir("plan-quickstart");
  const auto r = run_stampede("plan scenarios/quickstart.yaml --out " + dir.string() +
                              " --set scale=0.05 --threads 2 --quiet");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  for (const char* f : {"plan.json", "plan.yaml", "summary.md", "report.html"}) {
    CHECK(std::filesystem::exists(dir / f));
  }
  const auto plan = read_json(dir / "plan.json");
  CHECK(plan["found"] == true);
  CHECK(plan["resolution_servers"] == 20);
  REQUIRE(plan["pools"].size() == 2);
  CHECK(plan["pools"][0]["name"] == "gpu");
  CHECK(plan["pools"][0]["planned"] == true);
  // No SLO names an endpoint of web: the plan keeps its 20 servers.
  CHECK(plan["pools"][1]["planned"] == false);
  CHECK(plan["pools"][1]["servers"][0] == 20);
  const std::int64_t gpus = plan["pools"][0]["servers"][0];
  CHECK(gpus % 20 == 0);
  const auto& chosen = plan["candidates"][plan["plan"].get<std::size_t>()];
  CHECK(chosen["holds"] == true);

  // summary.md says what to buy, at what resolution and cost.
  const std::string md = read_all(dir / "summary.md");
  CHECK(md.find("## What to buy") != std::string::npos);
  std::string grouped = std::to_string(gpus);  // under a million: one separator at most
  if (gpus >= 1000) grouped.insert(grouped.size() - 3, ",");
  CHECK(md.find("| gpu | 1 of 1 | 0s to 7d | " + grouped + " |") != std::string::npos);
  CHECK(md.find("resolution of 20 servers") != std::string::npos);

  // stampede run plan.yaml holds every SLO, in the very run the planner judged.
  const auto run_dir = temp_dir("plan-quickstart-run");
  const auto run = run_stampede("run " + (dir / "plan.yaml").string() + " --out " +
                                run_dir.string() + " --threads 2 --quiet");
  REQUIRE(run.exit_code == 0);
  const auto summary = read_json(run_dir / "summary.json");
  CHECK(summary["slo_held"] == true);
  CHECK(summary["digest"] == chosen["digest"]);
  CHECK(summary["pools"]["gpu"]["servers"] == gpus);

  // One resolution step fewer (20 GPUs) breaks an SLO.
  const auto fewer = run_stampede("run " + (dir / "plan.yaml").string() + " --out " +
                                  run_dir.string() + " --threads 2 --quiet --set " +
                                  "platform.pools[0].servers=" + std::to_string(gpus - 20));
  REQUIRE(fewer.exit_code == 0);
  CHECK(read_json(run_dir / "summary.json")["slo_held"] == false);
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(run_dir);
}

TEST_CASE("stampede plan refuses what it cannot plan with one line and exit 2", "[cli][plan]") {
  const auto dir = temp_dir("plan-errors");
  const auto bad_period =
      run_stampede("plan scenarios/quickstart.yaml --out " + dir.string() + " --period 90m");
  CHECK(bad_period.exit_code == 2);
  CHECK(bad_period.err ==
        "error: --period: must be a multiple of metrics.report_interval (1h): a period's SLOs are "
        "judged on its reporting intervals; got 90m\n");
  const auto no_unit =
      run_stampede("plan scenarios/quickstart.yaml --out " + dir.string() + " --period 3");
  CHECK(no_unit.exit_code == 2);
  CHECK(no_unit.err.find("--period: expected a duration with a unit") != std::string::npos);

  const auto typo = run_stampede("plan scenarios/quickstart.yaml --out " + dir.string() +
                                 " --set platform.pools[0].servers=lots");
  CHECK(typo.exit_code == 2);
  CHECK(typo.err.find("platform.pools[0].servers: expected a positive integer") !=
        std::string::npos);

  const auto no_slo_file = dir / "no-slo.yaml";
  std::ofstream(no_slo_file) << R"(scenario: no-slo
horizon: 1h
population: {size: 100}
adoption: {innovation: 0.5/day, imitation: 1/day, initial_adopters: 10}
behavior: {sessions_per_day: 4, mix: {api: 1}}
platform:
  endpoints: {api: {pool: web, work: 1s}}
  pools: [{name: web, servers: 2}]
)";
  const auto no_slo = run_stampede("plan " + no_slo_file.string() + " --out " + dir.string());
  CHECK(no_slo.exit_code == 2);
  CHECK(no_slo.err.find("no-slo.yaml: slo: stampede plan sizes the pools that serve an SLO's "
                        "endpoint") != std::string::npos);
  CHECK(std::count(no_slo.err.begin(), no_slo.err.end(), '\n') == 1);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a stopped plan leaves plan.json of the candidates tried, and no plan.yaml",
          "[cli][plan]") {
  // Full-scale quickstart: a candidate takes seconds, so the stop comes mid-search.
  const auto dir = temp_dir("plan-stopped");
  const auto r = run_stampede(
      "plan scenarios/quickstart.yaml --out " + dir.string() + " --threads 1 --quiet", 6);
  CHECK(r.exit_code == 124);  // timeout's code: SIGTERM after 6 s, then a clean exit
  CHECK(r.err.find("stopped early") != std::string::npos);
  REQUIRE(std::filesystem::exists(dir / "plan.json"));
  const auto plan = read_json(dir / "plan.json");
  CHECK(plan["stopped"] == true);
  CHECK(plan["found"] == false);
  CHECK(plan["candidates"].is_array());
  CHECK_FALSE(std::filesystem::exists(dir / "plan.yaml"));
  std::filesystem::remove_all(dir);
}
