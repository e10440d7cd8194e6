#include "sim/platform/pool.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace stampede::sim {

namespace {

constexpr vtime never = std::numeric_limits<vtime>::max();

/// Whether the pool's servers may change during the run (server events, the
/// autoscaler): then only the event-driven engine keeps FIFO order, since the
/// eager engine has already promised servers' future time to the backlog.
bool servers_can_change(const scenario& s, int pool) {
  if (s.pools[static_cast<std::size_t>(pool)].autoscale.enabled) return true;
  return std::any_of(s.events.begin(), s.events.end(), [pool](const event_spec& e) {
    return e.pool == pool &&
           (e.what == event_spec::kind::add_servers || e.what == event_spec::kind::remove_servers ||
            e.what == event_spec::kind::outage);
  });
}

}  // namespace

// ---------------------------------------------------------------- step_ledger

void step_ledger::change(vtime t, double delta) {
  changes_.push({std::max(t, at()), delta});
}

void step_ledger::advance(vtime t) {
  if (t < at()) return;
  // Equal times pop the smallest delta first, so a removal and an addition at
  // the same instant never show as a peak.
  while (!changes_.empty() && changes_.top().first <= t) {
    const auto [when, delta] = changes_.top();
    changes_.pop();
    step(when, delta);
    peak_ = std::max(peak_, level());
  }
  reach(t);
}

void busy_ledger::advance(vtime t) {
  if (t < at()) return;
  for (;;) {
    const vtime down = downs_.empty() ? never : downs_.top();
    const vtime up = ups_.empty() ? never : ups_.top();
    // The earlier step first; at equal times the step down (step_ledger's order).
    if (std::min(down, up) > t) break;
    if (down <= up) {
      downs_.pop();
      step(down, -1.0);
    } else {
      ups_.pop();
      step(up, 1.0);
    }
  }
  reach(t);
}

// ---------------------------------------------------------------- pool_model

pool_model::pool_model(const scenario& s, int pool, engine e)
    : scenario_(&s),
      pool_(pool),
      spec_(&s.pools.at(static_cast<std::size_t>(pool))),
      batched_(e == engine::batched || spec_->batch.max > 1 || servers_can_change(s, pool) ||
               spec_->dispatch != dispatch_policy::shared),
      horizon_(s.horizon),
      report_interval_(s.report_interval),
      capacity_(s.simulated_queue_capacity(pool)),
      batch_max_(std::max(1, spec_->batch.max)),
      batch_timeout_(spec_->batch.timeout),
      service_rng_(s.seed, stream::service, static_cast<std::uint64_t>(pool)),
      reservoir_rng_(s.seed, stream::reservoir, static_cast<std::uint64_t>(pool)),
      sampling_key_(draw_key(s.seed, stream::sampling, static_cast<std::uint64_t>(pool))),
      endpoints_(s.endpoints.size()),
      busy_seconds_(static_cast<std::size_t>(interval_count(s)), 0.0) {
  initial_sim_ = s.simulated_servers(pool);
  initial_real_ = static_cast<double>(spec_->servers);
  committed_sim_ = initial_sim_;
  committed_real_ = initial_real_;
  sim_servers_.change(0, static_cast<double>(initial_sim_));
  real_servers_.change(0, initial_real_);
  sim_servers_.advance(0);
  real_servers_.advance(0);
  if (spec_->dispatch != dispatch_policy::shared) {
    replicas_ =
        std::make_unique<replica_pool>(s, pool, initial_sim_, static_cast<replica_books&>(*this));
  } else if (batched_) {
    idle_ = initial_sim_;
  } else {
    std::vector<vtime> zeros(static_cast<std::size_t>(initial_sim_), 0);
    free_at_ = radix_heap<vtime>(zeros);
  }
  if (spec_->autoscale.enabled) next_look_ = spec_->autoscale.interval;
  for (std::size_t i = 0; i < endpoints_.size(); ++i) {
    endpoints_[i].total.name = s.endpoints[i].name;
    endpoints_[i].total.pool = spec_->name;
    endpoints_[i].intervals.resize(busy_seconds_.size());
    endpoints_[i].samples = reservoir(static_cast<std::uint64_t>(s.samples_per_endpoint()));
  }
}

std::size_t pool_model::clamp_interval(vtime t) const {
  // Every per-interval row is indexed through here: whatever time a rule
  // computes, the index stays in [0, n - 1].
  const auto last = static_cast<vtime>(busy_seconds_.size()) - 1;
  return static_cast<std::size_t>(std::clamp<vtime>(t / report_interval_, 0, last));
}

