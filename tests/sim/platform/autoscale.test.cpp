#include <algorithm>
#include <catch2/catch.hpp>
#include <span>

#include "sim/platform/pool.hpp"
#include "tests/sim/platform/pool_fixtures.hpp"

using namespace stampede::sim;

namespace {

/// One autoscaled pool of constant 1 s work, with a queue of 100, looked at every `interval`.
scenario autoscaled(std::int64_t servers, std::int64_t step, vtime delay, std::int64_t max,
                    vtime interval, vtime horizon) {
  scenario s = test::one_pool(servers, distribution::constant(1.0), 100);
  s.horizon = horizon;
  s.report_interval = 10 * second;
  pool_spec& p = s.pools[0];
  p.cost_per_server_hour = 1;
  p.autoscale.enabled = true;
  p.autoscale.target_utilization = 0.8;
  p.autoscale.step = step;
  p.autoscale.provisioning_delay = delay;
  p.autoscale.max = max;
  p.autoscale.interval = interval;
  return s;
}

/// One arrival every 50 ms (20/s) from 0 until `until`, patient forever.
std::vector<request> steady(vtime until) {
  std::vector<request> out;
  for (std::uint32_t i = 0; static_cast<vtime>(i) * 50 * msec < until; ++i) {
    out.push_back(request{static_cast<vtime>(i) * 50 * msec, i, from_seconds(1e9), i, 0});
  }
  return out;
}

}  // namespace

TEST_CASE("the autoscaler adds servers after the provisioning delay and stops at max",
          "[sim][autoscale]") {
  // 2 servers for 20/s of 1 s work: saturated throughout, so the servers busy
  // on average are the servers present. Looks every 30 s, orders 2 at a time
  // with 60 s of delay, up to 6, counting servers on order: at 30 s 2 busy of
  // 2 committed (1.0 > 0.8) orders 2, joining at 90 s; at 60 s and 90 s 2 busy
  // of 4 committed (0.5) orders nothing; at 120 s 4 of 4 orders 2 more,
  // joining at 180 s; from then on 6 is the maximum.
  const scenario s = autoscaled(2, 2, 60 * second, 6, 30 * second, 400 * second);
  for (const bool batched : {false, true}) {
    INFO("batched " << batched);
    pool_model pool(s, 0, batched ? pool_model::engine::batched : pool_model::engine::automatic);
    const test::windowed r = test::run_windows(pool, s, steady(s.horizon));
    REQUIRE(r.intervals.size() == 40);
    for (const pool_interval& p : r.intervals) {
      INFO("interval " << p.interval);
      const vtime end = (p.interval + 1) * 10 * second;
      auto servers_at = [](vtime t) {
        return t < 90 * second ? 2.0 : t < 180 * second ? 4.0 : 6.0;
      };
      CHECK(p.real_servers == servers_at(end));
      CHECK(p.available_seconds == Approx(10 * servers_at(end - 10 * second)).margin(1e-9));
      // Saturated: every server present is busy (but the second one, idle for the
      // first 50 ms).
      CHECK(p.busy_seconds ==
            Approx(p.available_seconds - (p.interval == 0 ? 0.05 : 0)).margin(1e-9));
    }
    CHECK(*std::max_element(r.committed.begin(), r.committed.end()) == 6);
    CHECK(r.committed[29] == 4);   // after the window ending at 30 s: one order out
    CHECK(r.committed[89] == 4);   // no second order while the first is on its way
    CHECK(r.committed[119] == 6);  // the second, once the first has joined and is busy
    const pool_final f = pool.finish();
    CHECK(f.result.peak_servers == 6);
    // 2 servers for 400 s, 2 more from 90 s, 2 more from 180 s: 1860 server-seconds.
    CHECK(f.result.server_hours * 3600 == Approx(1860.0).epsilon(1e-12));
    CHECK(f.result.cost == Approx(1860.0 / 3600).epsilon(1e-12));
  }
}

TEST_CASE("a step in demand with a long provisioning delay ends within one step of what it needs",
          "[sim][autoscale]") {
  // One arrival a second of 1 s work until 100 s, then 20 a second: 20 servers
  // busy, so at a target of 0.8 the pool needs N = 20 / 0.8 = 25 servers.
  // Users who find no server free leave at once (patience 0), so no backlog
  // builds and the servers busy are the demand. Orders of 2 take 60 s (six
  // looks of 10 s) to arrive. Counting what is on order, it ends between 25
  // and N + one step = 27; counting only servers present, it orders 2 at each
  // of the six looks before an order arrives, and overshoots by several steps.
  const scenario s = autoscaled(2, 2, 60 * second, 1000, 10 * second, 1800 * second);
  std::vector<request> arrivals;
  std::uint32_t i = 0;
  for (vtime t = 0; t < 100 * second; t += second, ++i) arrivals.push_back(request{t, i, 0, i, 0});
  for (vtime t = 100 * second; t < s.horizon; t += 50 * msec, ++i) {
    arrivals.push_back(request{t, i, 0, i, 0});
  }
  pool_model pool(s, 0);
  const test::windowed r = test::run_windows(pool, s, arrivals);
  const std::int64_t needed = 25, step = 2;
  CHECK(r.committed.back() >= needed);
  CHECK(r.committed.back() <= needed + step);
  CHECK(*std::max_element(r.committed.begin(), r.committed.end()) <= needed + step);
  CHECK(r.intervals.back().real_servers == static_cast<double>(r.committed.back()));
}

