// The SLO rule (sim/results/slo.hpp) on hand-made evidence.
#include "sim/results/slo.hpp"

#include <catch2/catch.hpp>

using namespace stampede;
using namespace stampede::sim;

namespace {

slo_spec p99_under(double seconds) {
  slo_spec s;
  s.what = slo_spec::kind::latency_quantile;
  s.quantile = 0.99;
  s.threshold = seconds;
  s.key = "latency_p99";
  return s;
}

}  // namespace

TEST_CASE("a latency objective holds when the quantile is within and few went unanswered",
          "[sim][slo]") {
  const slo_spec p99 = p99_under(2.0);
  CHECK(latency_held(p99, {1.5, 1000, 10}));        // 1.0% unanswered: at the allowance
  CHECK_FALSE(latency_held(p99, {1.5, 1000, 11}));  // 1.1%: over it
  CHECK_FALSE(latency_held(p99, {2.5, 1000, 0}));   // too slow
  CHECK(latency_held(p99, {2.0, 1000, 0}));         // the threshold itself holds
  CHECK(latency_held(p99, {-1, 0, 0}));             // nothing measured, nothing waited
  CHECK_FALSE(latency_held(p99, {-1, 5, 5}));       // nobody answered
}

TEST_CASE("a verdict says why it does not hold when too many went unanswered", "[sim][slo]") {
  const slo_result v = judge_latency(p99_under(2.0), "api", {0.5, 200, 4}, "gave up");
  CHECK_FALSE(v.held);
  CHECK(v.measured == 0.5);
  CHECK(v.quantile == 0.99);
  CHECK(v.objective == "latency_p99 <= 2s");
  CHECK(v.note == "2.0% of the requests that waited gave up; a latency_p99 allows 1.0%");
  CHECK(judge_latency(p99_under(2.0), "api", {0.5, 200, 2}, "gave up").note.empty());
}

TEST_CASE("max_rejected compares rejected over offered, and holds with nothing offered",
          "[sim][slo]") {
  slo_spec s;
  s.what = slo_spec::kind::max_rejected;
  s.threshold = 0.05;
  s.key = "max_rejected";
  CHECK(rejected_held(s, 5, 100));
  CHECK_FALSE(rejected_held(s, 6, 100));
  CHECK(rejected_held(s, 0, 0));
  const slo_result v = judge_rejected(s, "api", 6, 100);
  CHECK(v.measured == Approx(0.06));  // 6/100 in doubles
  CHECK_FALSE(v.held);
  CHECK(v.quantile == 0);
}

TEST_CASE("a latency SLO is breached by 500s even though no 2xx latency was measured",
          "[loadtest]") {
  sim::scenario s;
  s.endpoints.push_back({"api", 0, sim::distribution::constant(0)});
  s.slos.push_back({0, sim::slo_spec::kind::latency_quantile, 0.99, 1.0, "latency_p99"});
  s.slos.push_back({0, sim::slo_spec::kind::max_rejected, 0, 0.05, "max_rejected"});
  sim::loadtest_endpoint_result e;
  e.name = "api";
  e.sent = 100;
  e.status_5xx = 100;
  e.failed = 100;
  auto v = sim::loadtest_slos(s, {e});
  REQUIRE(v.size() == 2);
  CHECK_FALSE(v[0].held);
  CHECK(v[1].held);  // no 503/429: nothing was rejected
  e.status_5xx = 0;
  e.status_503 = 10;
  e.status_2xx = e.completed = 90;
  e.failed = 10;
  for (int i = 0; i < 90; ++i) e.corrected.record(200'000);
  v = sim::loadtest_slos(s, {e});
  CHECK(v[0].held);
  CHECK(v[0].measured == Approx(0.2).epsilon(0.01));  // histogram: < 1% relative error
  CHECK_FALSE(v[1].held);
  CHECK(v[1].measured == Approx(0.1));
}

TEST_CASE("refused requests do not dilute a load test's share of unanswered ones, as in run",
          "[loadtest]") {
  // 900 answered in 0.2 s, 100 refused with 503, 10 timed out. Of the 910 that
  // waited, 10 (1.1%) got no answer: over a p99's 1%. Counting the refused among
  // them (10 of 1,010, 0.99%) would let the objective hold.
  sim::scenario s;
  s.endpoints.push_back({"api", 0, sim::distribution::constant(0)});
  s.slos.push_back({0, sim::slo_spec::kind::latency_quantile, 0.99, 1.0, "latency_p99"});
  sim::loadtest_endpoint_result e;
  e.name = "api";
  e.sent = 1010;
  e.status_2xx = e.completed = 900;
  e.status_503 = e.failed = 100;
  e.timed_out = 10;
  for (int i = 0; i < 900; ++i) e.corrected.record(200'000);
  const auto v = sim::loadtest_slos(s, {e});
  REQUIRE(v.size() == 1);
  CHECK_FALSE(v[0].held);
  CHECK(v[0].quantile == 0.99);
}