std::int64_t pool_model::queue_length(vtime t) {
  if (batched_) {
    run_until(t);
    return replicas_ ? replicas_->waiting() : waiting_count_;
  }
  while (!leaves_in_order_.empty() && leaves_in_order_.front() <= t) leaves_in_order_.pop_front();
  while (!leaves_at_.empty() && leaves_at_.top() <= t) leaves_at_.pop();
  return static_cast<std::int64_t>(leaves_in_order_.size() + leaves_at_.size());
}

void pool_model::leave_at(vtime t) {
  if (leaves_in_order_.empty() || t >= leaves_in_order_.back()) {
    leaves_in_order_.push_back(t);
  } else {
    leaves_at_.push(t);
  }
}

void pool_model::serve(std::span<const request> arrivals, std::vector<outcome>& out) {
  if (batched_) {
    for (const request& r : arrivals) serve_batched(r);
    out.insert(out.end(), decided_.begin(), decided_.end());
    decided_.clear();
  } else {
    for (const request& r : arrivals) serve_eager(r, out);
  }
  // Busy time only feeds the autoscaler; keeping its ledger short also keeps a
  // pool fed by serve() alone (the modeled HTTP service) in bounded memory.
  if (spec_->autoscale.enabled && !arrivals.empty()) busy_.advance(arrivals.back().at);
}

void pool_model::advance(vtime t, std::vector<outcome>& out) {
  if (!batched_) return;
  run_until(t);
  out.insert(out.end(), decided_.begin(), decided_.end());
  decided_.clear();
}

// ---------------------------------------------------------------- bookkeeping

void pool_model::count_offered(const request& r) {
  endpoint_state& e = endpoints_[r.endpoint];
  ++e.total.offered;
  ++e.intervals[clamp_interval(r.at)].offered;
}

[[gnu::flatten]] void pool_model::complete(std::uint16_t endpoint, vtime arrived, vtime end,
                                           std::uint32_t block, std::uint32_t session,
                                           std::vector<outcome>& out) {
  endpoint_state& e = endpoints_[endpoint];
  if (end < horizon_) {
    ++e.total.completed;
    ++e.intervals[clamp_interval(end)].completed;
    const vtime latency = end - arrived;
    e.total.latency.record(latency);
    e.interval_latency.record(latency);
    keep_sample(e, latency);
  } else {
    ++e.total.in_flight;
  }
  out.push_back(outcome{end, block, session, outcome::kind::completed});
}

[[gnu::flatten]] void pool_model::abandon(std::uint16_t endpoint, vtime arrived, vtime at,
                                          std::uint32_t block, std::uint32_t session,
                                          std::vector<outcome>& out) {
  endpoint_state& e = endpoints_[endpoint];
  time_in_queue_us_ += std::min(at, horizon_) - arrived;
  if (at < horizon_) {
    ++e.total.abandoned;
    ++e.intervals[clamp_interval(at)].abandoned;
  } else {
    ++e.total.in_flight;
  }
  out.push_back(outcome{at, block, session, outcome::kind::abandoned});
}

void pool_model::add_busy(vtime start, vtime end) {
  if (spec_->autoscale.enabled) {
    busy_.up(start);
    busy_.down(end);
  }
  end = std::min(end, horizon_);
  while (start < end) {
    const std::size_t i = clamp_interval(start);
    const vtime boundary = std::min(end, static_cast<vtime>(i + 1) * report_interval_);
    busy_seconds_[i] += to_seconds(boundary - start);
    start = boundary;
  }
}

void pool_model::keep_sample(endpoint_state& e, vtime latency) {
  e.samples.offer(static_cast<float>(latency), e.total.latency_samples, reservoir_rng_);
  e.total.samples_seen = e.samples.seen();
}

// ---------------------------------------------------------------- eager engine

double pool_model::work_of(std::uint16_t endpoint, double given) {
  return given >= 0 ? given : scenario_->endpoints[endpoint].work.sample(service_rng_);
}

