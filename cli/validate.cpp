#include <iostream>

#include "cli/commands.hpp"
#include "reports/reports.hpp"
#include "sim/platform/dispatch.hpp"
#include "sim/scenario/scenario_loader.hpp"

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
    const sim::scenario s = sim::load_scenario_file(a->file, a->sets);
    std::cout << reports::describe(s);
    // A warning, not an error: the run is valid, only its queueing is not the full pool's.
    for (std::size_t p = 0; p < s.pools.size(); ++p) {
      const double rate = sim::expected_offered_rate(s, static_cast<int>(p));
      const double faithful = sim::faithful_scale(s, static_cast<int>(p), rate);
      if (s.scale >= faithful) continue;
      std::cerr << a->file << ": warning: platform.pools[" << p << "] (" << s.pools[p].name
                << "): at scale " << s.scale << " the batches of this shared queue fill less than"
                << " at full scale (about " << static_cast<long long>(rate)
                << " requests/s offered on average); the smallest faithful scale is " << faithful
                << ": run at that scale or above, or give the pool a per-replica dispatch\n";
    }
    return exit_ok;
  };
}

}  // namespace stampede::cli
