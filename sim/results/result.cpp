#include "sim/results/result.hpp"

#include <bit>
#include <cmath>
#include <cstdio>

#include "sim/base/units.hpp"

namespace stampede::sim {

int timeseries::column(const std::string& name) const {
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == name) return static_cast<int>(i);
  }
  return -1;
}

double endpoint_result::quantile(double q) const {
  if (quantiles.valid) {
    if (q <= 0.5) return quantiles.p50;
    if (q <= 0.9) return quantiles.p90;
    if (q <= 0.99) return quantiles.p99;
    return quantiles.p999;
  }
  return to_seconds(latency.quantile(q));
}

namespace {

/// FNV-1a, 64 bits: simple, stable across platforms, enough to tell two runs apart.
class fnv1a {
 public:
  void bytes(const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) {
      h_ ^= p[i];
      h_ *= 0x100000001b3ull;
    }
  }
  void u64(std::uint64_t v) { bytes(&v, sizeof v); }
  void f64(double v) { u64(std::bit_cast<std::uint64_t>(v)); }
  void str(const std::string& s) {
    u64(s.size());
    bytes(s.data(), s.size());
  }
  std::uint64_t value() const { return h_; }

 private:
  std::uint64_t h_ = 0xcbf29ce484222325ull;
};

}  // namespace

std::string non_finite_figure(const run_result& r) {
  for (std::size_t row = 0; row < r.series.rows.size(); ++row) {
    const auto& values = r.series.rows[row];
    for (std::size_t c = 0; c < values.size() && c < r.series.columns.size(); ++c) {
      const std::string& name = r.series.columns[c];
      if (std::isinf(values[c]) || (std::isnan(values[c]) && !name.starts_with("latency_"))) {
        return name + " in row " + std::to_string(row + 1) + " of the time series";
      }
    }
  }
  for (const pool_result& p : r.pools) {
    for (const auto& [name, v] : {std::pair{"mean_utilization", p.mean_utilization},
                                  {"peak_utilization", p.peak_utilization},
                                  {"server_hours", p.server_hours},
                                  {"cost", p.cost},
                                  {"little_l", p.little_l},
                                  {"little_lambda", p.little_lambda},
                                  {"little_w", p.little_w}}) {
      if (!std::isfinite(v)) return "pools." + p.name + "." + name;
    }
  }
  for (const slo_result& o : r.slos) {
    if (std::isinf(o.measured)) return "the SLO " + o.endpoint + " " + o.objective;
  }
  for (const auto& [name, v] : {std::pair{"population", r.adoption.population},
                                {"adopters_at_end", r.adoption.adopters_at_end},
                                {"peak_daily_active_users", r.adoption.peak_daily_active_users},
                                {"shares", r.adoption.shares},
                                {"adopted_by_share", r.adoption.adopted_by_share}}) {
    if (!std::isfinite(v)) return std::string("adoption.") + name;
  }
  for (const figure_result& f : r.figures) {
    if (std::isinf(f.simulated)) return "the figure " + f.name;
  }
  return {};
}

std::string compute_digest(const run_result& r) {
  fnv1a h;
  h.str(r.scenario);
  h.u64(r.seed);
  h.f64(r.scale);
  for (const std::string& c : r.series.columns) h.str(c);
  for (const auto& row : r.series.rows) {
    for (double v : row) h.f64(v);
  }
  for (const endpoint_result& e : r.endpoints) {
    h.str(e.name);
    for (std::uint64_t v : {e.offered, e.completed, e.rejected, e.abandoned, e.in_flight,
                            e.latency.count(), e.samples_seen}) {
      h.u64(v);
    }
    h.u64(static_cast<std::uint64_t>(e.latency.min()));
    h.u64(static_cast<std::uint64_t>(e.latency.max()));
    h.f64(e.latency.mean());
  }
  for (const pool_result& p : r.pools) {
    h.str(p.name);
    for (double v :
         {p.mean_utilization, p.peak_utilization, p.little_l, p.little_lambda, p.little_w}) {
      h.f64(v);
    }
    h.u64(static_cast<std::uint64_t>(p.peak_queue));
  }
  h.f64(r.adoption.adopters_at_end);
  h.f64(r.adoption.peak_daily_active_users);
  if (r.adoption.model == "cascade") {
    h.f64(r.adoption.shares);
    h.f64(r.adoption.adopted_by_share);
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h.value()));
  return hex;
}

double dropped_share(const std::vector<loadtest_endpoint_result>& endpoints) {
  std::uint64_t sent = 0, dropped = 0;
  for (const auto& e : endpoints) {
    sent += e.sent;
    dropped += e.dropped;
  }
  return dropped ? static_cast<double>(dropped) / static_cast<double>(sent + dropped) : 0;
}

bool kept_schedule(const loadtest_result& lt) {
  return dropped_share(lt.endpoints) <= lt.max_dropped &&
         static_cast<double>(lt.lag.quantile(0.99)) * 1e-6 <= lt.max_lag_s;
}

}  // namespace stampede::sim