// flatten: at -O2 GCC keeps vector::push_back (the outcome) and the heaps'
// calls out of line on this per-request path; flattening inlines them. Same
// for complete() and abandon().
[[gnu::flatten]] void pool_model::serve_eager(const request& r, std::vector<outcome>& out) {
  count_offered(r);
  // Requests that have not left by the last look bound the queue from above:
  // only when that bound reaches the capacity must the leave times be popped.
  const auto at_most = static_cast<std::int64_t>(leaves_in_order_.size() + leaves_at_.size());
  if (at_most >= capacity_ && queue_length(r.at) >= capacity_) {
    ++endpoints_[r.endpoint].total.rejected;
    ++endpoints_[r.endpoint].intervals[clamp_interval(r.at)].rejected;
    out.push_back(outcome{r.at, r.block(), r.session, outcome::kind::rejected});
    return;
  }
  ++accepted_;
  // No server at all (every one removed, none ordered): nobody will serve it.
  const vtime start = free_at_.empty() ? never : std::max(r.at, free_at_.top());
  if (start == never || start - r.at > r.patience) {
    const vtime at = r.at + r.patience;
    leave_at(at);
    abandon(r.endpoint, r.at, at, r.block(), r.session, out);
    return;
  }
  const vtime end = start + from_seconds(work_of(r.endpoint, r.work));
  free_at_.replace_top(end);
  if (start > r.at) leave_at(start);
  time_in_queue_us_ += std::min(start, horizon_) - r.at;
  add_busy(start, end);
  complete(r.endpoint, r.at, end, r.block(), r.session, out);
}

// ---------------------------------------------------------------- batched engine

void pool_model::serve_batched(const request& r) {
  run_until(r.at);
  count_offered(r);
  if (replicas_ ? !replicas_->arrive(r) : waiting_count_ >= capacity_) {
    ++endpoints_[r.endpoint].total.rejected;
    ++endpoints_[r.endpoint].intervals[clamp_interval(r.at)].rejected;
    decided_.push_back(outcome{r.at, r.block(), r.session, outcome::kind::rejected});
    return;
  }
  ++accepted_;
  if (replicas_) return;
  const vtime deadline = r.at + r.patience;
  waiting_.push_back({r.at, deadline, r.block(), r.session, r.endpoint, false, r.work});
  deadlines_.push({deadline, waiting_base_ + waiting_.size() - 1});
  ++waiting_count_;
  now_ = std::max(now_, r.at);
  try_start(now_);
}

pool_model::waiting_request& pool_model::front_live() {
  while (waiting_.front().gone) {
    waiting_.pop_front();
    ++waiting_base_;
  }
  return waiting_.front();
}

void pool_model::run_until(vtime t) {
  if (replicas_) {
    replicas_->run_until(t);
    return;
  }
  // One instant at a time. At an instant: servers that become free (batch ends,
  // servers joining) first, then batches start, then requests whose patience
  // ends at that instant abandon; arrivals at the instant come after all of
  // it. This is the eager engine's order: a request served exactly at its
  // deadline is served, and one that leaves at t is not in the queue at t.
  for (;;) {
    while (!deadlines_.empty()) {
      const auto seq = deadlines_.top().second;
      if (seq >= waiting_base_ && !waiting_[seq - waiting_base_].gone) break;
      deadlines_.pop();
    }
    vtime next = never;
    if (!batch_ends_.empty()) next = std::min(next, batch_ends_.top());
    if (!joining_.empty()) next = std::min(next, joining_.top());
    if (!deadlines_.empty()) next = std::min(next, deadlines_.top().first);
    if (idle_ > 0 && waiting_count_ > 0) next = std::min(next, front_live().at + batch_timeout_);
    if (next > t) break;
    now_ = std::max(now_, next);
    while (!batch_ends_.empty() && batch_ends_.top() <= now_) {
      batch_ends_.pop();
      server_free(now_);
    }
    while (!joining_.empty() && joining_.top() <= now_) {
      joining_.pop();
      server_free(now_);
    }
    try_start(now_);
    while (!deadlines_.empty() && deadlines_.top().first <= now_) {
      const auto [deadline, seq] = deadlines_.top();
      deadlines_.pop();
      if (seq < waiting_base_) continue;  // taken by a batch
      waiting_request& w = waiting_[seq - waiting_base_];
      if (w.gone) continue;
      w.gone = true;
      --waiting_count_;
      abandon(w.endpoint, w.at, deadline, w.block, w.session, decided_);
    }
  }
  now_ = std::max(now_, t);
}

void pool_model::try_start(vtime now) {
  while (idle_ > 0 && waiting_count_ > 0 &&
         (waiting_count_ >= batch_max_ || front_live().at + batch_timeout_ <= now)) {
    start_batch(now);
  }
}

