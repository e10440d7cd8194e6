#include "sim/population/population.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <map>
#include <tuple>

#include "sim/scenario/scenario_loader.hpp"

using namespace stampede::sim;

namespace {

/// Everyone adopted from the start, one endpoint on one pool.
std::string everyone(const std::string& extra_population, const std::string& extra_behavior,
                     const std::string& extra_root = "") {
  return R"(
scenario: population-test
horizon: 3d
tick: 1m
population:
  size: 60_000
)" + extra_population +
         R"(
adoption: {model: bass, innovation: 0.0/day, imitation: 0.0/day, initial_adopters: 60_000}
behavior:
)" + extra_behavior +
         R"(
  mix: {generate: 1}
  diurnal: flat
platform:
  endpoints: {generate: {pool: gpu, work: 1s}}
  pools: [{name: gpu, servers: 10}]
)" + extra_root;
}

/// Steps every block over [0, horizon) in windows of `tick`, answering every
/// request as completed at once; returns the requests sent per block.
struct driven {
  std::vector<population_block> blocks;
  std::vector<std::vector<std::uint64_t>> sessions_per_hour;  // [block][hour]
  std::uint64_t requests = 0;
};

/// Called for each request sent, with its block and its user (index in the block).
using request_seen = std::function<void(std::size_t block, std::uint32_t user, const request&)>;

driven drive(const scenario& s, vtime until, bool answer = true, const request_seen& seen = {}) {
  const block_layout layout = block_layout::of(s);
  driven d;
  for (std::uint32_t b = 0; b < layout.count(); ++b) d.blocks.emplace_back(s, layout, b);
  d.sessions_per_hour.assign(d.blocks.size(), std::vector<std::uint64_t>(until / hour + 1, 0));
  for (vtime t0 = 0; t0 < until; t0 += s.tick) {
    for (std::size_t b = 0; b < d.blocks.size(); ++b) {
      std::vector<std::vector<request>> per_pool(s.pools.size());
      const auto before = d.blocks[b].sessions_started();
      d.blocks[b].step(t0, t0 + s.tick, 0, per_pool);
      d.sessions_per_hour[b][static_cast<std::size_t>(t0 / hour)] +=
          d.blocks[b].sessions_started() - before;
      for (const auto& r : per_pool[0]) {
        ++d.requests;
        // The session is in progress until its outcome is received: its user is known.
        if (seen) seen(b, d.blocks[b].user_of(r.session), r);
        if (answer) d.blocks[b].receive({r.at, r.block(), r.session, outcome::kind::completed});
      }
    }
  }
  return d;
}

/// 60,000 users in two regions and two tiers.
scenario two_regions_two_tiers() {
  return load_scenario_text(
      everyone("  regions: [{name: a, share: 0.25, utc_offset: -5h}, {name: b, share: 0.75}]\n"
               "  tiers: [{name: free, share: 0.9}, {name: plus, share: 0.1}]\n",
               "  sessions_per_day: {free: 2, plus: 5}\n"),
      "t.yaml");
}

/// Twin blocks get the same answers: every request `sent` completed 1 s after it went out.
void answer_both(population_block& a, population_block& b, const std::vector<request>& sent) {
  for (const request& r : sent) {
    a.receive({r.at + second, r.block(), r.session, outcome::kind::completed});
    b.receive({r.at + second, r.block(), r.session, outcome::kind::completed});
  }
}

/// Twin blocks sent the same requests (time and session), in the same order.
void require_same_requests(const std::vector<request>& a, const std::vector<request>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    REQUIRE(a[i].at == b[i].at);
    REQUIRE(a[i].session == b[i].session);
  }
}

}  // namespace

