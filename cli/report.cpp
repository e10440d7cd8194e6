// `stampede report DIR`: rebuilds a load test's reports from what it left in DIR.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "actors/loadtest/loadtest.hpp"
#include "cli/commands.hpp"
#include "reports/reports.hpp"
#include "sim/scenario/scenario_loader.hpp"

namespace stampede::cli {

namespace {

struct report_args {
  std::string dir;
  bool quiet = false;
};

int report_command(const report_args& a) {
  const std::filesystem::path dir(a.dir);
  for (const char* name : {"scenario.yaml", "loadtest.json", "results.csv"}) {
    if (!std::filesystem::exists(dir / name)) {
      std::cerr << "error: " << (dir / name).string()
                << " is missing: DIR must be the --out folder of `stampede loadtest`\n";
      return exit_usage;
    }
  }
  std::vector<std::string> overrides;
  {
    std::ifstream in(dir / "overrides.txt");
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) overrides.push_back(line);
    }
  }
  const sim::scenario s = sim::load_scenario_file((dir / "scenario.yaml").string(), overrides);
  if (!s.loadtest) {
    std::cerr << "error: " << (dir / "scenario.yaml").string() << " has no loadtest: section\n";
    return exit_usage;
  }
  std::stringstream meta_text;
  meta_text << std::ifstream(dir / "loadtest.json").rdbuf();
  sim::loadtest_result meta;
  try {
    meta = parse_loadtest_meta(meta_text.str());
  } catch (const std::exception& e) {
    std::cerr << "error: " << (dir / "loadtest.json").string()
              << ": not the loadtest.json that `stampede loadtest` writes (" << e.what() << ")\n";
    return exit_usage;
  }

  std::vector<std::string> names;
  for (const auto& e : s.endpoints) names.push_back(e.name);
  std::vector<actors::loadtest_sample> samples;
  std::uint64_t skipped = 0;
  std::ifstream in(dir / "results.csv");
  std::string line;
  std::getline(in, line);  // the header
  // A results file can hold millions of lines: Ctrl-C ends the rebuild too.
  while (!stop_requested.load() && std::getline(in, line)) {
    const auto smp = actors::parse_sample(line, names);
    if (smp && actors::sample_fits(*smp, meta.duration_s, meta.timeout_s)) {
      samples.push_back(*smp);
    } else {
      ++skipped;  // a line torn by a kill, or not written by this test
    }
  }
  if (stop_requested.load()) {
    std::cerr << "stopped: no report rebuilt\n";
    return exit_failure;
  }
  const sim::run_result r = actors::rebuild_loadtest(s, meta, samples);
  reports::write_all(r, dir);
  if (!a.quiet) {
    std::cerr << "rebuilt the report of " << samples.size() << " finished requests";
    if (skipped) std::cerr << " (" << skipped << " unreadable or out-of-range line(s) skipped)";
    std::cerr << "\n";
    std::cout << (dir / "report.html").string() << "\n";
  }
  return exit_ok;
}

}  // namespace

command add_report(CLI::App& app) {
  auto a = std::make_shared<report_args>();
  auto* cmd = app.add_subcommand(
      "report",
      "Rebuild summary.json, timeseries.csv, summary.md and report.html of a load test\n"
      "from its --out folder alone (after a kill, or to regenerate them).");
  cmd->add_option("DIR", a->dir, "The --out folder of `stampede loadtest`")
      ->required()
      ->check(non_empty_path);
  cmd->add_flag("--quiet", a->quiet, "No closing lines");
  return [a, cmd]() -> int { return *cmd ? report_command(*a) : -1; };
}

}  // namespace stampede::cli
