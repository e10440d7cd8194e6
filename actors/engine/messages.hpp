#pragma once
// The messages of a simulated run. Each is a plain struct; the actors only move
// them between model objects (sim/).
#include <caf/allowed_unsafe_message_type.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "sim/base/request.hpp"
#include "sim/observe/intervals.hpp"
#include "sim/results/result.hpp"
#include "sim/world/window.hpp"

namespace stampede::actors {

/// Coordinator -> shard: start window 0 (after that a shard runs its windows
/// back to back).
struct start_msg {};

/// Shard -> the shard that hosts some pools (pool p is served by shard p % S):
/// the shard's arrivals at each of those pools in one window, each sorted (and,
/// to the host of pool 0, the shard's report).
struct arrivals_msg {
  std::int64_t window = 0;
  int shard = 0;
  /// By pool hosted there: pools host, host + S, host + 2S, ...
  std::vector<std::vector<sim::request>> requests;
  std::optional<sim::slice_report> report;
  /// The shard's outcome batch from this host, emptied: its memory goes back
  /// for the shard's next outcomes, so that no window allocates.
  std::vector<sim::outcome> spare;
};

/// Host -> each shard: what became of the window's arrivals from that shard's
/// blocks at the pools served there (only its own, so that a shard on another
/// core reads no more than it needs), and, from the host of pool 0, the
/// window's summary.
struct outcomes_msg {
  std::int64_t window = 0;
  /// The shard that hosts the pools.
  int host = 0;
  std::vector<sim::outcome> outcomes;
  std::shared_ptr<const sim::window_summary> summary;
  /// The shard's own arrival batches, emptied, for its next ones to this host.
  std::vector<std::vector<sim::request>> spare;
};

/// Shard 0 -> coordinator, about every progress_every_seconds of wall time.
struct progress_msg {
  sim::vtime reached = 0;
  std::uint64_t requests = 0;
};

/// Shard -> coordinator: the shard ran its last window, ending at `reached`.
struct shard_done_msg {
  int shard = 0;
  sim::vtime reached = 0;
  std::uint64_t requests = 0;
};

/// Coordinator -> sink: every report is on its way; build the result.
struct build_msg {
  int expected_finals = 0;
  /// Virtual time reached (the horizon unless the run was stopped).
  sim::vtime reached = 0;
};

/// Sink -> whoever started the run.
struct result_msg {
  std::shared_ptr<sim::run_result> result;
};

}  // namespace stampede::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stampede::actors::start_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stampede::actors::arrivals_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stampede::actors::outcomes_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stampede::actors::progress_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stampede::actors::shard_done_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stampede::actors::build_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stampede::actors::result_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stampede::sim::pool_interval)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stampede::sim::population_interval)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stampede::sim::pool_final)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stampede::sim::population_final)
