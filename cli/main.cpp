// stampede: simulate, load-test and plan an AI image-generation product going viral.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "actors/engine.hpp"
#include "cli/progress.hpp"
#include "gpu/stats.hpp"
#include "reports/reports.hpp"
#include "sim/scenario_loader.hpp"

namespace {

namespace sim = stampede::sim;

/// Exit codes: 0 success, 1 a failure during a run, 2 a usage or scenario error.
constexpr int exit_ok = 0, exit_failure = 1, exit_usage = 2;

std::atomic<bool> stop_requested{false};

void on_signal(int) {
  stop_requested.store(true);
}

/// --seed and --scale are overrides like any --set, so the loader validates them.
std::vector<std::string> overrides_of(const std::vector<std::string>& sets,
                                      const std::optional<std::string>& seed,
                                      const std::optional<std::string>& scale) {
  std::vector<std::string> all = sets;
  if (seed) all.push_back("seed=" + *seed);
  if (scale) all.push_back("scale=" + *scale);
  return all;
}

/// Exact quantiles of every endpoint's raw latency samples, on Thrust.
void add_exact_quantiles(sim::run_result& r) {
  const std::vector<double> qs{0.5, 0.9, 0.99, 0.999};
  for (auto& e : r.endpoints) {
    if (e.latency_samples.empty()) continue;
    const auto v = stampede::gpu::quantiles(e.latency_samples, qs);
    e.exact = {true, v[0], v[1], v[2], v[3], stampede::gpu::backend()};
  }
}

int cmd_validate(const std::string& file, const std::vector<std::string>& sets) {
  const sim::scenario s = sim::load_scenario_file(file, sets);
  std::cout << sim::describe(s);
  return exit_ok;
}

struct run_args {
  std::string file;
  std::string out;
  std::optional<std::string> seed;
  std::optional<std::string> scale;
  int threads = 0;
  std::vector<std::string> sets;
  bool progress = false;
  bool quiet = false;
};

int cmd_run(const run_args& a) {
  const sim::scenario s = sim::load_scenario_file(a.file, overrides_of(a.sets, a.seed, a.scale));
  std::filesystem::create_directories(a.out);

  const bool terminal = ::isatty(STDERR_FILENO) != 0;
  stampede::cli::progress_display display(terminal);
  stampede::actors::run_options options;
  options.threads = a.threads;
  options.stop = &stop_requested;
  if (!a.quiet && (terminal || a.progress)) {
    options.on_progress = [&](const stampede::actors::progress& p) { display.update(p); };
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  sim::run_result r = stampede::actors::run(s, options);
  display.finish();
  add_exact_quantiles(r);
  stampede::reports::write_all(r, a.out);
  if (!a.quiet) {
    std::cerr << "simulated " << r.simulated_requests << " requests of " << r.simulated_users
              << " users in " << r.wall_seconds << " s; digest " << r.digest << "\n";
    std::cout << (std::filesystem::path(a.out) / "report.html").string() << "\n";
  }
  if (stop_requested.load()) {
    std::cerr << "stopped early: the report covers the virtual time reached\n";
    return exit_failure;
  }
  return exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "stampede: simulate an AI image-generation product going viral, from one YAML scenario.\n"
      "\n"
      "  stampede validate scenarios/quickstart.yaml\n"
      "  stampede run scenarios/quickstart.yaml --out out/quickstart\n"
      "\n"
      "Scenario keys are documented in scenarios/README.md. Exit codes: 0 success,\n"
      "1 failure during a run, 2 usage or scenario error.",
      "stampede"};
  app.set_version_flag("--version", std::string("stampede ") + STAMPEDE_VERSION);
  app.require_subcommand(1);

  std::vector<std::string> validate_sets;
  std::string validate_file;
  auto* validate = app.add_subcommand(
      "validate",
      "Check a scenario and print what it describes; exit 2 with file:line:col on errors.");
  validate->add_option("FILE", validate_file, "Scenario YAML file")->required();
  validate->add_option("--set", validate_sets,
                       "Override a key before validating: --set platform.pools[0].servers=500");

  run_args ra;
  auto* run = app.add_subcommand(
      "run",
      "Simulate a scenario in virtual time and write summary.json, timeseries.csv,\n"
      "summary.md and report.html into --out.");
  run->add_option("FILE", ra.file, "Scenario YAML file")->required();
  run->add_option("--out", ra.out, "Output folder (created if missing)")->required();
  run->add_option("--seed", ra.seed, "Random seed (overrides the scenario's `seed`)");
  run->add_option(
      "--scale", ra.scale,
      "Fraction of users simulated, in (0, 1] (overrides `scale`); each weighs 1/scale");
  run->add_option("--threads", ra.threads,
                  "Threads of the actor scheduler (default: all cores); never changes the result")
      ->check(CLI::Range(1, 1024));
  run->add_option("--set", ra.sets,
                  "Override any key: --set behavior.sessions_per_day=4 (repeatable)");
  run->add_flag("--progress", ra.progress, "Show progress even when stderr is not a terminal");
  run->add_flag("--quiet", ra.quiet, "No progress and no closing lines");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return exit_usage;
  }

  try {
    if (*validate) return cmd_validate(validate_file, validate_sets);
    if (*run) return cmd_run(ra);
  } catch (const sim::scenario_error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return exit_usage;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return exit_failure;
  }
  return exit_usage;
}
