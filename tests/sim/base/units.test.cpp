#include "sim/base/units.hpp"

#include <catch2/catch.hpp>
#include <charconv>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace stampede::sim;

TEST_CASE("durations with a unit parse to exact microseconds", "[sim][units]") {
  CHECK(parse_duration("250ms") == 250 * msec);
  CHECK(parse_duration("6s") == 6 * second);
  CHECK(parse_duration("15m") == 15 * minute);
  CHECK(parse_duration("15min") == 15 * minute);
  CHECK(parse_duration("2h") == 2 * hour);
  CHECK(parse_duration("7d") == 7 * day);
  CHECK(parse_duration("1w") == 7 * day);
  CHECK(parse_duration("1.5h") == 90 * minute);
  CHECK(parse_duration("90us") == 90);
  CHECK(parse_duration("0s") == 0);
  CHECK(parse_duration("1_000ms") == second);
  CHECK(parse_duration(" 6 s ") == 6 * second);
  CHECK(parse_duration("1e3s") == 1000 * second);
  // 0.4us is below the resolution of virtual time: it rounds to the nearest microsecond.
  CHECK(parse_duration("0.4us") == 0);
  CHECK(parse_duration("0.6us") == 1);
}

TEST_CASE("durations without a known unit or below zero are refused", "[sim][units]") {
  CHECK_FALSE(parse_duration("6"));
  CHECK_FALSE(parse_duration(""));
  CHECK_FALSE(parse_duration("s"));
  CHECK_FALSE(parse_duration("6 seconds"));
  CHECK_FALSE(parse_duration("6sec"));
  CHECK_FALSE(parse_duration("6S"));
  CHECK_FALSE(parse_duration("-5s"));
  CHECK_FALSE(parse_duration("-0s"));
  CHECK_FALSE(parse_duration("lots"));
  CHECK_FALSE(parse_duration("1e300d"));  // overflows int64 microseconds
  CHECK_FALSE(parse_duration("infs"));
}

TEST_CASE("rates carry a period and come out per second", "[sim][units]") {
  // Relative tolerance 1e-12: each rate is one division of exact decimals.
  CHECK(parse_rate("3/day").value() == Approx(3.0 / 86400).epsilon(1e-12));
  CHECK(parse_rate("1200/s").value() == Approx(1200).epsilon(1e-12));
  CHECK(parse_rate("0.4/day").value() == Approx(0.4 / 86400).epsilon(1e-12));
  CHECK(parse_rate("2/h").value() == Approx(2.0 / 3600).epsilon(1e-12));
  CHECK(parse_rate("10/min").value() == Approx(10.0 / 60).epsilon(1e-12));
  CHECK(parse_rate("0.01/month").value() == Approx(0.01 / (30 * 86400.0)).epsilon(1e-12));
  CHECK(parse_rate("1/week").value() == Approx(1.0 / (7 * 86400.0)).epsilon(1e-12));
  CHECK(parse_rate("5/15m").value() == Approx(5.0 / 900).epsilon(1e-12));
  CHECK(parse_rate("1_000/s").value() == Approx(1000).epsilon(1e-12));
  CHECK(parse_rate("0/day").value() == 0);
}

TEST_CASE("rates without a period or below zero are refused", "[sim][units]") {
  CHECK_FALSE(parse_rate("0.002"));
  CHECK_FALSE(parse_rate("3/"));
  CHECK_FALSE(parse_rate("/day"));
  CHECK_FALSE(parse_rate("3/fortnight"));
  CHECK_FALSE(parse_rate("-3/day"));
  CHECK_FALSE(parse_rate("3/0s"));
  CHECK_FALSE(parse_rate("3/day/day"));
}

TEST_CASE("plain numbers accept underscores between digits only", "[sim][units]") {
  CHECK(parse_number("500_000_000") == 500'000'000.0);
  CHECK(parse_number("0.25") == 0.25);
  CHECK(parse_number("1e6") == 1e6);
  CHECK(parse_number("-2.5") == -2.5);
  CHECK(parse_number("+3") == 3.0);
  CHECK(parse_number(".5") == 0.5);
  CHECK(parse_number("7.") == 7.0);
  CHECK(parse_number(" 42 ") == 42.0);
  CHECK_FALSE(parse_number("_5"));
  CHECK_FALSE(parse_number("5_"));
  CHECK_FALSE(parse_number("5__0"));
  CHECK_FALSE(parse_number("1_.5"));
  CHECK_FALSE(parse_number(""));
  CHECK_FALSE(parse_number("."));
  CHECK_FALSE(parse_number("inf"));
  CHECK_FALSE(parse_number("nan"));
  CHECK_FALSE(parse_number("0x10"));
  CHECK_FALSE(parse_number("1e"));
  CHECK_FALSE(parse_number("1e999"));
  CHECK_FALSE(parse_number("lots"));
  CHECK_FALSE(parse_number("6s"));
}

