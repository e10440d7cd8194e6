// The load-test sections of the reports: present with every count for a load
// test, absent for a simulated run.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "reports/reports.hpp"
#include "sample_result.hpp"

using namespace stampede;

namespace {

sim::run_result loadtest_result() {
  sim::run_result r = test::sample_result(false);
  sim::loadtest_result l;
  l.target = "http://127.0.0.1:8080";
  l.connections = 16;
  l.time_scale = 60;
  l.wall_s = 20;
  l.duration_s = 20;
  sim::loadtest_endpoint_result e;
  e.name = "generate_image";
  e.sent = 1000;
  e.status_2xx = e.completed = 900;
  e.status_503 = 50;
  e.status_5xx = 20;
  e.reset_closed = 10;
  e.failed = 80;
  e.timeout = e.timed_out = 15;
  e.in_flight = 5;
  for (int i = 0; i < 900; ++i) {
    e.corrected.record(i < 20 ? 1'000'000 : 10'000);
    e.uncorrected.record(10'000);
  }
  l.endpoints.push_back(e);
  l.lag.record(300);
  l.max_lag_s = 0.1;
  r.loadtest = l;
  r.series.columns.push_back("uncorrected_p99_s.generate_image");
  r.series.columns.push_back("t_wall_s");
  for (auto& row : r.series.rows) {
    row.resize(r.series.columns.size(), 0.01);
  }
  return r;
}

}  // namespace

TEST_CASE("summary.json of a load test holds every outcome class and both latencies",
          "[loadtest][reports]") {
  const auto j = nlohmann::json::parse(reports::summary_json(loadtest_result()));
  REQUIRE(j.contains("loadtest"));
  const auto& e = j["loadtest"]["endpoints"]["generate_image"];
  CHECK(e["sent"] == 1000);
  CHECK(e["outcomes"]["503"] == 50);
  CHECK(e["outcomes"]["reset_closed"] == 10);
  CHECK(e["sent"].get<int>() == e["completed"].get<int>() + e["failed"].get<int>() +
                                    e["timed_out"].get<int>() + e["in_flight"].get<int>());
  // 20 of 900 corrected samples at 1 s put the p99 there; uncorrected all at 10 ms.
  CHECK(e["latency_corrected"]["p99"].get<double>() == Approx(1.0).epsilon(0.01));
  CHECK(e["latency_uncorrected"]["p99"].get<double>() == Approx(0.01).epsilon(0.01));
  CHECK(j["loadtest"]["reliable"] == true);
  CHECK(j["loadtest"]["target"] == "http://127.0.0.1:8080");

  const auto plain = nlohmann::json::parse(reports::summary_json(test::sample_result(false)));
  CHECK_FALSE(plain.contains("loadtest"));
}

TEST_CASE("summary.md and report.html of a load test have its section and chart",
          "[loadtest][reports]") {
  const auto r = loadtest_result();
  const std::string md = reports::summary_md(r);
  CHECK(md.find("## Load test") != std::string::npos);
  CHECK(md.find("http://127.0.0.1:8080") != std::string::npos);
  const std::string html = reports::report_html(r);
  CHECK(html.find("id=\"loadtest\"") != std::string::npos);
  CHECK(html.find("loadtest-charts") != std::string::npos);
  CHECK(html.find("uncorrected_p99_s.") != std::string::npos);

  const auto plain = test::sample_result(false);
  CHECK(reports::summary_md(plain).find("## Load test") == std::string::npos);
  CHECK(reports::report_html(plain).find("loadtest-charts") == std::string::npos);
}

TEST_CASE("summary.md's bottom line says when and by how much a load generator fell behind",
          "[loadtest][reports]") {
  auto r = loadtest_result();
  auto& l = *r.loadtest;
  l.endpoints[0].dropped = 250;
  l.endpoints[0].intended = 1250;  // 1000 sent + 250 dropped
  l.dropped = 250;
  l.first_dropped_s = 3.3;
  l.last_dropped_s = 11.5;
  l.max_dropped = 0.001;
  l.max_connections = 64;
  l.peak_connections = 64;
  l.reliable = false;
  const std::string md = reports::summary_md(r);
  const auto bottom = md.find("## Bottom line");
  REQUIRE(bottom != std::string::npos);
  const auto next = md.find("\n## ", bottom + 1);
  const std::string line = md.substr(bottom, next - bottom);
  CHECK(line.find("fell behind its schedule") != std::string::npos);
  // 250 of 1250 is 20.00%; due from 3.3 s to 11.5 s.
  CHECK(line.find("dropped 250 of 1,250 intended requests (20.00%") != std::string::npos);
  CHECK(line.find("from 3.3 s to 11.5 s") != std::string::npos);
  CHECK(line.find("64 of at most 64 connections") != std::string::npos);
  CHECK(md.find("kept its schedule") == std::string::npos);
  const auto j = nlohmann::json::parse(reports::summary_json(r));
  CHECK(j["loadtest"]["endpoints"]["generate_image"]["dropped"] == 250);
  CHECK(j["loadtest"]["dropped_share"].get<double>() == Approx(0.2));

  // A generator that kept its schedule adds nothing to the bottom line.
  const std::string kept = reports::summary_md(loadtest_result());
  const auto b2 = kept.find("## Bottom line");
  CHECK(kept.substr(b2, kept.find("\n## ", b2 + 1) - b2).find("generator") == std::string::npos);
}
