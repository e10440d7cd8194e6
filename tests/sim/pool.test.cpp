#include "sim/pool.hpp"

#include <catch2/catch.hpp>
#include <cmath>

using namespace stampede::sim;

namespace {

/// One pool "p" of `servers` servers serving endpoint "e" with the given work.
scenario one_pool(std::int64_t servers, distribution work, std::int64_t capacity = 1'000'000'000) {
  scenario s;
  s.name = "pool-test";
  s.horizon = 1000 * day;
  s.tick = second;
  s.report_interval = day;
  s.population_size = 1;
  s.endpoints = {endpoint_spec{"e", 0, work}};
  s.pools = {pool_spec{"p", servers, capacity, 0}};
  s.behavior.mix = {1.0};
  return s;
}

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
