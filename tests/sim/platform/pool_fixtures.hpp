#pragma once
// Shared by the pool tests: a one-pool scenario, and a driver that serves
// arrivals window by window as the engine does.
#include <algorithm>
#include <cmath>
#include <optional>
#include <span>
#include <vector>

#include "sim/platform/pool.hpp"

namespace stampede::sim::test {

/// One pool "p" of `servers` servers serving endpoint "e" with the given work,
/// over a horizon of 1000 days reported daily.
inline scenario one_pool(std::int64_t servers, distribution work,
                         std::int64_t capacity = 1'000'000'000) {
  scenario s;
  s.name = "pool-test";
  s.horizon = 1000 * day;
  s.tick = second;
  s.report_interval = day;
  s.population_size = 1;
  s.endpoints = {endpoint_spec{"e", 0, work}};
  pool_spec p;
  p.name = "p";
  p.servers = servers;
  p.queue_capacity = capacity;
  s.pools = {p};
  s.behavior.mix = {1.0};
  return s;
}

/// Poisson arrivals of rate `lambda` per second, one session each, with
/// exponential patience of mean `patience_s`, or infinite patience without it.
inline std::vector<request> poisson_arrivals(double lambda, std::size_t n, std::uint64_t seed,
                                             std::optional<double> patience_s = std::nullopt) {
  rng_stream rng(seed, stream::test, 1);
  std::vector<request> out(n);
  double t = 0;
  for (std::size_t i = 0; i < n; ++i) {
    t += -std::log(rng.uniform()) / lambda;
    out[i].at = from_seconds(t);
    out[i].id = i;
    out[i].session = static_cast<std::uint32_t>(i);
    out[i].patience = from_seconds(patience_s ? -*patience_s * std::log(rng.uniform()) : 1e12);
  }
  return out;
}

/// The outcomes of sessions 0..n-1, each at its session's index; a session
/// with no outcome keeps at = -1.
inline std::vector<outcome> by_session(const std::vector<outcome>& out, std::size_t n) {
  std::vector<outcome> sorted(n, outcome{-1, 0, 0, outcome::kind::completed});
  for (const outcome& o : out) sorted[o.session] = o;
  return sorted;
}

/// A server event (add_servers, remove_servers, outage) on pool 0.
inline event_spec server_event(event_spec::kind what, vtime at, std::int64_t count,
                               vtime duration = 0) {
  event_spec e;
  e.what = what;
  e.at = at;
  e.pool = 0;
  e.count = count;
  e.duration = duration;
  return e;
}

/// What run_windows saw: the outcomes, the closed intervals, and the servers
/// committed (present and ordered) after each window.
struct windowed {
  std::vector<outcome> outcomes;
  std::vector<pool_interval> intervals;
  std::vector<std::int64_t> committed;
};

/// Serves `arrivals` (sorted) window by window over the scenario's horizon.
inline windowed run_windows(pool_model& pool, const scenario& s,
                            const std::vector<request>& arrivals) {
  windowed w;
  std::size_t next = 0;
  for (vtime t0 = 0; t0 < s.horizon; t0 += s.tick) {
    const vtime t1 = std::min(s.horizon, t0 + s.tick);
    const std::size_t first = next;
    while (next < arrivals.size() && arrivals[next].at < t1) ++next;
    const std::span<const request> window(arrivals.data() + first, next - first);
    if (auto row = pool.serve_window(t0, t1, window, w.outcomes)) w.intervals.push_back(*row);
    w.committed.push_back(pool.committed_servers());
  }
  return w;
}

}  // namespace stampede::sim::test
