#include "sim/pool.hpp"
#include "tests/sim/pool_fixtures.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <span>

using namespace stampede::sim;
using stampede::sim::test::one_pool;
using stampede::sim::test::run_windows;
using stampede::sim::test::windowed;

namespace {

/// Erlang C: probability that an arrival waits in M/M/c with offered load a = λ/μ.
double erlang_c(int c, double a) {
  double term = 1, sum = 1;  // sum over k < c of a^k / k!
  for (int k = 1; k < c; ++k) {
    term *= a / k;
    sum += term;
  }
  const double top = term * a / c * (c / (c - a));  // a^c / c! · c / (c - a)
  return top / (sum + top);
}

/// Poisson arrivals of rate `lambda` per second, with infinite patience.
std::vector<request> poisson_arrivals(double lambda, std::size_t n, std::uint64_t seed) {
  rng_stream rng(seed, stream::test, 1);
  std::vector<request> out(n);
  double t = 0;
  for (std::size_t i = 0; i < n; ++i) {
    t += -std::log(rng.uniform()) / lambda;
    out[i].at = from_seconds(t);
    out[i].id = i;
    out[i].patience = from_seconds(1e12);
  }
  return out;
}

}  // namespace

TEST_CASE("an M/M/c pool waits as long as Erlang C says", "[sim][queue]") {
  const int c = 4;
  const double mu = 1.0, lambda = 3.2;  // utilization 0.8
  const scenario s = one_pool(c, distribution::exponential(1 / mu));
  pool_model pool(s, 0);
  const auto arrivals = poisson_arrivals(lambda, 4'000'000, 7);
  std::vector<outcome> out;
  pool.serve(arrivals, out);
  const pool_final f = pool.finish();
  const double expected = erlang_c(c, lambda / mu) / (c * mu - lambda);  // 0.7455 s
  // 4M arrivals: the batch-means standard error of the mean wait at ρ = 0.8 is
  // about 0.6%, so 3% is five standard errors.
  CHECK(f.result.little_w == Approx(expected).epsilon(0.03));
  REQUIRE(out.size() == arrivals.size());
}

TEST_CASE("a full queue rejects new arrivals", "[sim][queue]") {
  // One server, work 10 s, room for 2 waiting: of 5 arrivals at t = 0,
  // one is served, two wait, two are rejected.
  const scenario s = one_pool(1, distribution::constant(10), 2);
  pool_model pool(s, 0);
  std::vector<request> arrivals(5);
  for (std::size_t i = 0; i < 5; ++i) {
    arrivals[i] = request{0, i, from_seconds(1e9), 0, 0};
  }
  std::vector<outcome> out;
  pool.serve(arrivals, out);
  REQUIRE(out.size() == 5);
  CHECK(out[0].what == outcome::kind::completed);
  CHECK(out[0].at == 10 * second);
  CHECK(out[1].at == 20 * second);
  CHECK(out[2].at == 30 * second);
  CHECK(out[3].what == outcome::kind::rejected);
  CHECK(out[4].what == outcome::kind::rejected);
  CHECK(pool.queue_length(0) == 2);
  CHECK(pool.queue_length(10 * second) == 1);
  CHECK(pool.queue_length(20 * second) == 0);
}

TEST_CASE("a user whose patience runs out abandons and leaves the server to the next",
          "[sim][queue]") {
  const scenario s = one_pool(1, distribution::constant(10));
  pool_model pool(s, 0);
  std::vector<request> arrivals{
      {0, 0, from_seconds(100), 0, 0},
      {second, 1, 5 * second, 1, 0},       // would wait 9 s, patience 5 s
      {2 * second, 2, 20 * second, 2, 0},  // waits 8 s: the abandoner freed nothing
  };
  std::vector<outcome> out;
  pool.serve(arrivals, out);
  CHECK(out[1].what == outcome::kind::abandoned);
  CHECK(out[1].at == 6 * second);
  CHECK(out[2].what == outcome::kind::completed);
  CHECK(out[2].at == 20 * second);
  const pool_final f = pool.finish();
  REQUIRE(f.endpoints.size() == 1);
  const endpoint_result& e = f.endpoints[0].second;
  CHECK(e.offered == 3);
  CHECK(e.completed == 2);
  CHECK(e.abandoned == 1);
  CHECK(e.latency.max() == 18 * second);
}

