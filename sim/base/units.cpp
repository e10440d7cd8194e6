#include "sim/base/units.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <utility>

namespace stampede::sim {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// The unit suffixes of a duration, longest first so that "ms" wins over "m"
// and "min" over "m".
constexpr std::pair<std::string_view, vtime> duration_units[] = {
    {"min", minute}, {"us", usec}, {"ms", msec}, {"s", second},
    {"m", minute},   {"h", hour},  {"d", day},   {"w", 7 * day},
};

// The period words of a rate ("3/day"); a month is 30 days and a year 365,
// which is what planners mean by "0.05/month" churn.
constexpr std::pair<std::string_view, double> rate_periods[] = {
    {"us", 1e-6},
    {"ms", 1e-3},
    {"s", 1},
    {"sec", 1},
    {"second", 1},
    {"m", 60},
    {"min", 60},
    {"minute", 60},
    {"h", 3600},
    {"hour", 3600},
    {"d", 86400},
    {"day", 86400},
    {"w", 7 * 86400.0},
    {"week", 7 * 86400.0},
    {"month", 30 * 86400.0},
    {"year", 365 * 86400.0},
};

}  // namespace

std::optional<double> parse_number(std::string_view text) {
  text = trim(text);
  // '_' is a digit separator only between two digits, so "_5", "5_" and "5__0"
  // stay errors rather than silently becoming numbers.
  std::string clean;
  clean.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '_') {
      if (i == 0 || i + 1 >= text.size() || !is_digit(text[i - 1]) || !is_digit(text[i + 1])) {
        return std::nullopt;
      }
      continue;
    }
    clean.push_back(text[i]);
  }
  // Checked by hand because from_chars also accepts "inf", "nan" and hex forms,
  // which are no numbers a scenario should contain.
  std::size_t i = 0;
  if (i < clean.size() && (clean[i] == '+' || clean[i] == '-')) ++i;
  const std::size_t mantissa_start = i;
  int digits = 0;
  while (i < clean.size() && is_digit(clean[i])) ++i, ++digits;
  if (i < clean.size() && clean[i] == '.') {
    ++i;
    while (i < clean.size() && is_digit(clean[i])) ++i, ++digits;
  }
  if (digits == 0) return std::nullopt;
  if (i < clean.size() && (clean[i] == 'e' || clean[i] == 'E')) {
    ++i;
    if (i < clean.size() && (clean[i] == '+' || clean[i] == '-')) ++i;
    int exponent_digits = 0;
    while (i < clean.size() && is_digit(clean[i])) ++i, ++exponent_digits;
    if (exponent_digits == 0) return std::nullopt;
  }
  if (i != clean.size()) return std::nullopt;
  const bool negative = clean[0] == '-';
  double value = 0;
  const char* first = clean.data() + mantissa_start;
  const char* last = clean.data() + clean.size();
  auto [end, ec] = std::from_chars(first, last, value);
  if (ec != std::errc{} || end != last || !std::isfinite(value)) return std::nullopt;
  return negative ? -value : value;
}

std::optional<vtime> parse_duration(std::string_view text) {
  text = trim(text);
  std::size_t split = text.size();
  while (split > 0 && ((text[split - 1] >= 'a' && text[split - 1] <= 'z'))) --split;
  const std::string_view unit = text.substr(split);
  const std::string_view number = trim(text.substr(0, split));
  if (unit.empty() || number.empty()) return std::nullopt;
  for (const auto& [name, scale] : duration_units) {
    if (unit != name) continue;
    const auto value = parse_number(number);
    if (!value || *value < 0 || number.front() == '-') return std::nullopt;
    const double micros = *value * static_cast<double>(scale);
    // Longer than the model represents (units.hpp).
    if (micros > static_cast<double>(max_duration)) return std::nullopt;
    return static_cast<vtime>(std::llround(micros));
  }
  return std::nullopt;
}

