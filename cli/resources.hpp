#pragma once
// What this machine has, for the checks a command makes before it allocates.
#include <string>

#include "sim/scenario/scenario.hpp"

namespace stampede::cli {

/// Bytes of memory available to a new allocation now (MemAvailable in
/// /proc/meminfo); 0 when it cannot be read.
double available_memory_bytes();

/// Why `s` cannot run on this machine (sim::refuse_run against the memory
/// available here), or empty when it fits. A wall-clock run (a load test) is
/// paced by the clock, so only its memory is checked.
std::string refuse_on_this_machine(const sim::scenario& s, bool wall_clock = false);

}  // namespace stampede::cli
