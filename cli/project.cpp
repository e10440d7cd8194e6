// `stampede project`: an ensemble of futures (sim/ensemble/), its statistics on
// Thrust (gpu/ensemble.hpp), and the projection's reports (reports/projection.hpp).
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "actors/worker/project.hpp"
#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "cli/resources.hpp"
#include "cli/worker.hpp"
#include "gpu/ensemble.hpp"
#include "reports/projection.hpp"
#include "sim/ensemble/ensemble.hpp"
#include "sim/ensemble/projection.hpp"
#include "sim/scenario/scenario_loader.hpp"

namespace stampede::cli {

namespace {

struct project_args {
  std::string file;
  std::string out;
  std::uint64_t members = 0;
  int threads = 0;
  std::vector<std::string> sets;
  bool progress = false;
  bool quiet = false;
  worker_flags workers;
};

/// The default ensemble when neither --members nor projection.members says.
constexpr std::uint64_t default_members = 100;

sim::projection_input input_of(const sim::uncertain_input& in) {
  sim::projection_input p;
  p.key = in.key;
  p.distribution = in.dist.describe();
  switch (in.kind) {
    case sim::uncertain_input::unit::rate:
      p.unit = "/day";
      p.display_factor = 86400;
      p.distribution += " per second";
      break;
    case sim::uncertain_input::unit::duration:
      p.unit = "s";
      p.distribution += " seconds";
      break;
    case sim::uncertain_input::unit::number:
      break;
  }
  return p;
}

/// The projection of a finished ensemble: every outcome's P10/P50/P90 and mean
/// per interval, and each input's rank correlation with the headline outcomes.
sim::projection_result summarize(const sim::scenario& base, const sim::ensemble_result& e,
                                 int threads) {
  sim::projection_result p;
  p.scenario = base.name;
  p.description = base.description;
  p.seed = base.seed;
  p.scale = base.scale;
  p.horizon_s = sim::to_seconds(base.horizon);
  p.report_interval_s = sim::to_seconds(base.report_interval);
  p.members_asked = e.asked;
  p.digest = e.digest;
  p.threads = threads;
  p.wall_seconds = e.wall_seconds;
  p.simulated_requests = e.simulated_requests;
  p.backend = gpu::backend();
  for (const auto& x : base.endpoints) p.endpoints.push_back(x.name);
  for (const auto& x : base.pools) p.pools.push_back(x.name);
  for (const auto& in : base.projection.uncertain) p.inputs.push_back(input_of(in));
  p.milestones = base.projection.milestones;
  for (const auto& m : e.members) {
    sim::projection_member pm{m.draw.index, m.draw.seed, m.digest,
                              {},           m.headline,  m.draw.overrides};
    for (std::size_t k = 0; k < m.draw.inputs.size(); ++k) {
      pm.inputs.push_back(m.draw.inputs[k] * p.inputs[k].display_factor);
    }
    p.members.push_back(std::move(pm));
  }
  const std::size_t n = e.members.size();
  if (n == 0) return p;

  // Every member must report the same outcomes at the same times to be summarized.
  const sim::outcome_paths& first = e.members.front().paths;
  for (const auto& m : e.members) {
    if (m.paths.names != first.names || m.paths.t_hours != first.t_hours) {
      throw sim::scenario_error(base.source, 0, 0, "projection.uncertain",
                                "member " + std::to_string(m.draw.index) +
                                    " reports other outcomes or intervals than member " +
                                    std::to_string(e.members.front().draw.index) +
                                    "; an uncertain input may not change the horizon, the "
                                    "reporting interval, the endpoints, pools or SLOs");
    }
  }
  // Series after series (outcome, interval), one value per member.
  const std::size_t outcomes = first.names.size(), intervals = first.t_hours.size();
  std::vector<double> values(outcomes * intervals * n);
  for (std::size_t m = 0; m < n; ++m) {
    const auto& paths = e.members[m].paths.values;
    for (std::size_t k = 0; k < outcomes; ++k) {
      for (std::size_t i = 0; i < intervals; ++i) values[(k * intervals + i) * n + m] = paths[k][i];
    }
  }
  const std::vector<double> qs{0.1, 0.5, 0.9};
  const gpu::series_summary s = gpu::series_quantiles(values, n, qs);
  for (std::size_t k = 0; k < outcomes; ++k) {
    sim::projection_band b;
    b.outcome = first.names[k];
    b.t_hours = first.t_hours;
    for (std::size_t i = 0; i < intervals; ++i) {
      const std::size_t series = k * intervals + i;
      b.p10.push_back(s.quantiles[series * 3]);
      b.p50.push_back(s.quantiles[series * 3 + 1]);
      b.p90.push_back(s.quantiles[series * 3 + 2]);
      b.mean.push_back(s.mean[series]);
    }
    p.bands.push_back(std::move(b));
  }

  if (!p.inputs.empty() && n >= 2) {
    const std::vector<std::string> headline{"adopters", "cost_usd", "slo_held_share"};
    std::vector<double> inputs, results;
    for (std::size_t k = 0; k < p.inputs.size(); ++k) {
      for (const auto& m : e.members) inputs.push_back(m.draw.inputs[k]);
    }
    for (const auto& m : e.members) results.push_back(m.headline.adopters);
    for (const auto& m : e.members) results.push_back(m.headline.cost_usd);
    for (const auto& m : e.members) results.push_back(m.headline.slo_held_share);
    const std::vector<double> rho = gpu::rank_correlations(inputs, results, n);
    for (std::size_t k = 0; k < p.inputs.size(); ++k) {
      for (std::size_t j = 0; j < headline.size(); ++j) {
        p.sensitivity.push_back({p.inputs[k].key, headline[j], rho[k * headline.size() + j]});
      }
    }
  }
  return p;
}

int project_command(const project_args& a) {
  const sim::scenario base = sim::load_scenario_file(a.file, a.sets);
  // Before anything is allocated: one member that cannot fit says so (members
  // with larger draws are checked only by running them).
  if (const std::string why = refuse_on_this_machine(base); !why.empty()) {
    std::cerr << "error: " << a.file << ": " << why << "\n";
    return exit_usage;
  }
  std::ifstream in(a.file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  const std::uint64_t members =
      a.members > 0 ? a.members
                    : (base.projection.members > 0 ? base.projection.members : default_members);
  const int threads = a.threads > 0
                          ? a.threads
                          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));

