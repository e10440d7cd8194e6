#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>

#include "reports/reports.hpp"
#include "tests/reports/sample_result.hpp"

using stampede::reports::summary_json;
using stampede::reports::timeseries_csv;

TEST_CASE("summary.json parses back with every field and real-world counts", "[reports]") {
  const auto r = stampede::test::sample_result();
  const auto j = nlohmann::ordered_json::parse(summary_json(r));

  // Keys keep the order they were written in.
  CHECK(j.begin().key() == "scenario");
  for (const char* key :
       {"scenario", "description", "seed", "scale", "weight", "horizon_s", "tick_s",
        "report_interval_s", "digest", "threads", "wall_seconds", "simulated_users",
        "simulated_requests", "endpoints", "pools", "adoption", "slo", "slo_held"}) {
    INFO(key);
    CHECK(j.contains(key));
  }
  CHECK(j["scenario"] == "viral-launch");
  CHECK(j["digest"] == r.digest);
  CHECK(j["weight"].get<double>() == 100.0);

  const auto& gen = j["endpoints"]["generate_image"];
  const auto& e = r.endpoints[0];
  CHECK(gen["pool"] == "gen-h100");
  // weight 100: every real-world count is exactly 100 times the simulated one.
  CHECK(gen["offered"].get<std::uint64_t>() == e.offered * 100);
  CHECK(gen["completed"].get<std::uint64_t>() == e.completed * 100);
  CHECK(gen["rejected"].get<std::uint64_t>() == e.rejected * 100);
  CHECK(gen["abandoned"].get<std::uint64_t>() == e.abandoned * 100);
  CHECK(gen["in_flight"].get<std::uint64_t>() == e.in_flight * 100);
  CHECK(gen["simulated"]["offered"].get<std::uint64_t>() == e.offered);
  CHECK(gen["simulated"]["completed"].get<std::uint64_t>() == e.completed);
  REQUIRE(e.offered > 0);
  CHECK(gen["rejected_share"].get<double>() ==
        Approx(static_cast<double>(e.rejected) / static_cast<double>(e.offered)));
  // Histogram values are microseconds; the file is in seconds (exact conversion
  // of an integer, so only rounding of the last bit is tolerated).
  CHECK(gen["latency"]["histogram"]["p99"].get<double>() ==
        Approx(static_cast<double>(e.latency.quantile(0.99)) * 1e-6).epsilon(1e-12));
  CHECK(gen["latency"]["histogram"]["max"].get<double>() ==
        Approx(static_cast<double>(e.latency.max()) * 1e-6).epsilon(1e-12));
  CHECK(gen["latency"]["histogram"]["mean"].get<double>() ==
        Approx(e.latency.mean() * 1e-6).epsilon(1e-12));
  // The quantiles every table shows: computed from a sample here (20 an hour
  // kept of every simulated completion), so labelled "sampled" with both counts.
  const auto& q = gen["latency"]["quantiles"];
  CHECK(q["backend"] == "openmp");
  CHECK(q["method"] == "sampled");
  CHECK(q["p50"].get<double>() == e.quantiles.p50);
  CHECK(q["p99"].get<double>() == e.quantiles.p99);
  CHECK(q["latency_samples"]["kept"].get<std::size_t>() == 20 * 48);
  CHECK(q["latency_samples"]["of"].get<std::uint64_t>() == e.samples_seen);
  // The SLO's measure is the same p99.
  CHECK(j["slo"][0]["measured"].get<double>() == q["p99"].get<double>());
  // Without computed quantiles, the histogram's, and said so.
  const auto& gallery = j["endpoints"]["list_gallery"]["latency"];
  CHECK(gallery["quantiles"]["method"] == "histogram");
  CHECK(gallery["quantiles"]["p99"].get<double>() == gallery["histogram"]["p99"].get<double>());
  CHECK(!gallery["quantiles"].contains("latency_samples"));

  const auto& pool = j["pools"]["gen-h100"];
  CHECK(pool["servers"].get<std::int64_t>() == 800);
  CHECK(pool["simulated_servers"].get<std::int64_t>() == 8);
  CHECK(pool["peak_queue"].get<std::int64_t>() == r.pools[0].peak_queue * 100);
  CHECK(pool["peak_queue_simulated"].get<std::int64_t>() == r.pools[0].peak_queue);
  CHECK(pool["cost"].get<double>() == r.pools[0].cost);
  CHECK(pool["little"]["L"].get<double>() == r.pools[0].little_l);
  CHECK(pool["little"]["lambda"].get<double>() == r.pools[0].little_lambda);
  CHECK(pool["little"]["W"].get<double>() == r.pools[0].little_w);

  CHECK(j["adoption"]["adopters_at_end"].get<double>() == r.adoption.adopters_at_end);
  REQUIRE(j["slo"].size() == 2);
  CHECK(j["slo"][0]["endpoint"] == "generate_image");
  CHECK(j["slo"][0]["held"] == false);
  CHECK(j["slo"][0]["breached_intervals"].get<int>() == r.slos[0].breached_intervals);
  CHECK(j["slo"][0]["first_breach_hours"].get<double>() == r.slos[0].first_breach_interval);
  CHECK(j["slo"][1]["held"] == true);
  CHECK(j["slo"][1]["first_breach_hours"].is_null());
  CHECK(j["slo_held"] == false);
  CHECK(nlohmann::json::parse(summary_json(stampede::test::sample_result(false)))["slo_held"] ==
        true);
}

