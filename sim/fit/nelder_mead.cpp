#include "sim/fit/nelder_mead.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace stampede::sim {

nelder_mead_result nelder_mead(const std::function<double(const std::vector<double>&)>& f,
                               const std::vector<double>& start,
                               const nelder_mead_options& options) {
  const std::size_t n = start.size();
  nelder_mead_result out;
  const auto stopped = [&] {
    return (options.stop && options.stop()) ||
           (options.max_evaluations > 0 && out.evaluations >= options.max_evaluations);
  };
  const auto eval = [&](const std::vector<double>& x) {
    ++out.evaluations;
    const double v = f(x);
    return std::isnan(v) ? HUGE_VAL : v;
  };
  std::vector<std::vector<double>> x(n + 1, start);
  std::vector<double> fx(n + 1, HUGE_VAL);
  for (std::size_t i = 0; i <= n; ++i) {
    if (i > 0) x[i][i - 1] += options.step;
    if (i > 0 && stopped()) break;
    fx[i] = eval(x[i]);
  }
  std::vector<std::size_t> order(n + 1);
  for (; out.iterations < options.max_iterations && !stopped(); ++out.iterations) {
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return fx[a] < fx[b]; });
    const std::size_t best = order[0], next = order[n - 1], worst = order[n];
    double size = 0;
    for (std::size_t i = 0; i <= n; ++i) {
      for (std::size_t d = 0; d < n; ++d) size = std::max(size, std::abs(x[i][d] - x[best][d]));
    }
    const double spread = std::abs(fx[worst] - fx[best]);
    if (size < options.size_tolerance ||
        spread <= options.value_tolerance * std::max(1.0, fx[best])) {
      break;
    }
    // The centroid of every point but the worst, and points on the line
    // through it and the worst: t = -1 reflects, -2 expands, ±0.5 contracts.
    std::vector<double> c(n, 0.0);
    for (std::size_t i = 0; i <= n; ++i) {
      if (i == worst) continue;
      for (std::size_t d = 0; d < n; ++d) c[d] += x[i][d] / static_cast<double>(n);
    }
    const auto toward = [&](double t) {
      std::vector<double> p(n);
      for (std::size_t d = 0; d < n; ++d) p[d] = c[d] + t * (x[worst][d] - c[d]);
      return p;
    };
    const auto r = toward(-1);
    const double fr = eval(r);
    if (fr < fx[best]) {
      if (stopped()) {
        x[worst] = r, fx[worst] = fr;
        break;
      }
      const auto e = toward(-2);
      const double fe = eval(e);
      if (fe < fr) {
        x[worst] = e, fx[worst] = fe;
      } else {
        x[worst] = r, fx[worst] = fr;
      }
    } else if (fr < fx[next]) {
      x[worst] = r, fx[worst] = fr;
    } else {
      if (stopped()) {
        if (fr < fx[worst]) x[worst] = r, fx[worst] = fr;
        break;
      }
      const auto k = fr < fx[worst] ? toward(-0.5) : toward(0.5);
      const double fk = eval(k);
      if (fk < std::min(fr, fx[worst])) {
        x[worst] = k, fx[worst] = fk;
      } else {
        for (std::size_t i = 0; i <= n; ++i) {
          if (i == best) continue;
          if (stopped()) break;
          for (std::size_t d = 0; d < n; ++d) x[i][d] = (x[i][d] + x[best][d]) / 2;
          fx[i] = eval(x[i]);
        }
      }
    }
  }
  const std::size_t best =
      static_cast<std::size_t>(std::min_element(fx.begin(), fx.end()) - fx.begin());
  out.x = x[best];
  out.value = fx[best];
  return out;
}

}  // namespace stampede::sim
