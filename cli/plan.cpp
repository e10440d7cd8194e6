// `stampede plan`: the least capacity that holds the SLOs (sim/plan/search.hpp)
// and its reports (reports/plan.hpp).
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "cli/resources.hpp"
#include "reports/plan.hpp"
#include "sim/plan/search.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "sim/scenario/uncertainty.hpp"

namespace stampede::cli {

namespace {

struct plan_args {
  std::string file;
  std::string out;
  std::uint64_t members = 1;
  double hold = 0.9;
  std::string period;
  int threads = 0;
  std::vector<std::string> sets;
  bool progress = false;
  bool quiet = false;
};

/// The --period of a scenario, or a one-line reason it cannot be one.
std::string check_period(const std::string& text, const sim::scenario& s, sim::vtime& period) {
  const auto parsed = sim::parse_duration(text);
  if (!parsed || *parsed <= 0) {
    return "expected a duration with a unit (12h, 1d), got \"" + sim::one_line(text) + "\"";
  }
  period = *parsed;
  if (period > s.horizon) {
    return "must be at most the horizon (" + sim::format_duration(s.horizon) + "), got " + text;
  }
  if (period % s.report_interval != 0) {
    return "must be a multiple of metrics.report_interval (" +
           sim::format_duration(s.report_interval) +
           "): a period's SLOs are judged on its reporting intervals; got " + text;
  }
  return "";
}

/// The last candidate in words for the progress line: "gpu 290: holds ($1,234)".
std::string last_candidate(const sim::plan_result& p) {
  const sim::plan_candidate& c = p.tried.back();
  std::string s = c.purpose + ": ";
  for (std::size_t i = 0; i < p.pools.size(); ++i) {
    if (!p.pools[i].planned) continue;
    s += p.pools[i].name;
    for (std::int64_t n : c.servers[i]) s += " " + std::to_string(n);
    s += " ";
  }
  return s + (c.holds ? "holds" : "breaks an SLO");
}

int plan_command(const plan_args& a) {
  const sim::scenario base = sim::load_scenario_file(a.file, a.sets);
  if (const std::string why = refuse_on_this_machine(base); !why.empty()) {
    std::cerr << "error: " << a.file << ": " << why << "\n";
    return exit_usage;
  }
  sim::plan_options options;
  if (!a.period.empty()) {
    if (const std::string why = check_period(a.period, base, options.period); !why.empty()) {
      std::cerr << "error: --period: " << why << "\n";
      return exit_usage;
    }
  }
  std::ifstream in(a.file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  options.members = a.members;
  options.hold = a.hold;
  options.threads = a.threads > 0
                        ? a.threads
                        : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  // Each member's run keeps its share of the samples `run` would keep.
  options.sample_memory =
      default_sample_memory() /
      static_cast<std::int64_t>(std::min<std::uint64_t>(a.members, options.threads));
  options.stop = &stop_requested;
  options.settle = [](sim::run_result& r) { add_quantiles(r); };

  const bool terminal = ::isatty(STDERR_FILENO) != 0;
  progress_display display(terminal);
  const auto start = std::chrono::steady_clock::now();
  if (!a.quiet && (terminal || a.progress)) {
    options.on_candidate = [&](const sim::plan_result& p) {
      const double wall =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      display.update_plan(p.tried.size(), last_candidate(p), wall);
    };
  }
  const sim::plan_result p = sim::plan_capacity(text.str(), a.file, a.sets, options);
  display.finish();
  reports::write_plan(p, a.out);
  if (!a.quiet) {
    std::cerr << "tried " << p.tried.size() << " candidates in " << p.wall_seconds << " s on "
              << options.threads << (options.threads == 1 ? " thread" : " threads") << "\n";
    std::cout << (std::filesystem::path(a.out) / "summary.md").string() << "\n";
  }
  if (p.stopped) {
    std::cerr << "stopped early: plan.json lists the " << p.tried.size()
              << " candidates tried; no plan.yaml\n";
    return exit_failure;
  }
  if (!p.chosen) {
    std::cerr << "no plan: " << p.failure << "\n";
    return exit_failure;
  }
  return exit_ok;
}

}  // namespace

command add_plan(CLI::App& app) {
  auto a = std::make_shared<plan_args>();
  auto* cmd = app.add_subcommand(
      "plan",
      "The least capacity that holds the SLOs, and what it costs. Searches the servers of\n"
      "every pool that serves an SLO's endpoint (doubling until the SLOs hold, then a\n"
      "bisection per pool, checked together), at a resolution of 1/scale servers, and\n"
      "writes into --out: plan.yaml (the scenario with the plan: `stampede run plan.yaml`\n"
      "shows it holding), plan.json (every candidate tried), summary.md (what to buy,\n"
      "when to order it, the SLO margins) and report.html (cost against SLOs).\n"
      "\n"
      "  stampede plan scenarios/quickstart-plan.yaml --out out/plan\n"
      "  stampede plan scenarios/quickstart-plan.yaml --out out/plan --period 1d\n"
      "  stampede plan scenarios/ghibli-projection.yaml --out out/plan --members 20 --hold 0.9\n"
      "\n"
      "Each candidate is a full run, so a search costs about log2(servers) runs per pool\n"
      "(per period with --period): plan at a small --set scale=... first.");
  cmd->add_option("FILE", a->file, "Scenario YAML file (with an slo: section)")->required();
  cmd->add_option("--out", a->out, "Output folder (created if missing)")
      ->required()
      ->check(non_empty_path);
  cmd->add_option("--members", a->members,
                  "Futures each candidate must hold in (default 1: the scenario itself).\n"
                  "N > 1 runs members 0..N-1 of the scenario's ensemble (seeds, and the\n"
                  "draws of its projection: section), the same for every candidate")
      ->check(CLI::Range(std::uint64_t{1}, sim::max_members));
  cmd->add_option("--hold", a->hold,
                  "With --members: the share of members in which every SLO must hold\n"
                  "(default 0.9)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--period", a->period,
                  "Plan a schedule: servers per period (12h, 1d; a multiple of the\n"
                  "reporting interval), each period's SLOs judged on its own intervals,\n"
                  "changes as add_servers/remove_servers events; ordered a pool's\n"
                  "autoscale.provisioning_delay before the period starts");
  cmd->add_option("--threads", a->threads,
                  "Worker threads, one member each (default: all cores); never changes the result")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--set", a->sets, "Override any key: --set scale=0.1 (repeatable)");
  cmd->add_flag("--progress", a->progress, "Show progress even when stderr is not a terminal");
  cmd->add_flag("--quiet", a->quiet, "No progress and no closing lines");
  return [a, cmd]() -> int { return *cmd ? plan_command(*a) : -1; };
}

}  // namespace stampede::cli
