#pragma once
// What crosses the network between a coordinator and its workers: plain
// structs with CAF 0.17 `inspect` overloads, registered by name on both nodes
// (add_worker_types). Nothing here holds a rule of the model.
#include <caf/actor_system_config.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/loadtest/loadtest.hpp"
#include "sim/ensemble/ensemble.hpp"
#include "sim/observe/histogram.hpp"
#include "sim/observe/intervals.hpp"
#include "sim/world/window.hpp"

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
  /// HTTP threads of each worker's generator (loadtest_options::threads).
  int threads = 0;
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
  return f(caf::meta::type_name("loadtest_task"), x.target, x.duration_s, x.interval_s, x.threads,
           x.env_names, x.env_values, x.share, x.shares);
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
           x.model_requests, x.peak_connections, x.connections_at_end, x.threads, x.wall_s,
           x.interrupted, x.population, x.adopters);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, loadtest_done& x) {
  return f(caf::meta::type_name("loadtest_done"), x.share, x.error, x.part);
}

/// Coordinator -> worker: host population slice `index` of `count` (blocks
/// index, index + count, ...) and the pools index, index + count, ... of the
/// session's run. Answered by run_ready.
struct run_setup {
  std::uint32_t index = 0;
  std::uint32_t count = 1;
};
struct run_ready {
  std::uint32_t index = 0;
};

/// Coordinator -> worker: window `window` of the run: first the outcomes of
/// the last window for the slice's blocks, then the exposures relayed, then
/// the slice's step at cumulative hazard `hazard`. Answered by step_done.
struct step_task {
  std::int64_t window = 0;
  double hazard = 0;
  std::vector<sim::outcome> outcomes;
  std::vector<std::uint64_t> exposures;
};
struct step_done {
  std::uint32_t index = 0;
  /// The slice's arrivals at every pool, each sorted.
  std::vector<std::vector<sim::request>> per_pool;
  sim::slice_report report;
  /// The slice's row of an interval the window closed (zero or one).
  std::vector<sim::population_interval> rows;
};

/// Coordinator -> worker: serve window `window` at each hosted pool (slot k:
/// pool index + k·count), its arrivals from every slice merged in order.
struct serve_task {
  std::int64_t window = 0;
  std::vector<std::vector<sim::request>> arrivals;
};
struct serve_done {
  std::uint32_t index = 0;
  std::vector<sim::outcome> outcomes;
  std::vector<sim::pool_interval> rows;
};

/// Coordinator -> worker: the run ended at `reached`; hand over the figures.
struct finish_task {
  sim::vtime reached = 0;
};
struct finish_done {
  std::uint32_t index = 0;
  std::vector<sim::population_interval> population_rows;
  sim::population_final population;
  std::vector<sim::pool_interval> pool_rows;
  std::vector<sim::pool_final> pools;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, run_setup& x) {
  return f(caf::meta::type_name("run_setup"), x.index, x.count);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, run_ready& x) {
  return f(caf::meta::type_name("run_ready"), x.index);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, step_task& x) {
  return f(caf::meta::type_name("step_task"), x.window, x.hazard, x.outcomes, x.exposures);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, step_done& x) {
  return f(caf::meta::type_name("step_done"), x.index, x.per_pool, x.report, x.rows);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, serve_task& x) {
  return f(caf::meta::type_name("serve_task"), x.window, x.arrivals);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, serve_done& x) {
  return f(caf::meta::type_name("serve_done"), x.index, x.outcomes, x.rows);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, finish_task& x) {
  return f(caf::meta::type_name("finish_task"), x.reached);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, finish_done& x) {
  return f(caf::meta::type_name("finish_done"), x.index, x.population_rows, x.population,
           x.pool_rows, x.pools);
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
typename Inspector::result_type inspect(Inspector& f, request& x) {
  return f(caf::meta::type_name("request"), x.at, x.id, x.patience, x.session, x.endpoint, x.work);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, outcome& x) {
  return f(caf::meta::type_name("outcome"), x.at, x.block, x.session, x.what);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, slice_report& x) {
  return f(caf::meta::type_name("slice_report"), x.satisfaction, x.requests_sent, x.exposures,
           x.stop, x.quiet);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, endpoint_interval& x) {
  return f(caf::meta::type_name("endpoint_interval"), x.offered, x.completed, x.rejected,
           x.abandoned, x.p50, x.p90, x.p99, x.p999);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pool_interval& x) {
  return f(caf::meta::type_name("pool_interval"), x.pool, x.interval, x.busy_seconds,
           x.queue_at_end, x.servers, x.available_seconds, x.real_servers, x.real_server_seconds,
           x.endpoints);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, population_interval& x) {
  return f(caf::meta::type_name("population_interval"), x.interval, x.adopters, x.active_users,
           x.active_sessions, x.sessions_started, x.active_by_tier, x.converted, x.rate_limited,
           x.retried, x.first_attempts);
}
/// A histogram travels as its state (histogram::save / restore).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, histogram& x) {
  histogram::state st = x.save();
  return f(caf::meta::type_name("histogram"), st.counts, st.count, st.clamped, st.min, st.max,
           st.sum_low, st.sum_high, caf::meta::load_callback([&]() -> caf::error {
             x = histogram::restore(st);
             return caf::none;
           }));
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, latency_quantiles& x) {
  return f(caf::meta::type_name("latency_quantiles"), x.valid, x.p50, x.p90, x.p99, x.p999,
           x.backend, x.kept, x.of);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, endpoint_result& x) {
  return f(caf::meta::type_name("endpoint_result"), x.name, x.pool, x.offered, x.completed,
           x.rejected, x.abandoned, x.in_flight, x.rate_limited, x.retried, x.latency,
           x.latency_samples, x.samples_seen, x.quantiles);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pool_result& x) {
  return f(caf::meta::type_name("pool_result"), x.name, x.servers, x.simulated_servers,
           x.mean_utilization, x.peak_utilization, x.peak_queue, x.server_hours, x.cost,
           x.peak_servers, x.little_l, x.little_lambda, x.little_w, x.faithful_scale);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pool_final& x) {
  return f(caf::meta::type_name("pool_final"), x.pool, x.result, x.endpoints);
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
