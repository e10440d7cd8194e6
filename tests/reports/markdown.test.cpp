#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>

#include "reports/reports.hpp"
#include "tests/reports/sample_result.hpp"

namespace sim = stampede::sim;
using stampede::reports::summary_md;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// The calibration target the figure tests start from: 1,000,000 users in the
/// first week, simulated 1,050,000 (+5.0%), within its ±15%.
sim::figure_result users_in_first_week() {
  sim::figure_result users;
  users.name = "users in the first week";
  users.metric = "adopters_at(at 2d)";
  users.value = 1'000'000;
  users.simulated = 1'050'000;
  users.tolerance = 0.15;
  users.within = true;
  return users;
}

}  // namespace

TEST_CASE("summary.md tells when the SLO broke, for how long, and what it cost", "[reports]") {
  const auto r = stampede::test::sample_result();
  REQUIRE_FALSE(r.slos[0].held);  // the sample is built to breach
  REQUIRE(r.slos[0].breached_intervals >= 2);
  const std::string md = summary_md(r);
  INFO(md);

  CHECK(has(md, "# viral-launch"));
  CHECK(has(md, r.description));
  CHECK(has(md, "## Bottom line"));
  CHECK(has(md, "**The SLOs did not hold**"));
  CHECK(has(md, "`generate_image latency_p99 <= 2m`"));
  // Hourly intervals: the duration in hours is the count of breached intervals.
  const std::string hours = std::to_string(r.slos[0].breached_intervals) + " h";
  CHECK(has(md, "was breached in " + std::to_string(r.slos[0].breached_intervals) +
                    " intervals of 1 h, " + hours + " in total"));
  // Breach starts at the beginning of its first interval (hour = index).
  CHECK(has(md, "from hour " + std::to_string(r.slos[0].first_breach_interval) + " "));

  // The total cost of both pools, to the dollar, with thousands separators.
  const double cost = r.pools[0].cost + r.pools[1].cost;  // 800*2.5*48 + 200*0.1*48 = 96,960
  REQUIRE(cost == 96960.0);
  CHECK(has(md, "$96,960"));

  CHECK(has(md, "## When capacity ran out"));
  CHECK(has(md, "Pool **gen-h100** ran out of capacity in the interval starting hour"));
  CHECK_FALSE(has(md, "Pool **edge-cpu** ran out"));
  CHECK(has(md, "| Pool | Servers | Peak servers | Mean utilization |"));
  CHECK(has(md, "| gen-h100 | 800 |"));
  CHECK(has(md, "| Endpoint | Pool | Offered |"));
  CHECK(has(md, "| generate_image | gen-h100 |"));
  CHECK(has(md, "| Endpoint | Objective | Measured | Verdict |"));
  CHECK(has(md, "| generate_image | latency_p99 <= 2m |"));
  CHECK(has(md, "| **breached** |"));
  CHECK(has(md, "| held |"));

  // What would have held the SLOs: a pointer to the planner, at this run's scale.
  CHECK(has(md, "## What would have held the SLOs"));
  CHECK(has(md, "Short of capacity: **gen-h100**."));
  CHECK(has(md, "    stampede plan SCENARIO.yaml --out plan --set scale=0.01\n"));
  CHECK_FALSE(has(md, "first-order estimate"));

  CHECK(has(md, "Seed 42, scale 0.01 (each simulated user weighs 100)"));
  CHECK(has(md, "Digest `5be1d2a39c0f7e64`"));
}

TEST_CASE("summary.md says the SLOs held when they did", "[reports]") {
  const auto r = stampede::test::sample_result(false);
  REQUIRE(std::all_of(r.slos.begin(), r.slos.end(), [](auto& s) { return s.held; }));
  const std::string md = summary_md(r);
  INFO(md);
  CHECK(has(md, "**The SLOs held**: all 2 objectives were met"));
  CHECK(has(md, "No pool ran out of capacity"));
  CHECK(has(md, "Nothing more was needed"));
  CHECK_FALSE(has(md, "breached"));
}