TEST_CASE("a pool accounts for every request it was offered", "[sim][queue]") {
  const scenario s = one_pool(3, distribution::exponential(2.0), 8);
  pool_model pool(s, 0);
  auto arrivals = poisson_arrivals(2.0, 200'000, 11);
  rng_stream rng(3, stream::test, 2);
  for (auto& r : arrivals) r.patience = from_seconds(-5 * std::log(rng.uniform()));
  std::vector<outcome> out;
  pool.serve(arrivals, out);
  const endpoint_result e = pool.finish().endpoints[0].second;
  CHECK(e.offered == arrivals.size());
  CHECK(e.rejected > 0);
  CHECK(e.abandoned > 0);
  CHECK(e.offered == e.completed + e.rejected + e.abandoned + e.in_flight);
}

namespace {

/// Poisson arrivals with exponential patience (mean `patience_s`) and one session each.
std::vector<request> impatient_arrivals(double lambda, vtime until, double patience_s,
                                        std::uint64_t seed) {
  rng_stream rng(seed, stream::test, 3);
  std::vector<request> out;
  double t = 0;
  for (std::uint32_t i = 0;; ++i) {
    t += -std::log(rng.uniform()) / lambda;
    if (from_seconds(t) >= until) break;
    request r;
    r.at = from_seconds(t);
    r.id = i;
    r.session = i;
    r.patience = from_seconds(-patience_s * std::log(rng.uniform()));
    out.push_back(r);
  }
  return out;
}

event_spec server_event(event_spec::kind what, vtime at, std::int64_t count, vtime duration = 0) {
  event_spec e;
  e.what = what;
  e.at = at;
  e.pool = 0;
  e.count = count;
  e.duration = duration;
  return e;
}

}  // namespace

TEST_CASE("an M/D/1 pool waits as long as Pollaczek-Khinchine says", "[sim][queue]") {
  const double lambda = 0.7;  // work 1 s: utilization 0.7
  const scenario s = one_pool(1, distribution::constant(1.0));
  pool_model pool(s, 0);
  const auto arrivals = poisson_arrivals(lambda, 3'000'000, 17);
  std::vector<outcome> out;
  pool.serve(arrivals, out);
  const pool_final f = pool.finish();
  // Pollaczek-Khinchine with deterministic service: W = ρ·D / (2(1 − ρ)) = 1.1667 s.
  const double expected = 0.7 * 1.0 / (2 * (1 - 0.7));
  // 3M arrivals at ρ = 0.7: the batch-means standard error of the mean wait is
  // about 0.4%, so 3% is over five standard errors.
  CHECK(f.result.little_w == Approx(expected).epsilon(0.03));
}

TEST_CASE("an M/M/c/K pool rejects at the closed-form blocking probability", "[sim][queue]") {
  // c = 3 servers, K = 5 places in the queue, offered load a = λ/μ = 2.7 (ρ = 0.9).
  const int c = 3, k = 5;
  const double a = 2.7;
  const scenario s = one_pool(c, distribution::exponential(1.0), k);
  pool_model pool(s, 0);
  const auto arrivals = poisson_arrivals(a, 2'000'000, 23);
  std::vector<outcome> out;
  pool.serve(arrivals, out);
  const endpoint_result e = pool.finish().endpoints[0].second;
  // p_n ∝ a^n/n! up to c, then a^n/(c!·c^(n−c)) up to N = c + K; an arrival is
  // rejected when it finds N in the system (PASTA), with probability p_N.
  std::vector<double> p(static_cast<std::size_t>(c + k + 1));
  p[0] = 1;
  for (int n = 1; n <= c + k; ++n) p[static_cast<std::size_t>(n)] = p[n - 1] * a / std::min(n, c);
  double sum = 0;
  for (double v : p) sum += v;
  const double blocking = p.back() / sum;  // 0.0853
  const double measured = static_cast<double>(e.rejected) / static_cast<double>(e.offered);
  // 2M arrivals: with the correlation of a busy M/M/3/8 (relaxation time a few
  // seconds) the standard error is about 0.4% relative, so 3% is over five of them.
  CHECK(measured == Approx(blocking).epsilon(0.03));
}

TEST_CASE("both engines account for every request, once, with servers coming and going",
          "[sim][queue][conservation]") {
  for (const bool batched : {false, true}) {
    for (const int max : {1, 4}) {
      if (!batched && max > 1) continue;
      INFO("batched " << batched << ", max batch " << max);
      scenario s = one_pool(4, distribution::exponential(1.0), 30);
      s.horizon = 2 * hour;
      s.report_interval = 10 * minute;
      s.pools[0].batch.max = max;
      s.pools[0].batch.timeout = 300 * msec;
      s.pools[0].batch.speedup = {{1, 1.0}, {4, 2.5}};
      s.events = {server_event(event_spec::kind::add_servers, 20 * minute, 2),
                  server_event(event_spec::kind::outage, 40 * minute, 5, 10 * minute),
                  server_event(event_spec::kind::remove_servers, 80 * minute, 3)};
      const auto arrivals = impatient_arrivals(4.5, s.horizon, 30.0, 5);
      pool_model pool(s, 0, batched ? pool_model::engine::batched : pool_model::engine::automatic);
      windowed w = run_windows(pool, s, arrivals);
      const std::size_t at_horizon = w.outcomes.size();
      pool.advance(s.horizon + 100 * day, w.outcomes);
      const pool_final f = pool.finish();
      const endpoint_result& e = f.endpoints[0].second;
      CHECK(e.offered == arrivals.size());
      CHECK(e.rejected > 0);
      CHECK(e.abandoned > 0);
      CHECK(e.offered == e.completed + e.rejected + e.abandoned + e.in_flight);
      // Every request gets exactly one outcome eventually.
      REQUIRE(w.outcomes.size() == arrivals.size());
      std::vector<int> seen(arrivals.size(), 0);
      for (const outcome& o : w.outcomes) ++seen[o.session];
      CHECK(std::all_of(seen.begin(), seen.end(), [](int n) { return n == 1; }));
      // What was decided after the horizon is in flight at it, no more.
      CHECK(w.outcomes.size() - at_horizon <= e.in_flight);
      CHECK(w.intervals.size() == 12);
    }
  }
}

TEST_CASE("an outage removes servers for its duration", "[sim][queue][events]") {
  for (const bool batched : {false, true}) {
    INFO("batched " << batched);
    // 4 servers, 2 of them out from 100 s to 150 s. Work 1 s, one arrival every
    // 0.5 s: 2 servers busy on average, exactly saturating the 2 left in the outage.
    scenario s = one_pool(4, distribution::constant(1.0));
    s.horizon = 300 * second;
    s.report_interval = 10 * second;
    s.pools[0].cost_per_server_hour = 3.6;
    s.events = {server_event(event_spec::kind::outage, 100 * second, 2, 50 * second)};
    std::vector<request> arrivals;
    for (std::uint32_t i = 0; i < 600; ++i) {
      arrivals.push_back(request{static_cast<vtime>(i) * 500 * msec, i, 0, i, 0});
    }
    pool_model pool(s, 0, batched ? pool_model::engine::batched : pool_model::engine::automatic);
    const windowed w = run_windows(pool, s, arrivals);
    REQUIRE(w.intervals.size() == 30);
    for (const pool_interval& p : w.intervals) {
      const bool out = p.interval >= 10 && p.interval < 15;
      INFO("interval " << p.interval);
      // Servers at the end of the interval: back to 4 at 150 s, the end of interval 14.
      CHECK(p.real_servers == (out && p.interval < 14 ? 2.0 : 4.0));
      CHECK(p.available_seconds == Approx(out ? 20.0 : 40.0).margin(1e-9));
      // 2 server-seconds of work arrive each second; the first interval lends
      // 0.5 s of its last request to the second.
      CHECK(p.busy_seconds == Approx(p.interval == 0 ? 19.5 : 20.0).margin(1e-9));
    }
    const pool_final f = pool.finish();
    const endpoint_result& e = f.endpoints[0].second;
    // Patience 0 and nobody waits: the two servers left serve everyone; the last
    // two requests end at 300 s and 300.5 s, at or after the horizon.
    CHECK(e.completed == 598);
    CHECK(e.in_flight == 2);
    CHECK(e.abandoned == 0);
    CHECK(f.result.peak_utilization == Approx(1.0).margin(1e-9));
    // 4 servers for 250 s and 2 for 50 s: 1100 server-seconds, exactly.
    CHECK(f.result.server_hours == Approx(1100.0 / 3600).epsilon(1e-12));
    CHECK(f.result.cost == Approx(1100.0 / 3600 * 3.6).epsilon(1e-12));
    CHECK(f.result.peak_servers == 4);
  }
}

TEST_CASE("a removed server finishes its work before it leaves", "[sim][queue][events]") {
  // Two servers, work 10 s; at t = 5 s one is removed while both are busy.
  scenario s = one_pool(2, distribution::constant(10));
  s.horizon = 100 * second;
  s.report_interval = 100 * second;
  s.events = {server_event(event_spec::kind::remove_servers, 5 * second, 1)};
  const std::vector<request> arrivals{{0, 0, from_seconds(1e9), 0, 0},
                                      {0, 1, from_seconds(1e9), 1, 0},
                                      {6 * second, 2, from_seconds(1e9), 2, 0},
                                      {7 * second, 3, from_seconds(1e9), 3, 0}};
  for (const bool batched : {false, true}) {
    INFO("batched " << batched);
    pool_model pool(s, 0, batched ? pool_model::engine::batched : pool_model::engine::automatic);
    windowed w = run_windows(pool, s, arrivals);
    std::vector<vtime> done(4, -1);
    for (const outcome& o : w.outcomes) done[o.session] = o.at;
    // Both first requests complete at 10 s; then one server is left for the others.
    CHECK(done[0] == 10 * second);
    CHECK(done[1] == 10 * second);
    CHECK(done[2] == 20 * second);
    CHECK(done[3] == 30 * second);
    const pool_final f = pool.finish();
    // 2 servers until the removed one finished at 10 s, then 1: 110 server-seconds.
    CHECK(f.result.server_hours * 3600 == Approx(110.0).epsilon(1e-12));
  }
}

TEST_CASE("server events are scaled like the servers and reported in real units",
          "[sim][queue][events]") {
  scenario s = one_pool(40, distribution::constant(1.0));
  s.scale = 0.1;  // 4 simulated servers
  s.horizon = 100 * second;
  s.report_interval = 50 * second;
  s.events = {server_event(event_spec::kind::add_servers, 50 * second, 25)};  // 2.5 → 3 simulated
  pool_model pool(s, 0);
  const windowed w = run_windows(pool, s, {});
  REQUIRE(w.intervals.size() == 2);
  CHECK(w.intervals[0].real_servers == 40);
  CHECK(w.intervals[0].servers == 4);
  CHECK(w.intervals[1].real_servers == 65);
  CHECK(w.intervals[1].servers == 7);
  const pool_final f = pool.finish();
  CHECK(f.result.server_hours * 3600 == Approx(40 * 50 + 65 * 50).epsilon(1e-12));
  CHECK(f.result.peak_servers == 65);
}

TEST_CASE("a run that loses a request fails loudly", "[sim][invariants]") {
  run_result r;
  endpoint_result e;
  e.name = "generate";
  e.offered = 10;
  e.completed = 7;
  e.rejected = 1;
  e.abandoned = 1;
  r.endpoints.push_back(e);
  CHECK_THROWS_AS(check_invariants(r, true), invariant_error);
  r.endpoints[0].in_flight = 1;
  CHECK_NOTHROW(check_invariants(r, true));
}

TEST_CASE("a pool whose queue breaks Little's law fails loudly", "[sim][invariants]") {
  run_result r;
  pool_result p;
  p.name = "gpu";
  p.little_lambda = 10;
  p.little_w = 5;  // λW = 50
  p.little_l = 49;
  r.pools.push_back(p);
  CHECK_NOTHROW(check_invariants(r, true));
  r.pools[0].little_l = 20;
  CHECK_THROWS_WITH(check_invariants(r, true), Catch::Contains("Little's law"));
  CHECK_NOTHROW(check_invariants(r, false));  // stopped early: λ and W span the horizon
}

TEST_CASE(
    "a run stopped inside a reporting interval reports that interval and bills the time "
    "reached",
    "[sim][queue][stop]") {
  // 3 servers, 5 s of work each, one arrival every 10 s: always served at once.
  scenario s = one_pool(3, distribution::constant(5.0));
  s.pools[0].cost_per_server_hour = 2.0;
  s.horizon = 1000 * second;
  s.report_interval = 100 * second;
  std::vector<request> arrivals;
  for (std::uint64_t i = 0; i < 100; ++i) {
    arrivals.push_back({static_cast<vtime>(i) * 10 * second, i, from_seconds(1e9),
                        static_cast<std::uint32_t>(i), 0});
  }
  // Stopped after the window ending at 250 s: two intervals closed, the third
  // (200-300 s) half done.
  pool_model pool(s, 0);
  std::vector<outcome> out;
  std::vector<pool_interval> rows;
  std::size_t next = 0;
  const vtime reached = 250 * second;
  for (vtime t0 = 0; t0 < reached; t0 += s.tick) {
    const vtime t1 = t0 + s.tick;
    const std::size_t first = next;
    while (next < arrivals.size() && arrivals[next].at < t1) ++next;
    if (auto row = pool.serve_window(t0, t1, std::span(arrivals.data() + first, next - first), out))
      rows.push_back(*row);
  }
  REQUIRE(rows.size() == 2);
  const auto partial = pool.close_partial_interval(reached);
  REQUIRE(partial.has_value());
  CHECK(partial->interval == 2);
  // 200-250 s: 3 servers for 50 s.
  CHECK(partial->available_seconds == Approx(150.0).epsilon(1e-12));
  CHECK(partial->real_server_seconds == Approx(150.0).epsilon(1e-12));
  // Arrivals at 200, 210, 220, 230, 240 s; the one at 240 s completes at 245 s.
  CHECK(partial->endpoints[0].offered == 5);
  CHECK(partial->endpoints[0].completed == 5);
  const pool_final f = pool.finish(reached);
  // 3 servers for 250 s, not for the 1000 s horizon: 750 server-seconds, $2/h.
  CHECK(f.result.server_hours * 3600 == Approx(750.0).epsilon(1e-12));
  CHECK(f.result.cost == Approx(750.0 / 3600 * 2.0).epsilon(1e-12));
}
