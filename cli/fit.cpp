// `stampede fit`: calibration from data.
//   fit adoption SIGNUPS.csv  Bass p, q and market size from observed signups
//                             (sim/fit/bass_fit.hpp), with bootstrap intervals
//   fit work DURATIONS.csv    a work distribution per endpoint from service
//                             times (sim/fit/work_fit.hpp)
//   fit figures FILE          the scenario's `tune:` values fitted to its target
//                             figures, with leave-one-out errors (sim/fit/figure_fit.hpp)
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "sim/base/distribution.hpp"
#include "sim/base/units.hpp"
#include "sim/fit/bass_fit.hpp"
#include "sim/fit/figure_fit.hpp"
#include "sim/fit/work_fit.hpp"
#include "sim/scenario/scenario_loader.hpp"

namespace stampede::cli {

namespace {

struct fit_args {
  std::string file;
  std::string out;
  int resamples = 500;
  std::uint64_t seed = 1;
  double level = 0.8;
};

nlohmann::json estimate_json(const sim::estimate& e) {
  return {{"value", e.value}, {"low", e.low}, {"high", e.high}};
}

std::string number(double v, int digits = 4) {
  std::ostringstream o;
  o << std::setprecision(digits) << v;
  return o.str();
}

/// A scenario fragment with the fitted values, ready to paste.
std::string fragment(const fit_args& a, const sim::bass_fit& f) {
  const int pct = static_cast<int>(std::lround(f.level * 100));
  const auto range = [&](const sim::estimate& e, const char* unit) {
    return "# " + std::to_string(pct) + "% interval [" + number(e.low) + unit + ", " +
           number(e.high) + unit + "]";
  };
  std::ostringstream y;
  y << "# Fitted by `stampede fit adoption " << a.file << "`: Bass diffusion by least squares on\n"
    << "# " << f.periods << " periods (R² " << number(f.r_squared, 3) << "), intervals from "
    << f.resamples << " bootstrap resamples.\n"
    << "# In stampede's Bass model every user eventually adopts, so the market size\n"
    << "# is the population.\n"
    << "population:\n"
    << "  size: " << std::llround(f.market_size.value) << "   " << range(f.market_size, "") << "\n"
    << "adoption:\n"
    << "  model: bass\n"
    << "  innovation: " << number(f.innovation_per_day.value) << "/day   "
    << range(f.innovation_per_day, "/day") << "\n"
    << "  imitation: " << number(f.imitation_per_day.value) << "/day   "
    << range(f.imitation_per_day, "/day") << "\n";
  // For `stampede project`: each value lognormal, its percentiles at the
  // interval's ends (median sqrt(low·high), sigma ln(high/low) / 2z).
  const double z = sim::inverse_normal_cdf(1 - (1 - f.level) / 2);
  const auto spread = [&](const sim::estimate& e) {
    return e.low > 0 && e.high > e.low ? std::log(e.high / e.low) / (2 * z) : 0.0;
  };
  const auto lognormal = [&](const sim::estimate& e, const char* unit, const char* extra) {
    return "{dist: lognormal, median: " + number(std::sqrt(e.low * e.high), 6) + unit +
           ", sigma: " + number(spread(e), 6) + extra + "}";
  };
  if (spread(f.innovation_per_day) > 0 && spread(f.imitation_per_day) > 0 &&
      spread(f.market_size) > 0) {
    y << "projection:\n"
      << "  uncertain:   # lognormal, its " << 50 - pct / 2 << "th and " << 50 + pct / 2
      << "th percentiles at the interval's ends\n"
      << "    adoption.innovation: " << lognormal(f.innovation_per_day, "/day", "") << "\n"
      << "    adoption.imitation: " << lognormal(f.imitation_per_day, "/day", "") << "\n"
      << "    population.size: " << lognormal(f.market_size, "", ", round: true") << "\n";
  }
  return y.str();
}

/// A file's text, or nothing (and a message) when it cannot be read.
std::optional<std::string> read_text(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::cerr << "error: " << file << ": cannot read the file\n";
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

int fit_adoption_command(const fit_args& a) {
  const auto text = read_text(a.file);
  if (!text) return exit_usage;
  sim::adoption_series s;
  try {
    s = sim::parse_adoption_csv(*text, a.file);
  } catch (const sim::fit_error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return exit_usage;
  }
  const sim::bass_fit f = sim::fit_adoption(s, a.resamples, a.seed, a.level);
  std::filesystem::create_directories(a.out);
  nlohmann::json j{{"source", a.file},
                   {"first_date", s.first_date},
                   {"periods", f.periods},
                   {"model", "bass"},
                   {"innovation_per_day", estimate_json(f.innovation_per_day)},
                   {"imitation_per_day", estimate_json(f.imitation_per_day)},
                   {"market_size", estimate_json(f.market_size)},
                   {"interval",
                    {{"level", f.level},
                     {"method", "wild bootstrap (Rademacher signs on each period's residual)"},
                     {"resamples", f.resamples},
                     {"seed", a.seed}}},
                   {"goodness_of_fit", {{"r_squared", f.r_squared}, {"rmse", f.rmse}}},
                   {"day", s.day},
                   {"signups", s.signups},
                   {"fitted", f.fitted}};
  std::ofstream(std::filesystem::path(a.out) / "fit.json") << j.dump(2) << "\n";
  std::ofstream(std::filesystem::path(a.out) / "fit.yaml") << fragment(a, f);
  std::cerr << "Bass fit on " << f.periods << " periods (R² " << number(f.r_squared, 3) << "): p "
            << number(f.innovation_per_day.value) << "/day, q " << number(f.imitation_per_day.value)
            << "/day, market " << std::llround(f.market_size.value) << "\n";
  std::cout << (std::filesystem::path(a.out) / "fit.yaml").string() << "\n";
  return exit_ok;
}

/// A duration in the unit that reads best: "6.02s", "41.3ms", "850us".
std::string duration_text(double seconds) {
  if (seconds >= 1) return number(seconds) + "s";
  if (seconds >= 1e-3) return number(seconds * 1e3) + "ms";
  return number(seconds * 1e6) + "us";
}

struct work_args {
  std::string file;
  std::string out;
  std::string column;
  std::string endpoint_column;
  /// Scenario seconds per observed second; 0: the load test's own (below).
  double time_scale = 0;
};

/// The time scale of the load test whose folder holds `file`, from its
/// loadtest.json as `stampede report` reads it, or nothing: a load test
/// compressed by time_scale X shows wall times X times shorter than the
/// scenario's.
std::optional<double> load_test_time_scale(const std::string& file) {
  std::ifstream in(std::filesystem::path(file).parent_path() / "loadtest.json");
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  try {
    const double t = parse_loadtest_meta(text.str()).time_scale;
    if (t > 0) return t;
  } catch (const std::exception&) {
    // Not a load test's file: no time scale from it.
  }
  return std::nullopt;
}

int fit_work_command(const work_args& a) {
  const auto text = read_text(a.file);
  if (!text) return exit_usage;
  sim::work_samples w;
  const std::string fallback = std::filesystem::path(a.file).stem().string();
  try {
    w = sim::parse_work_csv(*text, a.file, a.column, a.endpoint_column, fallback);
  } catch (const sim::fit_error& e) {
    std::cerr << "error: " << sim::one_line(e.what()) << "\n";
    return exit_usage;
  }
  // Observed (wall) durations to scenario time.
  const std::optional<double> found =
      a.time_scale > 0 ? std::nullopt : load_test_time_scale(a.file);
  const double time_scale = a.time_scale > 0 ? a.time_scale : found.value_or(1);
  const std::string scale_source = a.time_scale > 0 ? "--time-scale"
                                   : found          ? "the load test's loadtest.json"
                                                    : "none given";
  const std::string scale_note =
      "durations × time_scale " + number(time_scale) + " (" + scale_source + "): scenario time";
  for (auto& samples : w.seconds) {
    for (double& x : samples) x *= time_scale;
  }
  if (time_scale != 1) {
    std::cerr << scale_note << (found ? "; --time-scale 1 keeps wall times" : "") << "\n";
  }
  std::filesystem::create_directories(a.out);
  nlohmann::json endpoints = nlohmann::json::object();
  std::ostringstream y;
  y << "# Fitted by `stampede fit work " << a.file << "`: maximum likelihood on column `"
    << w.column << "`" << (w.skipped > 0 ? " (rows with outcome 2xx only)" : "") << ".\n";
  if (time_scale != 1) y << "# " << scale_note << ", as work is written in a scenario.\n";
  y << "# Lognormal and gamma were fitted; each endpoint's work is the one closer by\n"
    << "# Kolmogorov-Smirnov distance, the other's fit in a comment.\n"
    << "platform:\n  endpoints:\n";
  for (std::size_t e = 0; e < w.endpoints.size(); ++e) {
    const sim::work_fit f = sim::fit_work(w.seconds[e]);
    endpoints[w.endpoints[e]] = {
        {"n", f.n},
        {"mean_s", f.mean},
        {"lognormal",
         {{"median_s", f.lognormal.median}, {"sigma", f.lognormal.sigma}, {"ks", f.lognormal.ks}}},
        {"gamma",
         {{"shape", f.gamma.shape},
          {"scale_s", f.gamma.scale},
          {"ks", f.gamma.ks},
          {"newton_iterations", f.gamma.iterations}}},
        {"closer", f.gamma_closer ? "gamma" : "lognormal"},
        {"written", f.gamma_closer ? "gamma" : "lognormal"}};
    y << "    " << w.endpoints[e] << ":\n"
      << "      # n " << f.n << "; lognormal KS " << number(f.lognormal.ks, 3) << ", gamma(shape "
      << number(f.gamma.shape) << ", scale " << duration_text(f.gamma.scale) << ") KS "
      << number(f.gamma.ks, 3) << ": " << (f.gamma_closer ? "the gamma" : "the lognormal")
      << " is closer\n"
      << "      work: ";
    if (f.gamma_closer) {
      y << "{dist: gamma, shape: " << number(f.gamma.shape)
        << ", scale: " << duration_text(f.gamma.scale) << "}\n";
    } else {
      y << "{dist: lognormal, median: " << duration_text(f.lognormal.median)
        << ", sigma: " << number(f.lognormal.sigma) << "}\n";
    }
    std::cerr << w.endpoints[e] << ": n " << f.n << ", lognormal(median "
              << duration_text(f.lognormal.median) << ", sigma " << number(f.lognormal.sigma)
              << ") KS " << number(f.lognormal.ks, 3) << "; gamma(shape " << number(f.gamma.shape)
              << ", scale " << duration_text(f.gamma.scale) << ") KS " << number(f.gamma.ks, 3)
              << "\n";
  }
  const nlohmann::json j{{"source", a.file},
                         {"column", w.column},
                         {"unit", w.unit},
                         {"rows_skipped_not_2xx", w.skipped},
                         {"time_scale", time_scale},
                         {"time_scale_from", scale_source},
                         {"method",
                          "maximum likelihood: lognormal from the mean and standard deviation of "
                          "ln x; gamma shape by Newton's method on ln k - digamma(k) = "
                          "ln(mean) - mean(ln x)"},
                         {"endpoints", endpoints}};
  std::ofstream(std::filesystem::path(a.out) / "fit.json") << j.dump(2) << "\n";
  std::ofstream(std::filesystem::path(a.out) / "fit.yaml") << y.str();
  std::cout << (std::filesystem::path(a.out) / "fit.yaml").string() << "\n";
  return exit_ok;
}

struct figures_args {
  std::string file;
  std::string out;
  std::vector<std::string> sets;
  int max_runs = 200;
  int threads = 0;
  bool no_leave_one_out = false;
  bool progress = false;
  bool quiet = false;
};

/// A tuned value as people write it: rates per day, durations in seconds.
std::string value_text(const sim::tunable& t, double v) {
  switch (t.kind) {
    case sim::uncertain_input::unit::rate:
      return number(v * 86400, 5) + "/day";
    case sim::uncertain_input::unit::duration:
      return duration_text(v);
    case sim::uncertain_input::unit::number:
      break;
  }
  return t.round ? std::to_string(std::llround(v)) : number(v, 5);
}

std::string percent_text(double e) {
  return std::isnan(e) ? "n/a" : (e >= 0 ? "+" : "") + number(100 * e, 3) + "%";
}

nlohmann::json nullable(double v) {
  return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v);
}

int fit_figures_command(const figures_args& a) {
  const auto text = read_text(a.file);
  if (!text) return exit_usage;
  const sim::scenario s = sim::load_scenario_text(*text, a.file, a.sets);
  const int threads = a.threads > 0
                          ? a.threads
                          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  sim::figure_fit_options options;
  options.max_runs = a.max_runs;
  options.threads = threads;
  options.leave_one_out = !a.no_leave_one_out;
  options.stop = &stop_requested;
  const bool terminal = ::isatty(STDERR_FILENO) != 0;
  progress_display display(terminal);
  const auto start = std::chrono::steady_clock::now();
  const auto wall = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  if (!a.quiet && (terminal || a.progress)) {
    options.on_run = [&](int runs, double best) {
      display.update_line("fit: " + std::to_string(runs) +
                              " runs, best sum of squared relative "
                              "errors " +
                              number(best, 4),
                          wall());
    };
  }
  sim::figure_fit_result r;
  try {
    r = sim::fit_figures(s, sim::world_model(*text, a.file, a.sets, s, &stop_requested), options);
  } catch (const std::invalid_argument& e) {
    std::cerr << "error: " << a.file << ": " << e.what()
              << "; fit figures needs a tune: section and target figures\n";
    return exit_usage;
  }
  display.finish();
  if (r.fit.values.empty()) {
    std::cerr << "stopped early: no run finished, nothing written\n";
    return exit_failure;
  }
  const std::size_t n = s.tune.size(), k = r.targets.size();
  const bool identifiable = k >= 1 && k - 1 >= n;

  std::filesystem::create_directories(a.out);
  char date[16];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d", std::gmtime(&now));
  std::string command = "stampede fit figures " + a.file;
  for (const auto& set : a.sets) command += " --set " + set;
  command += " --max-runs " + std::to_string(a.max_runs);

  nlohmann::json tunables = nlohmann::json::array();
  for (std::size_t j = 0; j < n; ++j) {
    const sim::tunable& t = s.tune[j];
    tunables.push_back({{"key", t.key},
                        {"min", t.min},
                        {"max", t.max},
                        {"start", t.start},
                        {"value", r.fit.values[j]},
                        {"text", value_text(t, r.fit.values[j])},
                        {"set", t.key + "=" + t.value_text(r.fit.values[j])}});
  }
  nlohmann::json figures = nlohmann::json::array();
  for (const sim::figure_errors& e : r.targets) {
    const sim::figure_spec& f = s.figures[e.figure];
    nlohmann::json loo{{"identifiable", e.identifiable}, {"predicted", e.predicted}};
    if (e.predicted) {
      loo["simulated"] = nullable(e.predicted_simulated);
      loo["error"] = nullable(e.predicted_error);
      loo["runs"] = e.without.runs;
      loo["converged"] = e.without.converged;
      loo["values"] = e.without.values;
    }
    figures.push_back(
        {{"name", f.name},
         {"index", e.figure},
         {"value", f.value},
         {"compare", f.at_least ? "at_least" : "within"},
         {"in_sample",
          {{"simulated", nullable(e.in_sample_simulated)}, {"error", nullable(e.in_sample_error)}}},
         {"leave_one_out", loo}});
  }
  const nlohmann::json j{
      {"source", a.file},
      {"command", command},
      {"date", date},
      {"scale", s.scale},
      {"seed", s.seed},
      {"method",
       "Nelder-Mead on each value's position in its range in log space; objective: sum over "
       "target figures of the squared relative error (at_least figures: distance above their "
       "band, and below the floor the miss plus the band's width); every run with the scenario's "
       "seed (common random numbers)"},
      {"max_runs_per_fit", a.max_runs},
      {"runs", r.total_runs},
      {"objective", r.fit.objective},
      {"converged", r.fit.converged},
      {"stopped", r.fit.stopped},
      {"identifiable", identifiable},
      {"tunables", tunables},
      {"figures", figures}};
  const auto out = std::filesystem::path(a.out);
  std::ofstream(out / "fit.json") << j.dump(2) << "\n";

  std::ostringstream y;
  y << "# Fitted by `" << command << "` on " << date << " (scale " << number(s.scale) << ", seed "
    << s.seed << "): " << r.fit.runs << " runs, sum of squared relative errors "
    << number(r.fit.objective, 4) << (r.fit.converged ? "" : " (not converged)") << ".\n"
    << "# Each value for its key path (as --set takes it):\n";
  std::string sets;
  for (std::size_t j = 0; j < n; ++j) {
    y << s.tune[j].key << ": " << value_text(s.tune[j], r.fit.values[j]) << "\n";
    sets += " --set " + s.tune[j].key + "=" + value_text(s.tune[j], r.fit.values[j]);
  }
  y << "# As flags:" << sets << "\n";
  if (identifiable && options.leave_one_out) {
    y << "# Leave-one-out errors, for each target's `leave_one_out:` in figures:\n";
    for (const sim::figure_errors& e : r.targets) {
      y << "#   figures[" << e.figure << "] (" << s.figures[e.figure].name << "): "
        << (e.predicted ? "leave_one_out: " + number(e.predicted_error, 3)
                        : "not predicted (stopped)")
        << "\n";
    }
  }
  std::ofstream(out / "fit.yaml") << y.str();

  std::ostringstream md;
  md << "# Fit of " << s.name << " to its target figures\n\n"
     << "`" << command << "`, " << date << ", scale " << number(s.scale) << ", seed " << s.seed
     << ". " << r.total_runs << " runs in all (at most " << a.max_runs << " per fit); the fit on "
     << "every target took " << r.fit.runs
     << (r.fit.converged ? " and converged" : " and did not converge")
     << (r.fit.stopped ? " (stopped early: the best values found so far)" : "") << ".\n\n"
     << "| Tuned value | Range | Start | Fitted |\n|---|---|---:|---:|\n";
  for (std::size_t j = 0; j < n; ++j) {
    const sim::tunable& t = s.tune[j];
    md << "| `" << t.key << "` | " << value_text(t, t.min) << " – " << value_text(t, t.max) << " | "
       << value_text(t, t.start) << " | " << value_text(t, r.fit.values[j]) << " |\n";
  }
  md << "\nIn-sample: the error of each target at the values fitted to all of them. "
     << "Leave-one-out: its error when the values are fitted to the other targets alone and "
     << "it is predicted, the honest measure of how well the model predicts it.";
  if (!identifiable) {
    md << " With " << k << " target" << (k == 1 ? "" : "s") << " and " << n << " tuned value"
       << (n == 1 ? "" : "s") << ", leaving one out leaves " << (k == 0 ? 0 : k - 1)
       << " figures for " << n << " values: not identifiable, so no leave-one-out error is given.";
  }
  md << "\n\n| Target figure | Public | In-sample | Leave-one-out |\n|---|---:|---:|---:|\n";
  for (const sim::figure_errors& e : r.targets) {
    const sim::figure_spec& f = s.figures[e.figure];
    md << "| " << f.name << " | " << (f.at_least ? "at least " : "") << sim::number_text(f.value)
       << " | " << percent_text(e.in_sample_error) << " | "
       << (!e.identifiable ? std::string("not identifiable")
           : e.predicted   ? percent_text(e.predicted_error)
                           : std::string("not computed"))
       << " |\n";
  }
  std::ofstream(out / "summary.md") << md.str();
  if (!a.quiet) {
    std::cerr << "fitted " << n << " values to " << k << " targets in " << r.total_runs << " runs ("
              << number(wall(), 3) << " s on " << threads << " threads):" << sets << "\n";
    std::cout << (out / "fit.yaml").string() << "\n";
  }
  if (r.fit.stopped) {
    std::cerr << "stopped early: the values are the best found so far\n";
    return exit_failure;
  }
  return exit_ok;
}

}  // namespace

command add_fit(CLI::App& app) {
  auto a = std::make_shared<fit_args>();
  auto w = std::make_shared<work_args>();
  auto g = std::make_shared<figures_args>();
  auto* fit = app.add_subcommand("fit", "Calibrate a scenario from observed data.");
  fit->require_subcommand(1);
  auto* adoption = fit->add_subcommand(
      "adoption",
      "Fit Bass diffusion (innovation p, imitation q, market size m) to signups.\n"
      "FILE is CSV with a header naming `date` (2025-03-25 or 2025-03-25T17:00:00Z)\n"
      "and either `signups` (new in each period) or `adopters` (cumulative); the\n"
      "launch is taken to be one period before the first row. Writes DIR/fit.json\n"
      "(each value with its interval) and DIR/fit.yaml (a scenario fragment: adoption,\n"
      "population.size, and a projection section for `stampede project`).");
  adoption->add_option("FILE", a->file, "CSV of signups or adopters by date")->required();
  adoption->add_option("--out", a->out, "Output folder (created if missing)")
      ->required()
      ->check(non_empty_path);
  adoption->add_option("--resamples", a->resamples, "Bootstrap resamples for the intervals")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  adoption->add_option("--level", a->level, "Coverage of the intervals, in (0, 1)")
      ->check(CLI::Range(0.01, 0.99))
      ->capture_default_str();
  adoption->add_option("--seed", a->seed, "Seed of the bootstrap")->capture_default_str();

  auto* work = fit->add_subcommand(
      "work",
      "Fit a work distribution per endpoint to observed service times: lognormal and gamma\n"
      "by maximum likelihood, each with its Kolmogorov-Smirnov distance. FILE is CSV with a\n"
      "header; a load test's results.csv works as it is (column uncorrected_us, rows with\n"
      "outcome 2xx); a time-compressed load test's wall times become scenario time by its\n"
      "time_scale (read from its loadtest.json). Writes DIR/fit.json (both fits per endpoint) and "
      "DIR/fit.yaml\n"
      "(platform.endpoints.X.work for each endpoint).");
  work->add_option("FILE", w->file, "CSV of durations (e.g. a load test's results.csv)")
      ->required();
  work->add_option("--out", w->out, "Output folder (created if missing)")
      ->required()
      ->check(non_empty_path);
  work->add_option("--column", w->column,
                   "Column of durations (default uncorrected_us if present, else duration); "
                   "plain numbers in the unit of its suffix (_us, _ms, _s), or values like 250ms");
  work->add_option("--time-scale", w->time_scale,
                   "Scenario seconds per observed second: durations are multiplied by it "
                   "(default: the load test's time_scale from loadtest.json beside FILE, else 1; "
                   "--time-scale 1 keeps wall times)")
      ->check(CLI::PositiveNumber);
  work->add_option("--endpoint-column", w->endpoint_column,
                   "Column naming each row's endpoint (default endpoint; without one, all rows "
                   "are one endpoint named after the file)");

  auto* figures = fit->add_subcommand(
      "figures",
      "Tune the values a scenario's `tune:` section names to its target figures (sum of\n"
      "squared relative errors, Nelder-Mead in log space, every run with the scenario's\n"
      "seed), then fit again without each target to predict it (leave-one-out). Writes\n"
      "DIR/fit.json, DIR/fit.yaml (the tuned values by key path) and DIR/summary.md.");
  figures->add_option("FILE", g->file, "Scenario YAML file with tune: and figures:")->required();
  figures->add_option("--out", g->out, "Output folder (created if missing)")
      ->required()
      ->check(non_empty_path);
  figures->add_option("--set", g->sets,
                      "Override any key for every run: --set scale=0.001 makes runs cheaper "
                      "(repeatable)");
  figures
      ->add_option("--max-runs", g->max_runs,
                   "Runs per fit: the fit on every target, and each leave-one-out fit")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  figures
      ->add_option("--threads", g->threads,
                   "Fits run in parallel (default: all cores); never changes the result")
      ->check(CLI::Range(1, 1024));
  figures->add_flag("--no-leave-one-out", g->no_leave_one_out, "Only the fit on every target");
  figures->add_flag("--progress", g->progress, "Show progress even when stderr is not a terminal");
  figures->add_flag("--quiet", g->quiet, "No progress and no closing lines");
  return [a, adoption, w, work, g, figures]() -> int {
    if (*adoption) return fit_adoption_command(*a);
    if (*work) return fit_work_command(*w);
    if (*figures) return fit_figures_command(*g);
    return -1;
  };
}

}  // namespace stampede::cli
