// summary.md: the page leadership reads. Every sentence is built from the
// run's figures; no part of the story is written in advance.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "reports/analysis.hpp"
#include "reports/loadtest.hpp"
#include "reports/reports.hpp"
#include "reports/text.hpp"
#include "sim/base/units.hpp"
#include "sim/results/capacity.hpp"

namespace stampede::reports {

namespace {

using namespace detail;

bool is_latency(const sim::slo_result& s) {
  return s.objective.rfind("latency", 0) == 0;
}

std::string measured_text(const sim::slo_result& s) {
  const std::string m = is_latency(s) ? seconds_text(s.measured) : percent(s.measured);
  return s.note.empty() ? m : m + " (" + s.note + ")";
}

std::string slo_name(const sim::slo_result& s) {
  return s.endpoint + " " + s.objective;
}

// "hour 30 (day 2, 06:00) to hour 44 (day 2, 20:00), 14 h": an episode covers
// whole intervals, from the start of the first to the end of the last.
std::string episode_text(const sim::run_result& r, const breach_episode& e, bool duration) {
  const double interval_h = r.report_interval_s / 3600.0;
  std::string text = "from " + when_text(row_start_hours(r, e.first_row)) + " to " +
                     when_text(row_hours(r, e.last_row));
  if (duration) text += " (" + hours_text((e.last_row - e.first_row + 1) * interval_h) + ")";
  return text;
}

// "After 7 simulated days, N people had adopted the product (...); daily active
// users peaked at M on day D. "
void adoption_sentence(std::string& md, const sim::run_result& r) {
  const double days = std::min(r.simulated_s, r.horizon_s) / 86400.0;  // a stop ends it early
  md += "After " + shortest(std::round(days * 10.0) / 10.0) + " simulated days, " +
        grouped(r.adoption.adopters_at_end) + " people had adopted the product";
  if (r.adoption.population > 0) {
    md += " (" + percent(r.adoption.adopters_at_end / r.adoption.population) +
          " of a population of " + grouped(r.adoption.population) + ")";
  }
  if (r.adoption.model == "cascade") {
    md += ", " + grouped(r.adoption.adopted_by_share) + " of them because they saw one of the " +
          grouped(r.adoption.shares) + " images users shared";
  }
  md += "; daily active users peaked at " + grouped(r.adoption.peak_daily_active_users) +
        " on day " + std::to_string(r.adoption.peak_day + 1) + ". ";
}

void bottom_line(std::string& md, const sim::run_result& r, const std::vector<slo_story>& slos) {
  // One verdict with summary.json: a load test says itself whether it was stopped.
  const bool stopped = r.loadtest ? r.loadtest->interrupted : r.simulated_s < r.horizon_s;
  if (stopped) {
    md += "> **Stopped early**: the run " +
          (r.stop_reason.empty() ? std::string("was interrupted") : "stopped") + " after " +
          sim::format_duration(sim::from_seconds(r.simulated_s)) + " of " +
          sim::format_duration(sim::from_seconds(r.horizon_s)) + " of virtual time" +
          (r.stop_reason.empty() ? "" : ": " + r.stop_reason) +
          ". Everything below covers only that part; outcomes already decided "
          "for requests in flight at the stop are counted.";
    if (!r.pools_missing.empty()) {
      std::string names;
      for (const auto& p : r.pools_missing) names += (names.empty() ? "`" : ", `") + p + "`";
      md += " The figures of pool " + names +
            " and of the endpoints it serves are missing (they were kept where the pool ran); "
            "only its columns of the time series remain.";
    }
    md += "\n\n";
  }
  md += "## Bottom line\n\n";
  md += loadtest_bottom_line(r);
  const double interval_h = r.report_interval_s / 3600.0;
  const auto breached =
      std::count_if(r.slos.begin(), r.slos.end(), [](auto& s) { return !s.held; });
  if (r.slos.empty()) {
    md += "No SLOs were set for this scenario. ";
  } else if (breached == 0) {
    md += "**The SLOs held**: all " + std::to_string(r.slos.size()) +
          " objectives were met over the whole run. ";
  } else {
    md += "**The SLOs did not hold**: " + std::to_string(breached) + " of " +
          std::to_string(r.slos.size()) + " objectives were breached (";
    bool first = true;
    for (const auto& story : slos) {
      const auto& s = *story.slo;
      if (s.held) continue;
      md += first ? "" : "; ";
      first = false;
      md += "`" + slo_name(s) + "` measured " + measured_text(s);
      if (s.breached_intervals > 0) {
        md += ", breached for " + hours_text(s.breached_intervals * interval_h);
        if (!story.episodes.empty()) {
          md += " starting " + when_text(row_start_hours(r, story.episodes.front().first_row));
        }
      }
    }
    md += "). ";
  }
  // A load test rebuilt from its results file alone knows nothing of the
  // population; otherwise the population model ran and its figures hold.
  if (!(r.loadtest && r.loadtest->rebuilt)) adoption_sentence(md, r);
  double offered = 0, completed = 0, rejected = 0, abandoned = 0;
  for (const auto& e : r.endpoints) {
    offered += static_cast<double>(e.offered);
    completed += static_cast<double>(e.completed);
    rejected += static_cast<double>(e.rejected);
    abandoned += static_cast<double>(e.abandoned);
  }
  md += "Users sent about " + grouped(offered * r.weight) + " requests; " +
        grouped(completed * r.weight) + " completed, " + grouped(rejected * r.weight) +
        " were rejected and " + grouped(abandoned * r.weight) + " abandoned";
  // The rejected share of each endpoint that rejected anything: the figure a
  // fitted run must not hide behind its matched figures.
  bool first_share = true;
  for (const auto& e : r.endpoints) {
    if (e.rejected == 0 || e.offered == 0) continue;
    const double n = static_cast<double>(e.offered);
    md += (first_share ? " (" : "; ") + std::string("**") +
          percent(static_cast<double>(e.rejected) / n) + " of " + md_cell(e.name) +
          " requests rejected**";
    if (e.rate_limited > 0) {
      md += ", " + percent(static_cast<double>(e.rate_limited) / n) + " by a rate limit";
    }
    first_share = false;
  }
  md += first_share ? ". " : "). ";
  if (!r.figures.empty()) {
    const auto any = [&](sim::figure_role role) {
      return std::any_of(r.figures.begin(), r.figures.end(),
                         [role](auto& f) { return f.role == role; });
    };
    md += std::string(any(sim::figure_role::target)       ? "This run is fitted to"
                      : any(sim::figure_role::prediction) ? "This run is checked against"
                                                          : "This run is compared with") +
          " public figures (" + figures_tally(r) + "; see Public figures below). ";
  }
  // An external load-test target's servers are unknown to stampede.
  if (!r.pools.empty()) {
    double cost = 0, server_hours = 0;
    for (const auto& p : r.pools) {
      cost += p.cost;
      server_hours += p.server_hours;
    }
    md += "The servers cost **" + dollars(cost) + "** in total (" + grouped(server_hours) +
          " server-hours).";
  }
  const int paying = r.series.column("paying_users");
  const int revenue = r.series.column("revenue_per_day_usd");
  if (paying >= 0 && revenue >= 0 && !r.series.rows.empty() &&
      r.series.rows.back()[static_cast<std::size_t>(paying)] > 0) {
    const auto& last = r.series.rows.back();
    md += " At the end, " + grouped(last[static_cast<std::size_t>(paying)]) +
          " users were paying, bringing in " + dollars(last[static_cast<std::size_t>(revenue)]) +
          " a day.";
  }
  md += "\n\n";
  md += "Request counts are real-world estimates: simulated counts × " + shortest(r.weight) +
        " (each simulated user stands for " + shortest(r.weight) + " real users).\n\n";
}

void capacity(std::string& md, const sim::run_result& r, const std::vector<pool_story>& pools,
              const std::vector<slo_story>& slos) {
  md += "## When capacity ran out\n\n";
  bool any = false;
  for (std::size_t i = 0; i < pools.size(); ++i) {
    const auto& s = pools[i];
    const auto& p = r.pools[i];
    if (s.first_saturated_row >= 0) {
      any = true;
      md += "- Pool **" + md_cell(p.name) + "** ran out of capacity in the interval starting " +
            when_text(row_start_hours(r, s.first_saturated_row)) + ": " + s.saturation_reason + ".";
    } else if (sim::saturated(p.peak_utilization)) {
      any = true;
      md += "- Pool **" + md_cell(p.name) + "** reached a peak utilization of " +
            percent(p.peak_utilization) + ".";
    } else {
      continue;
    }
    if (s.peak_queue_row >= 0 && s.peak_queue > 0) {
      md += " Its queue peaked at about " + grouped(s.peak_queue) + " waiting requests at " +
            when_text(row_hours(r, s.peak_queue_row)) + ".";
    }
    md += "\n";
  }
  if (!any) {
    const auto busiest = std::max_element(r.pools.begin(), r.pools.end(), [](auto& a, auto& b) {
      return a.peak_utilization < b.peak_utilization;
    });
    md += "No pool ran out of capacity";
    if (busiest != r.pools.end()) {
      md += ": the busiest, **" + md_cell(busiest->name) + "**, peaked at " +
            percent(busiest->peak_utilization) + " utilization";
    }
    md += ".\n";
  }
  const double interval_h = r.report_interval_s / 3600.0;
  for (const auto& story : slos) {
    const auto& s = *story.slo;
    if (s.held && s.breached_intervals == 0) continue;
    md += "- SLO `" + md_cell(slo_name(s)) + "` ";
    if (s.breached_intervals == 0) {
      md += "failed over the whole run (measured " + measured_text(s) +
            ") without failing in any single interval.\n";
      continue;
    }
    md += "was breached in " + std::to_string(s.breached_intervals) + " intervals of " +
          hours_text(interval_h) + ", " + hours_text(s.breached_intervals * interval_h) +
          " in total";
    if (!story.episodes.empty()) {
      md += story.episodes.size() == 1
                ? ", " + episode_text(r, story.episodes.front(), false)
                : " over " + std::to_string(story.episodes.size()) + " stretches, the first " +
                      episode_text(r, story.episodes.front(), true) + " and the longest " +
                      episode_text(r,
                                   *std::max_element(story.episodes.begin(), story.episodes.end(),
                                                     [](auto& a, auto& b) {
                                                       return a.last_row - a.first_row <
                                                              b.last_row - b.first_row;
                                                     }),
                                   true);
    }
    md += ".\n";
  }
  md += "\n";
}

// One event in words: "rate limit: free users may send 3 generate_image requests a day".
std::string event_text(const sim::event_result& e) {
  const std::string lasting =
      e.duration > 0 ? " for " + sim::format_duration(e.duration) : std::string();
  const std::string count = std::to_string(e.count);
  char number[32];
  switch (e.what) {
    case sim::event_spec::kind::imitation_boost:
      std::snprintf(number, sizeof number, "%g", e.factor);
      return std::string("imitation boost x") + number + lasting;
    case sim::event_spec::kind::rate_limit:
      std::snprintf(number, sizeof number, "%g", e.per_day);
      return "rate limit: " + e.tier + " users may send " + number + " " + e.endpoint +
             " requests a day";
    case sim::event_spec::kind::add_servers:
      return count + " servers added to " + e.pool;
    case sim::event_spec::kind::remove_servers:
      return count + " servers removed from " + e.pool;
    case sim::event_spec::kind::outage:
      return "outage: " + e.pool + " loses " + count + " servers" + lasting;
  }
  return {};
}

// The scenario's events, and for each SLO breach that ended before the run
// did, the last event before it ended: what most likely brought it back.
void timeline(std::string& md, const sim::run_result& r, const std::vector<slo_story>& slos) {
  if (r.events.empty()) return;
  md += "## Timeline\n\n";
  for (const auto& e : r.events) {
    md += "- " + when_text(e.at_s / 3600.0) + ": " + md_cell(event_text(e)) + ".\n";
  }
  const double interval_h = r.report_interval_s / 3600.0;
  for (const auto& story : slos) {
    for (const auto& episode : story.episodes) {
      const double start_h = row_start_hours(r, episode.first_row);
      const double end_h = row_hours(r, episode.last_row);
      if (end_h >= r.simulated_s / 3600.0 - 1e-9) continue;  // still breached at the end
      const sim::event_result* cause = nullptr;
      for (const auto& e : r.events) {
        if (e.at_s / 3600.0 <= end_h + 1e-9 && e.at_s / 3600.0 >= start_h - interval_h) cause = &e;
      }
      md += "- `" + md_cell(slo_name(*story.slo)) + "` held again from " + when_text(end_h);
      md += cause ? ", " + hours_text(end_h - cause->at_s / 3600.0) +
                        " after: " + md_cell(event_text(*cause)) + "."
                  : ", with no event in between: demand fell (the daily cycle, users giving up) "
                    "or capacity caught up.";
      md += "\n";
    }
  }
  md += "\n";
}

void tables(std::string& md, const sim::run_result& r) {
  if (!r.pools.empty()) {
    md += "## Pools\n\n";
    md +=
        "| Pool | Servers | Peak servers | Mean utilization | Peak utilization | Peak queue | "
        "Server-hours | Cost |\n";
    md += "|---|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const auto& p : r.pools) {
      md += "| " + md_cell(p.name) + " | " + grouped(static_cast<double>(p.servers)) + " | " +
            grouped(static_cast<double>(std::max(p.peak_servers, p.servers))) + " | " +
            percent(p.mean_utilization) + " | " + percent(p.peak_utilization) + " | " +
            grouped(static_cast<double>(p.peak_queue) * r.weight) + " | " +
            grouped(p.server_hours) + " | " + dollars(p.cost) + " |\n";
    }
    md += "\n";
  }
  md += "## Endpoints\n\n";
  md +=
      "| Endpoint | Pool | Offered | Completed | Rejected | of which rate-limited | Abandoned | "
      "Retries | p50 latency | p99 latency | Latency quantiles |\n";
  md += "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n";
  // A time-compressed load test measured wall time: scenario time goes next to it.
  const double time_scale = r.loadtest ? r.loadtest->time_scale : 1;
  const auto latency = [&](double s) { return latency_text(s, time_scale); };
  for (const auto& e : r.endpoints) {
    const double offered = static_cast<double>(e.offered);
    const auto share = [&](std::uint64_t n) {
      return offered > 0 ? percent(static_cast<double>(n) / offered) : std::string("-");
    };
    md += "| " + md_cell(e.name) + " | " + md_cell(e.pool) + " | " + grouped(offered * r.weight) +
          " | " + grouped(static_cast<double>(e.completed) * r.weight) + " | " + share(e.rejected) +
          " | " + share(e.rate_limited) + " | " + share(e.abandoned) + " | " +
          grouped(static_cast<double>(e.retried) * r.weight) + " | " + latency(e.quantile(0.5)) +
          " | " + latency(e.quantile(0.99)) + " | " + quantile_source_text(e) + " |\n";
  }
  md += "\n" + quantile_note() + " ";
  if (time_scale != 1) {
    md += "Latencies are the load test's wall time, with scenario time (× time_scale " +
          shortest(time_scale) + ") in brackets. ";
  }
  md += "Offered and completed are real-world estimates.\n\n";
  md += "## SLOs\n\n";
  if (r.slos.empty()) {
    md += "No SLOs were set.\n\n";
    return;
  }
  md += "| Endpoint | Objective | Measured | Verdict |\n|---|---|---:|---|\n";
  for (const auto& s : r.slos) {
    md += "| " + md_cell(s.endpoint) + " | " + md_cell(s.objective) + " | " + measured_text(s) +
          " | " + (s.held ? "held" : "**breached**") + " |\n";
  }
  md += "\n";
}

void what_would_have_held(std::string& md, const sim::run_result& r,
                          const std::vector<pool_story>& pools) {
  md += "## What would have held the SLOs\n\n";
  const bool all_held = std::all_of(r.slos.begin(), r.slos.end(), [](auto& s) { return s.held; });
  const bool any_saturated =
      std::any_of(pools.begin(), pools.end(), [](auto& s) { return s.saturated; });
  if (all_held && !any_saturated) {
    md += "Nothing more was needed: the SLOs held with the capacity as configured.\n\n";
    return;
  }
  std::string short_of;
  for (std::size_t i = 0; i < pools.size(); ++i) {
    if (!pools[i].saturated) continue;
    short_of += (short_of.empty() ? "" : ", ") + ("**" + md_cell(r.pools[i].name) + "**");
  }
  if (!short_of.empty()) md += "Short of capacity: " + short_of + ". ";
  md +=
      "`stampede plan` finds the fewest servers per pool that hold every SLO, each candidate "
      "a full run of this scenario, and its summary.md says what to buy, when to order it and "
      "what it costs (`--period 1d` for a schedule; one simulated server stands for 1/scale "
      "real ones, so plan at this run's scale first):\n\n"
      "    stampede plan SCENARIO.yaml --out plan --set scale=" +
      shortest(r.scale) + "\n\n";
  if (!any_saturated) {
    md +=
        "No pool was saturated, so the breaches come from something other than raw "
        "capacity (queue limits, service-time variability or patience).\n";
  }
  md += "\n";
}

// The public figures next to the run's: which were calibration targets (the
// parameters listed under `tuned` were set to reproduce them) and which were
// predictions, so that a fit is never read as a validation.
void figures(std::string& md, const sim::run_result& r) {
  if (r.figures.empty()) return;
  md += "## Public figures\n\n";
  md += figures_tally(r) +
        ". A calibration target is a figure the scenario's parameters were "
        "tuned to reproduce: matching it shows the fit, not that the model predicts; a "
        "prediction is a figure they were not tuned to.";
  if (std::any_of(r.figures.begin(), r.figures.end(),
                  [](auto& f) { return f.role == sim::figure_role::reference; })) {
    md += std::string(" ") + reference_note;
  }
  if (!r.tuned.empty()) {
    md += " Tuned to the targets: ";
    for (std::size_t i = 0; i < r.tuned.size(); ++i) {
      md += (i ? ", `" : "`") + md_cell(r.tuned[i]) + "`";
    }
    md += ".";
  } else if (std::any_of(r.figures.begin(), r.figures.end(),
                         [](auto& f) { return f.role == sim::figure_role::target; })) {
    md += " The scenario does not say which parameters were tuned (`tuned:`).";
  }
  // Where the scenario records leave-one-out errors (`stampede fit figures`),
  // each target's error in this run sits beside the error it had when it was
  // predicted by values fitted on the other targets alone.
  const bool loo = std::any_of(r.figures.begin(), r.figures.end(),
                               [](auto& f) { return !std::isnan(f.leave_one_out); });
  if (loo) {
    md +=
        " In-sample is this run's error on a figure the values were fitted to; "
        "leave-one-out is the error it had when the values were fitted to the other "
        "targets alone and it was predicted (recorded by `stampede fit figures`).";
  }
  md += loo ? "\n\n| Public figure | Public | Simulated | Verdict | In-sample | Leave-one-out "
              "|\n|---|---:|---:|---|---:|---:|\n"
            : "\n\n| Public figure | Public | Simulated | Verdict |\n|---|---:|---:|---|\n";
  const auto signed_percent = [](double e) {
    return std::isnan(e) ? std::string("–") : (e >= 0 ? "+" : "") + fixed(100.0 * e, 1) + "%";
  };
  for (const auto& f : r.figures) {
    const figure_verdict v = verdict_of(f);
    md += "| " + md_cell(f.name) + " | " + (f.at_least ? "at least " : "") +
          figure_value_text(f.value) + " | " + figure_value_text(f.simulated) + " | " +
          (v.ok || !v.judged ? v.word : "**" + v.word + "**") + v.detail + " |";
    if (loo) {
      const bool target = f.role == sim::figure_role::target;
      md += " " +
            (target && f.value != 0 ? signed_percent((f.simulated - f.value) / std::abs(f.value))
                                    : std::string("–")) +
            " | " + signed_percent(f.leave_one_out) + " |";
    }
    md += "\n";
  }
  md += "\nHow each is measured, and where the public value comes from:\n\n";
  for (const auto& f : r.figures) {
    md += "- " + md_cell(f.name) + ": `" + md_cell(f.metric) + "`";
    if (!f.source.empty()) md += "; " + md_cell(f.source);
    md += "\n";
  }
  md += "\n";
}

// A pool whose batches fill from one shared queue queues differently at a
// small scale (sim/platform/dispatch.hpp): say so before any figure is read.
void scale_warnings(std::string& md, const sim::run_result& r) {
  for (const auto& p : r.pools) {
    if (r.scale >= p.faithful_scale) continue;
    md += "> **Scale too small for pool " + md_cell(p.name) + "**: its servers batch from one " +
          "shared queue, and at scale " + shortest(r.scale) +
          " its batches fill less than the full pool's, so its utilization and latency are not "
          "the full fleet's. The smallest faithful scale for it is " +
          shortest(p.faithful_scale) +
          " (computed from its offered rate in the quietest hour); run at that scale or "
          "above, or give the pool a per-replica `dispatch`.\n\n";
  }
}

}  // namespace

