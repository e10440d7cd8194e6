#include "sim/scenario/limits.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <limits>
#include <string>

#include "sim/results/result.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "sim/scenario/yaml_expansion.hpp"

using namespace stampede::sim;
using Catch::Matchers::Contains;

namespace {

const std::filesystem::path source_dir = STAMPEDE_SOURCE_DIR;

// 1,000,000 users, 2 sessions a day of 3 requests, for 2 days in 10 s windows;
// one pool of 4 servers; hourly reports.
const char* small_yaml = R"(
scenario: estimate
horizon: 2d
tick: 10s
population: {size: 1_000_000}
adoption: {innovation: 0.1/day, imitation: 0.5/day}
behavior:
  sessions_per_day: 2
  requests_per_session: 3
  mix: {api: 1}
platform:
  endpoints:
    api: {pool: web, work: 50ms}
  pools:
    - {name: web, servers: 4}
)";

std::string expansion_error(const std::string& yaml, std::size_t most) {
  try {
    check_expansion(yaml, "a.yaml", most);
  } catch (const scenario_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a run's windows, requests and memory are estimated from the scenario", "[sim][limits]") {
  const scenario s = load_scenario_text(small_yaml, "estimate.yaml");
  const run_needs n = estimate_needs(s);
  // 2 days of 10 s windows.
  CHECK(n.windows == 2 * 86400 / 10);
  // Every user active from the start: 1e6 users x 2 sessions x 2 days x 3 requests.
  CHECK(n.requests == Approx(1.2e7).epsilon(1e-12));
  // At least 3 bytes of state per user (population.hpp), and well under 100
  // bytes per user for a scenario this plain, plus 12 bytes per request: every
  // latency is kept (a 4-byte float, no sample memory set) and sorted for the
  // quantiles (a copy and a temporary).
  CHECK(n.bytes >= 3e6 + 1.2e7 * 12);
  CHECK(n.bytes < 1e8 + 1.2e7 * 12);
  CHECK(n.scaled_bytes <= n.bytes);
}

TEST_CASE("a run that does not fit is refused with what would fit", "[sim][limits]") {
  const scenario s = load_scenario_text(small_yaml, "estimate.yaml");
  const run_needs n = estimate_needs(s);
  CHECK(refuse_run(s, n, run_budget{1e12}).empty());
  // A tenth of the memory it needs: a smaller scale.
  CHECK_THAT(refuse_run(s, n, run_budget{n.bytes / 10}), Contains("--scale"));
  // 1,000 windows at most: 2 days need a tick of 173 s, rounded up to 173 s.
  CHECK_THAT(refuse_run(s, n, run_budget{1e12, 1000}), Contains("--set tick=2m 53s"));
  CHECK_THAT(refuse_run(s, n, run_budget{1e12, 1e10, 1e6}), Contains("requests"));
}

TEST_CASE("every shipped scenario fits a small machine in minutes", "[sim][limits]") {
  // 2 GiB and the default budget of windows and requests.
  for (const auto& entry : std::filesystem::directory_iterator(source_dir / "scenarios")) {
    if (entry.path().extension() != ".yaml") continue;
    INFO(entry.path().filename().string());
    scenario s = load_scenario_file(entry.path().string());
    // As `stampede run` sets it by default: a sixth of the memory available.
    s.sample_memory = (std::int64_t{2} << 30) / 6;
    CHECK(refuse_run(s, estimate_needs(s), run_budget{2.0 * (1 << 30)}).empty());
  }
}

TEST_CASE("aliases that expand beyond the cap are refused where they cross it", "[sim][limits]") {
  // Ten aliases of a 100-byte list are about 1,300 bytes; three levels of ten
  // are about 130,000.
  const std::string item = "[" + std::string(100, 'x') + "]";
  const std::string flat = "a: &a " + item + "\nb: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n";
  CHECK(expansion_error(flat, 10'000).empty());
  CHECK_THAT(expansion_error(flat, 1'000), Contains("a.yaml:2:"));
  std::string nested = "a0: &a0 " + item + "\n";
  for (int d = 1; d <= 3; ++d) {
    nested += "a" + std::to_string(d) + ": &a" + std::to_string(d) + " [";
    for (int w = 0; w < 10; ++w) nested += (w ? ", *a" : "*a") + std::to_string(d - 1);
    nested += "]\n";
  }
  CHECK(expansion_error(nested, 1'000'000).empty());
  CHECK_THAT(expansion_error(nested, 100'000), Contains("a.yaml:4:"));
  CHECK_THAT(expansion_error(nested, 100'000), Contains("aliases"));
}

TEST_CASE("a run's figures are checked for infinities and stray NaN", "[sim][limits]") {
  run_result r;
  r.series.columns = {"t_hours", "revenue_per_day_usd", "latency_p99_s.api"};
  r.series.rows = {{1, 5, std::nan("")}};
  // NaN is "no completion" in a latency column: allowed.
  CHECK(non_finite_figure(r).empty());
  r.series.rows.push_back({2, std::numeric_limits<double>::infinity(), 1});
  CHECK(non_finite_figure(r) == "revenue_per_day_usd in row 2 of the time series");
  r.series.rows.pop_back();
  r.series.rows.push_back({2, std::nan(""), 1});
  CHECK(non_finite_figure(r) == "revenue_per_day_usd in row 2 of the time series");
  r.series.rows.pop_back();
  r.pools.push_back(pool_result{});
  r.pools.back().name = "gpu";
  r.pools.back().cost = std::nan("");
  CHECK(non_finite_figure(r) == "pools.gpu.cost");
}
