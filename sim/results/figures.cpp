#include "sim/results/figures.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/base/units.hpp"
#include "sim/results/capacity.hpp"

namespace stampede::sim {

namespace {

constexpr double missing = std::numeric_limits<double>::quiet_NaN();

/// A column of the series by name; empty when the run has no such column.
std::vector<double> column(const run_result& r, const std::string& name) {
  std::vector<double> out;
  const int c = r.series.column(name);
  if (c < 0) return out;
  out.reserve(r.series.rows.size());
  for (const auto& row : r.series.rows) out.push_back(row.at(static_cast<std::size_t>(c)));
  return out;
}

/// Start of row i in hours: rows are contiguous, the first starts at 0.
double row_start_hours(const std::vector<double>& ends, std::size_t i) {
  return i == 0 ? 0.0 : ends[i - 1];
}

/// The row whose interval holds time t (the first row ending at or after it),
/// or -1 when the series stops before t. A time on a boundary belongs to the
/// row that ends there, so "at: 7d" with hourly rows reads the row ending at 168 h.
int row_at(const std::vector<double>& ends, vtime t) {
  // Compared in seconds with a margin under a microsecond (the clock's unit),
  // so rounding of the hours column never moves a time across a boundary.
  const double seconds = to_seconds(t);
  for (std::size_t i = 0; i < ends.size(); ++i) {
    if (ends[i] * 3600.0 >= seconds - 1e-7) return static_cast<int>(i);
  }
  return -1;
}

double max_ignoring_nan(const std::vector<double>& v) {
  double best = missing;
  for (double x : v) {
    if (std::isnan(x)) continue;
    if (std::isnan(best) || x > best) best = x;
  }
  return best;
}

std::string describe(const scenario& s, const figure_spec& f) {
  std::vector<std::string> params;
  if (f.endpoint >= 0 && f.endpoint < static_cast<int>(s.endpoints.size())) {
    params.push_back(s.endpoints[static_cast<std::size_t>(f.endpoint)].name);
  }
  if (f.pool >= 0 && f.pool < static_cast<int>(s.pools.size())) {
    params.push_back(s.pools[static_cast<std::size_t>(f.pool)].name);
  }
  if (f.at >= 0) {
    params.push_back((f.metric == "requests_completed" ? "until " : "at ") + format_duration(f.at));
  }
  std::string text = f.metric;
  if (!params.empty()) {
    text += "(";
    for (std::size_t i = 0; i < params.size(); ++i) text += (i ? ", " : "") + params[i];
    text += ")";
  }
  return text;
}

double compute(const scenario& s, const figure_spec& f, const run_result& r) {
  const std::vector<double> ends = column(r, "t_hours");
  const auto endpoint_name = [&] {
    return f.endpoint >= 0 && f.endpoint < static_cast<int>(s.endpoints.size())
               ? s.endpoints[static_cast<std::size_t>(f.endpoint)].name
               : std::string();
  };
  const auto pool_name = [&] {
    return f.pool >= 0 && f.pool < static_cast<int>(s.pools.size())
               ? s.pools[static_cast<std::size_t>(f.pool)].name
               : std::string();
  };
  // A value of one column at time f.at.
  const auto value_at = [&](const std::string& name) {
    const std::vector<double> v = column(r, name);
    const int i = row_at(ends, f.at);
    return i < 0 || v.empty() ? missing : v[static_cast<std::size_t>(i)];
  };

  if (f.metric == "peak_hourly_adopters") {
    const std::vector<double> adopters = column(r, "adopters");
    if (adopters.empty()) return missing;
    // Before the first row: the initial adopters the simulation actually started
    // with (rounded to whole simulated users), in real users.
    double before = std::round(s.adoption.initial_adopters * s.scale) / s.scale;
    double best = missing;
    for (std::size_t i = 0; i < adopters.size(); ++i) {
      const double hours = ends[i] - row_start_hours(ends, i);
      if (hours > 0) {
        const double per_hour = (adopters[i] - before) / hours;
        if (std::isnan(best) || per_hour > best) best = per_hour;
      }
      before = adopters[i];
    }
    return best;
  }
  if (f.metric == "adopters_at") return value_at("adopters");
  if (f.metric == "paying_users_at") return value_at("paying_users");
  if (f.metric == "revenue_per_day_at") return value_at("revenue_per_day_usd");
  if (f.metric == "requests_completed") {
    const std::vector<double> rps = column(r, "completed_rps." + endpoint_name());
    if (rps.empty()) return missing;
    std::size_t last = rps.size();
    if (f.at >= 0) {
      const int i = row_at(ends, f.at);
      if (i < 0) return missing;
      last = static_cast<std::size_t>(i) + 1;
    }
    double total = 0;
    for (std::size_t i = 0; i < last; ++i) {
      total += rps[i] * (ends[i] - row_start_hours(ends, i)) * 3600.0;
    }
    return std::round(total);
  }
  if (f.metric == "first_saturation_hours") {
    const std::vector<double> u = column(r, "utilization." + pool_name());
    for (std::size_t i = 0; i < u.size(); ++i) {
      if (saturated(u[i])) return row_start_hours(ends, i);
    }
    return missing;
  }
  if (f.metric == "latency_p50_peak_s") {
    return max_ignoring_nan(column(r, "latency_p50_s." + endpoint_name()));
  }
  if (f.metric == "latency_p99_peak_s") {
    return max_ignoring_nan(column(r, "latency_p99_s." + endpoint_name()));
  }
  if (f.metric == "peak_servers") {
    for (const pool_result& p : r.pools) {
      if (p.name == pool_name()) return static_cast<double>(p.peak_servers);
    }
    return max_ignoring_nan(column(r, "servers." + pool_name()));
  }
  return missing;
}

}  // namespace

const std::vector<figure_metric_info>& figure_metrics() {
  static const std::vector<figure_metric_info> metrics = {
      {"peak_hourly_adopters", "users per hour",
       "the most new adopters in one reporting interval, per hour", false, false, false, false},
      {"adopters_at", "users", "adopters at the end of the interval holding `at`", true, false,
       false, false},
      {"requests_completed", "requests",
       "completed requests of `endpoint`, to the end of the interval holding `until` (or the run)",
       false, true, true, false},
      {"first_saturation_hours", "hours",
       "start of the first interval in which `pool` was at least 95% utilized", false, false, false,
       true},
      {"paying_users_at", "users", "paying users at the end of the interval holding `at`", true,
       false, false, false},
      {"revenue_per_day_at", "USD per day",
       "revenue per day at the end of the interval holding `at`", true, false, false, false},
      {"latency_p50_peak_s", "seconds",
       "the highest median latency of `endpoint` in one reporting interval (the typical wait "
       "at the worst hour)",
       false, false, true, false},
      {"latency_p99_peak_s", "seconds",
       "the highest p99 latency of `endpoint` in one reporting interval", false, false, true,
       false},
      {"peak_servers", "servers", "the most servers `pool` had at once", false, false, false, true},
  };
  return metrics;
}

const figure_metric_info* find_figure_metric(const std::string& name) {
  for (const auto& m : figure_metrics()) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

figure_result evaluate_figure(const scenario& s, const figure_spec& f, const run_result& r) {
  figure_result out;
  out.name = f.name;
  out.metric = describe(s, f);
  out.value = f.value;
  out.tolerance = f.tolerance;
  out.source = f.source;
  out.role = f.role;
  out.at_least = f.at_least;
  out.leave_one_out = f.leave_one_out;
  out.simulated = compute(s, f, r);
  const double above = out.simulated - f.value;
  const double allowed = f.tolerance * std::abs(f.value);
  out.within = !std::isnan(out.simulated) &&
               (f.at_least ? above >= 0 && above <= allowed : std::abs(above) <= allowed);
  return out;
}

void evaluate_figures(const scenario& s, run_result& r) {
  r.tuned = s.tuned;
  r.figures.clear();
  for (const figure_spec& f : s.figures) r.figures.push_back(evaluate_figure(s, f, r));
}

}  // namespace stampede::sim
