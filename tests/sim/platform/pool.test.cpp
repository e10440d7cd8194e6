#include "sim/platform/pool.hpp"
#include "sim/results/result_builder.hpp"
#include "tests/sim/erlang.hpp"
#include "tests/sim/platform/pool_fixtures.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <span>

using namespace stampede::sim;
using stampede::sim::test::by_session;
using stampede::sim::test::erlang_c;
using stampede::sim::test::one_pool;
using stampede::sim::test::poisson_arrivals;
using stampede::sim::test::run_windows;
using stampede::sim::test::server_event;
using stampede::sim::test::windowed;

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

TEST_CASE(
    "a pool keeps every completed latency, to the microsecond as a float, while its "
    "sample memory lasts",
    "[sim][queue][samples]") {
  // rho = 0.8, infinite patience and queue: every arrival completes, and the
  // eager engine's outcomes come in arrival order, so each latency is
  // outcome.at - arrival.at, computed here apart from the pool's bookkeeping.
  scenario s = one_pool(3, distribution::exponential(2.0));
  const auto arrivals = poisson_arrivals(1.2, 50'000, 5);
  const auto latencies = [&](const std::vector<outcome>& out) {
    REQUIRE(out.size() == arrivals.size());
    std::vector<float> v;
    for (std::size_t i = 0; i < out.size(); ++i) {
      v.push_back(static_cast<float>(out[i].at - arrivals[i].at));
    }
    std::sort(v.begin(), v.end());
    return v;
  };

  SECTION("with memory for all, all are kept") {
    pool_model pool(s, 0);
    std::vector<outcome> out;
    pool.serve(arrivals, out);
    const endpoint_result e = pool.finish().endpoints[0].second;
    REQUIRE(e.completed == arrivals.size());
    std::vector<float> kept = e.latency_samples;
    std::sort(kept.begin(), kept.end());
    CHECK(kept == latencies(out));
    CHECK(e.samples_seen == e.completed);
  }
  SECTION("when 4,000 bytes run out, a sample of 1,000 of them is kept, in 4,000 bytes") {
    s.sample_memory = 4000;
    pool_model pool(s, 0);
    std::vector<outcome> out;
    pool.serve(arrivals, out);
    const endpoint_result e = pool.finish().endpoints[0].second;
    CHECK(e.latency_samples.size() == 1000);
    CHECK(e.latency_samples.capacity() <= 1000);
    CHECK(e.samples_seen == arrivals.size());
    const auto all = latencies(out);
    for (float v : e.latency_samples) CHECK(std::binary_search(all.begin(), all.end(), v));
  }
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

}  // namespace

namespace {

/// Erlang A (M/M/c+M): the number in system is a birth-death chain with birth
/// rate λ and death rate min(n, c)·μ + max(n − c, 0)·θ in state n, whose
/// stationary law is the product formula π_n ∝ Π_{k≤n} λ / death(k).
struct erlang_a {
  int c;
  double lambda, mu, theta;
  std::vector<double> pi;

  erlang_a(int servers, double arrival_rate, double service_rate, double patience_rate)
      : c(servers), lambda(arrival_rate), mu(service_rate), theta(patience_rate) {
    // Up to where the rest weighs less than 1e-20 (the death rate grows with n).
    pi = {1.0};
    for (int n = 1; n <= c || pi.back() > 1e-20; ++n) {
      pi.push_back(pi.back() * lambda / (std::min(n, c) * mu + std::max(n - c, 0) * theta));
    }
    double sum = 0;
    for (double p : pi) sum += p;
    for (double& p : pi) p /= sum;
  }
  double waiting(std::size_t n) const { return std::max(static_cast<double>(n) - c, 0.0); }
  /// Mean number waiting, E[Q].
  double mean_queue() const {
    double q = 0;
    for (std::size_t n = 0; n < pi.size(); ++n) q += waiting(n) * pi[n];
    return q;
  }
  /// Asymptotic variance rate of ∫Q dt: Var(∫_0^T Q dt) ≈ T·v. For a birth-death
  /// chain v = 2 Σ_k S_k² / (π_k λ), S_k = Σ_{j≤k} π_j (Q_j − E[Q]) (from the
  /// Poisson equation, whose differences are g_{k+1} − g_k = −S_k / (π_k λ);
  /// Whitt 1992). S_k is summed from the top (−Σ_{j>k}), where π_k is tiny.
  double queue_variance_rate() const {
    const double mean = mean_queue();
    double v = 0, s = 0;
    for (std::size_t k = pi.size() - 1; k > 0; --k) {
      s -= pi[k] * (waiting(k) - mean);  // S_{k-1}
      v += s * s / (pi[k - 1] * lambda);
    }
    return 2 * v;
  }
};

}  // namespace

TEST_CASE("an M/M/c+M pool abandons and waits as Erlang A says", "[sim][queue]") {
  // 4 servers of rate 1, arrivals at 4/s (ρ = 1: only abandonment keeps the
  // queue finite), patience exponential with mean 2 s (θ = 0.5).
  const int c = 4;
  const double lambda = 4, mu = 1, theta = 0.5;
  const erlang_a model(c, lambda, mu, theta);
  const double queue = model.mean_queue();  // E[Q] = 1.3034
  // Abandonments happen at rate θ·Q: P(abandon) = θ·E[Q] / λ = 0.1629. A wait
  // (until service or abandonment) is counted by every arrival: E[W] = E[Q] / λ
  // = 0.3259 s (Little).
  const double abandon = theta * queue / lambda;
  const double wait = queue / lambda;

  const vtime until = 500'000 * second;
  const auto arrivals = impatient_arrivals(lambda, until, 1 / theta, 29);
  // Standard deviations over T = 500,000 s (2M arrivals), added rather than
  // combined, which can only widen them: the abandonments are a Poisson count
  // (variance θ·E[Q]·T) around θ∫Q dt (variance θ²·v·T), the waits sum to ∫Q dt,
  // and the number of arrivals N is Poisson (relative sd 1/√N).
  const double t = to_seconds(until), n = lambda * t, v = model.queue_variance_rate();
  const double abandon_sd =
      (std::sqrt(theta * queue * t) + theta * std::sqrt(v * t)) / n + abandon / std::sqrt(n);
  const double wait_sd = std::sqrt(v * t) / n + wait / std::sqrt(n);  // 0.6% and 0.4%
  for (const bool batched : {false, true}) {
    INFO("batched " << batched);
    const scenario s = one_pool(c, distribution::exponential(1 / mu));
    pool_model pool(s, 0, batched ? pool_model::engine::batched : pool_model::engine::automatic);
    std::vector<outcome> out;
    pool.serve(arrivals, out);
    pool.advance(until + hour, out);  // the batched engine decides the last ones
    const pool_final f = pool.finish();
    const endpoint_result& e = f.endpoints[0].second;
    REQUIRE(e.offered == arrivals.size());
    REQUIRE(e.in_flight == 0);
    const double abandoned = static_cast<double>(e.abandoned) / static_cast<double>(e.offered);
    INFO("abandoned " << abandoned << " vs " << abandon << " +- " << abandon_sd << "; wait "
                      << f.result.little_w << " vs " << wait << " +- " << wait_sd);
    // Five standard deviations: a correct pool fails with p < 1e-6.
    CHECK(std::abs(abandoned - abandon) <= 5 * abandon_sd);
    CHECK(std::abs(f.result.little_w - wait) <= 5 * wait_sd);
  }
}

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
    const auto done = by_session(w.outcomes, 4);
    // Both first requests complete at 10 s; then one server is left for the others.
    CHECK(done[0].at == 10 * second);
    CHECK(done[1].at == 10 * second);
    CHECK(done[2].at == 20 * second);
    CHECK(done[3].at == 30 * second);
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

TEST_CASE("a server that joins a backlog takes the oldest waiting request at once",
          "[sim][queue][events]") {
  // One server, work 10 s; A, B, C arrive at 0, 1, 2 s and D at 6 s; a second
  // server joins at 5 s. FIFO with no idle server while work waits, by hand:
  // A 0-10 on the first; B 5-15 on the new one; C 10-20 on the first (free at
  // 10); D waits for the next free server, the new one at 15: 15-25.
  scenario s = one_pool(1, distribution::constant(10));
  s.horizon = 100 * second;
  s.report_interval = 100 * second;
  s.events = {server_event(event_spec::kind::add_servers, 5 * second, 1)};
  const std::vector<request> arrivals{{0, 0, from_seconds(1e9), 0, 0},
                                      {1 * second, 1, from_seconds(1e9), 1, 0},
                                      {2 * second, 2, from_seconds(1e9), 2, 0},
                                      {6 * second, 3, from_seconds(1e9), 3, 0}};
  pool_model pool(s, 0);
  const windowed w = run_windows(pool, s, arrivals);
  const auto done = by_session(w.outcomes, 4);
  CHECK(done[0].at == 10 * second);
  CHECK(done[1].at == 15 * second);
  CHECK(done[2].at == 20 * second);
  CHECK(done[3].at == 25 * second);
}

namespace {

/// A deliberately plain reference of a FIFO pool with c servers whose number
/// changes (add, remove, outage) at given instants: one instant at a time, the
/// waiting line a deque scanned whole. At an instant: servers that finish or
/// join are freed (or retire, if told to leave), the oldest waiting requests
/// start on free servers, waiting requests whose patience ends abandon, then
/// the server events of the instant apply, then the arrivals come. A removal
/// takes idle servers first; busy ones leave when their work is done.
struct reference_pool {
  struct fate {
    vtime at = -1;
    outcome::kind what = outcome::kind::completed;
  };
  std::int64_t idle, committed, retire = 0;
  std::int64_t capacity;
  std::vector<vtime> busy_until, joins;
  std::deque<request> waiting;
  std::vector<fate> fates;

  reference_pool(std::int64_t servers, std::int64_t cap, std::size_t n)
      : idle(servers), committed(servers), capacity(cap), fates(n) {}

  void free_one() {
    if (retire > 0) {
      --retire;
    } else {
      ++idle;
    }
  }
  // Each instant of `instants` that is `now` frees a server, and is dropped.
  void free_at(std::vector<vtime>& instants, vtime now) {
    for (auto due = std::erase(instants, now); due > 0; --due) free_one();
  }
  void settle(vtime now) {
    free_at(busy_until, now);
    free_at(joins, now);
    while (idle > 0 && !waiting.empty()) {
      const request r = waiting.front();
      waiting.pop_front();
      --idle;
      const vtime end = now + from_seconds(r.work);
      busy_until.push_back(end);
      fates[r.session] = {end, outcome::kind::completed};
    }
    for (auto it = waiting.begin(); it != waiting.end();) {
      if (it->at + it->patience <= now) {
        fates[it->session] = {it->at + it->patience, outcome::kind::abandoned};
        it = waiting.erase(it);
      } else {
        ++it;
      }
    }
  }
  void apply(const event_spec& e, vtime now) {
    const std::int64_t n =
        e.what == event_spec::kind::add_servers ? e.count : std::min(e.count, committed);
    if (e.what == event_spec::kind::add_servers) {
      committed += n;
      for (std::int64_t k = 0; k < n; ++k) joins.push_back(now);
      return;
    }
    committed -= n;
    const std::int64_t now_gone = std::min(n, idle);
    idle -= now_gone;
    retire += n - now_gone;
    if (e.what == event_spec::kind::outage && e.duration > 0) {
      committed += n;
      for (std::int64_t k = 0; k < n; ++k) joins.push_back(now + e.duration);
    }
  }
  void run(const std::vector<request>& arrivals, const std::vector<event_spec>& events) {
    std::size_t a = 0, ev = 0;
    for (;;) {
      vtime next = std::numeric_limits<vtime>::max();
      for (vtime t : busy_until) next = std::min(next, t);
      for (vtime t : joins) next = std::min(next, t);
      for (const request& r : waiting) next = std::min(next, r.at + r.patience);
      if (a < arrivals.size()) next = std::min(next, arrivals[a].at);
      if (ev < events.size()) next = std::min(next, events[ev].at);
      if (next == std::numeric_limits<vtime>::max()) return;
      settle(next);
      bool changed = false;
      for (; ev < events.size() && events[ev].at == next; ++ev) {
        apply(events[ev], next);
        changed = true;
      }
      if (changed) settle(next);
      for (; a < arrivals.size() && arrivals[a].at == next; ++a) {
        const request& r = arrivals[a];
        if (static_cast<std::int64_t>(waiting.size()) >= capacity) {
          fates[r.session] = {r.at, outcome::kind::rejected};
          continue;
        }
        waiting.push_back(r);
        settle(next);
      }
    }
  }
};

}  // namespace

TEST_CASE(
    "with servers added, removed and out, the pool serves in FIFO order with no idle server "
    "while work waits",
    "[sim][queue][events][equivalence]") {
  // Poisson arrivals at 4.5/s with their own exponential work (mean 1 s) and
  // patience (mean 30 s), a queue of 30, 4 servers: 2 join at 20 min, 5 are
  // out from 40 to 50 min, 3 leave at 80 min. Load swings from under to over
  // capacity, so servers join and leave while requests wait. Every fate must be
  // the plain reference's, to the microsecond.
  scenario s = one_pool(4, distribution::exponential(1.0), 30);
  s.horizon = 2 * hour;
  s.report_interval = 10 * minute;
  s.events = {server_event(event_spec::kind::add_servers, 20 * minute, 2),
              server_event(event_spec::kind::outage, 40 * minute, 5, 10 * minute),
              server_event(event_spec::kind::remove_servers, 80 * minute, 3)};
  auto arrivals = impatient_arrivals(4.5, s.horizon, 30.0, 5);
  rng_stream work(9, stream::test, 8);
  for (request& r : arrivals) r.work = -std::log(work.uniform());

  reference_pool reference(4, 30, arrivals.size());
  reference.run(arrivals, s.events);

  pool_model pool(s, 0);
  windowed w = run_windows(pool, s, arrivals);
  pool.advance(s.horizon + 100 * day, w.outcomes);
  REQUIRE(w.outcomes.size() == arrivals.size());
  std::size_t same = 0, abandoned = 0, rejected = 0;
  for (const outcome& o : w.outcomes) {
    const auto& f = reference.fates[o.session];
    same += f.at == o.at && f.what == o.what;
    abandoned += o.what == outcome::kind::abandoned;
    rejected += o.what == outcome::kind::rejected;
  }
  CHECK(same == arrivals.size());
  // Every path was taken, so the agreement means something.
  CHECK(abandoned > 100);
  CHECK(rejected > 100);
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
