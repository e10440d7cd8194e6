// End-to-end tests of `stampede project`: what a user types, what they get.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/cli/run_binary.hpp"

using stampede::test::read_all;
using stampede::test::read_json;
using stampede::test::run_stampede;
using stampede::test::temp_dir;

namespace {

/// A small scenario with two uncertain inputs and SLOs: a member runs in a
/// fraction of a second.
const std::string small_projection = R"(scenario: small-projection
seed: 5
horizon: 8h
population: {size: 3000}
adoption: {innovation: 0.5/day, imitation: 1/day, initial_adopters: 100}
behavior:
  sessions_per_day: 4
  mix: {api: 1}
platform:
  endpoints:
    api: {pool: web, work: {dist: exponential, mean: 2s}}
  pools:
    - {name: web, servers: 3, cost_per_server_hour: 1.5}
slo:
  - {endpoint: api, latency_p99: 20s}
projection:
  members: 5
  uncertain:
    adoption.imitation: {dist: uniform, low: 0.5/day, high: 2/day}
    platform.pools[0].servers: {dist: uniform, low: 1, high: 5, round: true}
  milestones:
    adopters: [1, 625, 1_000_000]
)";

std::filesystem::path write_scenario(const std::filesystem::path& dir, const std::string& name,
                                     const std::string& text) {
  const auto path = dir / name;
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("stampede project --help teaches every flag", "[cli][project]") {
  const auto r = run_stampede("project --help");
  CHECK(r.exit_code == 0);
  for (const char* flag : {"--out", "--members", "--threads", "--set", "--progress", "--quiet"}) {
    CHECK(r.out.find(flag) != std::string::npos);
  }
}

TEST_CASE("stampede project writes projection.json, projection.csv, summary.md and report.html",
          "[cli][project]") {
  const auto dir = temp_dir("project-outputs");
  const auto file = write_scenario(dir, "p.yaml", small_projection);
  const auto r = run_stampede("project " + file.string() + " --out " + (dir / "out").string() +
                              " --threads 2");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto j = read_json(dir / "out" / "projection.json");
  CHECK(j["digest"].get<std::string>().size() == 16);
  CHECK(j["members"] == 5);
  CHECK(j["members_asked"] == 5);
  REQUIRE(j["member_results"].size() == 5);
  REQUIRE(j["inputs"].size() == 2);
  CHECK(j["inputs"][0]["key"] == "adoption.imitation");
  CHECK(j["inputs"][0]["unit"] == "/day");
  for (const auto& m : j["member_results"]) {
    const double q = m["inputs"]["adoption.imitation"];
    CHECK(q >= 0.5);
    CHECK(q <= 2);
    const double servers = m["inputs"]["platform.pools[0].servers"];
    CHECK(servers == std::round(servers));
    // Each member's margin is its own revenue minus its own cost.
    CHECK(m["margin_usd"].get<double>() ==
          m["revenue_usd"].get<double>() - m["cost_usd"].get<double>());
  }
  // 8 hourly intervals per outcome; each band ordered P10 <= P50 <= P90.
  const auto& adopters = j["series"]["adopters"];
  REQUIRE(adopters["t_hours"].size() == 8);
  for (std::size_t i = 0; i < 8; ++i) {
    CHECK(adopters["p10"][i].get<double>() <= adopters["p50"][i].get<double>());
    CHECK(adopters["p50"][i].get<double>() <= adopters["p90"][i].get<double>());
  }
  CHECK(j["series"].contains("margin_usd"));
  CHECK(j["series"].contains("slo_held.api.latency_p99"));
  CHECK(j["sensitivity"].size() == 6);  // 2 inputs x 3 headline outcomes

  const std::string csv = read_all(dir / "out" / "projection.csv");
  CHECK(csv.starts_with("outcome,t_hours,p10,p50,p90,mean\n"));
  CHECK(csv.find("\nadopters,1,") != std::string::npos);
  CHECK(csv.find("\ncompleted_rps.api,") != std::string::npos);
  CHECK(csv.find("\ncost_usd,8,") != std::string::npos);
  // The mean of the last adopters row is the mean of the members' adopters (a
  // sum of 5 whole numbers / 5: the same double whichever order it is summed in
  // up to one rounding; 1e-12 relative).
  double sum = 0;
  for (const auto& m : j["member_results"]) sum += m["adopters"].get<double>();
  CHECK(adopters["mean"][7].get<double>() == Approx(sum / 5).epsilon(1e-12));

  // Milestones: every member starts with 100 adopters of 3,000, so none
  // reaches a million and all have 1; 625 at the horizon is reached by the
  // members whose own final adopters are at least that (adopters only grow here).
  double reached = 0;
  for (const auto& m : j["member_results"]) reached += m["adopters"].get<double>() >= 625;
  CHECK(j["series"]["reached.adopters.625"]["mean"][7].get<double>() ==
        Approx(reached / 5).epsilon(1e-12));
  CHECK(j["series"]["reached.adopters.1"]["mean"][0].get<double>() == 1);
  CHECK(j["series"]["reached.adopters.1000000"]["mean"][7].get<double>() == 0);
  CHECK(j["series"].contains("servers_needed.web"));

  const std::string md = read_all(dir / "out" / "summary.md");
  CHECK(md.find("| chance adopters has reached 1.00M | 0.00% |") != std::string::npos);
  CHECK(md.find("| web servers needed (first-order) |") != std::string::npos);
  CHECK(md.find("P10 is the low case: the 10th percentile") != std::string::npos);
  CHECK(md.find("| users (adopters) |") != std::string::npos);
  CHECK(md.find("horizon (8 h)") != std::string::npos);
  const std::string html = read_all(dir / "out" / "report.html");
  CHECK(html.find("Chart.js v3.9.1") != std::string::npos);
  CHECK(html.find("What drives the outcome") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("each member of a projection is stampede run with its seed and draws",
          "[cli][project][determinism]") {
  const auto dir = temp_dir("project-members");
  const auto file = write_scenario(dir, "p.yaml", small_projection);
  REQUIRE(run_stampede("project " + file.string() + " --out " + (dir / "out").string() +
                       " --members 3 --quiet --set scale=0.5")
              .exit_code == 0);
  const auto j = read_json(dir / "out" / "projection.json");
  REQUIRE(j["member_results"].size() == 3);
  for (const auto& m : j["member_results"]) {
    std::string sets = " --set scale=0.5";
    for (const auto& s : m["set"]) sets += " --set '" + s.get<std::string>() + "'";
    INFO(sets);
    // The plain run goes through the CAF engine on 2 threads, the member through
    // the sequential world: their digests agree.
    const auto run = run_stampede("run " + file.string() + " --out " + (dir / "run").string() +
                                  " --quiet --threads 2" + sets);
    REQUIRE(run.exit_code == 0);
    CHECK(read_json(dir / "run" / "summary.json")["digest"] == m["digest"]);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("a projection's digest is the same for --threads 1 and 2",
          "[cli][project][determinism]") {
  const auto dir = temp_dir("project-threads");
  const auto file = write_scenario(dir, "p.yaml", small_projection);
  std::string digests[2];
  std::string csvs[2];
  for (int threads : {1, 2}) {
    const auto out = dir / ("out" + std::to_string(threads));
    REQUIRE(run_stampede("project " + file.string() + " --out " + out.string() +
                         " --members 6 --quiet --threads " + std::to_string(threads))
                .exit_code == 0);
    digests[threads - 1] = read_json(out / "projection.json")["digest"];
    csvs[threads - 1] = read_all(out / "projection.csv");
  }
  CHECK(digests[0] == digests[1]);
  CHECK(csvs[0] == csvs[1]);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a stopped projection is the projection of the members that finished", "[cli][project]") {
  // Far more members than finish in 4 s (5-day members take tens of
  // milliseconds each); SIGTERM then (as Ctrl-C). On one thread the members
  // run in index order, so those kept are members 0 to k - 1, and their
  // projection must be exactly `--members k`'s.
  const auto dir = temp_dir("project-stopped");
  const auto file = write_scenario(dir, "small.yaml", small_projection);
  const auto stopped = dir / "stopped";
  const auto r = run_stampede("project " + file.string() + " --out " + stopped.string() +
                                  " --members 2000 --threads 1 --quiet --set horizon=5d",
                              4);
  CHECK(r.exit_code == 124);  // timeout's code: SIGTERM after 4 s, then a clean exit
  CHECK(r.err.find("stopped early") != std::string::npos);
  REQUIRE(std::filesystem::exists(stopped / "projection.json"));
  const auto j = read_json(stopped / "projection.json");
  const auto kept = j["members"].get<std::uint64_t>();
  CHECK(j["members_asked"] == 2000);
  REQUIRE(kept > 0);
  CHECK(kept < 2000);
  CHECK(read_all(stopped / "summary.md").find("**Stopped early:**") != std::string::npos);
  const auto whole = dir / "whole";
  const auto w =
      run_stampede("project " + file.string() + " --out " + whole.string() + " --members " +
                   std::to_string(kept) + " --threads 1 --quiet --set horizon=5d");
  REQUIRE(w.exit_code == 0);
  CHECK(read_json(whole / "projection.json")["digest"] == j["digest"]);
  CHECK(read_all(whole / "projection.csv") == read_all(stopped / "projection.csv"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("a bad projection section is a one-line error with its place, exit 2", "[cli][project]") {
  const auto dir = temp_dir("project-bad");
  std::string text = small_projection;
  const std::string good = "{dist: uniform, low: 0.5/day, high: 2/day}";
  text.replace(text.find(good), good.size(), "{dist: uniform, low: 0.5/day}");
  const auto file = write_scenario(dir, "bad.yaml", text);
  const auto r = run_stampede("project " + file.string() + " --out " + (dir / "out").string());
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("bad.yaml:19:25: projection.uncertain.adoption.imitation.high: required key "
                   "is missing") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK_FALSE(std::filesystem::exists(dir / "out" / "projection.json"));
  // A draw the scenario refuses names the input that drew it; so does validate's twin, run.
  std::string unrounded = small_projection;
  unrounded.replace(unrounded.find(", round: true"), 13, "");
  write_scenario(dir, "unrounded.yaml", unrounded);
  const auto u = run_stampede("project " + (dir / "unrounded.yaml").string() + " --out " +
                              (dir / "out").string());
  CHECK(u.exit_code == 2);
  CHECK(u.err.find("unrounded.yaml:20:32: projection.uncertain.platform.pools[0].servers: member "
                   "0 drew ") != std::string::npos);
  CHECK(
      run_stampede("project " + file.string() + " --out " + (dir / "out").string() + " --members 0")
          .exit_code == 2);
  // A milestone must name an outcome the projection has.
  std::string misnamed = small_projection;
  misnamed.replace(misnamed.find("    adopters: [1,"), 12, "    adoptors");
  write_scenario(dir, "misnamed.yaml", misnamed);
  const auto m = run_stampede("validate " + (dir / "misnamed.yaml").string());
  CHECK(m.exit_code == 2);
  CHECK(m.err.find("misnamed.yaml:22:5: projection.milestones.adoptors: unknown key; allowed keys "
                   "are adopters, active_users, cost_usd, revenue_usd, margin_usd, completed.api, "
                   "servers_needed.web") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("the band of Bass adopters covers the closed form at the quantiles of an uncertain q",
          "[cli][project]") {
  // Bass diffusion without feedback, churn or events in a population of m:
  // F(t) = m (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}). With q uniform on
  // [0.3, 1.2]/day and adopters increasing in q, the P10 and P90 of adopters at
  // each time are the closed form at q's P10 and P90.
  const auto dir = temp_dir("project-bass");
  const auto file = write_scenario(dir, "bass.yaml", R"(scenario: bass-band
seed: 11
horizon: 20d
tick: 1m
metrics: {report_interval: 1d}
population: {size: 20_000}
adoption: {innovation: 0.05/day, imitation: 0.6/day}
behavior:
  sessions_per_day: 0.01
  mix: {api: 1}
  feedback: {penalty: 0}
platform:
  endpoints:
    api: {pool: web, work: 1ms}
  pools:
    - {name: web, servers: 10}
projection:
  members: 200
  uncertain:
    adoption.imitation: {dist: uniform, low: 0.3/day, high: 1.2/day}
)");
  REQUIRE(run_stampede("project " + file.string() + " --out " + (dir / "out").string() + " --quiet")
              .exit_code == 0);
  const auto j = read_json(dir / "out" / "projection.json");
  const double m = 20000, p = 0.05;
  const auto bass = [&](double days, double q) {
    const double e = std::exp(-(p + q) * days);
    return m * (1 - e) / (1 + q / p * e);
  };
  // q's quantiles: of the distribution (0.3 + 0.1 x 0.9 and 0.3 + 0.9 x 0.9),
  // and of the 200 values drawn (nearest rank: the 20th and 180th smallest).
  std::vector<double> drawn;
  for (const auto& member : j["member_results"])
    drawn.push_back(member["inputs"]["adoption.imitation"]);
  REQUIRE(drawn.size() == 200);
  std::sort(drawn.begin(), drawn.end());
  const double exact[2] = {0.39, 1.11};
  const double sampled[2] = {drawn[19], drawn[179]};
  const auto& band = j["series"]["adopters"];
  REQUIRE(band["t_hours"].size() == 20);
  // Tolerance 2% of m (400 adopters); measured at most 1%. It covers the
  // binomial noise of one member (sd <= sqrt(m/4) = 71), the gap between
  // neighbouring order statistics of q (0.9/200 per day, ~50 adopters at the
  // steepest), the sampling error of the 20th of 200 draws against the
  // distribution's P10 (sd ~0.02/day, ~200 adopters at the steepest), and the
  // 1-minute steps of the simulated hazard.
  const double tolerance = 0.02 * m;
  for (std::size_t i = 0; i < 20; ++i) {
    const double days = band["t_hours"][i].get<double>() / 24;
    INFO("day " << days);
    for (const double* q : {exact, sampled}) {
      CHECK(std::fabs(band["p10"][i].get<double>() - bass(days, q[0])) <= tolerance);
      CHECK(std::fabs(band["p90"][i].get<double>() - bass(days, q[1])) <= tolerance);
    }
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("the shipped ghibli-projection scenario validates and projects", "[cli][project]") {
  CHECK(run_stampede("validate scenarios/ghibli-projection.yaml").exit_code == 0);
  const auto dir = temp_dir("project-ghibli");
  // Two members at a fifth of the shipped scale: the command end to end, quickly.
  const auto r =
      run_stampede("project scenarios/ghibli-projection.yaml --out " + (dir / "out").string() +
                   " --members 2 --quiet --set scale=0.00004 --set horizon=3d");
  INFO(r.err);
  CHECK(r.exit_code == 0);
  const auto j = read_json(dir / "out" / "projection.json");
  CHECK(j["inputs"].size() == 4);
  CHECK(j["member_results"].size() == 2);
  std::filesystem::remove_all(dir);
}
