#include "sim/platform/dispatch.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "sim/platform/pool.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "tests/sim/platform/pool_fixtures.hpp"

using namespace stampede::sim;

namespace {

/// Poisson arrivals of rate `lambda` with exponential work of mean 1/mu drawn
/// here (so the test knows each request's work), one session each, and a
/// patience nobody reaches.
std::vector<request> poisson_arrivals(double lambda, double mu, std::size_t n, std::uint64_t seed) {
  auto out = test::poisson_arrivals(lambda, n, seed);
  rng_stream rng(seed, stream::test, 11);
  for (request& r : out) r.work = -std::log(rng.uniform()) / mu;
  return out;
}

/// Each request's wait in the queue, in seconds (completion - arrival - work).
std::vector<double> waits(const std::vector<request>& arrivals, const std::vector<outcome>& out) {
  std::vector<double> w(arrivals.size(), -1);
  std::size_t completed = 0;
  for (const outcome& o : out) {
    if (o.what != outcome::kind::completed) continue;
    ++completed;
    const request& r = arrivals[o.session];
    w[o.session] = to_seconds(o.at - r.at - from_seconds(r.work));
  }
  REQUIRE(completed == arrivals.size());
  return w;
}

double mean(const std::vector<double>& v) {
  double sum = 0;
  for (const double x : v) sum += x;
  return sum / static_cast<double>(v.size());
}

/// Serves every arrival (one call) and decides everything after them.
std::vector<outcome> serve_all(pool_model& pool, const std::vector<request>& arrivals) {
  std::vector<outcome> out;
  pool.serve(arrivals, out);
  pool.advance(arrivals.back().at + from_seconds(1e6), out);
  return out;
}

/// The mean wait of `policy` with c replicas of exponential service (mean 1 s).
double mean_wait(dispatch_policy policy, int c, const std::vector<request>& arrivals) {
  scenario s = test::one_pool(c, distribution::exponential(1.0));
  s.pools[0].dispatch = policy;
  pool_model pool(s, 0);
  const auto w = waits(arrivals, serve_all(pool, arrivals));
  return mean(w);
}

}  // namespace

TEST_CASE("random routing makes each replica an M/M/1 queue with rate lambda/c",
          "[sim][dispatch]") {
  // c replicas, Poisson arrivals of rate lambda, exponential work of rate mu,
  // no batching, patience and capacity out of reach. Random routing thins the
  // Poisson stream into c independent Poisson streams of rate lambda/c, so each
  // replica is M/M/1 with rho = lambda/(c mu):
  //   mean wait  Wq = rho / (mu - lambda/c)
  //   P(wait > t)   = rho e^{-(mu - lambda/c) t}
  const int c = 10;
  const double lambda = 7, mu = 1;
  const double per = lambda / c, rho = per / mu;
  const auto arrivals = poisson_arrivals(lambda, mu, 2'000'000, 1);
  scenario s = test::one_pool(c, distribution::exponential(1 / mu));
  s.pools[0].dispatch = dispatch_policy::random;
  pool_model pool(s, 0);
  const auto w = waits(arrivals, serve_all(pool, arrivals));
  double waited = 0, over_5s = 0;
  for (const double x : w) {
    waited += x > 1e-6 ? 1 : 0;
    over_5s += x > 5 ? 1 : 0;
  }
  const auto n = static_cast<double>(w.size());
  // The sample mean of M/M/1 waits at rho 0.7 has a relative standard error of
  // about 0.55% over 200,000 waits per replica and 10 replicas (the waits'
  // asymptotic variance, ~336/mu^2 per wait, over n): 3% is 5 standard errors.
  CHECK(mean(w) == Approx(rho / (mu - per)).epsilon(0.03));
  // Shares: correlated indicators, an effective sample of some 40,000; their
  // standard errors are under 0.0025, so 0.01 is 4 of them.
  CHECK(waited / n == Approx(rho).margin(0.01));
  CHECK(over_5s / n == Approx(rho * std::exp(-(mu - per) * 5)).margin(0.01));
}