TEST_CASE("summary.md names the event after which a breached SLO held again", "[reports]") {
  auto r = stampede::test::sample_result();
  // Make the breach end four intervals before the run does: p99 back to 1 s.
  const int p99 = r.series.column("latency_p99_s.generate_image");
  const int rows = static_cast<int>(r.series.rows.size());
  for (int i = rows - 4; i < rows; ++i) r.series.rows[i][p99] = 1.0;
  // An event two hours before the breach ended (at the end of row rows - 5).
  sim::event_result added;
  added.at_s = (rows - 6) * 3600.0;
  added.what = sim::event_spec::kind::add_servers;
  added.pool = "gen-h100";
  added.count = 200;
  r.events.push_back(added);
  const std::string md = summary_md(r);
  INFO(md);
  CHECK(has(md, "## Timeline"));
  CHECK(has(md, ": 200 servers added to gen-h100."));
  CHECK(has(md, "held again from"));
  CHECK(has(md, "after: 200 servers added to gen-h100"));
}

TEST_CASE("summary.md puts every kind of event in words", "[reports]") {
  auto r = stampede::test::sample_result();
  const auto event = [&](sim::event_spec::kind what, double at_h) {
    sim::event_result e;
    e.at_s = at_h * 3600;
    e.what = what;
    return e;
  };
  auto boost = event(sim::event_spec::kind::imitation_boost, 1);
  boost.factor = 2.5;
  boost.duration = 6 * sim::hour;
  auto limit = event(sim::event_spec::kind::rate_limit, 2);
  limit.tier = "free";
  limit.endpoint = "generate_image";
  limit.per_day = 3;
  auto added = event(sim::event_spec::kind::add_servers, 3);
  added.pool = "gpu";
  added.count = 100;
  auto removed = event(sim::event_spec::kind::remove_servers, 4);
  removed.pool = "gpu";
  removed.count = 40;
  auto outage = event(sim::event_spec::kind::outage, 5);
  outage.pool = "gpu";
  outage.count = 7;
  outage.duration = 30 * sim::minute;
  auto forever = boost;
  forever.at_s = 6 * 3600;
  forever.duration = 0;
  r.events = {boost, limit, added, removed, outage, forever};
  const std::string md = summary_md(r);
  INFO(md);
  // The wording summary.md had when sim/ composed it (before reports/ did).
  CHECK(has(md, ": imitation boost x2.5 for 6h.\n"));
  CHECK(has(md, ": rate limit: free users may send 3 generate_image requests a day.\n"));
  CHECK(has(md, ": 100 servers added to gpu.\n"));
  CHECK(has(md, ": 40 servers removed from gpu.\n"));
  CHECK(has(md, ": outage: gpu loses 7 servers for 30m.\n"));
  CHECK(has(md, ": imitation boost x2.5.\n"));
}

TEST_CASE("summary.md marks calibration targets and predictions and never says reproduced",
          "[reports][figures]") {
  auto r = stampede::test::sample_result();
  sim::figure_result users = users_in_first_week();
  users.at_least = true;
  auto melt = users;
  melt.name = "hours until the GPUs melted";
  melt.value = 30;
  melt.simulated = 20;
  melt.at_least = false;
  melt.within = false;
  auto images = users;
  images.name = "images on day 2";
  images.role = sim::figure_role::prediction;
  images.at_least = false;
  r.figures = {users, melt, images};
  r.tuned = {"adoption.imitation", "platform.pools[0].servers"};
  const std::string md = summary_md(r);
  INFO(md);
  CHECK(has(md, "1 of 2 calibration targets matched; 1 of 1 prediction held."));
  CHECK(has(md, "Tuned to the targets: `adoption.imitation`, `platform.pools[0].servers`."));
  CHECK(has(md, "| Public figure | Public | Simulated | Verdict |"));
  CHECK(has(md,
            "| users in the first week | at least 1,000,000 | 1,050,000 | matched (calibration "
            "target): +5.0%, at least the public value, up to 15% above |"));
  CHECK(has(md,
            "| hours until the GPUs melted | 30.0 | 20.0 | **not matched (calibration "
            "target)**: -33.3%, ±15% allowed |"));
  CHECK(has(md, "| images on day 2 | 1,000,000 | 1,050,000 | predicted: +5.0%, ±15% allowed |"));
  CHECK_FALSE(has(md, "reproduced"));
  // The bottom line puts the fit next to the rejected share.
  const std::string bottom = md.substr(0, md.find("## Public figures"));
  CHECK(has(bottom,
            "This run is fitted to public figures (1 of 2 calibration targets matched; "
            "1 of 1 prediction held; see Public figures below)."));
  const auto& gen = r.endpoints[0];
  REQUIRE(gen.rejected > 0);
  char share[80];
  std::snprintf(share, sizeof share, "(**%.2f%% of generate_image requests rejected**)",
                100.0 * static_cast<double>(gen.rejected) / static_cast<double>(gen.offered));
  CHECK(has(bottom, share));
}

