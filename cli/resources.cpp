#include "cli/resources.hpp"

#include <fstream>
#include <sstream>

#include "sim/scenario/limits.hpp"

namespace stampede::cli {

double available_memory_bytes() {
  std::ifstream in("/proc/meminfo");
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string name;
    double kib = 0;
    if (fields >> name >> kib && name == "MemAvailable:") return kib * 1024;
  }
  return 0;
}

std::string refuse_on_this_machine(const sim::scenario& s, bool wall_clock) {
  sim::run_budget budget;
  budget.bytes = available_memory_bytes();
  if (wall_clock) budget.windows = budget.requests = 1e300;
  // Unknown memory (no /proc): let the run try, as before.
  if (budget.bytes <= 0) budget.bytes = 1e300;
  return sim::refuse_run(s, sim::estimate_needs(s), budget);
}

}  // namespace stampede::cli