TEST_CASE("users are grouped by region and tier in proportion to their shares",
          "[sim][population]") {
  const scenario s = two_regions_two_tiers();
  const block_layout l = block_layout::of(s);
  std::vector<std::uint64_t> users(4, 0);
  std::uint64_t total = 0;
  for (const auto& b : l.blocks) {
    users[b.region * 2u + b.tier] += b.size;
    total += b.size;
  }
  CHECK(total == 60'000);
  CHECK(users[0] == 13'500);  // a/free: 0.25 × 0.9
  CHECK(users[1] == 1'500);   // a/plus
  CHECK(users[2] == 40'500);  // b/free
  CHECK(users[3] == 4'500);   // b/plus
}

TEST_CASE("block_of walks to the block holding each user, in one pass for users in order",
          "[sim][population]") {
  const scenario s = two_regions_two_tiers();
  const block_layout l = block_layout::of(s);
  REQUIRE(l.count() == 4);
  std::uint32_t block = 0;
  std::uint32_t steps = 0;
  for (std::uint64_t user = 0; user < l.users; user += 37) {
    const std::uint32_t found = l.block_of(user, block);
    steps += found - block;
    block = found;
    const auto& b = l.blocks[block];
    REQUIRE(b.first_user <= user);
    REQUIRE(user < b.first_user + b.size);
    REQUIRE(l.block_of(user, 0) == block);  // a lookup on its own agrees
  }
  CHECK(block == l.count() - 1);
  CHECK(steps == l.count() - 1);  // each block boundary crossed once
  CHECK(l.block_of(l.users - 1, 0) == l.count() - 1);
}

TEST_CASE("each tier starts sessions at its own rate", "[sim][population]") {
  const scenario s = load_scenario_text(
      everyone("  tiers: [{name: free, share: 0.5}, {name: plus, share: 0.5}]\n",
               "  sessions_per_day: {free: 2, plus: 6}\n  requests_per_session: 1\n"),
      "t.yaml");
  const driven d = drive(s, 2 * day);
  double per_tier[2] = {0, 0};
  for (std::size_t b = 0; b < d.blocks.size(); ++b) {
    per_tier[d.blocks[b].tier()] += static_cast<double>(d.blocks[b].sessions_started());
  }
  // 30,000 users × 2 days × rate: 120,000 and 360,000 sessions; Poisson sd < 0.6%.
  CHECK(per_tier[0] == Approx(120'000).epsilon(0.02));
  CHECK(per_tier[1] == Approx(360'000).epsilon(0.02));
}

TEST_CASE("the diurnal curve follows each region's local time", "[sim][population]") {
  const scenario s = load_scenario_text(
      everyone("  regions: [{name: utc, share: 0.5}, {name: east, share: 0.5, utc_offset: 6h}]\n",
               "  sessions_per_day: 24\n  requests_per_session: 1\n"),
      "t.yaml", {"behavior.diurnal=[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,10,1,1,1]"});
  const driven d = drive(s, day);
  // The busiest UTC hour is 20:00 local: 20 for utc, 14 for east (UTC+6).
  std::vector<std::uint64_t> utc(24, 0), east(24, 0);
  for (std::size_t b = 0; b < d.blocks.size(); ++b) {
    auto& into = b < d.blocks.size() / 2 ? utc : east;
    for (std::size_t h = 0; h < 24; ++h) into[h] += d.sessions_per_hour[b][h];
  }
  CHECK(std::max_element(utc.begin(), utc.end()) - utc.begin() == 20);
  CHECK(std::max_element(east.begin(), east.end()) - east.begin() == 14);
}

TEST_CASE("a region west of UTC starts the run in its previous evening", "[sim][population]") {
  // UTC-5h: the run's first five UTC hours are 19:00-23:59 local of the day
  // before. Sessions only at 19:00 local (weight 24, mean 1): all of the first
  // day's sessions fall in UTC hour 0, none in UTC hour 5 (00:00 local).
  const scenario s = load_scenario_text(
      everyone("  regions: [{name: west, share: 1, utc_offset: -5h}]\n",
               "  sessions_per_day: 24\n  requests_per_session: 1\n"),
      "t.yaml", {"behavior.diurnal=[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,24,0,0,0,0]"});
  const driven d = drive(s, day);
  std::vector<std::uint64_t> per_hour(24, 0);
  for (const auto& block : d.sessions_per_hour) {
    for (std::size_t h = 0; h < 24; ++h) per_hour[h] += block[h];
  }
  // 60,000 users × 24 sessions a day, all in one hour: 1,440,000 expected, a
  // Poisson count (sd 1,200): 5 sd either side.
  CHECK(per_hour[0] > 1'434'000);
  CHECK(per_hour[0] < 1'446'000);
  for (std::size_t h = 1; h < 24; ++h) CHECK(per_hour[h] == 0);
}

TEST_CASE("a rate limit caps each user's requests per local day", "[sim][population]") {
  // 30,000 users at UTC and 30,000 at UTC+12h, 3 sessions a day of one request
  // each, limited to 3 requests a day; no satisfaction penalty, so refusals do
  // not thin later sessions. Over the first two UTC days the UTC users live two
  // full local days, the others half a day, a full day and half a day.
  const scenario s = load_scenario_text(
      everyone("  regions: [{name: utc, share: 0.5}, {name: east, share: 0.5, utc_offset: 12h}]\n"
               "  tiers: [{name: free, share: 1}]\n",
               "  sessions_per_day: 3\n  requests_per_session: 1\n"
               "  feedback: {penalty: 0, recovery: 0}\n"),
      "t.yaml", {"platform.rate_limits=[{tier: free, endpoint: generate, limit: 3/day}]"});
  const block_layout layout = block_layout::of(s);
  REQUIRE(layout.count() == 2);
  REQUIRE(layout.blocks[1].region == 1);
  const vtime offset[2] = {0, 12 * hour};
  // Requests per (block, user, local day): a request is sent when its session
  // starts, so its day is the day whose counter it was counted against.
  std::map<std::tuple<std::size_t, std::uint32_t, vtime>, int> per_user_day;
  const driven d =
      drive(s, 2 * day, true, [&](std::size_t b, std::uint32_t user, const request& r) {
        ++per_user_day[{b, user, (r.at + offset[b]) / day}];
      });
  int most = 0;
  for (const auto& [key, n] : per_user_day) most = std::max(most, n);
  CHECK(most == 3);  // reached by many, passed by nobody

  // A user's sessions in a local day of f days are Poisson(3 f); they send
  // min(N, 3) requests. Expected total and its standard deviation, the users
  // and days being independent.
  const auto capped = [](double mean) {
    double p = std::exp(-mean), first = 0, second = 0;  // p = P(N = k)
    for (int k = 0; k < 60; ++k) {
      const double sent = std::min(k, 3);
      first += sent * p;
      second += sent * sent * p;
      p *= mean / (k + 1);
    }
    return std::pair{first, second - first * first};
  };
  const auto [full_mean, full_var] = capped(3.0);  // 2.328 of 3 sessions
  const auto [half_mean, half_var] = capped(1.5);  // 1.410 of 1.5
  const double expected = 30'000 * (2 * full_mean) + 30'000 * (full_mean + 2 * half_mean);
  const double sd = std::sqrt(30'000 * (2 * full_var) + 30'000 * (full_var + 2 * half_var));
  // 294,120 expected, sd 371; uncapped it would be 360,000, and counted on UTC
  // days 279,345. Five standard deviations: a correct model fails with p < 1e-6.
  INFO("requests " << d.requests << ", expected " << expected << " +- " << sd);
  CHECK(std::abs(static_cast<double>(d.requests) - expected) <= 5 * sd);

  // Every session sent its one request or was refused.
  std::uint64_t limited = 0, sessions = 0;
  for (const auto& b : d.blocks) {
    limited += b.edge_totals().rate_limited[0];
    sessions += b.sessions_started();
  }
  CHECK(d.requests + limited == sessions);
}

TEST_CASE("users who convert and then churn stop counting as paying", "[sim][population]") {
  // Everyone adopted at t = 0, churn r and conversion c both 0.1/day, nobody
  // new: active A(t) = N e^{-rt}; converted C' = c (A - C) - r C, so
  // C(t) = N e^{-rt} (1 - e^{-ct}): at 10 days, 60,000 e^-1 (1 - e^-1) = 13,953.
  // Forgetting the converted among the churned gives C' = c (A - C) instead,
  // C = A = 22,073. Both are sums of many small random steps; 5% (about 700) is
  // several times their spread.
  const scenario s = load_scenario_text(
      everyone("  tiers: [{name: free, share: 1}, {name: plus, share: 0}]\n",
               "  sessions_per_day: 1\n  requests_per_session: 1\n",
               "business: {price_per_month: {plus: 20}, conversion: {free_to_plus: 0.1/day}, "
               "churn: 0.1/day}\n"),
      "t.yaml", {"horizon=10d", "tick=10m"});
  const driven d = drive(s, 10 * day);
  double active = 0, converted = 0;
  for (const auto& b : d.blocks) {
    active += b.active_users();
    converted += b.converted();
  }
  CHECK(active == Approx(60'000 * std::exp(-1.0)).epsilon(0.02));
  CHECK(converted == Approx(60'000 * std::exp(-1.0) * (1 - std::exp(-1.0))).epsilon(0.05));
}

TEST_CASE("a rate_limit event changes the limit from its time on", "[sim][population]") {
  const scenario s = load_scenario_text(
      everyone(
          "  tiers: [{name: free, share: 1}]\n",
          "  sessions_per_day: 20\n  requests_per_session: 3\n",
          "events: [{at: 1d, kind: rate_limit, tier: free, endpoint: generate, limit: 1/day}]\n"),
      "t.yaml");
  const driven first_day = drive(s, day);
  std::uint64_t limited_day1 = 0;
  for (const auto& b : first_day.blocks) limited_day1 += b.edge_totals().rate_limited[0];
  CHECK(limited_day1 == 0);  // no limit before the event
  const driven two_days = drive(s, 2 * day);
  std::uint64_t limited = 0;
  for (const auto& b : two_days.blocks) limited += b.edge_totals().rate_limited[0];
  CHECK(limited > 0);
}

TEST_CASE("churn removes adopters at its rate", "[sim][population]") {
  const scenario s = load_scenario_text(
      everyone("", "  sessions_per_day: 0.01\n", "business: {churn: 0.2/day}\n"), "t.yaml");
  const driven d = drive(s, 3 * day, false);
  double active = 0;
  for (const auto& b : d.blocks) active += b.active_users();
  // After 3 days at 0.2/day a share e^-0.6 = 54.9% stays; binomial sd 0.2%.
  CHECK(active / 60'000 == Approx(std::exp(-0.6)).epsilon(0.01));
}

TEST_CASE("failures lower satisfaction and a satisfied adopter pulls fully", "[sim][population]") {
  const scenario s =
      load_scenario_text(everyone("",
                                  "  sessions_per_day: 50\n  requests_per_session: 1\n"
                                  "  feedback: {penalty: 0.5, recovery: 0.0}\n"),
                         "t.yaml");
  const block_layout layout = block_layout::of(s);
  population_block b(s, layout, 0);
  CHECK(b.satisfaction_sum() == std::uint64_t{population_block::full_satisfaction} * b.size());
  std::uint64_t sessions_first = 0, sessions_later = 0;
  for (vtime t0 = 0; t0 < 2 * day; t0 += minute) {
    std::vector<std::vector<request>> per_pool(1);
    const auto before = b.sessions_started();
    b.step(t0, t0 + minute, 0, per_pool);
    (t0 < 2 * hour ? sessions_first : sessions_later) += b.sessions_started() - before;
    for (const auto& r : per_pool[0])
      b.receive({r.at, r.block(), r.session, outcome::kind::rejected});
  }
  CHECK(b.satisfaction_sum() < std::uint64_t{population_block::full_satisfaction} * b.size() / 10);
  // Every rejection halves a user's satisfaction: sessions dry up.
  CHECK(static_cast<double>(sessions_later) / (46 * hour / minute) <
        0.2 * static_cast<double>(sessions_first) / (2 * hour / minute));
  CHECK(b.active_users() < b.adopted());  // some gave up entirely
}

TEST_CASE("a window with nothing to do is quiet: it sends nothing and touches no user",
          "[sim][population]") {
  // Few adopters and a 1 s tick: most windows of a block have nothing in them.
  // A window taken for quiet that was not would send late: every request must
  // be sent within its window, and a session's next request exactly the think
  // time (30 s) after the outcome of the one before (answered 1 s after it).
  const scenario s = load_scenario_text(
      R"(
scenario: quiet-test
horizon: 1d
tick: 1s
population: {size: 60_000}
adoption: {model: bass, innovation: 0.002/day, imitation: 0.0/day, initial_adopters: 20}
behavior:
  sessions_per_day: 20
  requests_per_session: 3
  think_time: 30s
  mix: {generate: 1}
  diurnal: flat
platform:
  endpoints: {generate: {pool: gpu, work: 1s}}
  pools: [{name: gpu, servers: 10}]
)",
      "t.yaml");
  const block_layout layout = block_layout::of(s);
  population_block b(s, layout, 0);
  bass_hazard hazard(s.adoption.innovation, s.adoption.imitation);
  std::uint64_t quiet = 0, busy = 0, sent = 0, follow_ups = 0;
  std::vector<request> answer_next;
  // session slot -> when its next request is due, and requests it sent (3 each)
  std::map<std::uint32_t, std::pair<vtime, int>> next_due;
  for (vtime t0 = 0; t0 < s.horizon; t0 += s.tick) {
    for (const request& r : answer_next)
      b.receive({r.at + second, r.block(), r.session, outcome::kind::completed});
    answer_next.clear();
    std::vector<std::vector<request>> per_pool(1);
    const bool predicted_quiet = b.quiet(t0, t0 + s.tick, hazard.value());
    const std::uint64_t started = b.sessions_started();
    const std::uint32_t adopted = b.adopted();
    const bool did = b.step(t0, t0 + s.tick, hazard.value(), per_pool);
    REQUIRE(did == !predicted_quiet);
    if (!did) {
      CHECK(per_pool[0].empty());
      CHECK(b.sessions_started() == started);
      CHECK(b.adopted() == adopted);
    }
    (did ? busy : quiet) += 1;
    sent += per_pool[0].size();
    for (const request& r : per_pool[0]) {
      CHECK(r.at >= t0);
      CHECK(r.at < t0 + s.tick);
      int sent_before = 0;
      if (const auto it = next_due.find(r.session); it != next_due.end()) {
        CHECK(r.at == it->second.first);
        sent_before = it->second.second;
        ++follow_ups;
      }
      if (sent_before + 1 == 3) {
        next_due.erase(r.session);  // the session ends; its slot starts a new one
      } else {
        next_due[r.session] = {r.at + second + 30 * second, sent_before + 1};
      }
    }
    answer_next = per_pool[0];
    hazard.advance(t0, t0 + s.tick, 0);
  }
  CHECK(quiet > busy);  // the point of it: most windows are quiet
  CHECK(busy > 100);
  CHECK(follow_ups > 100);
}

TEST_CASE("a block's session rate kept from one window to the next equals the one computed afresh",
          "[sim][population]") {
  // The session mass of a window depends on t0 only through the local hour, so
  // a block keeps it between windows. A region half an hour off UTC (its hours
  // turn at :30), a curve whose weight changes every hour, adopters joining and
  // a window of another length now and then: `b` keeps its mass, `twin` is made to compute
  // it afresh each window (a quiet() at another hour first), and both must
  // start the same sessions and send the same requests.
  const scenario s = load_scenario_text(
      R"(
scenario: mass-test
horizon: 2d
tick: 1s
population:
  size: 20_000
  regions: [{name: here, share: 1, utc_offset: -5.5h}]
adoption: {model: bass, innovation: 0.05/day, imitation: 0.0/day, initial_adopters: 500}
behavior:
  sessions_per_day: 40
  requests_per_session: 2
  think_time: 30s
  mix: {generate: 1}
  diurnal: [0.5, 1.6, 0.7, 1.4, 0.9, 1.2, 0.6, 1.5, 0.8, 1.3, 1.0, 1.1,
            0.55, 1.65, 0.75, 1.45, 0.95, 1.25, 0.65, 1.55, 0.85, 1.35, 1.05, 1.15]
platform:
  endpoints: {generate: {pool: gpu, work: 1s}}
  pools: [{name: gpu, servers: 10}]
)",
      "t.yaml");
  const block_layout layout = block_layout::of(s);
  population_block b(s, layout, 0), twin(s, layout, 0);
  bass_hazard hazard(s.adoption.innovation, s.adoption.imitation);
  std::vector<request> answer_next;
  std::uint64_t windows = 0, sent = 0;
  for (vtime t0 = 0; t0 < s.horizon; ++windows) {
    // Mostly 1 s, now and then 7 s: the kept mass is for one length.
    const vtime t1 = std::min(s.horizon, t0 + (windows % 500 == 499 ? 7 : 1) * second);
    answer_both(b, twin, answer_next);
    (void)twin.quiet(t0 + 13 * hour, t0 + 13 * hour + second, hazard.value());
    std::vector<std::vector<request>> a(1), c(1);
    REQUIRE(b.step(t0, t1, hazard.value(), a) == twin.step(t0, t1, hazard.value(), c));
    REQUIRE(b.sessions_started() == twin.sessions_started());
    require_same_requests(a[0], c[0]);
    sent += a[0].size();
    answer_next = a[0];
    hazard.advance(t0, t1, 0);
    t0 = t1;
  }
  CHECK(b.adopted() > 1000);  // new adopters changed the rate too
  CHECK(sent > 10'000);
}

TEST_CASE("quiet_windows counts the windows step() passes quietly, and skip_quiet ends them alike",
          "[sim][population]") {
  // Adoption (p) and a diurnal curve, so that a run of quiet windows can end at
  // a threshold, a session start, a request due or an hour with another weight.
  const scenario s = load_scenario_text(
      R"(
scenario: skip-test
horizon: 2d
tick: 1s
population: {size: 20_000}
adoption: {model: bass, innovation: 0.05/day, imitation: 0.0/day, initial_adopters: 5}
behavior:
  sessions_per_day: 6
  requests_per_session: 2
  think_time: 30s
  mix: {generate: 1}
  diurnal: standard
platform:
  endpoints: {generate: {pool: gpu, work: 1s}}
  pools: [{name: gpu, servers: 10}]
)",
      "t.yaml");
  const block_layout layout = block_layout::of(s);
  // Two blocks alike: `b` skips its quiet windows, `twin` steps every window.
  population_block b(s, layout, 0), twin(s, layout, 0);
  bass_hazard hazard(s.adoption.innovation, s.adoption.imitation), twin_hazard = hazard;
  const auto hazard_at = [&](vtime t) { return hazard.at(t); };
  std::vector<request> answer_next;
  std::uint64_t runs = 0, skipped = 0, cut_at_hour = 0;
  const std::int64_t most = 2000;
  for (vtime t0 = 0; t0 + most * s.tick < s.horizon; t0 += s.tick) {
    answer_both(b, twin, answer_next);
    answer_next.clear();
    // hazard.at(t) extends the rate of the last window advanced: none before t = 0.
    const std::int64_t n = t0 == 0 ? 0 : b.quiet_windows(t0, s.tick, most, hazard_at);
    std::int64_t quiet = 0;
    std::vector<std::vector<request>> none(1);
    while (t0 > 0 && quiet < most &&
           twin.quiet(t0 + quiet * s.tick, t0 + (quiet + 1) * s.tick, twin_hazard.value())) {
      const vtime t = t0 + quiet * s.tick;
      REQUIRE_FALSE(twin.step(t, t + s.tick, twin_hazard.value(), none));
      twin_hazard.advance(t, t + s.tick, 0);
      ++quiet;
    }
    // The count stops where the local hour's diurnal weight changes (the
    // session rate does); the twin may go on quietly past it.
    if (n != quiet) {
      REQUIRE(n < quiet);
      CHECK((t0 + n * s.tick) % hour == 0);
      ++cut_at_hour;
    }
    if (n > 0) {
      b.skip_quiet(t0, s.tick, n, hazard.at(t0 + (n - 1) * s.tick));
      hazard.advance(t0, t0 + n * s.tick, 0);
      ++runs;
      skipped += static_cast<std::uint64_t>(n);
    }
    for (std::int64_t j = n; j < quiet; ++j) {  // on to where the twin is, quietly
      const vtime t = t0 + j * s.tick;
      REQUIRE_FALSE(b.step(t, t + s.tick, hazard.value(), none));
      hazard.advance(t, t + s.tick, 0);
    }
    t0 += quiet * s.tick;
    // Both are at t0 again: the window sends the same requests from each.
    REQUIRE(hazard.value() == twin_hazard.value());
    std::vector<std::vector<request>> a(1), c(1);
    REQUIRE(b.step(t0, t0 + s.tick, hazard.value(), a) ==
            twin.step(t0, t0 + s.tick, twin_hazard.value(), c));
    require_same_requests(a[0], c[0]);
    answer_next = a[0];
    hazard.advance(t0, t0 + s.tick, 0);
    twin_hazard.advance(t0, t0 + s.tick, 0);
  }
  CHECK(b.adopted() == twin.adopted());
  CHECK(b.sessions_started() == twin.sessions_started());
  CHECK(runs > 100);
  CHECK(skipped > 5 * runs);  // runs of quiet windows are several windows long here
  CHECK(cut_at_hour > 0);
  CHECK(cut_at_hour < runs / 10);
}
