#pragma once
// Running a scenario in virtual time on CAF actors.
#include <atomic>
#include <functional>

#include "sim/results/result.hpp"
#include "sim/scenario/scenario.hpp"

namespace stampede::actors {

/// Where a run stands, for progress displays.
struct progress {
  double virtual_seconds = 0;
  double horizon_seconds = 0;
  std::uint64_t requests = 0;
  double wall_seconds = 0;
};

/// How to run (none of it changes the result).
struct run_options {
  /// Threads of the CAF scheduler; 0 = the machine's cores. Also the number of
  /// population shards.
  int threads = 0;
  /// Called from the coordinator about every `progress_every_seconds` of wall time.
  std::function<void(const progress&)> on_progress;
  double progress_every_seconds = 0.5;
  /// When set to true (by a signal handler), the run stops at the end of the
  /// current window and the result covers the virtual time reached.
  const std::atomic<bool>* stop = nullptr;
  /// On one thread the run is sim::world's, the same windows without the
  /// actors; true runs the CAF engine even then (tests and benchmarks that
  /// compare the two).
  bool actors_on_one_thread = false;
};

/// Raised when the run failed inside an actor.
class run_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Runs `s` to its horizon (or until *options.stop) and returns the result:
/// on CAF actors, one population slice and pool set per thread, or on one
/// thread sim::world. The result is the same either way.
/// Throws run_error when an actor failed, std::bad_alloc when one ran out of memory.
sim::run_result run(const sim::scenario& s, const run_options& options = {});

}  // namespace stampede::actors