void pool_model::start_batch(vtime now) {
  const auto n = static_cast<int>(std::min<std::int64_t>(batch_max_, waiting_count_));
  // Work is drawn in FIFO service-start order, as the eager engine draws it.
  double work = 0;
  batch_.clear();
  for (int k = 0; k < n; ++k) {
    const waiting_request& w = front_live();
    work += work_of(w.endpoint, w.work);
    batch_.push_back(w);
    waiting_.pop_front();
    ++waiting_base_;
  }
  waiting_count_ -= n;
  const vtime end = now + from_seconds(work / spec_->batch.speedup_for(n));
  --idle_;
  batch_ends_.push(end);
  batch_served(now, end, batch_);
}

void pool_model::batch_served(vtime start, vtime end, std::span<const queued_request> batch) {
  add_busy(start, end);
  for (const queued_request& w : batch) {
    time_in_queue_us_ += std::min(start, horizon_) - w.at;
    complete(w.endpoint, w.at, end, w.block, w.session, decided_);
  }
}

void pool_model::gave_up(const queued_request& q, vtime at) {
  abandon(q.endpoint, q.at, at, q.block, q.session, decided_);
}

void pool_model::replica_left(vtime at, double real) {
  sim_servers_.change(at, -1);
  real_servers_.change(at, -real);
}

void pool_model::server_free(vtime now) {
  if (retiring_.empty()) {
    ++idle_;
    return;
  }
  // A server told to leave leaves as soon as it has finished its work.
  sim_servers_.change(now, -1);
  real_servers_.change(now, -retiring_.front());
  retiring_.pop_front();
}

// ---------------------------------------------------------------- server changes

std::int64_t pool_model::scaled(std::int64_t real) const {
  if (real <= 0) return 0;
  return std::max<std::int64_t>(1, std::llround(static_cast<double>(real) * scenario_->scale));
}

void pool_model::add_servers(vtime t, std::int64_t sim, double real) {
  if (sim <= 0) return;
  committed_sim_ += sim;
  committed_real_ += real;
  sim_servers_.change(t, static_cast<double>(sim));
  real_servers_.change(t, real);
  if (replicas_) {
    replicas_->add(t, sim);
    return;
  }
  for (std::int64_t k = 0; k < sim; ++k) {
    if (batched_) {
      joining_.push(t);
    } else {
      free_at_.push(t);
    }
  }
}

std::pair<std::int64_t, double> pool_model::remove_servers(vtime t, std::int64_t sim, double real) {
  sim = std::min(sim, committed_sim_);
  if (sim <= 0) return {0, 0};
  real = sim == committed_sim_ ? committed_real_ : std::min(real, committed_real_);
  committed_sim_ -= sim;
  committed_real_ -= real;
  // Each simulated server stands for an equal share of the real ones removed.
  const double each = real / static_cast<double>(sim);
  if (replicas_) {
    replicas_->remove(t, sim, each);
    return {sim, real};
  }
  if (!batched_) {
    // The servers that become free first leave, each once its given work is done.
    for (std::int64_t k = 0; k < sim; ++k) {
      const vtime leaves = std::max(t, free_at_.top());
      free_at_.pop();
      sim_servers_.change(leaves, -1);
      real_servers_.change(leaves, -each);
    }
    return {sim, real};
  }
  const std::int64_t now = std::min(sim, idle_);
  idle_ -= now;
  sim_servers_.change(t, -static_cast<double>(now));
  real_servers_.change(t, -each * static_cast<double>(now));
  for (std::int64_t k = now; k < sim; ++k) retiring_.push_back(each);
  return {sim, real};
}

void pool_model::apply_events(vtime t) {
  const auto& events = scenario_->events;
  for (; next_event_ < events.size() && events[next_event_].at <= t; ++next_event_) {
    const event_spec& e = events[next_event_];
    if (e.pool != pool_) continue;
    switch (e.what) {
      case event_spec::kind::add_servers:
        add_servers(t, scaled(e.count), static_cast<double>(e.count));
        break;
      case event_spec::kind::remove_servers:
        remove_servers(t, scaled(e.count), static_cast<double>(e.count));
        break;
      case event_spec::kind::outage: {
        // What was actually taken comes back (0 = for the rest of the run).
        const auto [sim, real] = remove_servers(t, scaled(e.count), static_cast<double>(e.count));
        if (e.duration > 0) add_servers(t + e.duration, sim, real);
        break;
      }
      default:
        break;
    }
  }
}

