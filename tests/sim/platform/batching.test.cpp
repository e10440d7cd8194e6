#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <span>

#include "sim/platform/pool.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "tests/sim/platform/pool_fixtures.hpp"

using namespace stampede::sim;

namespace {

/// One pool "p" of `servers` servers serving endpoint "e", batching up to `max`.
scenario batch_pool(std::int64_t servers, distribution work, int max, vtime timeout,
                    std::vector<std::pair<int, double>> speedup,
                    std::int64_t capacity = 1'000'000'000) {
  scenario s = test::one_pool(servers, work, capacity);
  s.pools[0].batch = batch_spec{max, timeout, std::move(speedup)};
  return s;
}

/// Serves window by window over [0, until) and returns the closed intervals.
std::vector<pool_interval> run_windows(pool_model& pool, vtime tick, vtime until,
                                       const std::vector<request>& arrivals,
                                       std::vector<outcome>& out) {
  std::vector<pool_interval> rows;
  std::size_t next = 0;
  for (vtime t0 = 0; t0 < until; t0 += tick) {
    const vtime t1 = t0 + tick;
    const std::size_t first = next;
    while (next < arrivals.size() && arrivals[next].at < t1) ++next;
    if (auto row = pool.serve_window(
            t0, t1, std::span<const request>(arrivals.data() + first, next - first), out)) {
      rows.push_back(*row);
    }
  }
  return rows;
}

}  // namespace

TEST_CASE("the speed-up table is interpolated linearly and held beyond its end", "[sim][batch]") {
  const batch_spec b{8, 200 * msec, {{1, 1.0}, {4, 2.9}, {8, 5.1}}};
  CHECK(b.speedup_for(1) == 1.0);
  CHECK(b.speedup_for(4) == 2.9);
  CHECK(b.speedup_for(8) == 5.1);
  // Exact interpolation; 1e-12 only absorbs the rounding of the arithmetic.
  CHECK(b.speedup_for(2) == Approx(1.0 + 1.9 / 3).epsilon(1e-12));
  CHECK(b.speedup_for(6) == Approx(4.0).epsilon(1e-12));
  CHECK(b.speedup_for(16) == 5.1);
  // Without a (1, 1) point the table starts from it anyway; an empty table means no gain.
  const batch_spec c{8, 0, {{4, 3.0}}};
  CHECK(c.speedup_for(1) == 1.0);
  CHECK(c.speedup_for(3) == Approx(1.0 + 2.0 * 2 / 3).epsilon(1e-12));
  CHECK(batch_spec{}.speedup_for(5) == 1.0);
}

