// `stampede fit adoption SIGNUPS.csv --out DIR`: Bass p, q and market size
// from observed signups (sim/fit/bass_fit.hpp), with bootstrap intervals.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.hpp"
#include "sim/base/distribution.hpp"
#include "sim/fit/bass_fit.hpp"

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

int fit_adoption_command(const fit_args& a) {
  std::ifstream in(a.file, std::ios::binary);
  if (!in) {
    std::cerr << "error: " << a.file << ": cannot read the file\n";
    return exit_usage;
  }
  std::ostringstream text;
  text << in.rdbuf();
  sim::adoption_series s;
  try {
    s = sim::parse_adoption_csv(text.str(), a.file);
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

}  // namespace

command add_fit(CLI::App& app) {
  auto a = std::make_shared<fit_args>();
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
  return [a, adoption]() -> int { return *adoption ? fit_adoption_command(*a) : -1; };
}

}  // namespace stampede::cli
