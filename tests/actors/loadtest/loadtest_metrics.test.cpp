// The model-free rules of load testing: targets, the allow list, templates,
// outcome classes, the results file's lines and the exact accounting.
#include <catch2/catch.hpp>

#include "sim/loadtest/loadtest_metrics.hpp"

using namespace stampede;

TEST_CASE("a target URL is parsed into host and port, and anything but http or https is refused",
          "[loadtest]") {
  const auto t = sim::parse_target_url("http://127.0.0.1:8080");
  CHECK(t.host == "127.0.0.1");
  CHECK(t.port == 8080);
  CHECK(sim::parse_target_url("http://LocalHost/").host == "localhost");
  CHECK(sim::parse_target_url("http://localhost").port == 80);
  CHECK(sim::parse_target_url("http://[::1]:9000").host == "::1");
  CHECK(sim::parse_target_url("http://[::1]:9000").text() == "http://[::1]:9000");
  const auto s = sim::parse_target_url("https://LOCALHOST:8443/");
  CHECK(s.tls);
  CHECK(s.host == "localhost");
  CHECK(s.text() == "https://localhost:8443");
  CHECK(s.authority() == "localhost:8443");
  CHECK_FALSE(t.tls);
  CHECK(sim::parse_target_url("https://127.0.0.1").port == 443);
  CHECK(sim::parse_target_url("https://[::1]").text() == "https://[::1]:443");
  CHECK_THROWS_AS(sim::parse_target_url("127.0.0.1:8080"), sim::target_error);
  CHECK_THROWS_AS(sim::parse_target_url("http://127.0.0.1:70000"), sim::target_error);
  CHECK_THROWS_AS(sim::parse_target_url("http://127.0.0.1:"), sim::target_error);
  CHECK_THROWS_AS(sim::parse_target_url("http://:80"), sim::target_error);
  CHECK_THROWS_AS(sim::parse_target_url("http://user@10.0.0.1:80"), sim::target_error);
  CHECK_THROWS_AS(sim::parse_target_url("http://127.0.0.1:80/v1/api"), sim::target_error);
  CHECK_THROWS_WITH(sim::parse_target_url("ftp://x"), Catch::Contains("only http:// and https://"));
}

TEST_CASE("only hosts on the allow list may be loaded", "[loadtest]") {
  const std::vector<std::string> allow{"127.0.0.1", "localhost", "::1"};
  CHECK(sim::host_allowed("127.0.0.1", allow));
  CHECK(sim::host_allowed("LOCALHOST", allow));
  CHECK(sim::host_allowed("[::1]", allow));
  CHECK_FALSE(sim::host_allowed("127.0.0.2", allow));
  CHECK_FALSE(sim::host_allowed("example.com", allow));
  CHECK_FALSE(sim::host_allowed("127.0.0.1", {}));
}

TEST_CASE("templates expand the four variables and name any other", "[loadtest]") {
  sim::template_values v;
  v.user_id = 65537;
  v.seq = 12;
  v.prompt = "a cat";
  const auto text =
      sim::expand_template(R"({"u":${user_id},"s":${seq},"p":"${prompt}","t":"${tier}"})", v);
  CHECK(text == R"({"u":65537,"s":12,"p":"a cat","t":"default"})");
  CHECK(sim::unknown_template_variables("/v1/${user_id}/x?${seq}").empty());
  CHECK(sim::unknown_template_variables("/v1/${user}/${seq}/${nope}") ==
        std::vector<std::string>{"user", "nope"});
  CHECK(sim::expand_template("no variables", v) == "no variables");
}

TEST_CASE("${env:NAME} expands to the value read at the start, and redact takes it back out",
          "[loadtest]") {
  const sim::env_values env{{"TOKEN", "s3cr3t"}, {"EMPTY", ""}};
  sim::template_values v;
  v.env = &env;
  CHECK(sim::expand_template("Bearer ${env:TOKEN}/${env:EMPTY}/${env:OTHER}", v) ==
        "Bearer s3cr3t//${env:OTHER}");
  // Without values (as when echoing the scenario) the placeholder stays.
  CHECK(sim::expand_template("Bearer ${env:TOKEN}", sim::template_values{}) ==
        "Bearer ${env:TOKEN}");
  CHECK(sim::env_variable_name("env:API_KEY_2") == "API_KEY_2");
  for (const char* bad : {"env:", "env:2X", "env:A-B", "ENV:X", "user_id"}) {
    INFO(bad);
    CHECK(sim::env_variable_name(bad).empty());
  }
  CHECK(sim::unknown_template_variables("${env:TOKEN} ${env:} ${env:A B}") ==
        std::vector<std::string>{"env:", "env:A B"});
  CHECK(sim::redact("got Bearer s3cr3t and s3cr3ts3cr3t", env) ==
        "got Bearer ${env:TOKEN} and ${env:TOKEN}${env:TOKEN}");
}

