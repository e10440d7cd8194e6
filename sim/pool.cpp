#include "sim/pool.hpp"

#include <algorithm>

namespace stampede::sim {

pool_model::pool_model(const scenario& s, int pool)
    : scenario_(&s),
      pool_(pool),
      horizon_(s.horizon),
      report_interval_(s.report_interval),
      servers_(s.simulated_servers(pool)),
      capacity_(s.simulated_queue_capacity(pool)),
      service_rng_(s.seed, stream::service, static_cast<std::uint64_t>(pool)),
      reservoir_rng_(s.seed, stream::reservoir, static_cast<std::uint64_t>(pool)),
      sampling_rng_(s.seed, stream::sampling, static_cast<std::uint64_t>(pool)),
      endpoints_(s.endpoints.size()),
      busy_seconds_(static_cast<std::size_t>(interval_count(s)), 0.0) {
  std::vector<vtime> zeros(static_cast<std::size_t>(servers_), 0);
  free_at_ = decltype(free_at_)(std::greater<>{}, std::move(zeros));
  for (std::size_t e = 0; e < endpoints_.size(); ++e) {
    endpoints_[e].total.name = s.endpoints[e].name;
    endpoints_[e].total.pool = s.pools[static_cast<std::size_t>(pool)].name;
    endpoints_[e].intervals.resize(busy_seconds_.size());
  }
}

std::int64_t pool_model::queue_length(vtime t) {
  while (!leaves_at_.empty() && leaves_at_.top() <= t) leaves_at_.pop();
  return static_cast<std::int64_t>(leaves_at_.size());
}

void pool_model::serve(std::span<const request> arrivals, std::vector<outcome>& out) {
  const int last_interval = static_cast<int>(busy_seconds_.size()) - 1;
  for (const request& r : arrivals) {
    endpoint_state& e = endpoints_[r.endpoint];
    const endpoint_spec& spec = scenario_->endpoints[r.endpoint];
    ++e.total.offered;
    ++e.intervals[static_cast<std::size_t>(std::min(interval_of(r.at), last_interval))].offered;
    outcome o{r.at, r.block(), r.session, outcome::kind::rejected};

    if (queue_length(r.at) >= capacity_) {
      ++e.total.rejected;
      ++e.intervals[static_cast<std::size_t>(std::min(interval_of(r.at), last_interval))].rejected;
      out.push_back(o);
      continue;
    }

    ++accepted_;
    const vtime start = std::max(r.at, free_at_.top());
    if (start - r.at > r.patience) {
      o.what = outcome::kind::abandoned;
      o.at = r.at + r.patience;
      leaves_at_.push(o.at);
      time_in_queue_seconds_ += to_seconds(std::min(o.at, horizon_) - r.at);
      if (o.at < horizon_) {
        ++e.total.abandoned;
        ++e.intervals[static_cast<std::size_t>(interval_of(o.at))].abandoned;
      } else {
        ++e.total.in_flight;
      }
      out.push_back(o);
      continue;
    }

    free_at_.pop();
    const vtime end = start + from_seconds(spec.work.sample(service_rng_));
    free_at_.push(end);
    if (start > r.at) leaves_at_.push(start);
    time_in_queue_seconds_ += to_seconds(std::min(start, horizon_) - r.at);
    add_busy(start, end);
    o.what = outcome::kind::completed;
    o.at = end;
    if (end < horizon_) {
      ++e.total.completed;
      ++e.intervals[static_cast<std::size_t>(interval_of(end))].completed;
      const vtime latency = end - r.at;
      e.total.latency.record(latency);
      e.interval_latency.record(latency);
      keep_sample(e, to_seconds(latency));
    } else {
      ++e.total.in_flight;
    }
    out.push_back(o);
  }
}

void pool_model::add_busy(vtime start, vtime end) {
  end = std::min(end, horizon_);
  while (start < end) {
    const int i = interval_of(start);
    const vtime boundary = std::min(end, static_cast<vtime>(i + 1) * report_interval_);
    busy_seconds_[static_cast<std::size_t>(i)] += to_seconds(boundary - start);
    start = boundary;
  }
}

void pool_model::keep_sample(endpoint_state& e, double seconds) {
  // Algorithm R (Vitter 1985): after n values each is kept with probability max/n.
  const auto max = static_cast<std::uint64_t>(scenario_->max_samples);
  ++e.total.samples_seen;
  if (e.total.latency_samples.size() < max) {
    e.total.latency_samples.push_back(seconds);
    return;
  }
  const std::uint64_t j = reservoir_rng_.below(e.total.samples_seen);
  if (j < max) e.total.latency_samples[j] = seconds;
}

std::optional<pool_interval> pool_model::serve_window(vtime t0, vtime t1,
                                                      std::span<const request> arrivals,
                                                      std::vector<outcome>& out) {
  // Sampling at a fixed instant (say the window's end) would be biased: users
  // whose think time ended early are sent at the window's start, so the queue
  // has a sawtooth within each window.
  const vtime u = t0 + static_cast<vtime>(sampling_rng_.below(static_cast<std::uint64_t>(t1 - t0)));
  const auto split = std::partition_point(arrivals.begin(), arrivals.end(),
                                          [u](const request& r) { return r.at <= u; });
  const auto before = static_cast<std::size_t>(split - arrivals.begin());
  serve(arrivals.first(before), out);
  const std::int64_t sampled = queue_length(u);
  queue_samples_sum_ += static_cast<double>(sampled);
  ++queue_samples_;
  serve(arrivals.subspan(before), out);

  const std::int64_t q = queue_length(t1);
  peak_queue_ = std::max({peak_queue_, q, sampled});

  const vtime interval_end =
      std::min(horizon_, static_cast<vtime>(next_interval_ + 1) * report_interval_);
  if (t1 < interval_end) return std::nullopt;

  pool_interval p;
  p.pool = pool_;
  p.interval = next_interval_;
  p.busy_seconds = busy_seconds_[static_cast<std::size_t>(next_interval_)];
  p.queue_at_end = q;
  p.servers = servers_;
  p.endpoints.resize(endpoints_.size());
  for (std::size_t i = 0; i < endpoints_.size(); ++i) {
    if (scenario_->endpoints[i].pool != pool_) continue;
    endpoint_state& e = endpoints_[i];
    endpoint_interval& row = e.intervals[static_cast<std::size_t>(next_interval_)];
    if (e.interval_latency.count() > 0) {
      row.p50 = e.interval_latency.quantile(0.5);
      row.p90 = e.interval_latency.quantile(0.9);
      row.p99 = e.interval_latency.quantile(0.99);
      row.p999 = e.interval_latency.quantile(0.999);
    }
    e.interval_latency.clear();
    p.endpoints[i] = row;
  }
  ++next_interval_;
  return p;
}

pool_final pool_model::finish() {
  pool_final f;
  f.pool = pool_;
  const pool_spec& spec = scenario_->pools[static_cast<std::size_t>(pool_)];
  const double horizon_s = to_seconds(horizon_);
  const double interval_s = to_seconds(report_interval_);
  pool_result& r = f.result;
  r.name = spec.name;
  r.servers = spec.servers;
  r.simulated_servers = servers_;
  double busy = 0;
  for (std::size_t i = 0; i < busy_seconds_.size(); ++i) {
    busy += busy_seconds_[i];
    const double length = std::min(interval_s, horizon_s - static_cast<double>(i) * interval_s);
    r.peak_utilization =
        std::max(r.peak_utilization, busy_seconds_[i] / (static_cast<double>(servers_) * length));
  }
  r.mean_utilization = busy / (static_cast<double>(servers_) * horizon_s);
  r.peak_queue = peak_queue_;
  r.server_hours = static_cast<double>(spec.servers) * horizon_s / 3600.0;
  r.cost = r.server_hours * spec.cost_per_server_hour;
  r.little_l = queue_samples_ ? queue_samples_sum_ / static_cast<double>(queue_samples_) : 0;
  r.little_lambda = static_cast<double>(accepted_) / horizon_s;
  r.little_w = accepted_ ? time_in_queue_seconds_ / static_cast<double>(accepted_) : 0;
  for (std::size_t i = 0; i < endpoints_.size(); ++i) {
    if (scenario_->endpoints[i].pool == pool_) {
      f.endpoints.emplace_back(static_cast<int>(i), std::move(endpoints_[i].total));
    }
  }
  return f;
}

}  // namespace stampede::sim
