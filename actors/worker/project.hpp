#pragma once
// `stampede project --workers`: the members of an ensemble handed out to
// workers as they ask for them (each keeps as many running as it has threads,
// so a fast worker takes more), their records gathered by index. A lost
// worker's members are handed out again to the others: a member's result
// depends on its index alone, so the digest is the single process's.
#include <cstdint>
#include <string>
#include <vector>

#include "actors/worker/coordinator.hpp"
#include "sim/ensemble/ensemble.hpp"

namespace stampede::actors {

/// sim::run_ensemble on the workers of `r` (options.threads is unused: each
/// worker says how many members it runs at once). Every member is loaded and
/// its draws checked here first. Throws worker_refused (a handshake refused),
/// worker_lost (a worker unreachable, or every worker lost), std::runtime_error
/// (a member failed on its worker).
sim::ensemble_result run_ensemble_on_workers(const remote_options& r, std::string_view yaml,
                                             const std::string& file,
                                             const std::vector<std::string>& user_overrides,
                                             std::uint64_t members,
                                             const sim::ensemble_options& options);

}  // namespace stampede::actors
