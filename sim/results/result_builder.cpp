#include "sim/results/result_builder.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "sim/platform/dispatch.hpp"
#include "sim/results/figures.hpp"
#include "sim/results/slo.hpp"

namespace stampede::sim {

void set_peak_daily_active(adoption_result& a, const std::vector<std::uint64_t>& users_per_day,
                           double weight) {
  for (std::size_t d = 0; d < users_per_day.size(); ++d) {
    const double dau = static_cast<double>(users_per_day[d]) * weight;
    if (dau > a.peak_daily_active_users) {
      a.peak_daily_active_users = dau;
      a.peak_day = static_cast<int>(d);
    }
  }
}

result_builder::result_builder(const scenario& s)
    : s_(s),
      intervals_(interval_count(s)),
      population_(static_cast<std::size_t>(intervals_)),
      pools_(s.pools.size(), std::vector<pool_interval>(static_cast<std::size_t>(intervals_))),
      daily_active_(static_cast<std::size_t>((s.horizon + day - 1) / day), 0) {
  for (int i = 0; i < intervals_; ++i) population_[static_cast<std::size_t>(i)].interval = i;
}

namespace {

void add_into(std::vector<std::uint64_t>& into, const std::vector<std::uint64_t>& from) {
  if (into.size() < from.size()) into.resize(from.size(), 0);
  for (std::size_t i = 0; i < from.size(); ++i) into[i] += from[i];
}

}  // namespace

void result_builder::add(const population_interval& p) {
  population_interval& row = population_.at(static_cast<std::size_t>(p.interval));
  row.adopters += p.adopters;
  row.active_users += p.active_users;
  row.active_sessions += p.active_sessions;
  row.sessions_started += p.sessions_started;
  row.converted += p.converted;
  add_into(row.active_by_tier, p.active_by_tier);
  add_into(row.rate_limited, p.rate_limited);
  add_into(row.retried, p.retried);
  add_into(row.first_attempts, p.first_attempts);
}

void result_builder::add(const pool_interval& p) {
  pools_.at(static_cast<std::size_t>(p.pool)).at(static_cast<std::size_t>(p.interval)) = p;
}

void result_builder::add(const population_final& p) {
  users_ += p.users;
  requests_ += p.requests_sent;
  memory_bytes_ += p.memory_bytes;
  shares_ += p.shares;
  adopted_by_share_ += p.adopted_by_share;
  for (std::size_t d = 0; d < p.daily_active.size() && d < daily_active_.size(); ++d) {
    daily_active_[d] += p.daily_active[d];
  }
  add_into(rate_limited_, p.rate_limited);
  add_into(retried_, p.retried);
}

void result_builder::add(pool_final p) {
  pool_finals_.push_back(std::move(p));
}

std::pair<double, double> result_builder::paying_and_revenue(const population_interval& p) const {
  // Users converted by business.conversion moved from one tier to another.
  std::vector<double> users(s_.tiers.size(), 0.0);
  for (std::size_t t = 0; t < users.size() && t < p.active_by_tier.size(); ++t) {
    users[t] = static_cast<double>(p.active_by_tier[t]);
  }
  if (s_.business.convert_from >= 0) {
    users[static_cast<std::size_t>(s_.business.convert_from)] -= static_cast<double>(p.converted);
    users[static_cast<std::size_t>(s_.business.convert_to)] += static_cast<double>(p.converted);
  }
  double paying = 0, revenue_per_day = 0;
  for (std::size_t t = 0; t < users.size(); ++t) {
    if (s_.tiers[t].price_per_month <= 0) continue;
    paying += users[t];
    revenue_per_day += users[t] * s_.tiers[t].price_per_month / 30.0;
  }
  return {paying, revenue_per_day};
}

void check_invariants(const run_result& r, bool complete) {
  for (const endpoint_result& e : r.endpoints) {
    if (e.offered != e.completed + e.rejected + e.abandoned + e.in_flight) {
      throw invariant_error("endpoint " + e.name + ": offered " + std::to_string(e.offered) +
                            " != completed " + std::to_string(e.completed) + " + rejected " +
                            std::to_string(e.rejected) + " + abandoned " +
                            std::to_string(e.abandoned) + " + in flight " +
                            std::to_string(e.in_flight));
    }
  }
  if (!complete) return;  // λ and W are over the horizon, L over the time reached
  for (const pool_result& p : r.pools) {
    // L is sampled once per window at a random instant, an unbiased but noisy
    // estimate of the time average λW: only a gross mismatch is a bug.
    const double lw = p.little_lambda * p.little_w;
    if (lw >= 10 && std::abs(p.little_l - lw) > 0.25 * lw) {
      char buf[200];
      std::snprintf(buf, sizeof buf,
                    "pool %s: Little's law does not hold: L = %.3f, lambda = %.3f/s, W = %.3f s",
                    p.name.c_str(), p.little_l, p.little_lambda, p.little_w);
      throw invariant_error(buf);
    }
  }
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

/// What a run's requests that waited and gave up are called in an SLO note.
constexpr std::string_view gave_up = "gave up before being served";

/// A latency objective's evidence in one interval (sim/results/slo.hpp).
latency_evidence interval_evidence(const endpoint_interval& e, double q) {
  const std::int64_t v = interval_quantile(e, q);
  return {v >= 0 ? to_seconds(v) : -1.0, e.completed + e.abandoned, e.abandoned};
}

/// A latency objective's evidence over the run.
latency_evidence run_evidence(const endpoint_result& e, double q) {
  return {e.quantile(q), e.completed + e.abandoned, e.abandoned};
}

}  // namespace

void settle_latency_slos(run_result& r) {
  for (slo_result& v : r.slos) {
    if (v.quantile <= 0) continue;  // max_rejected
    const auto e = std::find_if(r.endpoints.begin(), r.endpoints.end(),
                                [&](const endpoint_result& x) { return x.name == v.endpoint; });
    if (e == r.endpoints.end()) continue;
    slo_spec spec;
    spec.quantile = v.quantile;
    spec.threshold = v.threshold;
    spec.key = v.objective.substr(0, v.objective.find(' '));
    slo_result judged = judge_latency(spec, v.endpoint, run_evidence(*e, v.quantile), gave_up);
    // The run-wide verdict changes; the per-interval ones stand.
    judged.breached_intervals = v.breached_intervals;
    judged.first_breach_interval = v.first_breach_interval;
    judged.held_by_interval = std::move(v.held_by_interval);
    v = std::move(judged);
  }
}

run_result result_builder::build(vtime reached) {
  run_result r = header(reached);
  // Rows of the time series: the intervals begun before the time reached.
  const int rows = std::min<int>(
      intervals_, static_cast<int>((std::min(reached, s_.horizon) + s_.report_interval - 1) /
                                   s_.report_interval));
  add_endpoints_and_pools(r);
  add_time_series(r, rows);
  add_slo_verdicts(r, rows);
  add_timeline(r);
  add_adoption(r, rows);

  settle_latency_slos(r);
  drop_missing_pools(r);
  check_invariants(r, reached >= s_.horizon);
  evaluate_figures(s_, r);  // public figures vs simulated (sim/results/figures.hpp)
  r.digest = compute_digest(r);
  return r;
}

run_result result_builder::header(vtime reached) const {
  run_result r;
  r.scenario = s_.name;
  r.description = s_.description;
  r.seed = s_.seed;
  r.scale = s_.scale;
  r.weight = 1.0 / s_.scale;
  r.horizon_s = to_seconds(s_.horizon);
  r.simulated_s = to_seconds(std::min(reached, s_.horizon));
  r.tick_s = to_seconds(s_.tick);
  r.report_interval_s = to_seconds(s_.report_interval);
  r.simulated_users = users_;
  r.population_bytes = memory_bytes_;
  r.simulated_requests = requests_;
  return r;
}

void result_builder::add_endpoints_and_pools(run_result& r) {
  const double w = r.weight;
  // Endpoints in scenario order.
  r.endpoints.resize(s_.endpoints.size());
  std::sort(pool_finals_.begin(), pool_finals_.end(),
            [](const pool_final& a, const pool_final& b) { return a.pool < b.pool; });
  for (pool_final& f : pool_finals_) {
    r.pools.push_back(f.result);
    std::uint64_t offered = 0;
    for (auto& [index, e] : f.endpoints) {
      offered += e.offered;
      r.endpoints[static_cast<std::size_t>(index)] = std::move(e);
    }
    // The run's own full-scale offered rate (before the edge's rate limits).
    const double simulated_s = std::max(r.simulated_s, to_seconds(s_.tick));
    r.pools.back().faithful_scale =
        faithful_scale(s_, f.pool, static_cast<double>(offered) * w / simulated_s);
  }
  // Rate-limited requests never reached a pool: they are offered and rejected at the edge.
  for (std::size_t e = 0; e < r.endpoints.size(); ++e) {
    endpoint_result& x = r.endpoints[e];
    x.rate_limited = e < rate_limited_.size() ? rate_limited_[e] : 0;
    x.retried = e < retried_.size() ? retried_[e] : 0;
    x.offered += x.rate_limited;
    x.rejected += x.rate_limited;
  }
}

void result_builder::drop_missing_pools(run_result& r) const {
  // A pool's figures come in one pool_final; a runner that lost the pool's
  // host never gets it, and its endpoints' figures were never filled.
  std::vector<bool> present(s_.pools.size(), false);
  for (const pool_final& f : pool_finals_) present[static_cast<std::size_t>(f.pool)] = true;
  std::vector<std::string> gone;
  for (std::size_t e = 0; e < s_.endpoints.size(); ++e) {
    if (!present[static_cast<std::size_t>(s_.endpoints[e].pool)])
      gone.push_back(s_.endpoints[e].name);
  }
  if (gone.empty()) return;
  for (std::size_t p = 0; p < s_.pools.size(); ++p) {
    if (!present[p]) r.pools_missing.push_back(s_.pools[p].name);
  }
  const auto is_gone = [&](const std::string& name) {
    return std::find(gone.begin(), gone.end(), name) != gone.end();
  };
  std::erase_if(r.slos, [&](const slo_result& v) { return is_gone(v.endpoint); });
  std::vector<endpoint_result> kept;
  for (std::size_t e = 0; e < r.endpoints.size(); ++e) {
    if (!is_gone(s_.endpoints[e].name)) kept.push_back(std::move(r.endpoints[e]));
  }
  r.endpoints = std::move(kept);
}

endpoint_interval result_builder::endpoint_at(std::size_t e, std::size_t i) const {
  const auto& pool_row = pools_[static_cast<std::size_t>(s_.endpoints[e].pool)][i];
  endpoint_interval x = pool_row.endpoints.empty() ? endpoint_interval{} : pool_row.endpoints[e];
  const auto& limited = population_[i].rate_limited;
  const std::uint64_t edge = e < limited.size() ? limited[e] : 0;
  x.offered += edge;
  x.rejected += edge;
  return x;
}

void result_builder::add_time_series(run_result& r, int rows) const {
  const double w = r.weight;
  timeseries& ts = r.series;
  ts.columns = {"t_hours",         "adopters",       "adopted_share", "active_users",
                "active_sessions", "sessions_per_s", "paying_users",  "revenue_per_day_usd"};
  for (const endpoint_spec& e : s_.endpoints) {
    for (const char* what : {"offered_rps", "completed_rps", "rejected_rps", "abandoned_rps",
                             "rate_limited_rps", "retried_rps", "first_attempts_rps",
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
    // The last row of a stopped run ends where it stopped.
    const double end_s = std::min(r.simulated_s, (i + 1) * interval_s);
    const double length = end_s - i * interval_s;
    const population_interval& p = population_[iu];
    const auto [paying, revenue] = paying_and_revenue(p);
    std::vector<double> row{
        end_s / 3600.0,
        static_cast<double>(p.adopters) * w,
        s_.population_size > 0 ? static_cast<double>(p.adopters) * w / s_.population_size : 0,
        static_cast<double>(p.active_users) * w,
        static_cast<double>(p.active_sessions) * w,
        static_cast<double>(p.sessions_started) * w / length,
        paying * w,
        revenue * w};
    for (std::size_t e = 0; e < s_.endpoints.size(); ++e) {
      const endpoint_interval ei = endpoint_at(e, iu);
      const std::uint64_t limited = e < p.rate_limited.size() ? p.rate_limited[e] : 0;
      const std::uint64_t retried = e < p.retried.size() ? p.retried[e] : 0;
      const std::uint64_t first = e < p.first_attempts.size() ? p.first_attempts[e] : 0;
      for (std::uint64_t n :
           {ei.offered, ei.completed, ei.rejected, ei.abandoned, limited, retried, first}) {
        row.push_back(static_cast<double>(n) * w / length);
      }
      for (std::int64_t v : {ei.p50, ei.p90, ei.p99, ei.p999}) row.push_back(seconds_or_missing(v));
    }
    for (std::size_t k = 0; k < s_.pools.size(); ++k) {
      // The pool's own servers over time (events, outages, autoscaling): utilization
      // over the server-time actually present, servers and cost in real units.
      const pool_interval& pi = pools_[k][iu];
      row.push_back(static_cast<double>(pi.queue_at_end) * w);
      row.push_back(pi.available_seconds > 0 ? pi.busy_seconds / pi.available_seconds : 0.0);
      row.push_back(pi.real_servers);
      cost += pi.real_server_seconds / 3600.0 * s_.pools[k].cost_per_server_hour;
    }
    row.push_back(cost);
    ts.rows.push_back(std::move(row));
  }
}

void result_builder::add_slo_verdicts(run_result& r, int rows) const {
  // Over the run and per interval (sim/results/slo.hpp); the latency verdicts
  // are judged again on exact quantiles by settle_latency_slos.
  for (const slo_spec& slo : s_.slos) {
    const auto ei = static_cast<std::size_t>(slo.endpoint);
    const endpoint_result& e = r.endpoints[ei];
    const bool latency = slo.what == slo_spec::kind::latency_quantile;
    slo_result v = latency ? judge_latency(slo, e.name, run_evidence(e, slo.quantile), gave_up)
                           : judge_rejected(slo, e.name, e.rejected, e.offered);
    for (int i = 0; i < rows; ++i) {
      const endpoint_interval x = endpoint_at(ei, static_cast<std::size_t>(i));
      const bool held = latency ? latency_held(slo, interval_evidence(x, slo.quantile))
                                : rejected_held(slo, x.rejected, x.offered);
      v.held_by_interval.push_back(held);
      if (!held) {
        ++v.breached_intervals;
        if (v.first_breach_interval < 0) v.first_breach_interval = i;
      }
    }
    r.slos.push_back(v);
  }
}

void result_builder::add_timeline(run_result& r) const {
  // Names for indexes: reports put the events in words.
  for (const event_spec& e : s_.events) {
    event_result x;
    x.at_s = to_seconds(e.at);
    x.what = e.what;
    x.factor = e.factor;
    x.duration = e.duration;
    x.per_day = e.per_day;
    x.count = e.count;
    if (e.what == event_spec::kind::rate_limit) {
      x.tier = s_.tiers[static_cast<std::size_t>(e.tier)].name;
      x.endpoint = s_.endpoints[static_cast<std::size_t>(e.endpoint)].name;
    } else if (e.what != event_spec::kind::imitation_boost) {
      x.pool = s_.pools[static_cast<std::size_t>(e.pool)].name;
    }
    r.events.push_back(std::move(x));
  }
}

void result_builder::add_adoption(run_result& r, int rows) const {
  const double w = r.weight;
  r.adoption.population = s_.population_size;
  r.adoption.model = s_.adoption.model;
  r.adoption.shares = static_cast<double>(shares_) * w;
  r.adoption.adopted_by_share = static_cast<double>(adopted_by_share_) * w;
  r.adoption.adopters_at_end =
      rows == 0 ? 0
                : static_cast<double>(population_[static_cast<std::size_t>(rows - 1)].adopters) * w;
  set_peak_daily_active(r.adoption, daily_active_, w);
}

}  // namespace stampede::sim