TEST_CASE("HTTP statuses fall into the outcome classes, 503 and 429 apart", "[loadtest]") {
  CHECK(sim::classify_status(200) == sim::outcome_class::status_2xx);
  CHECK(sim::classify_status(204) == sim::outcome_class::status_2xx);
  CHECK(sim::classify_status(503) == sim::outcome_class::status_503);
  CHECK(sim::classify_status(429) == sim::outcome_class::status_429);
  CHECK(sim::classify_status(404) == sim::outcome_class::status_4xx);
  CHECK(sim::classify_status(500) == sim::outcome_class::status_5xx);
  CHECK(sim::classify_status(302) == sim::outcome_class::status_other);
  CHECK(sim::model_kind(sim::outcome_class::status_2xx) == sim::outcome::kind::completed);
  CHECK(sim::model_kind(sim::outcome_class::timeout) == sim::outcome::kind::abandoned);
  CHECK(sim::model_kind(sim::outcome_class::reset_closed) == sim::outcome::kind::rejected);
  for (int k = 0; k < sim::outcome_classes; ++k) {
    const auto c = static_cast<sim::outcome_class>(k);
    CHECK(sim::outcome_class_of(sim::outcome_class_name(c)) == c);
  }
}

TEST_CASE("a results line reads back as the sample it was written from", "[loadtest]") {
  const std::vector<std::string> names{"generate_image", "view_feed"};
  sim::loadtest_sample s;
  s.intended_us = 1'234'567;
  s.endpoint = 1;
  s.what = sim::outcome_class::status_503;
  s.status = 503;
  s.corrected_us = 1500;
  s.uncorrected_us = 900;
  s.lag_us = 40;
  const std::string line = sim::format_sample(s, names);
  CHECK(line == "1234567,view_feed,503,503,1500,900,40\n");
  const auto back = sim::parse_sample(line, names);
  REQUIRE(back);
  CHECK(back->intended_us == s.intended_us);
  CHECK(back->endpoint == 1);
  CHECK(back->what == s.what);
  CHECK(back->corrected_us == 1500);
  CHECK(back->uncorrected_us == 900);
  CHECK(back->lag_us == 40);
  // A line torn by a kill, the header and an unknown endpoint are not samples.
  CHECK_FALSE(sim::parse_sample("1234567,view_feed,503,50", names));
  CHECK_FALSE(sim::parse_sample(sim::results_header(), names));
  CHECK_FALSE(sim::parse_sample("1,nope,2xx,200,1,1,0", names));
}