TEST_CASE("round-robin routing makes each replica an E_c/M/1 queue", "[sim][dispatch]") {
  // Round robin gives each of c replicas every c-th arrival of a Poisson
  // stream: Erlang-c interarrival times of mean c/lambda, so each replica is
  // GI/M/1 with A*(s) = (k/(k + s/lambda_i))^k, k = c, lambda_i = lambda/c. Its
  // mean wait is sigma / (mu (1 - sigma)), sigma the root in (0, 1) of
  // sigma = A*(mu (1 - sigma)) (Kleinrock, Queueing Systems I, 6.4).
  const int c = 10;
  const double lambda = 7, mu = 1, per = lambda / c;
  double sigma = 0.5;
  for (int i = 0; i < 1000; ++i) sigma = std::pow(c * per / (c * per + mu * (1 - sigma)), c);
  const auto arrivals = poisson_arrivals(lambda, mu, 2'000'000, 1);
  // As for M/M/1 above, 3% is several standard errors of the sample mean
  // (round robin's waits vary less than random routing's).
  CHECK(mean_wait(dispatch_policy::round_robin, c, arrivals) ==
        Approx(sigma / (mu * (1 - sigma))).epsilon(0.03));
}

TEST_CASE("least-loaded and round-robin routing wait less than random routing", "[sim][dispatch]") {
  // At rho 0.9 with 10 replicas: random is M/M/1 (Wq = 9 s); round robin is
  // E10/M/1 (Wq = 4.7 s, as above); power of two choices is near the
  // supermarket model's mean field (Wq about 1.6 s); join the shortest queue is
  // near M/M/10 (Wq = 0.67 s). Each bound below leaves a third or more of room
  // for the finite run and for 10 replicas not being the mean-field limit.
  const auto arrivals = poisson_arrivals(9, 1, 400'000, 2);
  const double random = mean_wait(dispatch_policy::random, 10, arrivals);
  // At rho 0.9 the sample mean converges slowly (relative standard error ~5%
  // over 40,000 waits per replica): 15%.
  CHECK(random == Approx(9.0).epsilon(0.15));
  const double round_robin = mean_wait(dispatch_policy::round_robin, 10, arrivals);
  const double two = mean_wait(dispatch_policy::power_of_two, 10, arrivals);
  const double shortest = mean_wait(dispatch_policy::join_shortest_queue, 10, arrivals);
  CHECK(round_robin < 0.75 * random);
  CHECK(two < 0.3 * random);
  CHECK(shortest < 0.15 * random);
  CHECK(shortest < two);
}

namespace {

/// A 100-second run of one pool of `servers` replicas routed round robin,
/// reported as one interval.
scenario short_run(std::int64_t servers, double work_s, std::int64_t capacity = 1'000'000) {
  scenario s = test::one_pool(servers, distribution::constant(work_s), capacity);
  s.horizon = 100 * second;
  s.report_interval = 100 * second;
  s.pools[0].dispatch = dispatch_policy::round_robin;
  return s;
}

/// Arrivals at the given seconds, one session each, patient forever.
std::vector<request> arrivals_at(std::initializer_list<double> seconds) {
  std::vector<request> out;
  for (const double t : seconds) {
    request r;
    r.at = from_seconds(t);
    r.id = out.size();
    r.session = static_cast<std::uint32_t>(out.size());
    r.patience = from_seconds(1e9);
    out.push_back(r);
  }
  return out;
}

}  // namespace

TEST_CASE("a removed replica serves its own queue and leaves, and later arrivals go elsewhere",
          "[sim][dispatch]") {
  // Two replicas, 10 s of work each request. Round robin: replica 0 gets
  // requests 0 and 2, replica 1 gets 1 and 3. At 1 s one replica is removed:
  // both hold two, so the newer (1) leaves, once it has served 1 and 3 (at
  // 20.001 s). Request 4 (at 2 s) can only go to replica 0, after its two.
  scenario s = short_run(2, 10);
  s.events = {test::server_event(event_spec::kind::remove_servers, 1 * second, 1)};
  const auto arrivals = arrivals_at({0, 0.001, 0.002, 0.003, 2});
  pool_model pool(s, 0);
  const auto run = test::run_windows(pool, s, arrivals);
  const auto o = test::by_session(run.outcomes, arrivals.size());
  CHECK(o[0].at == from_seconds(10));
  CHECK(o[1].at == from_seconds(10.001));
  CHECK(o[2].at == from_seconds(20));
  CHECK(o[3].at == from_seconds(20.003 - 0.002));
  CHECK(o[4].at == from_seconds(30));
  CHECK(run.committed.back() == 1);
  // 50 busy seconds over replica 0's 100 s and replica 1's 20.001 s.
  const pool_result r = pool.finish().result;
  CHECK(r.mean_utilization == Approx(50 / 120.001).epsilon(1e-9));
  CHECK(r.server_hours == Approx(120.001 / 3600).epsilon(1e-9));
}

TEST_CASE("an added replica takes arrivals from its join time on", "[sim][dispatch]") {
  scenario s = short_run(1, 10);
  s.events = {test::server_event(event_spec::kind::add_servers, 5 * second, 1)};
  const auto arrivals = arrivals_at({0, 6});
  pool_model pool(s, 0);
  const auto o = test::by_session(test::run_windows(pool, s, arrivals).outcomes, 2);
  CHECK(o[0].at == from_seconds(10));
  // The new replica, idle: not after request 0 on replica 0 (20 s).
  CHECK(o[1].at == from_seconds(16));
}

TEST_CASE("with every replica out, an arrival is rejected at once", "[sim][dispatch]") {
  scenario s = short_run(1, 1);
  s.events = {test::server_event(event_spec::kind::outage, 1 * second, 1, 10 * second)};
  const auto arrivals = arrivals_at({2, 12});
  pool_model pool(s, 0);
  const auto o = test::by_session(test::run_windows(pool, s, arrivals).outcomes, 2);
  CHECK(o[0].what == outcome::kind::rejected);
  CHECK(o[0].at == from_seconds(2));
  CHECK(o[1].what == outcome::kind::completed);
  CHECK(o[1].at == from_seconds(13));
}

TEST_CASE("each replica holds its share of the queue capacity", "[sim][dispatch]") {
  // Capacity 6 over 4 replicas: shares floor((i+1)·1.5) - floor(i·1.5) =
  // 1, 2, 1, 2. Round robin: 4 requests start at once, 4 wait (one each),
  // then replicas 0 and 2 are full and replicas 1 and 3 take one more.
  scenario s = short_run(4, 50, 6);
  const auto arrivals =
      arrivals_at({0, 0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.007, 0.008, 0.009, 0.010, 0.011});
  pool_model pool(s, 0);
  const auto o = test::by_session(test::run_windows(pool, s, arrivals).outcomes, arrivals.size());
  for (std::size_t i = 0; i < o.size(); ++i) {
    INFO("request " << i);
    CHECK((o[i].what == outcome::kind::rejected) == (i == 8 || i == 10));
  }
}

TEST_CASE("per-replica batches fill at every scale, a shared queue's do not", "[sim][dispatch]") {
  // 40 servers, batches of up to 4 (speed-up 3) formed within 1 s, 1 s of work,
  // 0.5 arrivals a second per server. At scale 0.1 the pool has 4 servers and
  // a tenth of the arrivals. Each replica sees 0.5/s at both scales, so its
  // batches and its utilization are the same; a shared queue sees 20/s at
  // full scale (full batches) and 2/s at 0.1 (about 3 a batch).
  const auto run = [](dispatch_policy policy, double scale) {
    scenario s = test::one_pool(40, distribution::constant(1));
    s.pools[0].batch = batch_spec{4, 1 * second, {{1, 1.0}, {4, 3.0}}};
    s.pools[0].dispatch = policy;
    s.scale = scale;
    s.horizon = 100'000 * second;
    s.report_interval = s.horizon;
    const double lambda = 0.5 * static_cast<double>(s.simulated_servers(0));
    rng_stream rng(3, stream::test, 12);
    std::vector<request> arrivals;
    for (double t = -std::log(rng.uniform()) / lambda; t < 99'000;
         t += -std::log(rng.uniform()) / lambda) {
      arrivals.push_back(request{from_seconds(t), arrivals.size(), from_seconds(1e9),
                                 static_cast<std::uint32_t>(arrivals.size()), 0, -1});
    }
    pool_model pool(s, 0);
    std::vector<outcome> out;
    pool.serve(arrivals, out);
    pool.advance(s.horizon, out);
    return pool.finish().result.mean_utilization;
  };
  const double full = run(dispatch_policy::random, 1), thinned = run(dispatch_policy::random, 0.1);
  // Each utilization is a mean over ~2 million (full) or ~200,000 (thinned)
  // batches of a stable queue; their relative standard errors are well under
  // 1%, so 3% is the issue's bound with room for noise.
  CHECK(thinned == Approx(full).epsilon(0.03));
  const double shared_full = run(dispatch_policy::shared, 1);
  const double shared_thinned = run(dispatch_policy::shared, 0.1);
  // Full batches (speed-up 3) against about 3 a batch (2.5): 20% more busy time.
  CHECK(shared_thinned > 1.1 * shared_full);
}

TEST_CASE("a pool's dispatch loads from YAML and is shared unless named",
          "[sim][dispatch][loader]") {
  const std::string yaml = R"(scenario: t
horizon: 1d
population: {size: 1000}
adoption: {innovation: 0.01/day, imitation: 0.1/day}
behavior: {sessions_per_day: 1, mix: {e: 1}}
platform:
  endpoints: {e: {pool: a, work: 1s}}
  pools:
    - {name: a, servers: 2}
    - {name: b, servers: 2, dispatch: round_robin}
    - {name: c, servers: 2, dispatch: random}
    - {name: d, servers: 2, dispatch: join_shortest_queue}
    - {name: e, servers: 2, dispatch: power_of_two}
)";
  const scenario s = load_scenario_text(yaml, "t.yaml");
  CHECK(s.pools[0].dispatch == dispatch_policy::shared);
  CHECK(s.pools[1].dispatch == dispatch_policy::round_robin);
  CHECK(s.pools[2].dispatch == dispatch_policy::random);
  CHECK(s.pools[3].dispatch == dispatch_policy::join_shortest_queue);
  CHECK(s.pools[4].dispatch == dispatch_policy::power_of_two);
  CHECK_THROWS_WITH(load_scenario_text(yaml, "t.yaml", {"platform.pools[0].dispatch=fastest"}),
                    Catch::Contains("platform.pools[0].dispatch: unknown dispatch \"fastest\"") &&
                        Catch::Contains("known policies are"));
}

