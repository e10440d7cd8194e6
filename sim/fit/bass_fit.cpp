#include "sim/fit/bass_fit.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <sstream>

#include "sim/base/rng.hpp"
#include "sim/base/units.hpp"
#include "sim/fit/csv.hpp"
#include "sim/fit/nelder_mead.hpp"
#include "sim/population/adoption.hpp"

namespace stampede::sim {

namespace {

/// Days since 1970-01-01 of a civil date (Hinnant's days_from_civil).
long days_from_civil(long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long>(doe) - 719468;
}

/// Reads `n` digits at `at` into `v`.
bool digits(std::string_view s, std::size_t at, std::size_t n, unsigned& v) {
  if (at + n > s.size()) return false;
  v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + static_cast<unsigned>(s[i] - '0');
  }
  return true;
}

unsigned days_in_month(unsigned y, unsigned m) {
  static constexpr std::array<unsigned, 12> days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : days[m - 1];
}

/// The sum of squared residuals at (p, q), with m at its least-squares value.
bass_point evaluate(const std::vector<double>& day, const std::vector<double>& signups, double p,
                    double q) {
  double sg = 0, gg = 0, before = 0;
  std::vector<double> g(day.size());
  for (std::size_t i = 0; i < day.size(); ++i) {
    const double f = bass_share(p, q, day[i]);
    g[i] = f - before;
    before = f;
    sg += signups[i] * g[i];
    gg += g[i] * g[i];
  }
  bass_point out{p, q, 0, std::numeric_limits<double>::infinity()};
  if (!(gg > 0)) return out;
  out.m = std::max(0.0, sg / gg);
  double sse = 0;
  for (std::size_t i = 0; i < day.size(); ++i) {
    const double r = signups[i] - out.m * g[i];
    sse += r * r;
  }
  out.sse = sse;
  return out;
}

/// Nelder-Mead over (ln p, ln q) from `start`, with steps `step`.
bass_point nelder_mead(const std::vector<double>& day, const std::vector<double>& signups,
                       std::array<double, 2> start, double step) {
  const auto at = [&](const std::vector<double>& x) {
    // ln p and ln q within [-30, 5]: rates from ~1e-13 to ~150 per day.
    const double lp = std::clamp(x[0], -30.0, 5.0), lq = std::clamp(x[1], -30.0, 5.0);
    return evaluate(day, signups, std::exp(lp), std::exp(lq));
  };
  nelder_mead_options options;
  options.step = step;
  const nelder_mead_result best = sim::nelder_mead(
      [&](const std::vector<double>& x) { return at(x).sse; }, {start[0], start[1]}, options);
  return at(best.x);
}

/// The q-quantile of sorted values (linear interpolation).
double quantile(const std::vector<double>& sorted, double q) {
  const double at = q * static_cast<double>(sorted.size() - 1);
  const auto i = static_cast<std::size_t>(at);
  if (i + 1 >= sorted.size()) return sorted.back();
  return sorted[i] + (at - static_cast<double>(i)) * (sorted[i + 1] - sorted[i]);
}

}  // namespace

bool parse_iso_day(std::string_view s, double& day) {
  unsigned y, mo, d, h = 0, mi = 0, sec = 0;
  if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d)) {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo)) return false;
  std::size_t at = 10;
  long offset_minutes = 0;
  if (at < s.size()) {
    if (s[at] != 'T' && s[at] != ' ') return false;
    if (!digits(s, at + 1, 2, h) || at + 3 >= s.size() || s[at + 3] != ':' ||
        !digits(s, at + 4, 2, mi)) {
      return false;
    }
    at += 6;
    if (at < s.size() && s[at] == ':') {
      if (!digits(s, at + 1, 2, sec)) return false;
      at += 3;
    }
    if (at < s.size() && s[at] == 'Z') {
      ++at;
    } else if (at < s.size() && (s[at] == '+' || s[at] == '-')) {
      unsigned oh, om;
      if (!digits(s, at + 1, 2, oh) || at + 3 >= s.size() || s[at + 3] != ':' ||
          !digits(s, at + 4, 2, om)) {
        return false;
      }
      offset_minutes = (s[at] == '+' ? 1 : -1) * static_cast<long>(oh * 60 + om);
      at += 6;
    }
    if (at != s.size() || h > 23 || mi > 59 || sec > 60) return false;
  }
  const long days = days_from_civil(static_cast<long>(y), mo, d);
  day =
      static_cast<double>(days) + (h * 3600.0 + mi * 60.0 + sec - offset_minutes * 60.0) / 86400.0;
  return true;
}