void pool_model::autoscale(vtime t) {
  const autoscale_spec& a = spec_->autoscale;
  if (!a.enabled || t < next_look_) return;
  busy_.advance(t);
  // Servers busy on average since the last look, against the servers the pool
  // will have once those on order have joined (and those told to leave have
  // left): counting orders, as real autoscalers count pending replicas, keeps a
  // long provisioning delay from ordering again for demand already covered.
  const double busy = (busy_.integral() - busy_at_look_) / to_seconds(t - look_at_);
  busy_at_look_ = busy_.integral();
  look_at_ = t;
  while (next_look_ <= t) next_look_ += a.interval;
  // With no server at all, anyone waiting means more are needed.
  const double utilization = committed_sim_ > 0 ? busy / static_cast<double>(committed_sim_)
                                                : (queue_length(t) > 0 ? 1.0 : 0.0);
  if (utilization > a.target_utilization) {
    const auto room =
        static_cast<std::int64_t>(std::llround(static_cast<double>(a.max) - committed_real_));
    const std::int64_t order = std::min(a.step, room);
    if (order > 0) add_servers(t + a.provisioning_delay, scaled(order), static_cast<double>(order));
  } else if (utilization < a.target_utilization / 2) {
    const auto spare = static_cast<std::int64_t>(std::llround(committed_real_ - initial_real_));
    const std::int64_t leave = std::min(a.step, spare);
    const std::int64_t sim = std::min(scaled(leave), committed_sim_ - initial_sim_);
    if (leave > 0 && sim > 0) remove_servers(t, sim, static_cast<double>(leave));
  }
}

// ---------------------------------------------------------------- windows

std::optional<pool_interval> pool_model::serve_window(vtime t0, vtime t1,
                                                      std::span<const request> arrivals,
                                                      std::vector<outcome>& out) {
  if (batched_) run_until(t0);
  apply_events(t0);
  // Sampling at a fixed instant (say the window's end) would be biased: users
  // whose think time ended early are sent at the window's start, so the queue
  // has a sawtooth within each window.
  // The instant is keyed by the window's start, so that it does not depend on
  // which windows were served before (a runner may skip idle ones).
  const std::uint64_t bits = keyed_draw(sampling_key_, static_cast<std::uint64_t>(t0));
  const vtime u =
      t0 + static_cast<vtime>(rng_stream::scale(bits, static_cast<std::uint64_t>(t1 - t0)));
  const auto split = std::partition_point(arrivals.begin(), arrivals.end(),
                                          [u](const request& r) { return r.at <= u; });
  const auto before = static_cast<std::size_t>(split - arrivals.begin());
  serve(arrivals.first(before), out);
  const std::int64_t sampled = queue_length(u);
  queue_samples_sum_ += static_cast<double>(sampled);
  ++queue_samples_;
  serve(arrivals.subspan(before), out);
  advance(t1, out);

  const std::int64_t q = queue_length(t1);
  peak_queue_ = std::max({peak_queue_, q, sampled});
  sim_servers_.advance(t1);
  real_servers_.advance(t1);
  autoscale(t1);
  if (batched_) {
    // Servers ordered by the autoscaler at t1 may already take work at t1.
    out.insert(out.end(), decided_.begin(), decided_.end());
    decided_.clear();
  }

  const vtime interval_end =
      std::min(horizon_, static_cast<vtime>(next_interval_ + 1) * report_interval_);
  if (t1 < interval_end) return std::nullopt;
  return close_interval(q);
}

vtime pool_model::idle_until(vtime t) {
  if (batched_ || replicas_) return t;
  vtime until = std::min(horizon_, static_cast<vtime>(next_interval_ + 1) * report_interval_);
  if (!leaves_in_order_.empty()) until = std::min(until, leaves_in_order_.front());
  if (!leaves_at_.empty()) until = std::min(until, leaves_at_.top());
  if (spec_->autoscale.enabled) until = std::min(until, next_look_);
  const auto& events = scenario_->events;
  if (next_event_ < events.size()) until = std::min(until, events[next_event_].at);
  return until;
}

void pool_model::skip_idle(vtime t1, std::int64_t windows) {
  // What serve_window does in a window without arrivals or changes: the
  // queue, unchanged, is sampled once per window.
  const std::int64_t q = queue_length(t1);
  queue_samples_sum_ += static_cast<double>(q) * static_cast<double>(windows);
  queue_samples_ += static_cast<std::uint64_t>(windows);
  sim_servers_.advance(t1);
  real_servers_.advance(t1);
}

