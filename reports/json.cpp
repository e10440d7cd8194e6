// summary.json: the machine-readable result. Keys keep the order they are
// written in (nlohmann::ordered_json) so that diffs between runs stay readable.
#include <cmath>

#include <nlohmann/json.hpp>

#include "reports/loadtest.hpp"
#include "reports/reports.hpp"
#include "reports/text.hpp"

namespace stampede::reports {

namespace {

using json = nlohmann::ordered_json;

double share(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

// An object with one member per item, keyed by the item's name.
template <class T, class F>
json by_name(const std::vector<T>& items, F&& fields) {
  json out = json::object();
  for (const T& x : items) out[x.name] = fields(x);
  return out;
}

json endpoint_json(const sim::run_result& r, const sim::endpoint_result& e) {
  json j;
  j["pool"] = e.pool;
  j["offered"] = detail::real_count(r, static_cast<double>(e.offered));
  j["completed"] = detail::real_count(r, static_cast<double>(e.completed));
  j["rejected"] = detail::real_count(r, static_cast<double>(e.rejected));
  j["abandoned"] = detail::real_count(r, static_cast<double>(e.abandoned));
  j["in_flight"] = detail::real_count(r, static_cast<double>(e.in_flight));
  j["rate_limited"] = detail::real_count(r, static_cast<double>(e.rate_limited));
  j["retried"] = detail::real_count(r, static_cast<double>(e.retried));
  j["simulated"] = {{"offered", e.offered},     {"completed", e.completed},
                    {"rejected", e.rejected},   {"abandoned", e.abandoned},
                    {"in_flight", e.in_flight}, {"rate_limited", e.rate_limited},
                    {"retried", e.retried}};
  j["rejected_share"] = share(e.rejected, e.offered);
  j["abandoned_share"] = share(e.abandoned, e.offered);
  // The histogram holds microseconds; every latency in this file is in seconds.
  const auto seconds = [&](double q) { return static_cast<double>(e.latency.quantile(q)) * 1e-6; };
  json latency;
  latency["histogram"] = {{"p50", seconds(0.5)},
                          {"p90", seconds(0.9)},
                          {"p99", seconds(0.99)},
                          {"p999", seconds(0.999)},
                          {"max", static_cast<double>(e.latency.max()) * 1e-6},
                          {"mean", e.latency.mean() * 1e-6},
                          {"count", e.latency.count()}};
  // The run-wide quantiles every table shows (endpoint_result::quantile), and
  // how they were computed: from every completed latency or from a sample.
  const sim::latency_quantiles& q = e.quantiles;
  latency["quantiles"] = {{"p50", e.quantile(0.5)},
                          {"p90", e.quantile(0.9)},
                          {"p99", e.quantile(0.99)},
                          {"p999", e.quantile(0.999)},
                          {"method", !q.valid    ? "histogram"
                                     : q.exact() ? "exact"
                                                 : "sampled"}};
  if (q.valid) {
    latency["quantiles"]["backend"] = q.backend;
    latency["quantiles"]["latency_samples"] = {{"kept", q.kept}, {"of", q.of}};
  }
  j["latency"] = std::move(latency);
  return j;
}

json pool_json(const sim::run_result& r, const sim::pool_result& p) {
  json j;
  j["servers"] = p.servers;
  j["simulated_servers"] = p.simulated_servers;
  j["peak_servers"] = p.peak_servers;
  j["mean_utilization"] = p.mean_utilization;
  j["peak_utilization"] = p.peak_utilization;
  j["peak_queue"] = detail::real_count(r, static_cast<double>(p.peak_queue));
  j["peak_queue_simulated"] = p.peak_queue;
  j["server_hours"] = p.server_hours;
  j["cost"] = p.cost;
  // Measured in the simulation: L in simulated requests, lambda in simulated
  // requests per second, W in seconds (W does not depend on the scale).
  j["little"] = {{"L", p.little_l}, {"lambda", p.little_lambda}, {"W", p.little_w}};
  // The smallest scale at which this pool queues as the full one; 0: any scale.
  j["faithful_scale"] = p.faithful_scale;
  return j;
}

}  // namespace

std::string summary_json(const sim::run_result& r) {
  json j;
  j["scenario"] = r.scenario;
  j["description"] = r.description;
  j["seed"] = r.seed;
  j["scale"] = r.scale;
  j["weight"] = r.weight;
  j["counts"] =
      "endpoint counts and peak_queue are real-world estimates (simulated × weight, rounded); "
      "\"simulated\" and *_simulated hold the raw counts of the simulation";
  j["horizon_s"] = r.horizon_s;
  j["tick_s"] = r.tick_s;
  j["report_interval_s"] = r.report_interval_s;
  j["digest"] = r.digest;
  j["threads"] = r.threads;
  j["wall_seconds"] = r.wall_seconds;
  j["simulated_users"] = r.simulated_users;
  j["simulated_s"] = r.simulated_s;
  j["stop_reason"] = r.stop_reason;
  j["pools_missing"] = r.pools_missing;
  j["population_bytes"] = r.population_bytes;
  j["bytes_per_simulated_user"] =
      r.simulated_users ? static_cast<double>(r.population_bytes) / r.simulated_users : 0.0;
  j["simulated_requests"] = r.simulated_requests;

  j["endpoints"] = by_name(r.endpoints, [&](const auto& e) { return endpoint_json(r, e); });
  j["pools"] = by_name(r.pools, [&](const auto& p) { return pool_json(r, p); });

  j["adoption"] = {{"population", r.adoption.population},
                   {"adopters_at_end", r.adoption.adopters_at_end},
                   {"peak_daily_active_users", r.adoption.peak_daily_active_users},
                   {"peak_day", r.adoption.peak_day},
                   {"model", r.adoption.model}};
  if (r.adoption.model == "cascade") {
    j["adoption"]["shares"] = r.adoption.shares;
    j["adoption"]["adopted_by_share"] = r.adoption.adopted_by_share;
  }
  // Business figures at the end of the run, from the time series.
  const auto last = [&](const char* column) {
    const int c = r.series.column(column);
    return c < 0 || r.series.rows.empty() ? 0.0 : r.series.rows.back()[static_cast<std::size_t>(c)];
  };
  j["business"] = {{"active_users_at_end", last("active_users")},
                   {"paying_users_at_end", last("paying_users")},
                   {"revenue_per_day_usd_at_end", last("revenue_per_day_usd")}};

  json slos = json::array();
  bool all_held = true;
  for (const auto& s : r.slos) {
    all_held = all_held && s.held;
    json sj;
    sj["endpoint"] = s.endpoint;
    sj["objective"] = s.objective;
    sj["threshold"] = s.threshold;
    sj["measured"] = s.measured;
    if (!s.note.empty()) sj["note"] = s.note;
    sj["held"] = s.held;
    sj["breached_intervals"] = s.breached_intervals;
    if (s.first_breach_interval >= 0) {
      sj["first_breach_hours"] = s.first_breach_interval * r.report_interval_s / 3600.0;
    } else {
      sj["first_breach_hours"] = nullptr;
    }
    slos.push_back(std::move(sj));
  }
  j["slo"] = std::move(slos);
  j["slo_held"] = all_held;
  // Public figures (sim/results/figures.hpp): a simulated value the run could not give is null.
  json figures = json::array();
  for (const auto& f : r.figures) {
    json fj;
    fj["name"] = f.name;
    fj["metric"] = f.metric;
    fj["value"] = f.value;
    if (std::isnan(f.simulated)) {
      fj["simulated"] = nullptr;
    } else {
      fj["simulated"] = f.simulated;
    }
    fj["tolerance"] = f.tolerance;
    fj["compare"] = f.at_least ? "at_least" : "within";
    if (!std::isnan(f.leave_one_out)) fj["leave_one_out"] = f.leave_one_out;
    fj["role"] = sim::figure_role_names()[static_cast<std::size_t>(f.role)];
    // A reference has no verdict, only the difference.
    if (f.role == sim::figure_role::reference) {
      fj["within"] = nullptr;
    } else {
      fj["within"] = f.within;
    }
    fj["source"] = f.source;
    figures.push_back(std::move(fj));
  }
  j["figures"] = std::move(figures);
  j["tuned"] = r.tuned;
  if (r.loadtest) j["loadtest"] = detail::loadtest_json(*r.loadtest);
  return j.dump(2) + "\n";
}

}  // namespace stampede::reports
