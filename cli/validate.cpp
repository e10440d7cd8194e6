#include <iostream>

#include "cli/commands.hpp"
#include "sim/scenario_loader.hpp"

namespace stampede::cli {

command add_validate(CLI::App& app) {
  struct args {
    std::string file;
    std::vector<std::string> sets;
  };
  auto a = std::make_shared<args>();
  auto* cmd = app.add_subcommand(
      "validate",
      "Check a scenario and print what it describes; exit 2 with file:line:col on errors.");
  cmd->add_option("FILE", a->file, "Scenario YAML file")->required();
  cmd->add_option("--set", a->sets,
                  "Override a key before validating: --set platform.pools[0].servers=500");
  return [a, cmd]() -> int {
    if (!*cmd) return -1;
    std::cout << sim::describe(sim::load_scenario_file(a->file, a->sets));
    return exit_ok;
  };
}

}  // namespace stampede::cli