std::optional<double> parse_rate(std::string_view text) {
  text = trim(text);
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto count = parse_number(text.substr(0, slash));
  if (!count || *count < 0) return std::nullopt;
  const std::string_view period = trim(text.substr(slash + 1));
  double period_seconds = 0;
  for (const auto& [name, seconds] : rate_periods) {
    if (period == name) period_seconds = seconds;
  }
  if (period_seconds == 0) {
    // A period with its own count, "5/15m" or "1/2h", reads as a duration.
    const auto duration = parse_duration(period);
    if (!duration || *duration <= 0) return std::nullopt;
    period_seconds = to_seconds(*duration);
  }
  // "1e308/us" overflows: no rate a model could use.
  const double rate = *count / period_seconds;
  if (!std::isfinite(rate)) return std::nullopt;
  return rate;
}

std::string format_duration(vtime t) {
  if (t < 0) return "-" + format_duration(-t);
  if (t == 0) return "0s";
  // Up to three decimals, trailing zeros dropped: 1.5s, 2.25ms.
  auto decimal = [](vtime value, vtime unit, const char* suffix) {
    std::string s = std::to_string(value / unit);
    const vtime rest = value % unit;
    if (rest != 0) {
      const vtime milli = (rest * 1000 + unit / 2) / unit;
      if (milli > 0 && milli < 1000) {
        std::string frac = std::to_string(1000 + milli).substr(1);
        while (!frac.empty() && frac.back() == '0') frac.pop_back();
        s += "." + frac;
      }
    }
    return s + suffix;
  };
  // Two units at most, the smaller dropped when zero: people read "3h 20m",
  // not "3h 20m 15s 120ms".
  auto two_units = [](vtime value, vtime big, const char* big_name, vtime small,
                      const char* small_name) {
    std::string s = std::to_string(value / big) + big_name;
    const vtime rest = (value % big) / small;
    if (rest != 0) s += " " + std::to_string(rest) + small_name;
    return s;
  };
  if (t < msec) return std::to_string(t) + "us";
  if (t < second) return decimal(t, msec, "ms");
  if (t < minute) return decimal(t, second, "s");
  if (t < hour) return two_units(t, minute, "m", second, "s");
  if (t < day) return two_units(t, hour, "h", minute, "m");
  return two_units(t, day, "d", hour, "h");
}

void append_seconds(std::string& out, vtime t) {
  char buf[32];
  if (t < 0) {
    out.append(buf, std::to_chars(buf, buf + sizeof buf, to_seconds(t)).ptr);
    return;
  }
  out.append(buf, std::to_chars(buf, buf + sizeof buf, t / second).ptr);
  auto fraction = t % second;
  if (fraction == 0) return;
  int digits = 6;
  for (; fraction % 10 == 0; fraction /= 10) --digits;
  buf[0] = '.';
  for (int i = digits; i > 0; --i, fraction /= 10) buf[i] = static_cast<char>('0' + fraction % 10);
  out.append(buf, buf + 1 + digits);
}

std::optional<vtime> read_seconds(std::string_view text) {
  // Whole seconds (at most 13 digits, so no overflow), then up to 6 decimals.
  std::size_t at = 0;
  std::uint64_t us = 0;
  for (; at < text.size() && at < 14 && is_digit(text[at]); ++at) {
    us = us * 10 + static_cast<std::uint64_t>(text[at] - '0');
  }
  if (at > 0 && at < 14) {
    std::uint64_t scale = second;
    us *= scale;
    if (at < text.size() && text[at] == '.' && at + 1 < text.size()) {
      for (++at; at < text.size() && scale > 1 && is_digit(text[at]); ++at) {
        scale /= 10;
        us += scale * static_cast<std::uint64_t>(text[at] - '0');
      }
    }
    // Past max_duration: never, as from_seconds saturates.
    if (at == text.size()) {
      return static_cast<vtime>(std::min(us, static_cast<std::uint64_t>(max_duration)));
    }
  }
  // Any other form: exponents, more decimals, a sign, more whole digits.
  double seconds = -1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc{} || end != text.data() + text.size() || !(seconds >= 0)) return std::nullopt;
  return from_seconds(seconds);
}

std::string number_text(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
    return std::to_string(static_cast<long long>(v));
  }
  std::ostringstream out;
  out.precision(6);
  out << v;
  return out.str();
}

}  // namespace stampede::sim
