#include "sim/platform/dispatch.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace stampede::sim {

namespace {

constexpr vtime never = std::numeric_limits<vtime>::max();

}  // namespace

// ---------------------------------------------------------------- min_tree

void replica_pool::min_tree::resize(std::size_t n) {
  if (n <= leaves_) return;
  std::size_t leaves = 1;
  while (leaves < n) leaves *= 2;
  std::vector<std::int64_t> node(2 * leaves, LLONG_MAX);
  for (std::size_t i = 0; i < leaves_; ++i) node[leaves + i] = node_[leaves_ + i];
  for (std::size_t p = leaves - 1; p >= 1; --p) node[p] = std::min(node[2 * p], node[2 * p + 1]);
  leaves_ = leaves;
  node_ = std::move(node);
}

void replica_pool::min_tree::set(std::size_t i, std::int64_t load) {
  std::size_t p = leaves_ + i;
  node_[p] = load;
  for (p /= 2; p >= 1; p /= 2) node_[p] = std::min(node_[2 * p], node_[2 * p + 1]);
}

std::size_t replica_pool::min_tree::argmin() const {
  std::size_t p = 1;
  while (p < leaves_) p = node_[2 * p] <= node_[2 * p + 1] ? 2 * p : 2 * p + 1;
  return p - leaves_;
}

// ---------------------------------------------------------------- replica_pool

replica_pool::replica_pool(const scenario& s, int pool, std::int64_t replicas, replica_books& books)
    : scenario_(&s),
      spec_(&s.pools.at(static_cast<std::size_t>(pool))),
      books_(&books),
      policy_(spec_->dispatch),
      batch_max_(std::max(1, spec_->batch.max)),
      batch_timeout_(spec_->batch.timeout),
      rng_(s.seed, stream::dispatch, static_cast<std::uint64_t>(pool)) {
  for (std::int64_t k = 0; k < replicas; ++k) add(0, 1);
}

std::uint32_t replica_pool::new_replica(vtime joins_at) {
  if (!vacant_.empty()) {
    // The slot keeps its capacity share and its queue's absolute index, so
    // deadlines left from the replica that left name nothing in the new one.
    const std::uint32_t r = vacant_.back();
    vacant_.pop_back();
    replica& x = replicas_[r];
    x.joined = x.leaving = x.left = false;
    x.joins_at = joins_at;
    x.real = 0;
    return r;
  }
  // Replica k holds its share of the scenario's queue capacity: the integers
  // floor((i+1)·C/n) - floor(i·C/n), i = k mod n, sum to C over n replicas,
  // and a sample of replicas (scale < 1) holds the same shares on average.
  const auto n = static_cast<__int128>(spec_->servers);
  const auto c = static_cast<__int128>(spec_->queue_capacity);
  const auto i = static_cast<__int128>(replicas_.size()) % n;
  const auto share = static_cast<std::int64_t>((i + 1) * c / n - i * c / n);
  replica x;
  x.capacity = std::max<std::int64_t>(1, share);
  x.joins_at = joins_at;
  replicas_.push_back(std::move(x));
  up_at_.push_back(-1);
  if (policy_ == dispatch_policy::join_shortest_queue) shortest_.resize(replicas_.size());
  return static_cast<std::uint32_t>(replicas_.size() - 1);
}

void replica_pool::add(vtime t, std::int64_t n) {
  for (std::int64_t k = 0; k < n; ++k) {
    const std::uint32_t r = new_replica(t);
    if (t <= now_) {
      replicas_[r].joined = true;
      enlist(r);
    } else {
      settle(r);
    }
  }
}

void replica_pool::remove(vtime t, std::int64_t n, double real_each) {
  now_ = std::max(now_, t);
  // The least loaded leave first; among equals, replicas present before
  // ordered ones, and the newest before the oldest.
  std::vector<std::uint32_t> order;
  for (std::size_t r = replicas_.size(); r-- > 0;) {
    if (!replicas_[r].leaving) order.push_back(static_cast<std::uint32_t>(r));
  }
  const auto key = [this](std::uint32_t r) {
    return std::pair{load(replicas_[r]), !replicas_[r].joined};
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return key(a) < key(b); });
  order.resize(std::min(order.size(), static_cast<std::size_t>(std::max<std::int64_t>(0, n))));
  for (const std::uint32_t r : order) {
    replicas_[r].leaving = true;
    replicas_[r].real = real_each;
    if (up_at_[r] >= 0) delist(r);
    settle(r);
  }
}

void replica_pool::enlist(std::uint32_t r) {
  up_at_[r] = static_cast<std::int64_t>(up_.size());
  up_.push_back(r);
  touch(r);
}

