#include "sim/fit/figure_fit.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <optional>
#include <stdexcept>

#include "sim/ensemble/parallel.hpp"
#include "sim/fit/nelder_mead.hpp"
#include "sim/results/figures.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "sim/world/world.hpp"

namespace stampede::sim {

namespace {

/// The search's first steps: 5% of each range in log space. Its stops: the
/// simplex within 0.1% of every range, or its objectives within 1e-6 (a
/// root mean square relative error near 0.1%, below the noise of a run).
constexpr double first_step = 0.05;
constexpr double size_tolerance = 1e-3;
constexpr double value_tolerance = 1e-6;

/// A value from its position u in [0, 1] in its range (log space), rounded
/// when the tunable takes whole numbers.
double value_at(const tunable& t, double u) {
  const double v = t.min * std::pow(t.max / t.min, std::clamp(u, 0.0, 1.0));
  return t.round ? std::nearbyint(v) : v;
}

double position_of(const tunable& t, double v) {
  return std::log(v / t.min) / std::log(t.max / t.min);
}

/// Minimizes the objective over the targets in `used` (indexes into s.figures).
fit_point fit_on(const scenario& s, const std::vector<std::size_t>& used, const figure_model& model,
                 const figure_fit_options& options, const std::function<void(double)>& ran) {
  fit_point best;
  best.objective = HUGE_VAL;
  const auto objective = [&](const std::vector<double>& u) {
    std::vector<double> values;
    for (std::size_t j = 0; j < s.tune.size(); ++j) values.push_back(value_at(s.tune[j], u[j]));
    const std::vector<double> simulated = model(values);
    ++best.runs;
    if (simulated.empty()) return HUGE_VAL;  // stopped: not a result
    double sum = 0;
    for (std::size_t i : used) {
      const double e = objective_error(s.figures[i], simulated[i]);
      sum += e * e;
    }
    if (sum < best.objective) {
      best.objective = sum;
      best.values = values;
      best.simulated = simulated;
    }
    ran(best.objective);
    return sum;
  };
  std::vector<double> start;
  for (const tunable& t : s.tune) start.push_back(position_of(t, t.start));
  nelder_mead_options nm;
  nm.step = first_step;
  nm.size_tolerance = size_tolerance;
  nm.value_tolerance = value_tolerance;
  nm.max_iterations = options.max_runs;
  nm.max_evaluations = options.max_runs;
  nm.stop = [&] { return options.stop != nullptr && options.stop->load(); };
  const nelder_mead_result r = nelder_mead(objective, start, nm);
  best.stopped = options.stop != nullptr && options.stop->load();
  best.converged = !best.stopped && r.evaluations < options.max_runs;
  if (best.values.empty()) best.objective = 0;
  return best;
}

}  // namespace

double relative_error(const figure_spec& f, double simulated) {
  return (simulated - f.value) / std::abs(f.value);
}

double objective_error(const figure_spec& f, double simulated) {
  if (std::isnan(simulated)) return missing_error;
  const double e = relative_error(f, simulated);
  if (!f.at_least) return e;
  if (e < 0) return e - f.tolerance;  // below the floor: a failed verdict
  return e > f.tolerance ? e - f.tolerance : 0.0;
}

figure_fit_result fit_figures(const scenario& s, const figure_model& model,
                              const figure_fit_options& options) {
  if (s.tune.empty()) throw std::invalid_argument("the scenario has no tune: section");
  std::vector<std::size_t> targets;
  for (std::size_t i = 0; i < s.figures.size(); ++i) {
    if (s.figures[i].role != figure_role::target) continue;
    if (s.figures[i].value == 0) {
      throw std::invalid_argument("figure " + s.figures[i].name +
                                  " has the value 0: no relative error to fit to");
    }
    targets.push_back(i);
  }
  if (targets.empty()) throw std::invalid_argument("the scenario has no target figures");

  // Fit 0 uses every target; fit 1 + k leaves target k out.
  const bool loo = options.leave_one_out && targets.size() - 1 >= s.tune.size();
  const std::size_t fits = loo ? targets.size() + 1 : 1;
  std::vector<fit_point> points(fits);
  std::mutex mutex;
  int runs = 0;
  double best_all = HUGE_VAL;
  parallel_for(fits, options.threads, nullptr, [&](std::uint64_t f) {
    std::vector<std::size_t> used;
    for (std::size_t k = 0; k < targets.size(); ++k) {
      if (f == 0 || k != f - 1) used.push_back(targets[k]);
    }
    points[f] = fit_on(s, used, model, options, [&](double best) {
      const std::lock_guard lock(mutex);
      ++runs;
      if (f == 0) best_all = best;
      if (options.on_run) options.on_run(runs, best_all);
    });
  });

  figure_fit_result out;
  out.fit = points[0];
  out.total_runs = runs;
  for (std::size_t k = 0; k < targets.size(); ++k) {
    figure_errors e;
    e.figure = targets[k];
    const figure_spec& f = s.figures[targets[k]];
    if (!out.fit.simulated.empty()) {
      e.in_sample_simulated = out.fit.simulated[targets[k]];
      e.in_sample_error = relative_error(f, e.in_sample_simulated);
    }
    e.identifiable = targets.size() - 1 >= s.tune.size();
    if (loo) {
      e.without = points[k + 1];
      e.predicted = !e.without.stopped && !e.without.simulated.empty();
      if (e.predicted) {
        e.predicted_simulated = e.without.simulated[targets[k]];
        e.predicted_error = relative_error(f, e.predicted_simulated);
      }
    }
    out.targets.push_back(std::move(e));
  }
  return out;
}

figure_model world_model(std::string_view yaml, const std::string& file,
                         const std::vector<std::string>& user_overrides, const scenario& base,
                         const std::atomic<bool>* stop) {
  const std::string text(yaml);
  return [text, file, user_overrides, base, stop](const std::vector<double>& values) {
    std::vector<std::string> overrides = user_overrides;
    for (std::size_t j = 0; j < base.tune.size(); ++j) {
      overrides.push_back(base.tune[j].key + "=" + base.tune[j].value_text(values[j]));
    }
    std::optional<scenario> s;
    try {
      s = load_scenario_text(text, file, overrides);
    } catch (const scenario_error& e) {
      // A refused value is reported at the tune entry that gave it.
      for (std::size_t j = 0; j < base.tune.size(); ++j) {
        const std::string& set = overrides[user_overrides.size() + j];
        const std::string& m = e.message();
        if (m.find("--set " + set + ")") == std::string::npos &&
            m.find("--set " + set + ":") == std::string::npos) {
          continue;
        }
        const tunable& t = base.tune[j];
        throw scenario_error(file, t.line, t.column, "tune." + t.key,
                             "the value " + set.substr(set.find('=') + 1) + " is refused: " +
                                 (e.key_path().empty() ? "" : e.key_path() + ": ") + e.message());
      }
      throw;
    }
    world_options w;
    w.stop = stop;
    const run_result r = run_world(*s, w);
    if (r.simulated_s < r.horizon_s) return std::vector<double>{};
    std::vector<double> figures;
    for (const figure_spec& f : s->figures) figures.push_back(evaluate_figure(*s, f, r).simulated);
    return figures;
  };
}

}  // namespace stampede::sim
