// The load generator's outcome classes, results lines and exact accounting
// (actors/loadtest/formats.hpp, recorder.hpp).
#include "actors/loadtest/recorder.hpp"

#include <catch2/catch.hpp>
#include <limits>

using namespace stampede;

TEST_CASE("HTTP statuses fall into the outcome classes, 503 and 429 apart", "[loadtest]") {
  CHECK(actors::classify_status(200) == actors::outcome_class::status_2xx);
  CHECK(actors::classify_status(204) == actors::outcome_class::status_2xx);
  CHECK(actors::classify_status(503) == actors::outcome_class::status_503);
  CHECK(actors::classify_status(429) == actors::outcome_class::status_429);
  CHECK(actors::classify_status(404) == actors::outcome_class::status_4xx);
  CHECK(actors::classify_status(500) == actors::outcome_class::status_5xx);
  CHECK(actors::classify_status(302) == actors::outcome_class::status_other);
  CHECK(actors::model_kind(actors::outcome_class::status_2xx) == sim::outcome::kind::completed);
  CHECK(actors::model_kind(actors::outcome_class::timeout) == sim::outcome::kind::abandoned);
  CHECK(actors::model_kind(actors::outcome_class::reset_closed) == sim::outcome::kind::rejected);
  for (int k = 0; k < actors::outcome_classes; ++k) {
    const auto c = static_cast<actors::outcome_class>(k);
    CHECK(actors::outcome_class_of(actors::outcome_class_name(c)) == c);
  }
}

TEST_CASE("results lines hold extreme numbers and long endpoint names whole", "[loadtest]") {
  // The line is written into a fixed buffer unless the name is long: both
  // ways, and the widest numbers, come out whole and read back.
  const std::string long_name(300, 'e');
  const std::vector<std::string> names{"a", long_name};
  actors::loadtest_sample s;
  s.intended_us = std::numeric_limits<std::int64_t>::max();
  s.what = actors::outcome_class::reset_closed;
  s.status = 0;
  s.corrected_us = std::numeric_limits<std::int64_t>::min();
  s.uncorrected_us = -1;
  s.lag_us = 0;
  for (int endpoint : {0, 1}) {
    s.endpoint = endpoint;
    std::string out = "previous\n";
    actors::append_sample(out, s, names);
    CHECK(out == "previous\n9223372036854775807," + names[static_cast<std::size_t>(endpoint)] +
                     "," + actors::outcome_class_name(s.what) + ",0,-9223372036854775808,-1,0\n");
  }
}

TEST_CASE("a results line reads back as the sample it was written from", "[loadtest]") {
  const std::vector<std::string> names{"generate_image", "view_feed"};
  actors::loadtest_sample s;
  s.intended_us = 1'234'567;
  s.endpoint = 1;
  s.what = actors::outcome_class::status_503;
  s.status = 503;
  s.corrected_us = 1500;
  s.uncorrected_us = 900;
  s.lag_us = 40;
  const std::string line = actors::format_sample(s, names);
  CHECK(line == "1234567,view_feed,503,503,1500,900,40\n");
  const auto back = actors::parse_sample(line, names);
  REQUIRE(back);
  CHECK(back->intended_us == s.intended_us);
  CHECK(back->endpoint == 1);
  CHECK(back->what == s.what);
  CHECK(back->corrected_us == 1500);
  CHECK(back->uncorrected_us == 900);
  CHECK(back->lag_us == 40);
  // A line torn by a kill, the header and an unknown endpoint are not samples.
  CHECK_FALSE(actors::parse_sample("1234567,view_feed,503,50", names));
  CHECK_FALSE(actors::parse_sample(actors::results_header(), names));
  CHECK_FALSE(actors::parse_sample("1,nope,2xx,200,1,1,0", names));
}

TEST_CASE("the recorder's accounting adds up: sent = completed + failed + timed out + in flight",
          "[loadtest]") {
  actors::loadtest_recorder rec({"a", "b"}, 1.0, 60.0);
  for (int i = 0; i < 10; ++i) rec.sent(0);
  for (int i = 0; i < 3; ++i) rec.sent(1);
  const actors::outcome_class classes[] = {
      actors::outcome_class::status_2xx,    actors::outcome_class::status_2xx,
      actors::outcome_class::status_503,    actors::outcome_class::status_429,
      actors::outcome_class::status_5xx,    actors::outcome_class::timeout,
      actors::outcome_class::connect_error, actors::outcome_class::reset_closed};
  std::int64_t t = 0;
  for (auto c : classes) {
    actors::loadtest_sample s;
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
  actors::loadtest_recorder bad({"a"}, 1.0, 1.0);
  bad.record(actors::loadtest_sample{});
  CHECK_THROWS_AS(bad.finish_endpoints(), std::logic_error);
}

TEST_CASE("a dropped request is counted as intended but neither sent, finished nor lagging",
          "[loadtest]") {
  actors::loadtest_recorder rec({"a"}, 1.0, 1.0);
  for (int i = 0; i < 3; ++i) rec.sent(0);
  actors::loadtest_sample ok;
  ok.intended_us = 100'000;
  ok.corrected_us = 2000;
  ok.lag_us = 500;
  rec.record(ok);
  for (std::int64_t at : {1'500'000, 400'000}) {
    actors::loadtest_sample d;
    d.intended_us = at;
    d.what = actors::outcome_class::dropped;
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
  CHECK(actors::model_kind(actors::outcome_class::dropped) == sim::outcome::kind::completed);
  // The results file keeps it.
  actors::loadtest_sample d;
  d.intended_us = 7;
  d.what = actors::outcome_class::dropped;
  d.corrected_us = 100'001;
  const auto back = actors::parse_sample(actors::format_sample(d, {"a"}), {"a"});
  REQUIRE(back);
  CHECK(back->what == actors::outcome_class::dropped);
}

TEST_CASE("a failed TLS handshake is a failure of its own class and adds up like any other",
          "[loadtest]") {
  CHECK(std::string(actors::outcome_class_name(actors::outcome_class::tls_handshake)) ==
        "tls_handshake");
  CHECK(actors::outcome_class_of("tls_handshake") == actors::outcome_class::tls_handshake);
  CHECK(actors::outcome_class_of("dropped") == actors::outcome_class::dropped);
  CHECK(actors::model_kind(actors::outcome_class::tls_handshake) == sim::outcome::kind::rejected);
  actors::loadtest_recorder rec({"a"}, 1.0, 1.0);
  for (int i = 0; i < 4; ++i) rec.sent(0);
  for (auto c : {actors::outcome_class::tls_handshake, actors::outcome_class::tls_handshake,
                 actors::outcome_class::status_2xx}) {
    actors::loadtest_sample s;
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
  actors::loadtest_sample s;
  s.what = actors::outcome_class::tls_handshake;
  const auto back = actors::parse_sample(actors::format_sample(s, {"a"}), {"a"});
  REQUIRE(back);
  CHECK(back->what == actors::outcome_class::tls_handshake);
}
