#include "sim/fit/work_fit.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "sim/base/units.hpp"
#include "sim/fit/csv.hpp"

namespace stampede::sim {

namespace {

/// P(a, x) by its series, for x < a + 1 (Numerical Recipes' gser).
double gamma_series(double a, double x) {
  double term = 1 / a, sum = term;
  for (int n = 1; n < 1000; ++n) {
    term *= x / (a + n);
    sum += term;
    if (std::abs(term) < std::abs(sum) * 1e-16) break;
  }
  return sum * std::exp(-x + a * std::log(x) - std::lgamma(a));
}

/// Q(a, x) = 1 - P(a, x) by its continued fraction (modified Lentz), for x >= a + 1.
double gamma_fraction(double a, double x) {
  constexpr double tiny = 1e-300;
  double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (int i = 1; i < 1000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::abs(c) < tiny) c = tiny;
    d = 1 / d;
    const double delta = d * c;
    h *= delta;
    if (std::abs(delta - 1) < 1e-16) break;
  }
  return std::exp(-x + a * std::log(x) - std::lgamma(a)) * h;
}

}  // namespace

double digamma(double x) {
  // psi(x) = psi(x + 1) - 1/x up to x >= 6, then the asymptotic series
  // (error below 1e-13 there).
  double shift = 0;
  while (x < 6) {
    shift -= 1 / x;
    x += 1;
  }
  const double r = 1 / (x * x);
  return shift + std::log(x) - 0.5 / x -
         r * (1.0 / 12 - r * (1.0 / 120 - r * (1.0 / 252 - r * (1.0 / 240 - r / 132))));
}

double trigamma(double x) {
  double shift = 0;
  while (x < 6) {
    shift += 1 / (x * x);
    x += 1;
  }
  const double r = 1 / (x * x);
  return shift + 1 / x + r / 2 + r / x * (1.0 / 6 - r * (1.0 / 30 - r * (1.0 / 42 - r / 30)));
}

double lognormal_cdf(double median, double sigma, double x) {
  if (x <= 0) return 0;
  if (sigma <= 0) return x < median ? 0 : 1;
  return 0.5 * std::erfc(-(std::log(x / median)) / (sigma * std::sqrt(2.0)));
}

double gamma_cdf(double shape, double scale, double x) {
  if (x <= 0) return 0;
  const double z = x / scale;
  return z < shape + 1 ? gamma_series(shape, z) : 1 - gamma_fraction(shape, z);
}

double ks_distance(const std::vector<double>& sorted, const std::function<double(double)>& cdf) {
  const double n = static_cast<double>(sorted.size());
  double d = 0;
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    // The empirical CDF steps from i/n to (i+1)/n at sorted[i]. With ties the
    // first of equal values gives the largest F - i/n and the last the largest
    // (i+1)/n - F, so the maximum over every i is exact.
    const double f = cdf(sorted[i]);
    d = std::max({d, f - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - f});
  }
  return d;
}

work_fit fit_work(const std::vector<double>& samples) {
  if (samples.size() < 2) throw std::invalid_argument("fit_work: fewer than 2 samples");
  std::vector<double> sorted = samples;
  std::sort(sorted.begin(), sorted.end());
  if (!(sorted.front() > 0) || sorted.front() == sorted.back()) {
    throw std::invalid_argument("fit_work: expected positive values, not all equal");
  }
  work_fit w;
  w.n = sorted.size();
  const double n = static_cast<double>(w.n);
  double sum = 0, sum_log = 0;
  for (double x : sorted) {
    sum += x;
    sum_log += std::log(x);
  }
  w.mean = sum / n;
  const double mu = sum_log / n;
  double ss = 0;
  for (double x : sorted) ss += (std::log(x) - mu) * (std::log(x) - mu);
  w.lognormal.median = std::exp(mu);
  w.lognormal.sigma = std::sqrt(ss / n);
  w.lognormal.ks = ks_distance(
      sorted, [&](double x) { return lognormal_cdf(w.lognormal.median, w.lognormal.sigma, x); });

  // Newton on g(k) = ln k - digamma(k) - s, decreasing in k, from Minka's
  // approximation; s > 0 since the values are not all equal.
  const double s = std::log(w.mean) - mu;
  double k = (3 - s + std::sqrt((s - 3) * (s - 3) + 24 * s)) / (12 * s);
  for (w.gamma.iterations = 0; w.gamma.iterations < 100; ++w.gamma.iterations) {
    const double g = std::log(k) - digamma(k) - s;
    const double slope = 1 / k - trigamma(k);
    double next = k - g / slope;
    if (!(next > 0)) next = k / 2;
    const bool done = std::abs(next - k) <= 1e-12 * k;
    k = next;
    if (done) break;
  }
  w.gamma.shape = k;
  w.gamma.scale = w.mean / k;
  w.gamma.ks =
      ks_distance(sorted, [&](double x) { return gamma_cdf(w.gamma.shape, w.gamma.scale, x); });
  w.gamma_closer = w.gamma.ks < w.lognormal.ks;
  return w;
}