void replica_pool::delist(std::uint32_t r) {
  const auto at = static_cast<std::size_t>(up_at_[r]);
  up_[at] = up_.back();
  up_at_[up_[at]] = static_cast<std::int64_t>(at);
  up_.pop_back();
  up_at_[r] = -1;
  if (policy_ == dispatch_policy::join_shortest_queue) shortest_.set(r, LLONG_MAX);
}

void replica_pool::touch(std::uint32_t r) {
  if (policy_ == dispatch_policy::join_shortest_queue && up_at_[r] >= 0) {
    shortest_.set(r, load(replicas_[r]));
  }
}

std::int64_t replica_pool::choose() {
  const std::uint64_t n = up_.size();
  if (n == 0) return -1;
  switch (policy_) {
    case dispatch_policy::round_robin:
      if (next_up_ >= n) next_up_ = 0;
      return up_[next_up_++];
    case dispatch_policy::random:
      return up_[rng_.below(n)];
    case dispatch_policy::power_of_two: {
      if (n == 1) return up_[0];
      // Two different replicas, uniformly; the less loaded (the first on a tie).
      const std::uint64_t i = rng_.below(n);
      std::uint64_t j = rng_.below(n - 1);
      if (j >= i) ++j;
      return load(replicas_[up_[j]]) < load(replicas_[up_[i]]) ? up_[j] : up_[i];
    }
    case dispatch_policy::join_shortest_queue:
      return static_cast<std::int64_t>(shortest_.argmin());
    case dispatch_policy::shared:
      break;
  }
  return -1;
}

bool replica_pool::arrive(const request& r) {
  const std::int64_t c = choose();
  if (c < 0) return false;
  const auto at = static_cast<std::uint32_t>(c);
  replica& x = replicas_[at];
  if (x.waiting >= x.capacity) return false;
  const vtime deadline = r.at + r.patience;
  x.queue.push_back({r.at, deadline, r.block(), r.session, r.endpoint, false, r.work});
  deadlines_.push({deadline, at, x.base + x.queue.size() - 1});
  ++x.waiting;
  ++waiting_;
  touch(at);
  try_start(at);
  settle(at);
  return true;
}

queued_request& replica_pool::front_live(replica& x) {
  while (x.queue.front().gone) {
    x.queue.pop_front();
    ++x.base;
  }
  return x.queue.front();
}

void replica_pool::try_start(std::uint32_t r) {
  replica& x = replicas_[r];
  if (!x.joined || x.in_service > 0 || x.waiting == 0) return;
  if (x.waiting < batch_max_ && front_live(x).at + batch_timeout_ > now_) return;
  const auto n = std::min<std::int64_t>(batch_max_, x.waiting);
  // Work is drawn in service-start order, as the shared engines draw it.
  double work = 0;
  batch_.clear();
  for (std::int64_t k = 0; k < n; ++k) {
    const queued_request& q = front_live(x);
    work += books_->work_of(q.endpoint, q.work);
    batch_.push_back(q);
    x.queue.pop_front();
    ++x.base;
  }
  x.waiting -= n;
  waiting_ -= n;
  x.in_service = n;
  x.busy_until = now_ + from_seconds(work / spec_->batch.speedup_for(static_cast<int>(n)));
  books_->batch_served(now_, x.busy_until, batch_);
}

void replica_pool::settle(std::uint32_t r) {
  replica& x = replicas_[r];
  if (x.left) return;
  if (x.leaving && x.joined && x.in_service == 0 && x.waiting == 0) {
    x.left = true;
    x.timer = never;
    // Only abandoned requests are left in it; their indices stay used, so
    // that an index keeps naming one request while the slot is reused.
    x.base += x.queue.size();
    x.queue.clear();
    vacant_.push_back(r);
    books_->replica_left(now_, x.real);
    return;
  }
  vtime next = never;
  if (!x.joined) {
    next = x.joins_at;
  } else if (x.in_service > 0) {
    next = x.busy_until;
  } else if (x.waiting > 0) {
    next = front_live(x).at + batch_timeout_;
  }
  if (next != x.timer) {
    x.timer = next;
    if (next != never) timers_.push({next, r});
  }
}

void replica_pool::wake(std::uint32_t r) {
  replica& x = replicas_[r];
  x.timer = never;
  if (!x.joined && x.joins_at <= now_) {
    x.joined = true;
    if (!x.leaving) enlist(r);
  }
  if (x.in_service > 0 && x.busy_until <= now_) {
    x.in_service = 0;
    touch(r);
  }
  try_start(r);
  settle(r);
}

