#pragma once
// What crosses the network between a coordinator and its workers: plain
// structs with CAF 0.17 `inspect` overloads, registered by name on both nodes
// (add_worker_types). Nothing here holds a rule of the model.
#include <caf/actor_system_config.hpp>
#include <caf/meta/type_name.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/loadtest/loadtest.hpp"
#include "sim/ensemble/ensemble.hpp"

namespace stampede::actors {

/// Coordinator -> worker, first and once: who is asking and for which run.
struct hello_msg {
  /// The coordinator's stampede version: a worker of another refuses.
  std::string version;
  /// scenario_id(yaml, overrides): names the run in every later exchange.
  std::string scenario_id;
  /// The scenario's file name (for messages) and text, and the overrides
  /// (--set, --seed, --scale) applied to it.
  std::string file;
  std::string yaml;
  std::vector<std::string> overrides;
};

/// Worker -> coordinator: the answer to hello_msg.
struct welcome_msg {
  bool accepted = false;
  /// Why not, one line.
  std::string why;
  /// The worker's version, for the coordinator's message.
  std::string version;
  /// Work the worker takes at once (its threads).
  std::int32_t threads = 1;
};

/// Coordinator -> worker: run ensemble member `index` of the session's scenario.
struct member_task {
  std::uint64_t index = 0;
};

/// Worker -> coordinator: member `index` ran. `finished` is false when it was
/// stopped (Ctrl-C on the coordinator) or failed (`error` says why).
struct member_done {
  std::uint64_t index = 0;
  bool finished = false;
  std::string error;
  sim::member_result result;
};

/// Coordinator -> worker: stop the session's running work (Ctrl-C).
struct stop_task {};

/// Coordinator -> worker: generate share `share` of `shares` of the session's
/// load test (loadtest_options::share) against `target`.
struct loadtest_task {
  std::string target;
  double duration_s = 0;
  double interval_s = 1;
  /// The ${env:NAME} values, names and values side by side.
  std::vector<std::string> env_names;
  std::vector<std::string> env_values;
  std::uint32_t share = 0;
  std::uint32_t shares = 1;
};

/// Worker -> coordinator: the generator of `share` is set up and waits at the
/// start barrier; `runner` takes the loadtest_go.
struct loadtest_ready {
  caf::actor runner;
  std::uint32_t share = 0;
};

/// Coordinator -> every runner, once all are ready: start the clock.
struct loadtest_go {};

/// Worker -> coordinator: share `share` ran (or failed: `error`).
struct loadtest_done {
  std::uint32_t share = 0;
  std::string error;
  loadtest_part part;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, hello_msg& x) {
  return f(caf::meta::type_name("hello_msg"), x.version, x.scenario_id, x.file, x.yaml,
           x.overrides);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, welcome_msg& x) {
  return f(caf::meta::type_name("welcome_msg"), x.accepted, x.why, x.version, x.threads);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_task& x) {
  return f(caf::meta::type_name("member_task"), x.index);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_done& x) {
  return f(caf::meta::type_name("member_done"), x.index, x.finished, x.error, x.result);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stop_task&) {
  return f(caf::meta::type_name("stop_task"));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, loadtest_task& x) {
  return f(caf::meta::type_name("loadtest_task"), x.target, x.duration_s, x.interval_s, x.env_names,
           x.env_values, x.share, x.shares);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, loadtest_ready& x) {
  return f(caf::meta::type_name("loadtest_ready"), x.runner, x.share);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, loadtest_go&) {
  return f(caf::meta::type_name("loadtest_go"));
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, loadtest_sample& x) {
  return f(caf::meta::type_name("loadtest_sample"), x.intended_us, x.endpoint, x.what, x.status,
           x.corrected_us, x.uncorrected_us, x.lag_us);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, loadtest_part& x) {
  return f(caf::meta::type_name("loadtest_part"), x.sent, x.not_sent, x.unsent_at_stop, x.samples,
           x.model_requests, x.peak_connections, x.wall_s, x.interrupted, x.population, x.adopters);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, loadtest_done& x) {
  return f(caf::meta::type_name("loadtest_done"), x.share, x.error, x.part);
}

/// Registers every type above (and those of sim/ they carry) on `cfg`, under
/// the same names on every node.
void add_worker_types(caf::actor_system_config& cfg);

}  // namespace stampede::actors

// The model's plain data that travels, inspected field by field (found by ADL).
namespace stampede::sim {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_draw& x) {
  return f(caf::meta::type_name("member_draw"), x.index, x.seed, x.inputs, x.overrides);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, outcome_paths& x) {
  return f(caf::meta::type_name("outcome_paths"), x.names, x.t_hours, x.values);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_headline& x) {
  return f(caf::meta::type_name("member_headline"), x.adopters, x.cost_usd, x.revenue_usd,
           x.margin_usd, x.slo_held_share);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, population_final& x) {
  return f(caf::meta::type_name("population_final"), x.users, x.requests_sent, x.daily_active,
           x.rate_limited, x.retried, x.memory_bytes, x.shares, x.adopted_by_share);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_result& x) {
  return f(caf::meta::type_name("member_result"), x.draw, x.digest, x.simulated_requests, x.paths,
           x.headline);
}

}  // namespace stampede::sim