work_samples parse_work_csv(std::string_view text, const std::string& file,
                            const std::string& column, const std::string& endpoint_column,
                            const std::string& fallback_endpoint) {
  const auto fail = [&](std::size_t line, std::size_t col, const std::string& what) {
    csv_fail(file, line, col, what);
  };
  const std::vector<csv_line> lines = csv_table(text, file, "naming the durations' column");
  const auto& header = lines[0].fields;
  const auto index = [&](std::string_view name) {
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (header[i].text == name) return static_cast<int>(i);
    }
    return -1;
  };
  work_samples w;
  w.column = !column.empty()                ? column
             : index("uncorrected_us") >= 0 ? "uncorrected_us"
                                            : "duration";
  const int value_col = index(w.column);
  if (value_col < 0) {
    std::string names;
    for (const auto& f : header) names += (names.empty() ? "" : ", ") + std::string(f.text);
    fail(lines[0].number, 1,
         "no column `" + w.column + "` in the header (" + names + ")" +
             (column.empty() ? "; name the durations' column with --column" : ""));
  }
  const std::string endpoint_name = endpoint_column.empty() ? "endpoint" : endpoint_column;
  const int endpoint_col = index(endpoint_name);
  if (endpoint_col < 0 && !endpoint_column.empty()) {
    fail(lines[0].number, 1, "no column `" + endpoint_column + "` in the header");
  }
  const int outcome_col = index("outcome");
  // Plain numbers are in the unit the column's name ends with (divided, so
  // that 40000 us reads as exactly the double nearest 0.04 s).
  double per_second = 1;
  w.unit = "s";
  if (w.column.ends_with("_us")) {
    per_second = 1e6, w.unit = "us";
  } else if (w.column.ends_with("_ms")) {
    per_second = 1e3, w.unit = "ms";
  }
  std::vector<std::size_t> last_line;
  for (std::size_t k = 1; k < lines.size(); ++k) {
    const std::size_t line = lines[k].number;
    const auto& row = lines[k].fields;
    if (outcome_col >= 0 && row[static_cast<std::size_t>(outcome_col)].text != "2xx") {
      ++w.skipped;  // a failed or dropped request measured no service
      continue;
    }
    const auto& [value, value_at] = row[static_cast<std::size_t>(value_col)];
    double v = 0;
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec == std::errc() && ptr == value.data() + value.size()) {
      v /= per_second;
    } else if (const auto d = parse_duration(value)) {
      v = to_seconds(*d);
    } else {
      v = std::numeric_limits<double>::quiet_NaN();
    }
    if (!(v > 0) || !std::isfinite(v)) {
      fail(line, value_at,
           w.column + ": expected a positive duration (a number in " + w.unit +
               " or a value like 250ms), got \"" + std::string(value) + "\"");
    }
    std::string endpoint = fallback_endpoint;
    if (endpoint_col >= 0) {
      const auto& [name, name_at] = row[static_cast<std::size_t>(endpoint_col)];
      if (name.empty()) fail(line, name_at, endpoint_name + ": expected an endpoint name");
      endpoint = std::string(name);
    }
    const auto it = std::find(w.endpoints.begin(), w.endpoints.end(), endpoint);
    const std::size_t e = static_cast<std::size_t>(it - w.endpoints.begin());
    if (it == w.endpoints.end()) {
      w.endpoints.push_back(endpoint);
      w.seconds.emplace_back();
      last_line.push_back(0);
    }
    w.seconds[e].push_back(v);
    last_line[e] = line;
  }
  if (w.endpoints.empty()) {
    fail(lines.back().number, 1,
         "no service times to fit" +
             std::string(w.skipped > 0 ? " (every row's outcome was other than 2xx)" : ""));
  }
  for (std::size_t e = 0; e < w.endpoints.size(); ++e) {
    const auto [lo, hi] = std::minmax_element(w.seconds[e].begin(), w.seconds[e].end());
    if (w.seconds[e].size() < 2 || *lo == *hi) {
      fail(last_line[e], 1,
           "endpoint " + w.endpoints[e] +
               ": expected at least 2 different durations to fit a distribution, got " +
               std::to_string(w.seconds[e].size()) + " row(s)" +
               (w.seconds[e].size() >= 2 ? " all equal" : ""));
    }
  }
  return w;
}

}  // namespace stampede::sim
