#pragma once
// sim::world, the sequential reference runner: one thread, no actors, every
// rule of the window in the order every other runner keeps.
//
//   expose    the users a share reached in the last window adopt
//   step      each population slice steps its blocks: arrivals by pool, sorted
//   merge     each pool's batches from every slice, in (time, id) order
//   serve     each pool serves its window; its outcomes go to the blocks
//   close     the slices' reports summed; the Bass hazard advances; a stop?
//
// The CAF engine (actors/engine/) runs the same seams (population_slice,
// pool_set, window_summer, adoption_clock) on several threads; the load
// generator (actors/loadtest/) drives the population seams on a wall clock.
// Each runner's digest equals this one's for the same scenario, seed and scale.
#include <atomic>
#include <cstdint>
#include <functional>

#include "sim/results/result.hpp"
#include "sim/scenario/scenario.hpp"

namespace stampede::sim {

/// How to run (none of it changes the result).
struct world_options {
  /// When set to true (by a signal handler), the run stops at the end of the
  /// current window and the result covers the virtual time reached.
  const std::atomic<bool>* stop = nullptr;
  /// Called after every window with the virtual time reached and the requests
  /// sent so far (cheap: a caller that shows progress throttles it).
  std::function<void(vtime reached, std::uint64_t requests)> on_window;
};

/// Runs `s` to its horizon (or until *options.stop) on this thread.
run_result run_world(const scenario& s, const world_options& options = {});

}  // namespace stampede::sim
