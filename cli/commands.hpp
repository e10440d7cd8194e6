#pragma once
// Each subcommand lives in its own file and registers itself on the app:
// `add_X(app)` adds the subcommand's flags and returns the function that runs
// it once the command line is parsed.
#include <CLI/CLI.hpp>
#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/results/result.hpp"

namespace stampede::cli {

/// Exit codes: 0 success, 1 a failure during a run, 2 a usage or scenario
/// error, 99 a load test whose SLOs were breached (as k6).
inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;
inline constexpr int exit_usage = 2;
inline constexpr int exit_slo_breached = 99;

/// Set by SIGINT/SIGTERM: long commands stop cleanly and write what they have.
extern std::atomic<bool> stop_requested;

/// Runs the subcommand after parsing; returns its exit code.
using command = std::function<int()>;

command add_validate(CLI::App& app);
command add_run(CLI::App& app);
/// `stampede project` (cli/project.cpp): Monte Carlo growth projections.
command add_project(CLI::App& app);
/// `stampede plan` (cli/plan.cpp): the least capacity that holds the SLOs.
command add_plan(CLI::App& app);
/// `stampede loadtest` and `stampede report DIR` (cli/loadtest.cpp, cli/report.cpp).
command add_loadtest(CLI::App& app);
command add_report(CLI::App& app);
/// `stampede serve` (cli/serve.cpp): the modeled service over HTTP.
command add_serve(CLI::App& app);
/// `stampede fit adoption` (cli/fit.cpp): calibration from observed data.
command add_fit(CLI::App& app);
/// `stampede worker` (cli/worker.cpp): hosts work for coordinators on other machines.
command add_worker(CLI::App& app);

/// --seed and --scale are overrides like any --set, so the loader validates them.
std::vector<std::string> overrides_of(const std::vector<std::string>& sets,
                                      const std::optional<std::string>& seed,
                                      const std::optional<std::string>& scale);

/// The latency quantiles of every endpoint from its kept samples, on Thrust;
/// then the SLO verdicts from them, so that one p99 per endpoint is shown
/// (cli/run.cpp; `plan` judges its candidates the same way).
void add_quantiles(sim::run_result& r);

/// The default of metrics.sample_memory: a sixth of the memory the kernel
/// reports available (MemAvailable). Sorting one endpoint's samples takes a copy
/// and, on the OpenMP backend, a temporary of the same size: with every sample
/// in one endpoint, the peak is half of what was available, the other half left
/// to the population. 1 GiB where /proc/meminfo cannot be read.
std::int64_t default_sample_memory();

/// A CLI11 check for --out and DIR: an empty path names no folder (and
/// std::filesystem's message for it names no flag).
inline const CLI::Validator non_empty_path(
    [](std::string& s) { return s.empty() ? std::string("must not be empty") : std::string(); },
    "DIR");

/// DIR/loadtest.json of a load test: what `stampede report DIR` needs besides
/// the scenario and the results file (target, scales, connections, durations).
std::string loadtest_meta_json(const sim::loadtest_result& m);
sim::loadtest_result parse_loadtest_meta(const std::string& text);

}  // namespace stampede::cli