std::optional<pool_interval> pool_model::close_partial_interval(vtime reached) {
  if (reached <= static_cast<vtime>(next_interval_) * report_interval_ || reached >= horizon_) {
    return std::nullopt;
  }
  return close_interval(queue_length(reached));
}

pool_interval pool_model::close_interval(std::int64_t queue) {
  pool_interval p;
  p.pool = pool_;
  p.interval = next_interval_;
  p.busy_seconds = busy_seconds_[static_cast<std::size_t>(next_interval_)];
  p.queue_at_end = queue;
  p.servers = std::llround(sim_servers_.level());
  p.available_seconds = sim_servers_.integral() - available_at_interval_;
  p.real_server_seconds = real_servers_.integral() - real_at_interval_;
  p.real_servers = real_servers_.level();
  available_at_interval_ = sim_servers_.integral();
  real_at_interval_ = real_servers_.integral();
  available_seconds_.push_back(p.available_seconds);
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

pool_final pool_model::finish(vtime reached) {
  const vtime end = std::min(reached, horizon_);
  pool_final f;
  f.pool = pool_;
  // Requests still waiting at the end were never decided: in flight.
  const auto in_flight = [this, end](const waiting_request& w) {
    ++endpoints_[w.endpoint].total.in_flight;
    time_in_queue_us_ += std::max<vtime>(0, end - w.at);
  };
  for (const waiting_request& w : waiting_) {
    if (!w.gone) in_flight(w);
  }
  if (replicas_) replicas_->for_each_waiting(in_flight);
  waiting_.clear();
  waiting_count_ = 0;
  decided_.clear();

  // Servers present in the intervals no window closed (a pool fed by serve()
  // alone); none after the end, where a stopped run never went.
  for (auto i = static_cast<std::size_t>(next_interval_);
       i < busy_seconds_.size() && static_cast<vtime>(i) * report_interval_ < end; ++i) {
    sim_servers_.advance(std::min(end, static_cast<vtime>(i + 1) * report_interval_));
    available_seconds_.push_back(sim_servers_.integral() - available_at_interval_);
    available_at_interval_ = sim_servers_.integral();
  }
  sim_servers_.advance(end);
  real_servers_.advance(end);

  const double end_s = to_seconds(end);
  pool_result& r = f.result;
  r.name = spec_->name;
  r.servers = spec_->servers;
  r.simulated_servers = initial_sim_;
  double busy = 0;
  for (std::size_t i = 0; i < available_seconds_.size(); ++i) {
    busy += busy_seconds_[i];
    if (available_seconds_[i] > 0) {
      r.peak_utilization = std::max(r.peak_utilization, busy_seconds_[i] / available_seconds_[i]);
    }
  }
  const double available = sim_servers_.integral();
  r.mean_utilization = available > 0 ? busy / available : 0;
  r.peak_queue = peak_queue_;
  r.server_hours = real_servers_.integral() / 3600.0;
  r.cost = r.server_hours * spec_->cost_per_server_hour;
  r.peak_servers = std::llround(real_servers_.peak());
  r.little_l = queue_samples_ ? queue_samples_sum_ / static_cast<double>(queue_samples_) : 0;
  r.little_lambda = static_cast<double>(accepted_) / end_s;
  r.little_w = accepted_ ? to_seconds(time_in_queue_us_) / static_cast<double>(accepted_) : 0;
  for (std::size_t i = 0; i < endpoints_.size(); ++i) {
    if (scenario_->endpoints[i].pool == pool_) {
      f.endpoints.emplace_back(static_cast<int>(i), std::move(endpoints_[i].total));
    }
  }
  return f;
}

// ---------------------------------------------------------------- batch_spec

double batch_spec::speedup_for(int b) const {
  // A batch of one is the plain server, whatever the table says.
  if (b <= 1) return 1.0;
  // The table with (1, 1) in front when it does not start there.
  double lo_size = 1, lo_value = 1;
  for (const auto& [size, value] : speedup) {
    if (size == b) return value;
    if (size > b) {
      if (size <= lo_size) return value;
      const double f = (b - lo_size) / (static_cast<double>(size) - lo_size);
      return lo_value + f * (value - lo_value);
    }
    lo_size = size;
    lo_value = value;
  }
  return lo_value;
}

}  // namespace stampede::sim
