// The outputs of `stampede plan` from a plan written by hand.
#include "reports/plan.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/reports/chromium.hpp"

using namespace stampede;
namespace fs = std::filesystem;

namespace {

/// A candidate with gpu servers per day (web keeps 20) and the p99 SLO held in
/// each day's intervals or not.
sim::plan_candidate candidate(std::int64_t day1, std::int64_t day2, double cost, bool held1,
                              bool held2, std::string purpose) {
  sim::plan_candidate c;
  c.servers = {{day1, day2}, {20, 20}};
  c.purpose = std::move(purpose);
  c.until_s = 2 * 86400;
  c.cost = cost;
  sim::slo_attainment a;
  a.endpoint = "api";
  a.objective = "latency_p99 <= 2m";
  a.pool = 0;
  a.threshold = 120;
  a.period_held_share = {held1 ? 1.0 : 0.0, held2 ? 1.0 : 0.0};
  a.held_share = held1 && held2 ? 1 : 0;
  a.measured = held1 && held2 ? 90 : 150;
  c.slos = {a};
  c.holds = held1 && held2;
  c.digest = "00000000000000" + std::to_string(10 + static_cast<int>(cost) % 90);
  return c;
}

/// Two days at scale 0.1 (resolution 10 GPUs), gpu ordered 6 h ahead.
sim::plan_result two_days() {
  sim::plan_result p;
  p.scenario = "two-days";
  p.scale = 0.1;
  p.resolution = 10;
  p.horizon_s = 2 * 86400;
  p.report_interval_s = 3600;
  p.period_s = 86400;
  p.period_starts_s = {0, 86400};
  p.pools = {{"gpu", true, 300, 6 * sim::hour, true, 2.5}, {"web", false, 20, 0, false, 0.1}};
  p.tried = {candidate(300, 300, 1000, true, false, "upper bound"),
             candidate(600, 600, 2000, true, true, "upper bound"),
             candidate(300, 600, 1500, true, true, "gpu, period 2"),
             candidate(290, 600, 1490, false, true, "gpu, period 1"),
             candidate(300, 590, 1495, true, false, "gpu, period 2")};
  p.chosen = 2;
  p.yaml = "scenario: two-days\n";
  return p;
}

}  // namespace

TEST_CASE("the Pareto front keeps the candidates nothing cheaper attains as much", "[reports]") {
  const sim::plan_result p = two_days();
  // (cost, attainment): (1000, .5) (2000, 1) (1500, 1) (1490, .5) (1495, .5):
  // the cheapest at 50% and the cheapest at 100%.
  CHECK(reports::pareto_front(p) == std::vector<bool>{true, false, true, false, false});
  CHECK(reports::attainment(p.tried[0]) == 0.5);
  CHECK(reports::attainment(p.tried[2]) == 1);
}

TEST_CASE("summary.md of a plan says what to buy, when to order it and why", "[reports]") {
  const std::string md = reports::plan_md(two_days());
  INFO(md);
  // 300 GPUs × $2.5 × 24 h = $18,000; 600 × 2.5 × 24 = $36,000; ordered 6 h ahead.
  CHECK(md.find("| gpu | 1 of 2 | 0s to 1d | 300 | 6h before the start | $18,000 |") !=
        std::string::npos);
  CHECK(md.find("| gpu | 2 of 2 | 1d to 2d | 600 | at 18h | $36,000 |") != std::string::npos);
  CHECK(md.find("resolution of 10 servers") != std::string::npos);
  CHECK(md.find("Total cost over 2d: **$1,500**") != std::string::npos);
  CHECK(md.find("web: kept at 20 servers") != std::string::npos);
  CHECK(md.find("gpu: the plan replaces its autoscaler") != std::string::npos);
  // One step (10 GPUs) fewer in either day breaks that day.
  CHECK(md.find("- gpu in period 1: with 290 servers api latency_p99 <= 2m breaks") !=
        std::string::npos);
  CHECK(md.find("- gpu in period 2: with 590 servers api latency_p99 <= 2m breaks") !=
        std::string::npos);
  // The SLO margin: 90 s against 120 s.
  CHECK(md.find("| api latency_p99 <= 2m | 2.0 min | 90.0 s | 25.00% |") != std::string::npos);
  CHECK(md.find("| 2 | gpu 300, 600 | $1,500 | 100.00% | yes (the plan) | front |") !=
        std::string::npos);
}

TEST_CASE("plan.json lists the plan per pool and period, and every candidate", "[reports]") {
  const auto j = nlohmann::json::parse(reports::plan_json(two_days()));
  CHECK(j["found"] == true);
  CHECK(j["plan"] == 2);
  CHECK(j["resolution_servers"] == 10);
  CHECK(j["pools"][0]["servers"] == std::vector<int>{300, 600});
  CHECK(j["pools"][0]["order_by_s"] == std::vector<double>{-21600, 64800});
  CHECK(j["pools"][0]["cost_usd"] == std::vector<double>{18000, 36000});
  CHECK(j["pools"][1]["planned"] == false);
  REQUIRE(j["candidates"].size() == 5);
  CHECK(j["candidates"][3]["slos"][0]["period_held_share"] == std::vector<double>{0, 1});
  CHECK(j["candidates"][2]["pareto"] == true);
  CHECK(j["candidates"][1]["pareto"] == false);
}

TEST_CASE("a plan's report.html draws its charts without errors in headless Chromium",
          "[reports]") {
  REQUIRE(fs::exists("/usr/bin/chromium"));
  std::string pattern = (fs::temp_directory_path() / "stampede-plan-XXXXXX").string();
  REQUIRE(::mkdtemp(pattern.data()) != nullptr);
  const fs::path dir = pattern;
  reports::write_plan(two_days(), dir / "out");
  CHECK(fs::exists(dir / "out" / "plan.yaml"));
  const auto page = test::render_in_chromium(dir / "out" / "report.html", dir);
  INFO("chromium exit status " << page.status << "; log:\n" << page.log);
  REQUIRE(page.status == 0);
  INFO("errors recorded by the page:\n" << page.error_text);
  // Cost against SLOs, and servers per period (two periods).
  CHECK(page.charts == 2);
  CHECK(page.painted == 2);
  CHECK(page.errors == 0);
  fs::remove_all(dir);
}