TEST_CASE("the recorder's accounting adds up: sent = completed + failed + timed out + in flight",
          "[loadtest]") {
  sim::loadtest_recorder rec({"a", "b"}, 1.0, 60.0);
  for (int i = 0; i < 10; ++i) rec.sent(0);
  for (int i = 0; i < 3; ++i) rec.sent(1);
  const sim::outcome_class classes[] = {
      sim::outcome_class::status_2xx,    sim::outcome_class::status_2xx,
      sim::outcome_class::status_503,    sim::outcome_class::status_429,
      sim::outcome_class::status_5xx,    sim::outcome_class::timeout,
      sim::outcome_class::connect_error, sim::outcome_class::reset_closed};
  std::int64_t t = 0;
  for (auto c : classes) {
    sim::loadtest_sample s;
    s.intended_us = t;
    s.what = c;
    s.corrected_us = 2000;
    s.uncorrected_us = 1000;
    t += 300'000;
    rec.record(s);
  }
  CHECK(rec.in_flight() == 5);
  const auto e = rec.finish_endpoints();
  CHECK(e[0].completed == 2);
  CHECK(e[0].failed == 5);
  CHECK(e[0].timed_out == 1);
  CHECK(e[0].in_flight == 2);
  CHECK(e[0].sent == e[0].completed + e[0].failed + e[0].timed_out + e[0].in_flight);
  CHECK(e[1].in_flight == 3);
  CHECK(e[0].corrected.count() == 2);  // only 2xx latencies are kept

  // Time series: 8 samples 0.3 s apart fall into 3 one-second rows.
  auto ts = rec.series();
  REQUIRE(ts.rows.size() == 3);
  const int offered = ts.column("offered_rps.a");
  REQUIRE(offered >= 0);
  CHECK(ts.rows[0][offered] == 4);  // intended at 0, 0.3, 0.6, 0.9 s
  CHECK(ts.column("uncorrected_p99_s.b") >= 0);
  CHECK(ts.column("lag_p99_s") >= 0);
  // t_hours is virtual time: one wall second at time_scale 60 is a minute.
  CHECK(ts.rows[0][0] == Approx(60.0 / 3600));

  // More outcomes than requests sent is a bug, never a result.
  sim::loadtest_recorder bad({"a"}, 1.0, 1.0);
  bad.record(sim::loadtest_sample{});
  CHECK_THROWS_AS(bad.finish_endpoints(), std::logic_error);
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

TEST_CASE("a dropped request is counted as intended but neither sent, finished nor lagging",
          "[loadtest]") {
  sim::loadtest_recorder rec({"a"}, 1.0, 1.0);
  for (int i = 0; i < 3; ++i) rec.sent(0);
  sim::loadtest_sample ok;
  ok.intended_us = 100'000;
  ok.corrected_us = 2000;
  ok.lag_us = 500;
  rec.record(ok);
  for (std::int64_t at : {1'500'000, 400'000}) {
    sim::loadtest_sample d;
    d.intended_us = at;
    d.what = sim::outcome_class::dropped;
    d.corrected_us = 100'001;  // given up just past a max_lag of 100 ms
    rec.record(d);
  }
  rec.unsent_at_stop(0);
  const auto e = rec.finish_endpoints();
  CHECK(e[0].dropped == 2);
  CHECK(e[0].sent == 3);
  CHECK(e[0].in_flight == 2);  // 3 sent, 1 finished: the drops are not outcomes of a send
  CHECK(e[0].intended == 3 + 2 + 1);
  CHECK(rec.finished() == 1);
  CHECK(rec.lag().count() == 1);  // only the sent request has a lag
  CHECK(rec.dropped() == 2);
  CHECK(rec.first_dropped_us() == 400'000);
  CHECK(rec.last_dropped_us() == 1'500'000);
  // 2 dropped of the 5 it tried to send: 40%.
  CHECK(sim::dropped_share(e) == Approx(0.4));
  CHECK(sim::model_kind(sim::outcome_class::dropped) == sim::outcome::kind::completed);
  // The results file keeps it.
  sim::loadtest_sample d;
  d.intended_us = 7;
  d.what = sim::outcome_class::dropped;
  d.corrected_us = 100'001;
  const auto back = sim::parse_sample(sim::format_sample(d, {"a"}), {"a"});
  REQUIRE(back);
  CHECK(back->what == sim::outcome_class::dropped);
}

TEST_CASE("the schedule is kept only with drops within max_dropped and lag p99 within max_lag",
          "[loadtest]") {
  sim::loadtest_result lt;
  lt.max_lag_s = 0.1;
  lt.max_dropped = 0.001;
  sim::loadtest_endpoint_result e;
  e.sent = 999;
  e.dropped = 1;  // 0.1%: at the limit
  lt.endpoints = {e};
  for (int i = 0; i < 100; ++i) lt.lag.record(1000);  // 1 ms
  CHECK(sim::kept_schedule(lt));
  lt.endpoints[0].dropped = 2;  // 2 of 1001: over 0.1%
  CHECK_FALSE(sim::kept_schedule(lt));
  lt.endpoints[0].dropped = 0;
  for (int i = 0; i < 5; ++i) lt.lag.record(200'000);  // 5 of 105 at 200 ms: p99 there
  CHECK_FALSE(sim::kept_schedule(lt));
}

TEST_CASE("a failed TLS handshake is a failure of its own class and adds up like any other",
          "[loadtest]") {
  CHECK(std::string(sim::outcome_class_name(sim::outcome_class::tls_handshake)) == "tls_handshake");
  CHECK(sim::outcome_class_of("tls_handshake") == sim::outcome_class::tls_handshake);
  CHECK(sim::outcome_class_of("dropped") == sim::outcome_class::dropped);
  CHECK(sim::model_kind(sim::outcome_class::tls_handshake) == sim::outcome::kind::rejected);
  sim::loadtest_recorder rec({"a"}, 1.0, 1.0);
  for (int i = 0; i < 4; ++i) rec.sent(0);
  for (auto c : {sim::outcome_class::tls_handshake, sim::outcome_class::tls_handshake,
                 sim::outcome_class::status_2xx}) {
    sim::loadtest_sample s;
    s.what = c;
    rec.record(s);
  }
  const auto e = rec.finish_endpoints();
  CHECK(e[0].tls_handshake == 2);
  CHECK(e[0].failed == 2);
  CHECK(e[0].completed == 1);
  CHECK(e[0].in_flight == 1);
  CHECK(rec.errors() == 2);
  // A results file line keeps the class, so a rebuilt report counts it too.
  sim::loadtest_sample s;
  s.what = sim::outcome_class::tls_handshake;
  const auto back = sim::parse_sample(sim::format_sample(s, {"a"}), {"a"});
  REQUIRE(back);
  CHECK(back->what == sim::outcome_class::tls_handshake);
}
