#pragma once
// Private to reports/: the load-test sections of summary.json, summary.md and
// report.html, written only when a result has `loadtest` (stampede loadtest).
#include <nlohmann/json.hpp>
#include <string>

#include "sim/results/result.hpp"

namespace stampede::reports::detail {

/// summary.json's "loadtest" object: target, scales, reliability, lag, and per
/// endpoint every outcome class with the exact accounting and both latencies.
nlohmann::ordered_json loadtest_json(const sim::loadtest_result& l);
/// A latency of a load test, measured in wall seconds, as text: with the
/// scenario time next to it when the test was time-compressed ("2.1 ms (54 s)"),
/// as seconds_text alone at time_scale 1.
std::string latency_text(double wall_s, double time_scale);
/// summary.md's "Load test" section (empty for a simulated run).
std::string loadtest_md(const sim::run_result& r);
/// For the bottom line of summary.md: when and by how much the generator fell
/// behind its schedule; empty when it kept it (or for a simulated run).
std::string loadtest_bottom_line(const sim::run_result& r);
/// report.html's load-test tables (empty for a simulated run).
std::string loadtest_html_tables(const sim::run_result& r);
/// report.html's script drawing corrected vs uncorrected p99 and the lag over
/// time from the page's data (empty for a simulated run); after Chart.js.
std::string loadtest_html_script(const sim::run_result& r);

}  // namespace stampede::reports::detail
