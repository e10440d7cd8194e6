#pragma once
// Units of the model: virtual time in integer microseconds, rates in events per
// second, and the parsers for the scenario's unit-carrying strings.
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stampede::sim {

/// Virtual time and durations, in microseconds since the start of the run.
using vtime = std::int64_t;

inline constexpr vtime usec = 1;
inline constexpr vtime msec = 1'000;
inline constexpr vtime second = 1'000'000;
inline constexpr vtime minute = 60 * second;
inline constexpr vtime hour = 60 * minute;
inline constexpr vtime day = 24 * hour;

/// The hour of the day (0-23) at time t in a region `utc_offset` from UTC;
/// floored, so that local times before midnight of day 0 (a negative offset
/// early in a run) fall in the previous day's late hours.
inline int hour_of_day(vtime t, vtime utc_offset) {
  return static_cast<int>((((t + utc_offset) % day + day) % day) / hour);
}

/// The start of the local hour after the one holding t (in that region): the
/// first time after t at which hour_of_day changes.
inline vtime next_local_hour(vtime t, vtime utc_offset) {
  return t - ((t + utc_offset) % hour + hour) % hour + hour;
}

/// Converts virtual time to seconds.
inline double to_seconds(vtime t) {
  return static_cast<double>(t) * 1e-6;
}
/// The longest duration the model represents, 2^60 us (about 36,500 years).
/// Conversions saturate here, and the loader accepts no longer horizon or
/// duration, so a time plus a few durations still fits a vtime.
inline constexpr vtime max_duration = vtime{1} << 60;

/// Converts seconds to virtual time, rounding to the nearest microsecond and
/// saturating at ±max_duration (+max_duration for NaN): a draw from a
/// distribution's far tail means "never within this run", not an overflow.
inline vtime from_seconds(double s) {
  const double us = s * 1e6;
  constexpr auto limit = static_cast<double>(max_duration);
  if (!(std::fabs(us) < limit)) return us < 0 ? -max_duration : max_duration;
  // Half away from zero, like std::llround, without its library call (this is
  // on the path of every request).
  return static_cast<vtime>(us < 0 ? us - 0.5 : us + 0.5);
}

/// std::llround of a non-negative x below 2^63, bit for bit, without its
/// library call (the session clock rounds twice per block and window): the
/// integer part, plus one when the remainder, exact in doubles, is at least a
/// half.
inline std::int64_t round_nonnegative(double x) {
  const auto whole = static_cast<std::int64_t>(x);
  return whole + (x - static_cast<double>(whole) >= 0.5 ? 1 : 0);
}

/// Parses a duration with a unit: "250ms", "6s", "15m", "2h", "7d", "1.5h", "90us".
/// Returns nothing when the text is not a non-negative duration with a known unit.
std::optional<vtime> parse_duration(std::string_view text);

/// Parses a rate with a period: "3/day", "1200/s", "0.4/day", "2/h", "10/min",
/// "0.01/month" (a month is 30 days), "1/week"; returns events per second.
std::optional<double> parse_rate(std::string_view text);

/// Parses a plain number that may carry '_' separators: "500_000_000", "0.25", "1e6".
std::optional<double> parse_number(std::string_view text);

/// Formats a duration for people: "45s", "12m", "3h 20m", "2d 4h".
std::string format_duration(vtime t);

/// Formats a number for people: integers without an exponent (2000000, not
/// 2e+06), others with 6 significant digits.
std::string number_text(double v);
/// Appends `t` in seconds, exactly: whole seconds and up to six decimals,
/// written as integers ("90", "12.5", "0.000001"), which read_seconds reads
/// back to the same microsecond; cheaper than the shortest form of to_seconds(t).
void append_seconds(std::string& out, vtime t);
/// Reads seconds as the modeled service reads X-Stampede-Patience: the form
/// append_seconds writes exactly, to the microsecond (through a double, from
/// about 2^52 us, 143 years, on, a value would come back a microsecond off);
/// any other number std::from_chars reads through from_seconds. Past
/// max_duration it is max_duration (never), as from_seconds saturates: what
/// the model draws in a distribution's far tail. Nothing for text that is not
/// a number, a negative or NaN.
std::optional<vtime> read_seconds(std::string_view text);
/// `s` without the spaces and tabs at either end.
std::string_view trim(std::string_view s);

}  // namespace stampede::sim