TEST_CASE("a reference figure shows its difference, neither matched nor held",
          "[reports][figures]") {
  auto r = stampede::test::sample_result();
  sim::figure_result peak;
  peak.name = "new users in the peak hour";
  peak.metric = "peak_hourly_adopters";
  peak.value = 1'000'000;
  peak.simulated = 1'191'200;
  peak.tolerance = 0.15;
  peak.within = false;  // out of tolerance, yet no verdict: the scenario changed its cause
  peak.role = sim::figure_role::reference;
  auto week = peak;
  week.name = "users in the first week";
  week.value = 130'000'000;
  week.simulated = 131'000'000;
  week.within = true;
  r.figures = {peak, week};
  const std::string md = summary_md(r);
  INFO(md);
  CHECK(has(md, "2 reference figures, shown as differences."));
  CHECK(has(md,
            "A reference figure is what the real launch showed; this scenario changes what "
            "produced it, so the difference is its effect, not a miss."));
  // (1,191,200 - 1,000,000) / 1,000,000 = +19.12% and 1/130 = +0.77%, to a tenth.
  CHECK(has(md,
            "| new users in the peak hour | 1,000,000 | 1,191,200 | reference: +19.1%, the "
            "effect of what this scenario changes |"));
  CHECK(has(md,
            "| users in the first week | 130,000,000 | 131,000,000 | reference: +0.8%, the "
            "effect of what this scenario changes |"));
  CHECK_FALSE(has(md, "not matched"));
  CHECK_FALSE(has(md, "(calibration target)"));
  CHECK_FALSE(has(md, "| predicted"));
  CHECK_FALSE(has(md, "not predicted"));
  CHECK(has(md, "This run is compared with public figures (2 reference figures"));
}

TEST_CASE("summary.md says when no figure is a prediction and when the tuned keys are missing",
          "[reports][figures]") {
  auto r = stampede::test::sample_result();
  r.figures = {stampede::test::sample_figure()};
  const std::string md = summary_md(r);
  INFO(md);
  CHECK(has(md, "1 of 1 calibration target matched; no figure is an independent prediction."));
  CHECK(has(md, "The scenario does not say which parameters were tuned (`tuned:`)."));
}

TEST_CASE("summary.md shows a target's recorded leave-one-out error beside its in-sample error",
          "[reports][figures]") {
  auto r = stampede::test::sample_result();
  sim::figure_result users = users_in_first_week();
  users.leave_one_out = -0.129;
  auto images = users;
  images.name = "images on day 2";
  images.role = sim::figure_role::prediction;
  images.leave_one_out = std::nan("");
  r.figures = {users, images};
  const std::string md = summary_md(r);
  INFO(md);
  CHECK(has(md, "| Public figure | Public | Simulated | Verdict | In-sample | Leave-one-out |"));
  // In-sample: (1,050,000 - 1,000,000) / 1,000,000 = +5.0%; leave-one-out as recorded.
  CHECK(has(md, "±15% allowed | +5.0% | -12.9% |"));
  // A prediction has no in-sample error and none recorded.
  CHECK(has(md,
            "| images on day 2 | 1,000,000 | 1,050,000 | predicted: +5.0%, ±15% allowed | – | "
            "– |"));
  CHECK(has(md, "leave-one-out is the error it had when the values were fitted to the other"));
  // Without any recorded, the table keeps its four columns.
  r.figures[0].leave_one_out = std::nan("");
  CHECK(has(summary_md(r), "| Public figure | Public | Simulated | Verdict |\n"));
}