std::string summary_md(const sim::run_result& r) {
  const auto slos = slo_stories(r);
  const auto pools = pool_stories(r);
  std::string md = "# " + r.scenario + ": simulation summary\n\n";
  if (!r.description.empty()) md += r.description + "\n\n";
  scale_warnings(md, r);
  bottom_line(md, r, slos);
  figures(md, r);
  // Without pools (a load test of an external target) nothing is known of
  // capacity: those sections are left out.
  if (!r.pools.empty()) capacity(md, r, pools, slos);
  timeline(md, r, slos);
  tables(md, r);
  md += loadtest_md(r);
  if (!r.pools.empty()) what_would_have_held(md, r, pools);
  md += "---\n\n";
  md += "Seed " + std::to_string(r.seed) + ", scale " + shortest(r.scale) +
        " (each simulated user weighs " + shortest(r.weight) + "), " +
        hours_text(r.horizon_s / 3600.0) + " simulated in reporting intervals of " +
        hours_text(r.report_interval_s / 3600.0) + ". Digest `" + r.digest + "`; " +
        // 0: not known (a load-test report rebuilt without the thread count).
        (r.threads > 0 ? std::to_string(r.threads) + (r.threads == 1 ? " thread, " : " threads, ")
                       : std::string()) +
        fixed(r.wall_seconds, 1) + " s of wall time.\n";
  return md;
}

}  // namespace stampede::reports
