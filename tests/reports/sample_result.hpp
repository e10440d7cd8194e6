#pragma once
// A realistic run_result for the report tests, made without running the
// simulator: two days at hourly intervals of a launch whose demand follows a
// logistic adoption curve times a daily cycle, served by two pools modelled as
// fluid queues. The columns and units follow sim::result_builder (time series
// in real-world figures, final counts simulated).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "sim/results/result.hpp"

namespace stampede::test {

/// `saturated`: demand outgrows the GPU pool on day 2 and the p99 SLO breaks;
/// otherwise demand stays below 70% of capacity and every SLO holds.
inline sim::run_result sample_result(bool saturated = true) {
  using sim::run_result;
  constexpr int rows = 48;
  constexpr double interval_s = 3600;
  constexpr double pi = 3.14159265358979323846;

  run_result r;
  r.scenario = saturated ? "viral-launch" : "quiet-launch";
  r.description = "Two days after a launch post goes viral.";
  r.seed = 42;
  r.scale = 0.01;
  r.weight = 100;
  r.horizon_s = rows * interval_s;
  r.simulated_s = r.horizon_s;
  r.tick_s = 1;
  r.report_interval_s = interval_s;
  r.digest = saturated ? "5be1d2a39c0f7e64" : "0d6f3a9e21c4b587";
  r.threads = 2;
  r.wall_seconds = 3.25;

  struct pool_model {
    std::string name;
    std::int64_t servers;
    double work_s;
    double queue_capacity;
    double usd_per_hour;
  };
  const std::vector<pool_model> pools{{"gen-h100", 800, 12.0, 400'000, 2.5},
                                      {"edge-cpu", 200, 0.2, 50'000, 0.1}};
  struct endpoint_model {
    std::string name;
    int pool;
    double requests_per_adopter_s;
  };
  const double population = 2'000'000;
  // Peak demand of generate_image: about 1.6x the GPU pool's capacity, or 0.5x.
  const double gen_rate = saturated ? 3.6e-5 : 1.1e-5;
  const std::vector<endpoint_model> endpoints{{"generate_image", 0, gen_rate},
                                              {"list_gallery", 1, 1.5e-4}};

  auto& ts = r.series;
  ts.columns = {"t_hours", "adopters", "adopted_share", "active_sessions", "sessions_per_s"};
  for (const auto& e : endpoints) {
    for (const char* what :
         {"offered_rps", "completed_rps", "rejected_rps", "abandoned_rps", "first_attempts_rps",
          "latency_p50_s", "latency_p90_s", "latency_p99_s", "latency_p999_s"}) {
      ts.columns.push_back(std::string(what) + "." + e.name);
    }
  }
  for (const auto& p : pools) {
    for (const char* what : {"queue", "utilization", "servers"}) {
      ts.columns.push_back(std::string(what) + "." + p.name);
    }
  }
  ts.columns.push_back("cost_usd");

  r.endpoints.resize(endpoints.size());
  for (std::size_t k = 0; k < endpoints.size(); ++k) {
    r.endpoints[k].name = endpoints[k].name;
    r.endpoints[k].pool = pools[endpoints[k].pool].name;
  }
  std::vector<double> queue(pools.size(), 0.0), queue_sum(pools.size(), 0.0),
      queued_arrivals(pools.size(), 0.0), util_sum(pools.size(), 0.0), util_peak(pools.size(), 0.0),
      queue_peak(pools.size(), 0.0);
  std::vector<double> offered(endpoints.size(), 0), completed(endpoints.size(), 0),
      rejected(endpoints.size(), 0), abandoned(endpoints.size(), 0);
  double cost = 0, dau[2] = {0, 0};

  for (int i = 0; i < rows; ++i) {
    const double t_h = (i + 1) * interval_s / 3600.0;
    const double adopters = population / (1.0 + std::exp(-(t_h - 24.0) / 5.0));
    // Busiest at 20:00, quietest at 08:00.
    const double diurnal = 1.0 + 0.5 * std::sin(2 * pi * (t_h - 14.0) / 24.0);
    const double active = adopters * 0.03 * diurnal;
    dau[i / 24] = std::max(dau[i / 24], adopters * 0.4);
    std::vector<double> row{t_h, adopters, adopters / population, active, active / 600.0};
    std::vector<std::vector<double>> pool_cells(pools.size());
    std::vector<std::vector<double>> endpoint_cells(endpoints.size());
    for (std::size_t k = 0; k < endpoints.size(); ++k) {
      const auto& p = pools[endpoints[k].pool];
      const std::size_t pk = static_cast<std::size_t>(endpoints[k].pool);
      const double capacity = static_cast<double>(p.servers) / p.work_s;  // requests/s
      const double rate = adopters * endpoints[k].requests_per_adopter_s * diurnal;
      const double arrivals = rate * interval_s;
      const double before = queue[pk];
      const double served = std::min(capacity * interval_s, before + arrivals);
      double q = before + arrivals - served;
      const double turned_away = std::max(0.0, q - p.queue_capacity);
      q -= turned_away;
      // Users give up once the wait passes about ten minutes.
      const double wait = 0.5 * (before + q) / capacity;
      const double gave_up = wait > 600 ? 0.15 * q : 0.0;
      q -= gave_up;
      queue[pk] = q;
      queue_sum[pk] += q;
      queued_arrivals[pk] += std::max(0.0, arrivals - turned_away);
      const double utilization = served / (capacity * interval_s);
      util_sum[pk] += utilization;
      util_peak[pk] = std::max(util_peak[pk], utilization);
      queue_peak[pk] = std::max(queue_peak[pk], q);
      const double p50 = p.work_s * 0.8 + 0.5 * wait, p90 = p.work_s * 2.3 + 0.9 * wait,
                   p99 = p.work_s * 3.5 + wait, p999 = p.work_s * 5.0 + 1.1 * wait;
      // Nobody retries and no rate limit refuses: every request is a first attempt.
      endpoint_cells[k] = {rate,
                           served / interval_s,
                           turned_away / interval_s,
                           gave_up / interval_s,
                           rate,
                           p50,
                           p90,
                           p99,
                           p999};
      pool_cells[pk] = {q, utilization, static_cast<double>(p.servers)};

      offered[k] += arrivals / r.weight;
      completed[k] += served / r.weight;
      rejected[k] += turned_away / r.weight;
      abandoned[k] += gave_up / r.weight;
      // The simulated completions of the hour, spread over the quantiles.
      const auto n = static_cast<std::uint64_t>(std::llround(served / r.weight));
      const std::uint64_t n50 = n / 2, n90 = n * 2 / 5, n99 = n * 9 / 100;
      const std::uint64_t n999 = n - n50 - n90 - n99;
      auto& h = r.endpoints[k].latency;
      h.record(std::llround(p50 * 1e6), n50);
      h.record(std::llround(p90 * 1e6), n90);
      h.record(std::llround(p99 * 1e6), n99);
      h.record(std::llround(p999 * 1e6), n999);
      for (int s = 0; s < 20; ++s) {
        r.endpoints[k].latency_samples.push_back(static_cast<float>(p50 * 1e6 * (0.5 + s / 20.0)));
      }
      r.endpoints[k].samples_seen += n;
    }
    for (const auto& cells : endpoint_cells) row.insert(row.end(), cells.begin(), cells.end());
    for (std::size_t pk = 0; pk < pools.size(); ++pk) {
      row.insert(row.end(), pool_cells[pk].begin(), pool_cells[pk].end());
      cost += static_cast<double>(pools[pk].servers) * pools[pk].usd_per_hour;
    }
    row.push_back(cost);
    ts.rows.push_back(std::move(row));
  }

  for (std::size_t k = 0; k < endpoints.size(); ++k) {
    auto& e = r.endpoints[k];
    e.offered = static_cast<std::uint64_t>(std::llround(offered[k]));
    e.completed = static_cast<std::uint64_t>(std::llround(completed[k]));
    e.rejected = static_cast<std::uint64_t>(std::llround(rejected[k]));
    e.abandoned = static_cast<std::uint64_t>(std::llround(abandoned[k]));
    e.in_flight = e.offered - std::min(e.offered, e.completed + e.rejected + e.abandoned);
    r.simulated_requests += e.offered;
  }
  // generate_image has quantiles from a sample (the GPU step, with the sample
  // memory spent); list_gallery has none.
  auto& gen = r.endpoints[0];
  gen.quantiles = {true,
                   static_cast<double>(gen.latency.quantile(0.5)) * 1e-6 * 0.998,
                   static_cast<double>(gen.latency.quantile(0.9)) * 1e-6 * 0.998,
                   static_cast<double>(gen.latency.quantile(0.99)) * 1e-6 * 0.998,
                   static_cast<double>(gen.latency.quantile(0.999)) * 1e-6 * 0.998,
                   "openmp",
                   gen.latency_samples.size(),
                   gen.samples_seen};

  for (std::size_t pk = 0; pk < pools.size(); ++pk) {
    sim::pool_result p;
    p.name = pools[pk].name;
    p.servers = pools[pk].servers;
    p.simulated_servers = static_cast<std::int64_t>(std::llround(pools[pk].servers * r.scale));
    p.mean_utilization = util_sum[pk] / rows;
    p.peak_utilization = util_peak[pk];
    p.peak_queue = static_cast<std::int64_t>(std::llround(queue_peak[pk] / r.weight));
    p.server_hours = static_cast<double>(pools[pk].servers) * rows;
    p.cost = p.server_hours * pools[pk].usd_per_hour;
    p.little_l = queue_sum[pk] / rows / r.weight;
    p.little_lambda = queued_arrivals[pk] / r.horizon_s / r.weight;
    p.little_w = p.little_lambda > 0 ? p.little_l / p.little_lambda : 0;
    r.pools.push_back(p);
  }

  // SLO verdicts as sim::result_builder makes them: over the run, and per interval.
  const int p99_column = ts.column("latency_p99_s.generate_image");
  sim::slo_result latency;
  latency.endpoint = "generate_image";
  latency.objective = "latency_p99 <= 2m";
  latency.threshold = 120;
  latency.quantile = 0.99;
  latency.measured = gen.quantile(0.99);
  latency.held = latency.measured <= latency.threshold;
  for (int i = 0; i < rows; ++i) {
    if (ts.rows[i][p99_column] > latency.threshold) {
      ++latency.breached_intervals;
      if (latency.first_breach_interval < 0) latency.first_breach_interval = i;
    }
  }
  sim::slo_result rejections;
  rejections.endpoint = "list_gallery";
  rejections.objective = "max_rejected <= 0.020000";
  rejections.threshold = 0.02;
  rejections.measured = r.endpoints[1].offered ? static_cast<double>(r.endpoints[1].rejected) /
                                                     static_cast<double>(r.endpoints[1].offered)
                                               : 0;
  rejections.held = rejections.measured <= rejections.threshold;
  r.slos = {latency, rejections};

  r.adoption.population = population;
  r.adoption.adopters_at_end = ts.rows.back()[1];
  r.adoption.peak_daily_active_users = std::max(dau[0], dau[1]);
  r.adoption.peak_day = dau[1] > dau[0] ? 1 : 0;
  r.simulated_users = static_cast<std::uint64_t>(population * r.scale);
  return r;
}

/// A calibration target of 100 that the run gives exactly, within 10%.
inline sim::figure_result sample_figure() {
  sim::figure_result f;
  f.name = "peak";
  f.metric = "peak_hourly_adopters";
  f.value = 100;
  f.simulated = 100;
  f.tolerance = 0.1;
  f.within = true;
  return f;
}

}  // namespace stampede::test