  const bool terminal = ::isatty(STDERR_FILENO) != 0;
  progress_display display(terminal);
  sim::ensemble_options options;
  options.threads = threads;
  options.stop = &stop_requested;
  const auto start = std::chrono::steady_clock::now();
  if (!a.quiet && (terminal || a.progress)) {
    options.on_member = [&](std::uint64_t done, std::uint64_t requests) {
      const double wall =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      display.update_members(done, members, requests, wall);
    };
  }
  const sim::ensemble_result e =
      a.workers.any() ? actors::run_ensemble_on_workers(remote_of(a.workers), text.str(), a.file,
                                                        a.sets, members, options)
                      : sim::run_ensemble(text.str(), a.file, a.sets, members, options);
  display.finish();
  if (e.members.empty()) {
    std::cerr << "stopped early: no member finished, nothing written\n";
    return exit_failure;
  }
  const sim::projection_result p = summarize(base, e, threads);
  reports::write_projection(p, a.out);
  if (!a.quiet) {
    std::cerr << "projected " << e.members.size() << " members (" << e.simulated_requests
              << " simulated requests) in " << e.wall_seconds << " s on "
              << (a.workers.any() ? a.workers.workers : std::to_string(threads) + " threads")
              << "; digest " << e.digest << "\n";
    std::cout << (std::filesystem::path(a.out) / "report.html").string() << "\n";
  }
  if (e.members.size() < members) {
    std::cerr << "stopped early: " << e.members.size() << " of " << members
              << " members finished; the projection covers those\n";
    return exit_failure;
  }
  return exit_ok;
}

}  // namespace

command add_project(CLI::App& app) {
  auto a = std::make_shared<project_args>();
  auto* cmd = app.add_subcommand(
      "project",
      "Monte Carlo growth projection: many futures of a scenario, each with its own seed\n"
      "and draws of the inputs in its `projection:` section; writes projection.json,\n"
      "projection.csv, summary.md and report.html (P10/P50/P90 fans) into --out.");
  cmd->add_option("FILE", a->file, "Scenario YAML file")->required();
  cmd->add_option("--out", a->out, "Output folder (created if missing)")
      ->required()
      ->check(non_empty_path);
  cmd->add_option("--members", a->members,
                  "Members of the ensemble (default: projection.members, else 100)")
      ->check(CLI::Range(std::uint64_t{1}, sim::max_members));
  cmd->add_option("--threads", a->threads,
                  "Worker threads, one member each (default: all cores); never changes the result")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--set", a->sets,
                  "Override any key for every member: --set scale=0.01 (repeatable)");
  cmd->add_flag("--progress", a->progress, "Show progress even when stderr is not a terminal");
  cmd->add_flag("--quiet", a->quiet, "No progress and no closing lines");
  add_worker_flags(cmd, a->workers);
  return [a, cmd]() -> int { return *cmd ? project_command(*a) : -1; };
}

}  // namespace stampede::cli
