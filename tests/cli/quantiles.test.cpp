// End-to-end: each endpoint's run-wide latency quantiles are computed from every
// completed request's latency (or say they were sampled), and one p99 per
// endpoint appears in summary.md, report.html and summary.json.
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/cli/run_binary.hpp"

using stampede::test::read_all;
using stampede::test::run_stampede;
using stampede::test::temp_dir;

namespace {

/// Has a latency SLO on generate_image and runs in under a second.
const char* small_scenario = "tests/scenarios/good/small.yaml";

/// The cells of the first markdown table row that starts with "| first |" after `heading`.
std::vector<std::string> md_row(const std::string& md, const std::string& heading,
                                const std::string& first) {
  const auto section = md.find(heading);
  REQUIRE(section != std::string::npos);
  const auto at = md.find("\n| " + first + " |", section);
  REQUIRE(at != std::string::npos);
  const std::string line = md.substr(at + 1, md.find('\n', at + 1) - at - 1);
  std::vector<std::string> cells;
  std::stringstream in(line.substr(1));
  for (std::string cell; std::getline(in, cell, '|');) {
    cells.push_back(cell.substr(1, cell.size() - 2));
  }
  return cells;
}

/// "41.2 s" or "184 ms" in seconds.
double seconds_of(const std::string& text) {
  std::stringstream in(text);
  double v = 0;
  std::string unit;
  in >> v >> unit;
  return unit == "ms" ? v / 1000 : v;
}

std::string grouped(std::uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

struct run_output {
  nlohmann::json summary;
  std::string md;
  std::string html;
};

run_output run_small(const std::string& extra) {
  const auto dir = temp_dir("quantiles");
  const auto r = run_stampede(std::string("run ") + small_scenario + " --quiet " + extra +
                              " --out " + dir.string());
  REQUIRE(r.exit_code == 0);
  run_output out{nlohmann::json::parse(read_all(dir / "summary.json")),
                 read_all(dir / "summary.md"), read_all(dir / "report.html")};
  std::filesystem::remove_all(dir);
  return out;
}

}  // namespace

TEST_CASE("one p99 per endpoint: summary.md's tables, report.html and summary.json agree",
          "[cli][quantiles]") {
  const run_output run = run_small("");
  const auto& gen = run.summary["endpoints"]["generate_image"];
  const auto& q = gen["latency"]["quantiles"];
  // Every completed latency was kept: exact, all of them.
  const auto completed = gen["simulated"]["completed"].get<std::uint64_t>();
  REQUIRE(completed > 10'000);
  CHECK(q["method"] == "exact");
  CHECK(q["latency_samples"]["kept"].get<std::uint64_t>() == completed);
  CHECK(q["latency_samples"]["of"].get<std::uint64_t>() == completed);

  // summary.json: the SLO measures the endpoint's p99 itself.
  const auto& slo = run.summary["slo"][0];
  REQUIRE(slo["objective"] == "latency_p99 <= 1m");
  CHECK(slo["measured"].get<double>() == q["p99"].get<double>());

  // summary.md: the endpoint table's p99 and the SLO table's measure are one text.
  const auto endpoint = md_row(run.md, "## Endpoints", "generate_image");
  const auto objective = md_row(run.md, "## SLOs", "generate_image");
  REQUIRE(endpoint.size() == 11);
  const std::string p99 = endpoint[9];
  INFO("endpoint table p99 " << p99 << ", SLO table " << objective[2]);
  CHECK(objective[2].rfind(p99 + " ", 0) == 0);
  CHECK(endpoint[10] == "exact (all " + grouped(completed) + ")");
  // That text is summary.json's p99 to three significant digits (half a unit
  // of the third digit: 0.05 s for tens of seconds).
  const double p99_s = q["p99"].get<double>();
  CHECK(std::abs(seconds_of(p99) - p99_s) <=
        0.5 * std::pow(10.0, std::floor(std::log10(p99_s)) - 2) * (1 + 1e-9));
  // report.html: the endpoint table and the SLO table show the same text.
  CHECK(run.html.find("<td class=\"num\">" + p99 + "</td>") != std::string::npos);
  CHECK(run.html.find("<td class=\"num\">" + p99 + " (") != std::string::npos);
  CHECK(run.html.find("exact (all " + grouped(completed) + ")") != std::string::npos);
}

TEST_CASE("when the sample memory runs out, quantiles say they are sampled, n of N",
          "[cli][quantiles]") {
  const run_output all = run_small("");
  // 8,000 bytes over 2 endpoints at 4 bytes a sample: 1,000 each.
  const run_output few = run_small("--set metrics.sample_memory=8000");
  const auto& gen = few.summary["endpoints"]["generate_image"];
  const auto completed = gen["simulated"]["completed"].get<std::uint64_t>();
  const auto& q = gen["latency"]["quantiles"];
  CHECK(q["method"] == "sampled");
  CHECK(q["latency_samples"]["kept"].get<std::uint64_t>() == 1000);
  CHECK(q["latency_samples"]["of"].get<std::uint64_t>() == completed);
  const std::string label = "sampled (1,000 of " + grouped(completed) + ")";
  CHECK(md_row(few.md, "## Endpoints", "generate_image")[10] == label);
  CHECK(few.html.find(label) != std::string::npos);
  CHECK(few.summary["slo"][0]["measured"].get<double>() == q["p99"].get<double>());
  // The memory changes which latencies are kept, never the run: same digest.
  CHECK(few.summary["digest"] == all.summary["digest"]);
}

TEST_CASE("a sample memory of zero bytes is a scenario error", "[cli][quantiles]") {
  const auto r = run_stampede(std::string("run ") + small_scenario +
                              " --quiet --set metrics.sample_memory=0 --out /tmp/unused");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("metrics.sample_memory: expected a positive integer") != std::string::npos);
}
