#pragma once
// `stampede run --workers`: sim::world's window with its seams on worker
// nodes. Worker k of W hosts population slice k (blocks k, k + W, ...) and
// pool set k (pools k, k + W, ...). The coordinator runs the window's close
// (adoption_clock, window_summer) and relays: each window it sends every
// worker a step_task (last window's outcomes for its blocks, the exposures, the
// hazard), merges the slices' arrivals per pool in (time, id) order, sends each
// host a serve_task and routes the outcomes back by block. Blocks own the
// random streams, so the digest is the single process's for any worker count.
#include <string>
#include <string_view>
#include <vector>

#include "actors/engine/engine.hpp"
#include "actors/worker/coordinator.hpp"

namespace stampede::actors {

/// run() of `s` (loaded from `yaml`, named `file`, under `overrides`) with its
/// slices and pool sets on the workers of `r`; options.threads is unused.
/// Throws worker_refused (a handshake refused), worker_lost (a worker
/// unreachable at the start). A worker lost later ends the run: the result
/// covers the windows every worker finished, and its stop_reason says "worker
/// H:P was lost at virtual time 3h 20m".
sim::run_result run_on_workers(const remote_options& r, std::string_view yaml,
                               const std::string& file, const std::vector<std::string>& overrides,
                               const sim::scenario& s, const run_options& options);

}  // namespace stampede::actors