namespace {

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream in(line);
  std::string cell;
  while (std::getline(in, cell, ',')) cells.push_back(cell);
  return cells;
}

}  // namespace

TEST_CASE("timeseries.csv has the header and one row per interval that read back exactly",
          "[reports]") {
  const auto r = stampede::test::sample_result();
  std::stringstream csv(timeseries_csv(r));
  std::string line;
  REQUIRE(std::getline(csv, line));
  CHECK(split(line) == r.series.columns);
  std::size_t row = 0;
  while (std::getline(csv, line)) {
    REQUIRE(row < r.series.rows.size());
    const auto cells = split(line);
    REQUIRE(cells.size() == r.series.columns.size());
    for (std::size_t c = 0; c < cells.size(); ++c) {
      // Shortest round-trip form: strtod gives back the very same double.
      INFO("row " << row << " column " << r.series.columns[c] << " text " << cells[c]);
      CHECK(std::strtod(cells[c].c_str(), nullptr) == r.series.rows[row][c]);
    }
    ++row;
  }
  CHECK(row == r.series.rows.size());
  CHECK(row == 48);
}

TEST_CASE("timeseries.csv quotes column names that need it", "[reports]") {
  stampede::sim::run_result r;
  r.series.columns = {"t_hours", "queue.a,b", "say \"hi\""};
  r.series.rows = {{1.0, 0.1, 1e300}, {2.0, std::nan(""), -0.0}};
  CHECK(timeseries_csv(r) == "t_hours,\"queue.a,b\",\"say \"\"hi\"\"\"\n1,0.1,1e+300\n2,nan,-0\n");
}

TEST_CASE("summary.json gives each figure its role, and a reference no verdict", "[reports]") {
  auto r = stampede::test::sample_result();
  namespace sim = stampede::sim;
  const sim::figure_result f = stampede::test::sample_figure();
  auto prediction = f;
  prediction.role = sim::figure_role::prediction;
  auto reference = f;
  reference.role = sim::figure_role::reference;
  r.figures = {f, prediction, reference};
  const auto j = nlohmann::json::parse(summary_json(r));
  REQUIRE(j["figures"].size() == 3);
  CHECK(j["figures"][0]["role"] == "target");
  CHECK(j["figures"][0]["within"] == true);
  CHECK(j["figures"][1]["role"] == "prediction");
  CHECK(j["figures"][1]["within"] == true);
  CHECK(j["figures"][2]["role"] == "reference");
  CHECK(j["figures"][2]["within"].is_null());
}
