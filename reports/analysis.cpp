#include "reports/analysis.hpp"

#include <algorithm>
#include <cmath>

#include "reports/text.hpp"
#include "sim/results/capacity.hpp"

namespace stampede::reports::detail {

namespace {

bool is_finite(double v) {
  return std::isfinite(v);
}

}  // namespace

std::vector<double> column_values(const sim::run_result& r, const std::string& name) {
  std::vector<double> values;
  const int c = r.series.column(name);
  if (c < 0) return values;
  values.reserve(r.series.rows.size());
  for (const auto& row : r.series.rows) {
    values.push_back(static_cast<std::size_t>(c) < row.size() ? row[c] : std::nan(""));
  }
  return values;
}

double row_hours(const sim::run_result& r, int row) {
  const int c = r.series.column("t_hours");
  if (c >= 0 && row >= 0 && static_cast<std::size_t>(row) < r.series.rows.size() &&
      static_cast<std::size_t>(c) < r.series.rows[row].size()) {
    return r.series.rows[row][c];
  }
  return (row + 1) * r.report_interval_s / 3600.0;
}

double row_start_hours(const sim::run_result& r, int row) {
  return std::max(row_hours(r, row) - r.report_interval_s / 3600.0, 0.0);
}

std::string when_text(double hours) {
  const double minutes_total = std::round(hours * 60.0);
  const auto day = static_cast<long long>(std::floor(minutes_total / (24 * 60)));
  const auto minute_of_day = static_cast<long long>(minutes_total) - day * 24 * 60;
  char clock[48];
  std::snprintf(clock, sizeof clock, "%02lld:%02lld", minute_of_day / 60, minute_of_day % 60);
  return "hour " + shortest(std::round(hours * 100.0) / 100.0) + " (day " +
         std::to_string(day + 1) + ", " + clock + ")";
}

std::string hours_text(double hours) {
  if (hours < 1.0) return fixed(hours * 60.0, 0) + " min";
  if (hours < 48.0) return shortest(std::round(hours * 10.0) / 10.0) + " h";
  const double days = std::floor(hours / 24.0);
  const double rest = std::round(hours - days * 24.0);
  return fixed(days, 0) + " days" + (rest > 0 ? " " + fixed(rest, 0) + " h" : "");
}

std::vector<pool_story> pool_stories(const sim::run_result& r) {
  std::vector<pool_story> stories;
  const auto slos = slo_stories(r);
  for (const auto& pool : r.pools) {
    pool_story s;
    s.pool = pool.name;
    const auto util = column_values(r, "utilization." + pool.name);
    const auto queue = column_values(r, "queue." + pool.name);
    // A queue longer than the servers means a request waits at least about one
    // service time: growth past that is capacity running out, not noise. The
    // queue column is a real-world estimate, so it compares with real servers.
    const double queue_floor = static_cast<double>(std::max<std::int64_t>(pool.servers, 1));
    for (std::size_t i = 0; i < r.series.rows.size(); ++i) {
      if (i < util.size() && is_finite(util[i]) && sim::saturated(util[i])) {
        s.first_saturated_row = static_cast<int>(i);
        s.saturation_reason = "utilization reached " + percent(util[i]);
        break;
      }
      if (i > 0 && i < queue.size() && is_finite(queue[i]) && is_finite(queue[i - 1]) &&
          queue[i] > queue[i - 1] && queue[i] > queue_floor) {
        s.first_saturated_row = static_cast<int>(i);
        s.saturation_reason = "the queue started growing (" + grouped(queue[i - 1]) + " to " +
                              grouped(queue[i]) + " waiting requests)";
        break;
      }
    }
    for (std::size_t i = 0; i < queue.size(); ++i) {
      if (is_finite(queue[i]) && (s.peak_queue_row < 0 || queue[i] > s.peak_queue)) {
        s.peak_queue_row = static_cast<int>(i);
        s.peak_queue = queue[i];
      }
    }
    bool slo_breached = false;
    for (const auto& story : slos) {
      if (story.slo->held) continue;
      for (const auto& e : r.endpoints) {
        if (e.name == story.slo->endpoint && e.pool == pool.name) slo_breached = true;
      }
    }
    s.saturated =
        s.first_saturated_row >= 0 || sim::saturated(pool.peak_utilization) || slo_breached;

    stories.push_back(std::move(s));
  }
  return stories;
}

std::vector<slo_story> slo_stories(const sim::run_result& r) {
  std::vector<slo_story> stories;
  for (const auto& slo : r.slos) {
    slo_story s;
    s.slo = &slo;
    // "latency_p99 <= 2m" is read from the column "latency_p99_s.<endpoint>",
    // "max_rejected <= 0.02" from rejected_rps / offered_rps.
    const std::string key = slo.objective.substr(0, slo.objective.find(' '));
    std::vector<bool> breached(r.series.rows.size(), false);
    if (key.rfind("latency_p", 0) == 0) {
      const std::string name = key + "_s." + slo.endpoint;
      const auto values = column_values(r, name);
      if (!values.empty()) s.column = name;
      for (std::size_t i = 0; i < values.size(); ++i) {
        breached[i] = is_finite(values[i]) && values[i] > slo.threshold;
      }
    } else if (key == "max_rejected") {
      const auto offered = column_values(r, "offered_rps." + slo.endpoint);
      const auto rejected = column_values(r, "rejected_rps." + slo.endpoint);
      if (!offered.empty() && !rejected.empty()) s.column = "rejected_rps." + slo.endpoint;
      for (std::size_t i = 0; i < offered.size() && i < rejected.size(); ++i) {
        breached[i] = is_finite(offered[i]) && is_finite(rejected[i]) && offered[i] > 0 &&
                      rejected[i] / offered[i] > slo.threshold;
      }
    }
    for (std::size_t i = 0; i < breached.size(); ++i) {
      if (!breached[i]) continue;
      const int row = static_cast<int>(i);
      if (!s.episodes.empty() && s.episodes.back().last_row == row - 1) {
        s.episodes.back().last_row = row;
      } else {
        s.episodes.push_back({row, row});
      }
    }
    if (s.episodes.empty() && slo.breached_intervals > 0 && slo.first_breach_interval >= 0) {
      // No per-interval column: all that is known is where it started and how long in total.
      s.episodes.push_back(
          {slo.first_breach_interval, slo.first_breach_interval + slo.breached_intervals - 1});
    }
    stories.push_back(std::move(s));
  }
  return stories;
}

std::string figure_value_text(double v) {
  if (std::isnan(v)) return "not reached";
  return std::abs(v) >= 1000 ? grouped(v) : fixed(v, 1);
}

figure_verdict verdict_of(const sim::figure_result& f) {
  figure_verdict v;
  v.ok = f.within;
  std::string difference;
  if (!std::isnan(f.simulated) && f.value != 0) {
    const double off = (f.simulated - f.value) / std::abs(f.value);
    difference = (off >= 0 ? "+" : "") + fixed(100.0 * off, 1) + "%, ";
  }
  if (f.role == sim::figure_role::reference) {
    v.judged = false;
    v.word = "reference";
    v.detail = ": " + (difference.empty() ? std::string("no difference to show, ") : difference) +
               "the effect of what this scenario changes";
    return v;
  }
  v.word = f.role == sim::figure_role::target
               ? std::string(f.within ? "matched" : "not matched") + " (calibration target)"
               : std::string(f.within ? "predicted" : "not predicted");
  v.detail = ": " + difference;
  const std::string tolerance = shortest(100.0 * f.tolerance) + "%";
  v.detail += f.at_least ? "at least the public value, up to " + tolerance + " above"
                         : "±" + tolerance + " allowed";
  return v;
}

std::string figures_tally(const sim::run_result& r) {
  if (r.figures.empty()) return "";
  int targets = 0, matched = 0, predictions = 0, predicted = 0, references = 0;
  for (const auto& f : r.figures) {
    switch (f.role) {
      case sim::figure_role::target:
        ++targets;
        matched += f.within ? 1 : 0;
        break;
      case sim::figure_role::prediction:
        ++predictions;
        predicted += f.within ? 1 : 0;
        break;
      case sim::figure_role::reference:
        ++references;
        break;
    }
  }
  const auto count = [](int n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  std::vector<std::string> parts;
  if (targets > 0) {
    parts.push_back(std::to_string(matched) + " of " +
                    count(targets, "calibration target", "calibration targets") + " matched");
  }
  if (predictions > 0) {
    parts.push_back(std::to_string(predicted) + " of " +
                    count(predictions, "prediction", "predictions") + " held");
  } else if (targets > 0) {
    parts.push_back("no figure is an independent prediction");
  }
  if (references > 0) {
    parts.push_back(count(references, "reference figure", "reference figures") +
                    ", shown as differences");
  }
  std::string text;
  for (const auto& part : parts) text += (text.empty() ? "" : "; ") + part;
  return text;
}

std::string quantile_source_text(const sim::endpoint_result& e) {
  const sim::latency_quantiles& q = e.quantiles;
  if (!q.valid) return "histogram (within 1%)";
  const auto count = [](std::uint64_t n) { return grouped(static_cast<double>(n)); };
  return q.exact() ? "exact (all " + count(q.of) + ")"
                   : "sampled (" + count(q.kept) + " of " + count(q.of) + ")";
}

std::string quantile_note() {
  return "p50 and p99 are each endpoint's latency quantiles over the whole run, the same "
         "figures as in the SLO table and summary.json: exact when computed from every "
         "completed request's latency, sampled (n of N) when the sample memory "
         "(metrics.sample_memory) ran out and they come from a uniform sample of n of the N "
         "completed (simulated) requests, histogram (within 1%) where they were not computed. "
         "Per-interval latencies (timeseries.csv, the report's charts, the intervals an "
         "SLO failed in) "
         "come from each interval's histogram, within 1%.";
}

}  // namespace stampede::reports::detail
