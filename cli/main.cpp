// stampede: simulate, load-test and plan an AI image-generation product going viral.
#include <csignal>
#include <iostream>
#include <new>

#include "actors/worker/node.hpp"
#include "cli/commands.hpp"
#include "sim/scenario/scenario_loader.hpp"

namespace stampede::cli {
std::atomic<bool> stop_requested{false};
}  // namespace stampede::cli

namespace {

void on_signal(int) {
  stampede::cli::stop_requested.store(true);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace stampede::cli;
  CLI::App app{
      "stampede: simulate an AI image-generation product going viral, from one YAML scenario.\n"
      "\n"
      "  stampede validate scenarios/quickstart.yaml\n"
      "  stampede run scenarios/quickstart.yaml --out out/quickstart\n"
      "  stampede project scenarios/ghibli-projection.yaml --out out/projection\n"
      "  stampede plan scenarios/quickstart-plan.yaml --out out/plan\n"
      "\n"
      "Scenario keys are documented in scenarios/README.md. Exit codes: 0 success,\n"
      "1 failure during a run, 2 usage or scenario error, 99 load-test SLOs breached.",
      "stampede"};
  app.set_version_flag("--version", std::string("stampede ") + STAMPEDE_VERSION);
  app.require_subcommand(1);

  // One line per subcommand; each returns -1 when it was not the one invoked.
  const std::vector<command> commands{add_validate(app), add_run(app),   add_project(app),
                                      add_plan(app),     add_fit(app),   add_loadtest(app),
                                      add_report(app),   add_serve(app), add_worker(app)};

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

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  try {
    for (const command& c : commands) {
      if (const int rc = c(); rc >= 0) return rc;
    }
  } catch (const stampede::sim::scenario_error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return exit_usage;
  } catch (const stampede::actors::worker_refused& e) {
    // Another version, another scenario, or a worker that cannot be used as given.
    std::cerr << "error: " << stampede::sim::one_line(e.what()) << "\n";
    return exit_usage;
  } catch (const std::bad_alloc&) {
    // The run's estimate (sim/scenario/limits.hpp) fit, yet the machine had less to give.
    std::cerr << "error: out of memory; try a smaller --scale\n";
    return exit_usage;
  } catch (const std::exception& e) {
    std::cerr << "error: " << stampede::sim::one_line(e.what()) << "\n";
    return exit_failure;
  }
  return exit_usage;
}
