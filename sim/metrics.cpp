#include "sim/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace stampede::sim {

int interval_count(const scenario& s) {
  return static_cast<int>((s.horizon + s.report_interval - 1) / s.report_interval);
}

result_builder::result_builder(const scenario& s)
    : s_(s),
      intervals_(interval_count(s)),
      population_(static_cast<std::size_t>(intervals_)),
      pools_(s.pools.size(), std::vector<pool_interval>(static_cast<std::size_t>(intervals_))),
      daily_active_(static_cast<std::size_t>((s.horizon + day - 1) / day), 0) {
  for (int i = 0; i < intervals_; ++i) population_[static_cast<std::size_t>(i)].interval = i;
}

void result_builder::add(const population_interval& p) {
  population_interval& row = population_.at(static_cast<std::size_t>(p.interval));
  row.adopters += p.adopters;
  row.active_sessions += p.active_sessions;
  row.sessions_started += p.sessions_started;
}

void result_builder::add(const pool_interval& p) {
  pools_.at(static_cast<std::size_t>(p.pool)).at(static_cast<std::size_t>(p.interval)) = p;
}

void result_builder::add(const population_final& p) {
  users_ += p.users;
  requests_ += p.requests_sent;
  memory_bytes_ += p.memory_bytes;
  for (std::size_t d = 0; d < p.daily_active.size() && d < daily_active_.size(); ++d) {
    daily_active_[d] += p.daily_active[d];
  }
}

void result_builder::add(pool_final p) {
  pool_finals_.push_back(std::move(p));
}

namespace {

constexpr double missing = std::numeric_limits<double>::quiet_NaN();

double seconds_or_missing(std::int64_t us) {
  return us < 0 ? missing : to_seconds(us);
}

std::int64_t interval_quantile(const endpoint_interval& e, double q) {
  if (q <= 0.5) return e.p50;
  if (q <= 0.9) return e.p90;
  if (q <= 0.99) return e.p99;
  return e.p999;
}

/// A latency objective fails in an interval when its quantile is over the
/// threshold, or when more than (1 - q) of the requests that got an answer or
/// gave up waiting gave up: they would have been slower than anything measured.
bool latency_breached(const slo_spec& slo, const endpoint_interval& e) {
  const std::int64_t v = interval_quantile(e, slo.quantile);
  if (v >= 0 && to_seconds(v) > slo.threshold) return true;
  const double waited = static_cast<double>(e.completed + e.abandoned);
  return waited > 0 && static_cast<double>(e.abandoned) / waited > 1 - slo.quantile;
}

}  // namespace