adoption_series parse_adoption_csv(std::string_view text, const std::string& file) {
  const auto fail = [&](std::size_t line, std::size_t col, const std::string& what) {
    csv_fail(file, line, col, what);
  };
  const std::vector<csv_line> lines =
      csv_table(text, file, "with `date` and `signups` or `adopters`");
  int date_col = -1, value_col = -1;
  bool cumulative = false;
  const auto& header = lines[0].fields;
  for (std::size_t i = 0; i < header.size(); ++i) {
    const std::string_view name = header[i].text;
    if (name == "date") {
      date_col = static_cast<int>(i);
    } else if (name == "signups" || name == "adopters") {
      if (value_col >= 0) {
        fail(lines[0].number, header[i].column,
             "both `signups` and `adopters`: give one (new per period, or cumulative)");
      }
      value_col = static_cast<int>(i);
      cumulative = name == "adopters";
    }
  }
  if (date_col < 0 || value_col < 0) {
    fail(lines[0].number, 1,
         std::string("the header needs ") + (date_col < 0 ? "a `date` column" : "") +
             (date_col < 0 && value_col < 0 ? " and " : "") +
             (value_col < 0 ? "a `signups` (new per period) or `adopters` (cumulative) column"
                            : ""));
  }
  std::vector<double> days, values;
  adoption_series s;
  for (std::size_t k = 1; k < lines.size(); ++k) {
    const std::size_t line = lines[k].number;
    const auto& row = lines[k].fields;
    const auto& [date, date_at] = row[static_cast<std::size_t>(date_col)];
    double day = 0;
    if (!parse_iso_day(date, day)) {
      fail(line, date_at,
           "date: expected an ISO 8601 date like 2025-03-25 or 2025-03-25T17:00:00Z, got \"" +
               std::string(date) + "\"");
    }
    if (!days.empty() && day <= days.back()) {
      fail(line, date_at,
           "date: expected a date after the row before's (rows in increasing date order)");
    }
    const auto& [value, value_at] = row[static_cast<std::size_t>(value_col)];
    double v = 0;
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || ptr != value.data() + value.size() || !std::isfinite(v) || v < 0) {
      fail(line, value_at,
           std::string(cumulative ? "adopters" : "signups") + ": expected a number >= 0, got \"" +
               std::string(value) + "\"");
    }
    if (cumulative && !values.empty() && v < values.back()) {
      fail(line, value_at, "adopters: expected a cumulative count, never below the row before's");
    }
    if (days.empty()) s.first_date = std::string(date);
    days.push_back(day);
    values.push_back(v);
  }
  if (days.size() < 4) {
    fail(
        lines.back().number, 1,
        "expected at least 4 rows of data to fit 3 parameters, got " + std::to_string(days.size()));
  }
  // The launch is one period (the first gap) before the first row.
  const double launch = days[0] - (days[1] - days[0]);
  double before = 0;
  for (std::size_t i = 0; i < days.size(); ++i) {
    s.day.push_back(days[i] - launch);
    s.signups.push_back(cumulative ? values[i] - before : values[i]);
    before = values[i];
  }
  return s;
}

std::vector<double> bass_signups(const std::vector<double>& day, double p, double q, double m) {
  std::vector<double> out;
  double before = 0;
  for (double t : day) {
    const double f = bass_share(p, q, t);
    out.push_back(m * (f - before));
    before = f;
  }
  return out;
}

bass_point fit_bass(const std::vector<double>& day, const std::vector<double>& signups,
                    const bass_point& start) {
  if (start.p > 0 && start.q > 0) {
    return nelder_mead(day, signups, {std::log(start.p), std::log(start.q)}, 0.1);
  }
  // A coarse grid first: the surface has long flat valleys (p and q trade off
  // against m early in a launch), so one start can stall far away.
  bass_point best{0, 0, 0, std::numeric_limits<double>::infinity()};
  for (double lp = std::log(1e-5); lp <= std::log(0.5); lp += 0.5) {
    for (double lq = std::log(1e-3); lq <= std::log(5.0); lq += 0.5) {
      const bass_point b = evaluate(day, signups, std::exp(lp), std::exp(lq));
      if (b.sse < best.sse) best = b;
    }
  }
  return nelder_mead(day, signups, {std::log(best.p), std::log(best.q)}, 0.25);
}

bass_fit fit_adoption(const adoption_series& s, int resamples, std::uint64_t seed, double level) {
  bass_fit out;
  out.level = level;
  out.resamples = resamples;
  out.periods = s.day.size();
  const bass_point best = fit_bass(s.day, s.signups);
  out.fitted = bass_signups(s.day, best.p, best.q, best.m);
  double mean = 0;
  for (double v : s.signups) mean += v;
  mean /= static_cast<double>(s.signups.size());
  double sst = 0;
  for (double v : s.signups) sst += (v - mean) * (v - mean);
  out.r_squared = sst > 0 ? 1 - best.sse / sst : 1;
  out.rmse = std::sqrt(best.sse / static_cast<double>(s.signups.size()));

  // A wild bootstrap: each period keeps its own residual, its sign flipped at
  // random (Rademacher), so the noise of each period keeps its own size
  // whether counts vary like Poisson counts or like reported figures.
  std::vector<double> residuals;
  for (std::size_t i = 0; i < s.signups.size(); ++i) {
    residuals.push_back(s.signups[i] - out.fitted[i]);
  }
  std::vector<double> ps, qs, ms;
  rng_stream rng(seed, stream::fit_bootstrap, 0);
  std::vector<double> resampled(s.signups.size());
  for (int b = 0; b < resamples; ++b) {
    for (std::size_t i = 0; i < resampled.size(); ++i) {
      const double sign = rng.below(2) == 0 ? -1.0 : 1.0;
      resampled[i] = std::max(0.0, out.fitted[i] + sign * residuals[i]);
    }
    const bass_point fit = fit_bass(s.day, resampled, best);
    ps.push_back(fit.p);
    qs.push_back(fit.q);
    ms.push_back(fit.m);
  }
  const auto interval = [&](double value, std::vector<double>& v) {
    estimate e{value, value, value};
    if (v.empty()) return e;
    std::sort(v.begin(), v.end());
    e.low = quantile(v, (1 - level) / 2);
    e.high = quantile(v, 1 - (1 - level) / 2);
    return e;
  };
  out.innovation_per_day = interval(best.p, ps);
  out.imitation_per_day = interval(best.q, qs);
  out.market_size = interval(best.m, ms);
  return out;
}

}  // namespace stampede::sim
