#pragma once
// The messages of a simulated run. Each is a plain struct; the actors only move
// them between model objects (sim/).
#include <caf/allowed_unsafe_message_type.hpp>
#include <cstdint>
#include <memory>
#include <vector>

#include "sim/metrics.hpp"
#include "sim/request.hpp"
#include "sim/result.hpp"

namespace stampede::actors {

/// Coordinator -> shard: run window `window` = [t0, t1) with cumulative Bass hazard
/// `hazard`, after the users named in `exposures` (cascade: global user indices,
/// sorted, from every shard's shares in the previous window) have adopted.
struct window_msg {
  std::int64_t window = 0;
  sim::vtime t0 = 0;
  sim::vtime t1 = 0;
  double hazard = 0;
  std::shared_ptr<const std::vector<std::uint64_t>> exposures;
};

/// Shard -> pool: the shard's arrivals at this pool in one window, sorted.
struct arrivals_msg {
  std::int64_t window = 0;
  int shard = 0;
  std::vector<sim::request> requests;
};

/// Pool -> shard: what became of the shard's arrivals of one window.
struct outcomes_msg {
  std::int64_t window = 0;
  int pool = 0;
  std::vector<sim::outcome> outcomes;
};

/// Shard -> coordinator: the window is done on this shard.
struct window_done_msg {
  std::int64_t window = 0;
  int shard = 0;
  std::uint64_t adopted = 0;
  /// The adopters' summed satisfaction (population_block::satisfaction_sum).
  std::uint64_t satisfaction = 0;
  std::uint64_t requests_sent = 0;
  /// Cascade: users who adopt from this shard's shares (global indices).
  std::vector<std::uint64_t> exposures;
};

/// Coordinator -> shards and pools: the horizon is reached; report to the sink.
struct finish_msg {};

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

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stampede::actors::window_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stampede::actors::arrivals_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stampede::actors::outcomes_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stampede::actors::window_done_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stampede::actors::finish_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stampede::actors::build_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stampede::actors::result_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stampede::sim::pool_interval)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stampede::sim::population_interval)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stampede::sim::pool_final)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stampede::sim::population_final)