TEST_CASE("durations format with their two largest units", "[sim][units]") {
  CHECK(format_duration(0) == "0s");
  CHECK(format_duration(90) == "90us");
  CHECK(format_duration(250 * msec) == "250ms");
  CHECK(format_duration(2500) == "2.5ms");
  CHECK(format_duration(45 * second) == "45s");
  CHECK(format_duration(1500 * msec) == "1.5s");
  CHECK(format_duration(12 * minute) == "12m");
  CHECK(format_duration(12 * minute + 30 * second) == "12m 30s");
  CHECK(format_duration(3 * hour + 20 * minute) == "3h 20m");
  CHECK(format_duration(3 * hour + 20 * minute + 15 * second) == "3h 20m");
  CHECK(format_duration(2 * day + 4 * hour) == "2d 4h");
  CHECK(format_duration(7 * day) == "7d");
  CHECK(format_duration(-45 * second) == "-45s");
}

TEST_CASE("formatted whole durations parse back to the same time", "[sim][units]") {
  for (vtime t : {90 * usec, 250 * msec, 45 * second, 12 * minute, 2 * hour, 7 * day}) {
    CHECK(parse_duration(format_duration(t)) == t);
  }
}

TEST_CASE("seconds beyond the representable range saturate at max_duration", "[sim][units]") {
  // 2^60 us is 1,152,921,504,606.846976 s: anything longer saturates; so do
  // infinities and NaN, which a far tail or a zero rate can produce.
  CHECK(max_duration == 1'152'921'504'606'846'976);
  CHECK(from_seconds(1e12) == 1'000'000'000'000'000'000);
  CHECK(from_seconds(2e12) == max_duration);
  CHECK(from_seconds(1e300) == max_duration);
  CHECK(from_seconds(std::numeric_limits<double>::infinity()) == max_duration);
  CHECK(from_seconds(std::numeric_limits<double>::quiet_NaN()) == max_duration);
  CHECK(from_seconds(-1e300) == -max_duration);
  // Ordinary values still round half away from zero.
  CHECK(from_seconds(1.5e-6) == 2);
  CHECK(from_seconds(-1.5e-6) == -2);
  // A saturated time plus another still fits a vtime (2^61 < 2^63).
  CHECK(from_seconds(1e300) + from_seconds(1e300) > 0);
}

TEST_CASE("durations and rates beyond the representable range are refused", "[sim][units]") {
  CHECK(parse_duration("1000000w"));        // 6.0e17 us
  CHECK_FALSE(parse_duration("2000000w"));  // 1.2e18 us > 2^60
  CHECK_FALSE(parse_rate("1e308/us"));      // 1e314 per second
  CHECK(parse_rate("1e308/s") == 1e308);
}

TEST_CASE("round_nonnegative is std::llround for non-negative values", "[sim][units]") {
  // The halves and their neighbours, where a sum x + 0.5 would round wrongly
  // (0.49999999999999994 + 0.5 is 1 in doubles), the edge of exact halves
  // (2^52 - 0.5) and of whole doubles (2^53), and a spread of magnitudes.
  std::vector<double> xs = {0.0,
                            -0.0,
                            0.5,
                            1.5,
                            2.5,
                            0.49999999999999994,
                            1e-300,
                            4503599627370495.5,
                            9007199254740992.0,
                            9007199254740994.0,
                            std::nextafter(0.5, 0.0),
                            std::nextafter(2.5, 3.0)};
  std::mt19937_64 g(7);
  std::uniform_real_distribution<double> exponent(-20, 62);
  std::uniform_real_distribution<double> mantissa(1, 2);
  for (int i = 0; i < 100000; ++i) xs.push_back(mantissa(g) * std::exp2(exponent(g)));
  for (double x : xs) {
    INFO(x);
    REQUIRE(round_nonnegative(x) == std::llround(x));
  }
}

