#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <span>
#include <sstream>

#include "actors/engine/engine.hpp"
#include "actors/engine/free_cores.hpp"
#include "actors/worker/run.hpp"
#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "cli/resources.hpp"
#include "cli/worker.hpp"
#include "gpu/stats.hpp"
#include "reports/reports.hpp"
#include "sim/scenario/scenario_loader.hpp"

namespace stampede::cli {

std::vector<std::string> overrides_of(const std::vector<std::string>& sets,
                                      const std::optional<std::string>& seed,
                                      const std::optional<std::string>& scale) {
  std::vector<std::string> all = sets;
  if (seed) all.push_back("seed=" + *seed);
  if (scale) all.push_back("scale=" + *scale);
  return all;
}

void add_quantiles(sim::run_result& r) {
  const std::vector<double> qs{0.5, 0.9, 0.99, 0.999};
  for (auto& e : r.endpoints) {
    if (e.latency_samples.empty()) continue;
    // Microseconds, each one of the kept floats: whole numbers, so the cast is exact.
    const auto us = gpu::quantiles(std::span<const float>(e.latency_samples), qs);
    const auto seconds = [&](std::size_t i) {
      return sim::to_seconds(static_cast<sim::vtime>(us[i]));
    };
    e.quantiles = {true,
                   seconds(0),
                   seconds(1),
                   seconds(2),
                   seconds(3),
                   gpu::backend(),
                   e.latency_samples.size(),
                   e.samples_seen};
    std::vector<float>().swap(e.latency_samples);  // no longer needed: give the memory back
  }
  sim::settle_latency_slos(r);
}

std::int64_t default_sample_memory() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  std::int64_t kib = 0;
  std::string unit;
  while (meminfo >> key >> kib >> unit) {
    if (key == "MemAvailable:") return kib * 1024 / 6;
  }
  return std::int64_t{1} << 30;
}

namespace {

struct run_args {
  std::string file;
  std::string out;
  std::optional<std::string> seed;
  std::optional<std::string> scale;
  int threads = 0;
  std::vector<std::string> sets;
  bool progress = false;
  bool quiet = false;
  worker_flags workers;
};

/// The run on the workers of `a`; its stop_reason says who was lost if one was.
sim::run_result run_remote(const run_args& a, const sim::scenario& s,
                           const actors::run_options& options) {
  std::ifstream in(a.file, std::ios::binary);
  std::ostringstream yaml;
  yaml << in.rdbuf();
  // Every node keeps the coordinator's share of latency samples.
  std::vector<std::string> overrides = overrides_of(a.sets, a.seed, a.scale);
  overrides.push_back("metrics.sample_memory=" + std::to_string(s.sample_memory));
  return actors::run_on_workers(remote_of(a.workers), yaml.str(), a.file, overrides, s, options);
}

int run_command(const run_args& a) {
  sim::scenario s = sim::load_scenario_file(a.file, overrides_of(a.sets, a.seed, a.scale));
  if (s.sample_memory == 0) s.sample_memory = default_sample_memory();
  // Before anything is allocated: a run that cannot fit says so, and what would.
  if (const std::string why = refuse_on_this_machine(s); !why.empty()) {
    std::cerr << "error: " << a.file << ": " << why << "\n";
    return exit_usage;
  }
  std::filesystem::create_directories(a.out);

  const bool terminal = ::isatty(STDERR_FILENO) != 0;
  progress_display display(terminal);
  actors::run_options options;
  options.threads = a.threads;
  options.stop = &stop_requested;
  if (a.threads > 1 && !a.workers.any() && !a.quiet) {
    // Threads beyond the CPUs free now share cores with busy programs, and
    // every window waits for them (bench/neighbour.sh).
    if (const int free = actors::measure_machine().threads; free < a.threads) {
      std::cerr << "note: --threads " << a.threads << " with " << free
                << (free == 1 ? " CPU" : " CPUs")
                << " free now: a thread beside a busy program holds up every window; "
                   "without --threads the run takes the CPUs that are free\n";
    }
  }
  if (!a.quiet && (terminal || a.progress)) {
    options.on_progress = [&](const actors::progress& p) { display.update(p); };
  }
  sim::run_result r = a.workers.any() ? run_remote(a, s, options) : actors::run(s, options);
  display.finish();
  add_quantiles(r);
  if (const std::string bad = sim::non_finite_figure(r); !bad.empty()) {
    // The loader's bounds keep every figure finite: this is a bug, not the scenario.
    std::cerr << "error: the run produced a figure that is not a number (" << bad
              << "); no report written\n";
    return exit_failure;
  }
  reports::write_all(r, a.out);
  if (!a.quiet) {
    std::cerr << "simulated " << r.simulated_requests << " requests of " << r.simulated_users
              << " users in " << r.wall_seconds << " s on " << r.threads
              << (r.threads == 1 ? " thread" : " threads") << "; digest " << r.digest << "\n";
    std::cout << (std::filesystem::path(a.out) / "report.html").string() << "\n";
  }
  if (!r.stop_reason.empty()) {
    std::cerr << "error: " << r.stop_reason << "; the report covers the virtual time reached\n";
    return exit_failure;
  }
  if (stop_requested.load()) {
    std::cerr << "stopped early: the report covers the virtual time reached\n";
    return exit_failure;
  }
  return exit_ok;
}

}  // namespace

command add_run(CLI::App& app) {
  auto a = std::make_shared<run_args>();
  auto* cmd = app.add_subcommand(
      "run",
      "Simulate a scenario in virtual time and write summary.json, timeseries.csv,\n"
      "summary.md and report.html into --out.");
  cmd->add_option("FILE", a->file, "Scenario YAML file")->required();
  cmd->add_option("--out", a->out, "Output folder (created if missing)")
      ->required()
      ->check(non_empty_path);
  cmd->add_option("--seed", a->seed, "Random seed (overrides the scenario's `seed`)");
  cmd->add_option(
      "--scale", a->scale,
      "Fraction of users simulated, in (0, 1] (overrides `scale`); each weighs 1/scale");
  cmd->add_option("--threads", a->threads,
                  "Threads of the actor scheduler; never changes the result. Default: the\n"
                  "CPUs this process may use (affinity mask, cgroup cpu.max) that were idle\n"
                  "over 100 ms at start, at least 1: a thread beside another busy program\n"
                  "slows every window")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--set", a->sets,
                  "Override any key: --set behavior.sessions_per_day=4 (repeatable)");
  cmd->add_flag("--progress", a->progress, "Show progress even when stderr is not a terminal");
  cmd->add_flag("--quiet", a->quiet, "No progress and no closing lines");
  add_worker_flags(cmd, a->workers);
  return [a, cmd]() -> int { return *cmd ? run_command(*a) : -1; };
}

}  // namespace stampede::cli