TEST_CASE("the smallest faithful scale of a shared batching queue follows the Poisson fill",
          "[sim][dispatch]") {
  // A flat day (the quietest hour has the mean rate), 100 requests/s, batches
  // of 2 within 1 s: a batch fills when one more request joins within the
  // timeout, P = 1 - e^{-s·100·1} >= 0.99, so s = ln(100)/100 = 0.0460517...,
  // rounded up to three digits.
  scenario s = test::one_pool(10, distribution::constant(1));
  s.behavior.diurnal.fill(1.0);
  s.pools[0].batch = batch_spec{2, 1 * second, {}};
  CHECK(faithful_scale(s, 0, 100) == Approx(0.0461).epsilon(1e-12));
  // Quieter traffic needs a bigger sample; too quiet, only the full pool is faithful.
  CHECK(faithful_scale(s, 0, 10) == Approx(0.461).epsilon(1e-12));
  CHECK(faithful_scale(s, 0, 1) == 1.0);
  // A night at half the mean rate doubles it: two regions 12 h apart with a
  // curve of 0.5 by night and 1.5 by day, shares 0.75 and 0.25: the quietest
  // hour is 0.75·0.5 + 0.25·1.5 = 0.75 of the mean.
  for (std::size_t h = 0; h < 24; ++h) s.behavior.diurnal[h] = h < 12 ? 0.5 : 1.5;
  s.regions = {region_spec{"a", 0.75, 0}, region_spec{"b", 0.25, 12 * hour}};
  CHECK(faithful_scale(s, 0, 100) == Approx(0.0615).epsilon(1e-12));  // 0.0614023 up
  // No limit without a shared queue, without batching, or without a timeout.
  s.pools[0].dispatch = dispatch_policy::power_of_two;
  CHECK(faithful_scale(s, 0, 100) == 0);
  s.pools[0].dispatch = dispatch_policy::shared;
  s.pools[0].batch.timeout = 0;
  CHECK(faithful_scale(s, 0, 100) == 0);
  s.pools[0].batch = batch_spec{};
  CHECK(faithful_scale(s, 0, 100) == 0);
}