TEST_CASE("the autoscaler lets servers go when idle, never below the initial count",
          "[sim][autoscale]") {
  // Busy for 100 s, then nothing: up to 10 servers, then back down to the 2 it started with.
  const scenario s = autoscaled(2, 4, 0, 10, 10 * second, 300 * second);
  for (const bool batched : {false, true}) {
    INFO("batched " << batched);
    pool_model pool(s, 0, batched ? pool_model::engine::batched : pool_model::engine::automatic);
    const test::windowed r = test::run_windows(pool, s, steady(100 * second));
    REQUIRE(r.intervals.size() == 30);
    double highest = 0, lowest = 1e9;
    for (const pool_interval& p : r.intervals) {
      highest = std::max(highest, p.real_servers);
      lowest = std::min(lowest, p.real_servers);
    }
    CHECK(highest == 10);
    CHECK(lowest == 2);
    CHECK(r.intervals.back().real_servers == 2);
    CHECK(*std::min_element(r.committed.begin(), r.committed.end()) == 2);
    const pool_final f = pool.finish();
    CHECK(f.endpoints[0].second.offered ==
          f.endpoints[0].second.completed + f.endpoints[0].second.rejected +
              f.endpoints[0].second.abandoned + f.endpoints[0].second.in_flight);
  }
}

TEST_CASE("without provisioning delay, the autoscaler adds and removes a step per look",
          "[sim][autoscale]") {
  // 3 servers, steps of 1 joining at once, looks every 10 s, up to 12; 20/s of
  // 1 s work until 300 s. While the arrivals last every server is busy
  // (utilization 1 > 0.8): one more at each look from 10 s to 90 s, then 12.
  // At 300 s 12 are serving and the queue holds 100 (full): the look at 310 s
  // sees about 112 of 120 server-seconds busy, above 0.8, and the maximum
  // holds. From the look at 320 s the pool is idle (below 0.4): one fewer at
  // each look, down to the initial 3 at 400 s.
  const scenario s = autoscaled(3, 1, 0, 12, 10 * second, 600 * second);
  const auto servers_after = [](vtime t) -> std::int64_t {  // after the window ending at t
    const std::int64_t looks = t / (10 * second);
    if (t < 320 * second) return 3 + std::min<std::int64_t>(looks, 9);
    return std::max<std::int64_t>(3, 12 - (looks - 31));
  };
  for (const bool batched : {false, true}) {
    INFO("batched " << batched);
    pool_model pool(s, 0, batched ? pool_model::engine::batched : pool_model::engine::automatic);
    const test::windowed r = test::run_windows(pool, s, steady(300 * second));
    REQUIRE(r.committed.size() == 600);  // one per 1 s window
    for (std::size_t i = 0; i < r.committed.size(); ++i) {
      const vtime end = static_cast<vtime>(i + 1) * second;
      INFO("after the window ending at " << to_seconds(end) << " s");
      REQUIRE(r.committed[i] == servers_after(end));
    }
    // Server-seconds: 10 s each of 3..11, 12 from 90 s to 320 s, 10 s each of
    // 11..4, then 3 until 600 s: 630 + 2760 + 600 + 600.
    CHECK(pool.finish().result.server_hours * 3600 == Approx(4590.0).epsilon(1e-12));
  }
}

TEST_CASE("busy_ledger keeps step_ledger's level and integral bit for bit", "[sim][autoscale]") {
  // Requests in service: each a step up at its start and down at its end, with
  // equal times, zero-length services, and steps dated before the last look
  // (they count as at it), looked at every few steps.
  rng_stream rng(11, stream::test, 0);
  step_ledger reference;
  busy_ledger busy;
  vtime now = 0;
  for (int i = 0; i < 20'000; ++i) {
    const vtime start = now + static_cast<vtime>(rng.below(3'000'000)) - 500'000;
    const vtime end = std::max<vtime>(0, start) +
                      static_cast<vtime>(rng.below(4) == 0 ? 0 : rng.below(9'000'000));
    reference.change(std::max<vtime>(0, start), 1);
    reference.change(end, -1);
    busy.up(std::max<vtime>(0, start));
    busy.down(end);
    if (i % 7 == 0) {
      now += static_cast<vtime>(rng.below(400'000));
      reference.advance(now);
      busy.advance(now);
      REQUIRE(busy.level() == reference.level());
      REQUIRE(busy.integral() == reference.integral());
    }
  }
  now += 60'000'000;
  reference.advance(now);
  busy.advance(now);
  REQUIRE(busy.level() == 0);
  REQUIRE(busy.integral() == reference.integral());
  REQUIRE(busy.integral() > 0);
}