void replica_pool::run_until(vtime t) {
  // The request a deadline names, or nullptr when it was served or gave up.
  const auto named = [this](const deadline& d) -> queued_request* {
    replica& x = replicas_[std::get<1>(d)];
    const std::uint64_t seq = std::get<2>(d);
    if (seq < x.base || seq - x.base >= x.queue.size()) return nullptr;
    queued_request& q = x.queue[seq - x.base];
    return q.gone ? nullptr : &q;
  };
  for (;;) {
    while (!timers_.empty() && replicas_[timers_.top().second].timer != timers_.top().first) {
      timers_.pop();
    }
    while (!deadlines_.empty() && named(deadlines_.top()) == nullptr) deadlines_.pop();
    vtime next = never;
    if (!timers_.empty()) next = timers_.top().first;
    if (!deadlines_.empty()) next = std::min(next, std::get<0>(deadlines_.top()));
    if (next > t) break;
    now_ = std::max(now_, next);
    while (!timers_.empty() && timers_.top().first <= now_) {
      const auto [when, r] = timers_.top();
      timers_.pop();
      if (replicas_[r].timer == when) wake(r);
    }
    while (!deadlines_.empty() && std::get<0>(deadlines_.top()) <= now_) {
      const deadline d = deadlines_.top();
      deadlines_.pop();
      queued_request* q = named(d);
      if (q == nullptr) continue;
      q->gone = true;
      const std::uint32_t r = std::get<1>(d);
      --replicas_[r].waiting;
      --waiting_;
      touch(r);
      books_->gave_up(*q, std::get<0>(d));
      settle(r);
    }
  }
  now_ = std::max(now_, t);
}

}  // namespace stampede::sim

// ---------------------------------------------------------------- faithful scale

namespace stampede::sim {

namespace {

/// P(N >= k) for N ~ Poisson(m), summed in log space (k may be large).
double poisson_at_least(double m, int k) {
  if (k <= 0) return 1;
  if (m <= 0) return 0;
  double below = 0;
  for (int i = 0; i < k; ++i) {
    below += std::exp(-m + i * std::log(m) - std::lgamma(i + 1.0));
  }
  return std::max(0.0, 1 - below);
}

/// The lowest hourly rate of the day relative to the mean: the regions'
/// diurnal curves, each in its local time, weighted by their shares.
double quietest_hour_share(const scenario& s) {
  double lowest = std::numeric_limits<double>::infinity();
  for (vtime t = 0; t < day; t += 15 * minute) {
    double share = 0;
    for (const region_spec& r : s.regions) {
      share += r.share * s.behavior.diurnal[static_cast<std::size_t>(hour_of_day(t, r.utc_offset))];
    }
    lowest = std::min(lowest, share);
  }
  return lowest;
}

}  // namespace

double faithful_scale(const scenario& s, int pool, double offered_per_s) {
  const pool_spec& p = s.pools.at(static_cast<std::size_t>(pool));
  if (p.dispatch != dispatch_policy::shared || p.batch.max <= 1 || p.batch.timeout <= 0) return 0;
  const double joining = offered_per_s * quietest_hour_share(s) * to_seconds(p.batch.timeout);
  if (!(joining > 0)) return 1;
  // The Poisson mean at which max - 1 or more join with probability 0.99.
  const int k = p.batch.max - 1;
  double lo = 0, hi = k + 10 * std::sqrt(static_cast<double>(k)) + 20;
  for (int i = 0; i < 60; ++i) {
    const double mid = (lo + hi) / 2;
    (poisson_at_least(mid, k) >= 0.99 ? hi : lo) = mid;
  }
  // Rounded up to three significant digits: a scale to type, still faithful.
  const double scale = hi / joining;
  const double unit = std::pow(10.0, std::floor(std::log10(scale)) - 2);
  return std::min(1.0, std::ceil(scale / unit) * unit);
}

double expected_offered_rate(const scenario& s, int pool) {
  if (s.population_size <= 0 || s.horizon <= 0) return 0;
  // Mean adopted share over the run: dF/dt = (p + qF)(1 - F), RK4.
  const double p = s.adoption.innovation, q = s.adoption.imitation;
  const auto slope = [p, q](double f) { return (p + q * f) * (1 - f); };
  const int steps = 2000;
  const double dt = to_seconds(s.horizon) / steps;
  double f = s.adoption.initial_adopters / s.population_size, sum = 0;
  for (int i = 0; i < steps; ++i) {
    const double k1 = slope(f), k2 = slope(f + dt / 2 * k1), k3 = slope(f + dt / 2 * k2),
                 k4 = slope(f + dt * k3);
    const double next = std::min(1.0, f + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4));
    sum += (f + next) / 2;
    f = next;
  }
  double sessions_per_day = 0;
  for (const tier_spec& t : s.tiers) sessions_per_day += t.share * t.sessions_per_day;
  double mix = 0;
  for (std::size_t e = 0; e < s.endpoints.size() && e < s.behavior.mix.size(); ++e) {
    if (s.endpoints[e].pool == pool) mix += s.behavior.mix[e];
  }
  return sum / steps * s.population_size * sessions_per_day / 86400 *
         s.behavior.requests_per_session.mean() * mix;
}

}  // namespace stampede::sim