TEST_CASE("the expected offered rate follows the Bass curve, sessions and the mix",
          "[sim][dispatch]") {
  scenario s = test::one_pool(10, distribution::constant(1));
  s.population_size = 864'000;
  s.horizon = day;
  s.tiers = {tier_spec{"a", 0.5, 1, 0}, tier_spec{"b", 0.5, 3, 0}};
  s.behavior.requests_per_session = distribution::constant(2);
  s.endpoints.push_back(endpoint_spec{"other", 0, distribution::constant(1)});
  s.endpoints[1].pool = 1;
  s.behavior.mix = {0.25, 0.75};
  // Everyone adopted: 864,000 users × 2 sessions a day / 86,400 s × 2
  // requests × a quarter of the mix = 10 requests/s.
  s.adoption.initial_adopters = s.population_size;
  CHECK(expected_offered_rate(s, 0) == Approx(10).epsilon(1e-9));
  // Nobody at first, p = 1/day, q = 0: F(t) = 1 - e^{-pt}, whose mean over one
  // day is 1 - (1 - e^{-1}) = e^{-1}. RK4 and the trapezoid over 2000 steps
  // are far more exact than 1e-6.
  s.adoption.initial_adopters = 0;
  s.adoption.innovation = 1.0 / 86400;
  s.adoption.imitation = 0;
  CHECK(expected_offered_rate(s, 0) == Approx(10 * std::exp(-1.0)).epsilon(1e-6));
}