TEST_CASE("a batch of one through the batched engine makes the eager engine's decisions exactly",
          "[sim][batch][equivalence]") {
  // Three servers, a queue of 6, impatient users, exponential work: every path
  // of the eager engine (served at once, queued, abandoned, rejected) is taken.
  scenario s = batch_pool(3, distribution::exponential(1.0), 1, 0, {});
  s.pools[0].queue_capacity = 6;
  const auto arrivals = test::poisson_arrivals(3.3, 300'000, 31, 2.0);

  pool_model eager(s, 0);
  pool_model batched(s, 0, pool_model::engine::batched);
  REQUIRE_FALSE(eager.batched());
  REQUIRE(batched.batched());
  std::vector<outcome> a, b;
  eager.serve(arrivals, a);
  batched.serve(arrivals, b);
  batched.advance(s.horizon, b);
  REQUIRE(a.size() == arrivals.size());
  REQUIRE(b.size() == arrivals.size());
  const auto sa = test::by_session(a, arrivals.size());
  const auto sb = test::by_session(b, arrivals.size());
  std::size_t same = 0;
  for (std::size_t i = 0; i < sa.size(); ++i) {
    same += sa[i].at == sb[i].at && sa[i].what == sb[i].what;
  }
  CHECK(same == arrivals.size());

  const pool_final fa = eager.finish();
  const pool_final fb = batched.finish();
  const endpoint_result& ea = fa.endpoints[0].second;
  const endpoint_result& eb = fb.endpoints[0].second;
  CHECK(ea.rejected > 1000);
  CHECK(ea.abandoned > 1000);
  CHECK(ea.offered == eb.offered);
  CHECK(ea.completed == eb.completed);
  CHECK(ea.rejected == eb.rejected);
  CHECK(ea.abandoned == eb.abandoned);
  CHECK(ea.in_flight == eb.in_flight);
  CHECK(ea.latency.count() == eb.latency.count());
  CHECK(ea.latency.max() == eb.latency.max());
  CHECK(ea.latency_samples == eb.latency_samples);
  // Same sums in the same order: bit-identical, no tolerance.
  CHECK(fa.result.little_w == fb.result.little_w);
  CHECK(fa.result.mean_utilization == fb.result.mean_utilization);
}

TEST_CASE("window by window, a batch of one gives the eager engine's figures exactly",
          "[sim][batch][equivalence]") {
  scenario s = batch_pool(2, distribution::lognormal(0.8, 0.5), 1, 0, {}, 8);
  s.horizon = 3 * hour;
  s.report_interval = 10 * minute;
  const auto arrivals = test::poisson_arrivals(2.3, 30'000, 37, 5.0);
  pool_model eager(s, 0);
  pool_model batched(s, 0, pool_model::engine::batched);
  std::vector<outcome> a, b;
  const auto rows_a = run_windows(eager, s.tick, s.horizon, arrivals, a);
  const auto rows_b = run_windows(batched, s.tick, s.horizon, arrivals, b);
  batched.advance(s.horizon + 1000 * day, b);
  REQUIRE(rows_a.size() == 18);
  REQUIRE(rows_b.size() == rows_a.size());
  for (std::size_t i = 0; i < rows_a.size(); ++i) {
    INFO("interval " << i);
    CHECK(rows_a[i].busy_seconds == rows_b[i].busy_seconds);
    CHECK(rows_a[i].queue_at_end == rows_b[i].queue_at_end);
    CHECK(rows_a[i].endpoints[0].completed == rows_b[i].endpoints[0].completed);
    CHECK(rows_a[i].endpoints[0].abandoned == rows_b[i].endpoints[0].abandoned);
    CHECK(rows_a[i].endpoints[0].rejected == rows_b[i].endpoints[0].rejected);
  }
  const auto sa = test::by_session(a, arrivals.size());
  const auto sb = test::by_session(b, arrivals.size());
  for (std::size_t i = 0; i < sa.size(); ++i) {
    if (sa[i].at != sb[i].at || sa[i].what != sb[i].what) FAIL("request " << i << " differs");
  }
  const pool_final fa = eager.finish();
  const pool_final fb = batched.finish();
  // Little's law samples the queue at the same random instants in both.
  CHECK(fa.result.little_l == fb.result.little_l);
  CHECK(fa.result.little_w == fb.result.little_w);
  CHECK(fa.result.peak_queue == fb.result.peak_queue);
  CHECK(fa.endpoints[0].second.in_flight == fb.endpoints[0].second.in_flight);
}

TEST_CASE("at saturation a batching pool completes servers x speedup(b) / work per second",
          "[sim][batch]") {
  // 2 servers, batches of 8 with speed-up 5.1, mean work 1 s: 10.2 completions
  // per second. 20/s are offered; a queue of 200 keeps every batch full.
  const scenario s = batch_pool(2, distribution::exponential(1.0), 8, 200 * msec,
                                {{1, 1.0}, {4, 2.9}, {8, 5.1}}, 200);
  pool_model pool(s, 0);
  REQUIRE(pool.batched());
  const double horizon_s = 20'000;
  const auto arrivals =
      test::poisson_arrivals(20.0, static_cast<std::size_t>(20.0 * horizon_s), 41);
  std::vector<outcome> out;
  pool.serve(arrivals, out);
  pool.advance(arrivals.back().at, out);
  // Completions in the second half of the run, away from the start.
  const vtime from = from_seconds(horizon_s / 2);
  const vtime to = arrivals.back().at;
  std::size_t done = 0;
  for (const outcome& o : out) {
    done += o.what == outcome::kind::completed && o.at >= from && o.at < to;
  }
  const double rate = static_cast<double>(done) / to_seconds(to - from);
  // A batch's length is the sum of 8 exponential works (CV 0.35); over the ~5,000
  // batches per server in the measured half the rate's standard error is ~0.5%,
  // so 2% is four of them.
  CHECK(rate == Approx(2 * 5.1 / 1.0).epsilon(0.02));
}

TEST_CASE("a batch timeout releases a partial batch after the timeout", "[sim][batch]") {
  // One server, batches up to 8 after 200 ms, work 1 s each, speed-up 2 for 3.
  const scenario s =
      batch_pool(1, distribution::constant(1.0), 8, 200 * msec, {{1, 1.0}, {3, 2.0}, {8, 5.0}});
  pool_model pool(s, 0);
  std::vector<request> arrivals;
  auto add = [&](vtime at) {
    const auto i = static_cast<std::uint32_t>(arrivals.size());
    arrivals.push_back(request{at, i, from_seconds(1e9), i, 0});
  };
  add(0);
  add(10 * msec);
  add(20 * msec);   // three, then nobody: the batch leaves at 200 ms
  add(5 * second);  // alone: leaves at 5.2 s
  for (int k = 0; k < 8; ++k) add(10 * second + k * msec);  // a full batch leaves at once
  std::vector<outcome> out;
  pool.serve(arrivals, out);
  pool.advance(100 * second, out);
  const auto o = test::by_session(out, arrivals.size());
  // 3 requests of 1 s at speed-up 2: 1.5 s from 200 ms.
  CHECK(o[0].at == 1700 * msec);
  CHECK(o[1].at == 1700 * msec);
  CHECK(o[2].at == 1700 * msec);
  CHECK(o[3].at == 5200 * msec + second);
  // The eighth arrives at 10.007 s; 8 s of work at speed-up 5.
  for (std::size_t k = 4; k < 12; ++k) CHECK(o[k].at == 10'007 * msec + 1600 * msec);
  const pool_final f = pool.finish();
  CHECK(f.endpoints[0].second.completed == 12);
  // Waits: 200 + 190 + 180 ms, 200 ms, and 7+6+...+0 ms for the full batch.
  CHECK(f.result.little_w * 12 == Approx(0.770 + 0.028).epsilon(1e-9));
}

TEST_CASE("a request whose patience ends before a batch takes it abandons", "[sim][batch]") {
  const scenario s = batch_pool(1, distribution::constant(1.0), 4, 10 * second, {});
  pool_model pool(s, 0);
  const std::vector<request> arrivals{{0, 0, 2 * second, 0, 0}, {second, 1, 30 * second, 1, 0}};
  std::vector<outcome> out;
  pool.serve(arrivals, out);
  CHECK(out.empty());  // nothing is decided yet at 1 s
  pool.advance(60 * second, out);
  const auto o = test::by_session(out, 2);
  CHECK(o[0].what == outcome::kind::abandoned);
  CHECK(o[0].at == 2 * second);
  // The second request is now the oldest: its own timeout (1 s + 10 s) releases it alone.
  CHECK(o[1].what == outcome::kind::completed);
  CHECK(o[1].at == 12 * second);
  const endpoint_result e = pool.finish().endpoints[0].second;
  CHECK(e.abandoned == 1);
  CHECK(e.completed == 1);
}

TEST_CASE("Little's law holds in a batching pool measured window by window",
          "[sim][batch][little]") {
  // λ = 6/s into 2 servers batching up to 8 (timeout 0.5 s): queues form and
  // drain all the time. L is sampled at a random instant of each 1 s window.
  scenario s = batch_pool(2, distribution::exponential(0.5), 8, 500 * msec, {{1, 1.0}, {8, 4.0}});
  s.horizon = 40'000 * second;
  s.report_interval = 1000 * second;
  const auto arrivals = test::poisson_arrivals(6.0, 235'000, 43);
  pool_model pool(s, 0);
  std::vector<outcome> out;
  run_windows(pool, s.tick, s.horizon, arrivals, out);
  const pool_final f = pool.finish();
  const double l = f.result.little_l;
  const double lambda_w = f.result.little_lambda * f.result.little_w;
  REQUIRE(l > 0.5);
  // 40,000 samples of a queue that forgets within seconds: the standard error
  // of the mean is about 1%, so 5% is five of them.
  CHECK(l == Approx(lambda_w).epsilon(0.05));
}

TEST_CASE("a pool's batch and autoscale keys load in base units", "[sim][batch][loader]") {
  const scenario s = load_scenario_text(R"(
scenario: batching
horizon: 2d
tick: 1s
population: {size: 1000}
adoption: {innovation: 0.01/day, imitation: 0.5/day}
behavior: {sessions_per_day: 2, mix: {gen: 1}}
platform:
  endpoints:
    gen: {pool: gpu, work: 6s}
  pools:
    - name: gpu
      servers: 20_000
      batch: {max: 8, timeout: 200ms, speedup: {1: 1.0, 4: 2.9, 8: 5.1}}
      autoscale: {target_utilization: 0.8, step: 1000, provisioning_delay: 6h, max: 40_000}
)",
                                        "batching.yaml");
  const pool_spec& p = s.pools.at(0);
  CHECK(p.batch.max == 8);
  CHECK(p.batch.timeout == 200 * msec);
  REQUIRE(p.batch.speedup.size() == 3);
  CHECK(p.batch.speedup[1] == std::pair<int, double>{4, 2.9});
  CHECK(p.autoscale.enabled);
  CHECK(p.autoscale.target_utilization == 0.8);
  CHECK(p.autoscale.step == 1000);
  CHECK(p.autoscale.provisioning_delay == 6 * hour);
  CHECK(p.autoscale.max == 40'000);
  CHECK(p.autoscale.interval == 5 * minute);
  CHECK(pool_model(s, 0).batched());
}