run_result result_builder::build(vtime reached) {
  run_result r;
  r.scenario = s_.name;
  r.description = s_.description;
  r.seed = s_.seed;
  r.scale = s_.scale;
  r.weight = 1.0 / s_.scale;
  r.horizon_s = to_seconds(s_.horizon);
  r.simulated_s = to_seconds(std::min(reached, s_.horizon));
  const int rows = std::min<int>(
      intervals_, static_cast<int>((std::min(reached, s_.horizon) + s_.report_interval - 1) /
                                   s_.report_interval));
  r.tick_s = to_seconds(s_.tick);
  r.report_interval_s = to_seconds(s_.report_interval);
  r.simulated_users = users_;
  r.population_bytes = memory_bytes_;
  r.simulated_requests = requests_;
  const double w = r.weight;

  // Endpoints in scenario order.
  r.endpoints.resize(s_.endpoints.size());
  std::sort(pool_finals_.begin(), pool_finals_.end(),
            [](const pool_final& a, const pool_final& b) { return a.pool < b.pool; });
  for (pool_final& f : pool_finals_) {
    r.pools.push_back(f.result);
    for (auto& [index, e] : f.endpoints)
      r.endpoints[static_cast<std::size_t>(index)] = std::move(e);
  }

  // The time series.
  timeseries& ts = r.series;
  ts.columns = {"t_hours", "adopters", "adopted_share", "active_sessions", "sessions_per_s"};
  for (const endpoint_spec& e : s_.endpoints) {
    for (const char* what : {"offered_rps", "completed_rps", "rejected_rps", "abandoned_rps",
                             "latency_p50_s", "latency_p90_s", "latency_p99_s", "latency_p999_s"}) {
      ts.columns.push_back(std::string(what) + "." + e.name);
    }
  }
  for (const pool_spec& p : s_.pools) {
    for (const char* what : {"queue", "utilization", "servers"}) {
      ts.columns.push_back(std::string(what) + "." + p.name);
    }
  }
  ts.columns.push_back("cost_usd");

  const double interval_s = to_seconds(s_.report_interval);
  double cost = 0;
  for (int i = 0; i < rows; ++i) {
    const auto iu = static_cast<std::size_t>(i);
    const double end_s = std::min(to_seconds(s_.horizon), (i + 1) * interval_s);
    const double length = end_s - i * interval_s;
    const population_interval& p = population_[iu];
    std::vector<double> row{
        end_s / 3600.0, static_cast<double>(p.adopters) * w,
        s_.population_size > 0 ? static_cast<double>(p.adopters) * w / s_.population_size : 0,
        static_cast<double>(p.active_sessions) * w,
        static_cast<double>(p.sessions_started) * w / length};
    for (std::size_t e = 0; e < s_.endpoints.size(); ++e) {
      const endpoint_interval& ei =
          pools_[static_cast<std::size_t>(s_.endpoints[e].pool)][iu].endpoints.empty()
              ? endpoint_interval{}
              : pools_[static_cast<std::size_t>(s_.endpoints[e].pool)][iu].endpoints[e];
      for (std::uint64_t n : {ei.offered, ei.completed, ei.rejected, ei.abandoned}) {
        row.push_back(static_cast<double>(n) * w / length);
      }
      for (std::int64_t v : {ei.p50, ei.p90, ei.p99, ei.p999}) row.push_back(seconds_or_missing(v));
    }
    for (std::size_t k = 0; k < s_.pools.size(); ++k) {
      const pool_interval& pi = pools_[k][iu];
      const auto servers = static_cast<double>(s_.simulated_servers(static_cast<int>(k)));
      row.push_back(static_cast<double>(pi.queue_at_end) * w);
      row.push_back(pi.busy_seconds / (servers * length));
      row.push_back(static_cast<double>(s_.pools[k].servers));
      cost += static_cast<double>(s_.pools[k].servers) * s_.pools[k].cost_per_server_hour * length /
              3600.0;
    }
    row.push_back(cost);
    ts.rows.push_back(std::move(row));
  }

  // SLO verdicts, over the run and per interval.
  for (const slo_spec& slo : s_.slos) {
    const auto ei = static_cast<std::size_t>(slo.endpoint);
    const endpoint_result& e = r.endpoints[ei];
    slo_result v;
    v.endpoint = e.name;
    v.threshold = slo.threshold;
    if (slo.what == slo_spec::kind::latency_quantile) {
      v.objective = slo.key + " <= " + format_duration(from_seconds(slo.threshold));
      v.measured = to_seconds(e.latency.quantile(slo.quantile));
      const double waited = static_cast<double>(e.completed + e.abandoned);
      const bool too_many_gave_up =
          waited > 0 && static_cast<double>(e.abandoned) / waited > 1 - slo.quantile;
      v.held = v.measured <= slo.threshold && !too_many_gave_up;
      if (too_many_gave_up) {
        char note[160];
        std::snprintf(note, sizeof note,
                      "%.1f%% of the requests that waited gave up before being served; a %s "
                      "allows %.1f%%",
                      100.0 * static_cast<double>(e.abandoned) / waited, slo.key.c_str(),
                      100.0 * (1 - slo.quantile));
        v.note = note;
      }
    } else {
      v.objective = slo.key + " <= " + std::to_string(slo.threshold);
      v.measured = e.offered ? static_cast<double>(e.rejected) / static_cast<double>(e.offered) : 0;
      v.held = v.measured <= slo.threshold;
    }
    const auto& series = pools_[static_cast<std::size_t>(s_.endpoints[ei].pool)];
    for (int i = 0; i < intervals_; ++i) {
      const auto& pi = series[static_cast<std::size_t>(i)];
      if (pi.endpoints.empty()) continue;
      const endpoint_interval& x = pi.endpoints[ei];
      const bool breached =
          slo.what == slo_spec::kind::latency_quantile
              ? latency_breached(slo, x)
              : x.offered > 0 && static_cast<double>(x.rejected) / static_cast<double>(x.offered) >
                                     slo.threshold;
      if (breached) {
        ++v.breached_intervals;
        if (v.first_breach_interval < 0) v.first_breach_interval = i;
      }
    }
    r.slos.push_back(v);
  }

  // Adoption.
  r.adoption.population = s_.population_size;
  r.adoption.adopters_at_end =
      rows == 0 ? 0 : static_cast<double>(population_[static_cast<std::size_t>(rows - 1)].adopters) * w;
  for (std::size_t d = 0; d < daily_active_.size(); ++d) {
    const double dau = static_cast<double>(daily_active_[d]) * w;
    if (dau > r.adoption.peak_daily_active_users) {
      r.adoption.peak_daily_active_users = dau;
      r.adoption.peak_day = static_cast<int>(d);
    }
  }

  r.digest = compute_digest(r);
  return r;
}

}  // namespace stampede::sim