TEST_CASE("a replica that joins in the slot of one that left inherits none of its queue",
          "[sim][dispatch]") {
  // One replica, 10 s of work. Request 0 is served; request 1 waits behind it
  // and gives up at 3 s (patience 2 s). At 4 s the replica is removed: it
  // leaves at 10 s, once request 0 is done. The replica added at 12 s takes its
  // slot and serves request 2 (arrived at 13 s, patience 20 s) at once.
  scenario s = short_run(1, 10);
  s.events = {test::server_event(event_spec::kind::remove_servers, 4 * second, 1),
              test::server_event(event_spec::kind::add_servers, 12 * second, 1)};
  auto arrivals = arrivals_at({0, 1, 13});
  arrivals[1].patience = 2 * second;
  arrivals[2].patience = 20 * second;
  pool_model pool(s, 0);
  const auto o = test::by_session(test::run_windows(pool, s, arrivals).outcomes, 3);
  CHECK(o[0].at == from_seconds(10));
  CHECK(o[1].what == outcome::kind::abandoned);
  CHECK(o[1].at == from_seconds(3));
  CHECK(o[2].what == outcome::kind::completed);
  CHECK(o[2].at == from_seconds(23));
  // Present 0-10 s and 12-100 s.
  CHECK(pool.finish().result.server_hours == Approx(98.0 / 3600).epsilon(1e-9));
}