TEST_CASE("next_local_hour is where the local hour of the day turns next", "[sim][units]") {
  const vtime behind = -(5 * hour + 30 * minute);  // UTC-5:30: hours turn at :30 UTC
  // By hand: 10:00 UTC is 04:30 there, whose hour ends at 05:00, 10:30 UTC.
  CHECK(next_local_hour(10 * hour, behind) == 10 * hour + 30 * minute);
  // On the turn itself the next one is a whole hour on.
  CHECK(next_local_hour(10 * hour + 30 * minute, behind) == 11 * hour + 30 * minute);
  // Before local midnight of day 0: t = 0 is 18:30 the day before there.
  CHECK(next_local_hour(0, behind) == 30 * minute);
  CHECK(next_local_hour(0, 0) == hour);
  CHECK(next_local_hour(hour - 1, 8 * hour) == hour);
  // hour_of_day stays until it, and changes there.
  for (vtime t : {vtime{0}, 10 * hour + 17 * second, 23 * hour + 59 * minute}) {
    const vtime next = next_local_hour(t, behind);
    CHECK(hour_of_day(next - 1, behind) == hour_of_day(t, behind));
    CHECK(hour_of_day(next, behind) == (hour_of_day(t, behind) + 1) % 24);
  }
}

TEST_CASE("append_seconds writes exact decimal seconds that read back to the microsecond",
          "[sim][units]") {
  const auto text = [](vtime t) {
    std::string s = "x=";
    append_seconds(s, t);
    return s;
  };
  CHECK(text(0) == "x=0");
  CHECK(text(90 * second) == "x=90");
  CHECK(text(12'500'000) == "x=12.5");
  CHECK(text(1) == "x=0.000001");
  CHECK(text(3'000'010) == "x=3.00001");
  CHECK(text(43'200 * second + 999'999) == "x=43200.999999");
  CHECK(text(-1500000) == "x=-1.5");  // not drawn by the model; kept readable
  // What the modeled service reads from X-Stampede-Patience (read_seconds):
  // every value comes back the same microsecond. From about 2^52 us (143
  // years) on, through a double (from_chars, then from_seconds) some came
  // back one off: 4488343552.80568 s as 4488343552805681 us.
  for (vtime t : {vtime{1}, vtime{7}, vtime{123'456'789}, vtime{999'999}, 86'400 * second + 1,
                  vtime{1} << 40, vtime{4'488'343'552'805'680}, vtime{4'387'013'744'788'795},
                  vtime{1} << 52, 1'000'000'000'000 * second, max_duration - 1, max_duration}) {
    CHECK(read_seconds(text(t).substr(2)) == t);
  }
  std::mt19937_64 random(16);
  int off = 0;
  for (int i = 0; i < 100'000; ++i) {
    const auto t = static_cast<vtime>(random() % (max_duration + 1));
    off += read_seconds(text(t).substr(2)) != t ? 1 : 0;
  }
  CHECK(off == 0);
}

TEST_CASE("read_seconds reads other numbers as from_chars then from_seconds", "[sim][units]") {
  CHECK(read_seconds("0.1") == 100'000);
  CHECK(read_seconds("12.5") == 12'500'000);
  CHECK(read_seconds("1e-06") == 1);  // the shortest form stampede sent before
  CHECK(read_seconds("1e+12") == 1'000'000'000'000 * second);
  CHECK(read_seconds(".5") == 500'000);
  CHECK(read_seconds("0.0000004") == 0);  // seven decimals: through a double
  CHECK(read_seconds("00000000000000000002") == 2 * second);
  CHECK(read_seconds("1000000000000.000001") == 1'000'000'000'000 * second + 1);
  CHECK(read_seconds("1000000000000.5") == 1'000'000'000'000'500'000);
  // Past max_duration, never: as from_seconds saturates a far-tail draw.
  CHECK(read_seconds("1152921504606.846976") == max_duration);  // append_seconds(max_duration)
  CHECK(read_seconds("1152921504606.846977") == max_duration);
  CHECK(read_seconds("9999999999999.999999") == max_duration);
  CHECK(read_seconds("99999999999999") == max_duration);
  CHECK(read_seconds("1e300") == max_duration);
  CHECK(read_seconds("inf") == max_duration);
  CHECK_FALSE(read_seconds("-1"));
  CHECK_FALSE(read_seconds("-0.5"));
  CHECK_FALSE(read_seconds(""));
  CHECK_FALSE(read_seconds("soon"));
  CHECK_FALSE(read_seconds("1.5s"));
  CHECK_FALSE(read_seconds("1.x"));
  CHECK_FALSE(read_seconds("nan"));
  CHECK_FALSE(read_seconds(" 1"));
}
