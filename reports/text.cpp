#include "reports/text.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace stampede::reports::detail {

std::string shortest(double v) {
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  return ec == std::errc{} ? std::string(buffer, end) : std::string("nan");
}

std::string fixed(double v, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
  return buffer;
}

std::string grouped(double v) {
  if (!std::isfinite(v)) return shortest(v);
  const bool negative = v < 0;
  std::string digits = fixed(std::fabs(std::round(v)), 0);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return negative ? "-" + out : out;
}

std::string percent(double share) {
  return fixed(share * 100.0, 2) + "%";
}

std::string seconds_text(double s) {
  if (!std::isfinite(s)) return shortest(s);
  if (s < 1.0) return fixed(s * 1000.0, 0) + " ms";
  if (s < 120.0) return fixed(s, 1) + " s";
  if (s < 7200.0) return fixed(s / 60.0, 1) + " min";
  return fixed(s / 3600.0, 1) + " h";
}

std::string dollars(double usd) {
  return "$" + grouped(usd);
}

std::uint64_t real_count(const sim::run_result& r, double simulated) {
  const double v = std::round(simulated * r.weight);
  return v > 0 ? static_cast<std::uint64_t>(v) : 0;
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string md_cell(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string json_for_script(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  for (std::size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else if (c == '\xE2' && i + 2 < json.size() && json[i + 1] == '\x80' &&
               (json[i + 2] == '\xA8' || json[i + 2] == '\xA9')) {
      // U+2028 / U+2029 end a line in older JavaScript parsers.
      out += json[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace stampede::reports::detail
