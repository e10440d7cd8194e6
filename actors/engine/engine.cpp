#include "actors/engine/engine.hpp"

#include <algorithm>
#include <array>
#include <caf/all.hpp>
#include <chrono>
#include <cmath>
#include <exception>
#include <new>
#include <optional>
#include <thread>
#include <utility>

#include "actors/engine/affinity.hpp"
#include "actors/engine/free_cores.hpp"
#include "actors/engine/messages.hpp"
#include "sim/results/result_builder.hpp"
#include "sim/world/pool_set.hpp"
#include "sim/world/population_slice.hpp"
#include "sim/world/world.hpp"

namespace stampede::actors {

namespace {

constexpr const char* out_of_memory_text = "out of memory";

using clock_type = std::chrono::steady_clock;

/// What an actor's exception becomes: its error, without CAF's default print to
/// the console; running out of memory is told apart (run() throws bad_alloc).
caf::error exception_to_error(caf::scheduled_actor*, std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::bad_alloc&) {
    return caf::make_error(caf::sec::runtime_error, out_of_memory_text);
  } catch (const std::exception& x) {
    return caf::make_error(caf::sec::runtime_error, x.what());
  } catch (...) {
    return caf::make_error(caf::sec::runtime_error, "an unknown exception");
  }
}

/// The shard that holds block `block`: shard k holds blocks k, k + shards, ...
std::size_t shard_of(std::uint32_t block, std::size_t shards) {
  return block % shards;
}

// ---------------------------------------------------------------- pools, served by shards

/// How many pools shard `shard` serves (pools shard, shard + shards, ...).
std::size_t hosted_by(const sim::scenario& s, std::size_t shard, std::size_t shards) {
  return shard < s.pools.size() ? (s.pools.size() - shard + shards - 1) / shards : 0;
}

/// The pools one shard serves (a sim::pool_set), and what it collects for them
/// in a window.
///
/// A pool's window needs every shard's arrivals; every shard needs its outcomes
/// before its next window. A pool is not an actor of its own but runs inside a
/// shard (pool p in shard p % S): then a shard's batch for a pool it hosts, and
/// the outcomes that pool returns to it, are function calls, not messages.
/// With S shards on S cores a window costs each shard one message to and one
/// from every other host.
struct pool_host {
  sim::pool_set pools;
  /// The current window's batches by shard, each by hosted pool; the spare
  /// outcome batches the shards handed back; messages received.
  std::vector<std::vector<std::vector<sim::request>>> batches;
  std::vector<std::vector<sim::outcome>> by_shard;
  std::size_t received = 0;
  /// Host of pool 0 only: the shards' reports of the current window, summed.
  sim::window_summer summer;
  /// The window's arrivals at one pool merged, scratch for merging, its outcomes.
  std::vector<sim::request> merged;
  std::vector<sim::request> scratch;
  std::vector<sim::outcome> outcomes;

  pool_host(const sim::scenario& s, std::size_t shard, std::size_t shards)
      : pools(s, shard, shards) {
    batches.resize(shards);
    by_shard.resize(shards);
  }

  /// Takes one shard's arrivals (its batch for each pool hosted here); true
  /// once every shard's are in. A shard sends the next window's only after
  /// this host answered the last, so they never mix.
  bool take(arrivals_msg& m) {
    const auto k = static_cast<std::size_t>(m.shard);
    batches[k] = std::move(m.requests);
    by_shard[k] = std::move(m.spare);
    if (m.report) summer.add(*m.report);
    return ++received == batches.size();
  }

  /// Serves window `w` of every pool hosted here: merges the shards' sorted
  /// batches into the total order (time, id), serves them, and splits the
  /// outcomes by the shard holding each block (into by_shard). Figures of
  /// closed reporting intervals go to `rows`.
  void serve(const sim::window& w, std::vector<sim::pool_interval>& rows) {
    received = 0;
    const std::size_t n = batches.size();
    for (std::size_t h = 0; h < pools.size(); ++h) {
      // The first batch becomes the merge's start (no copy); the old merged
      // buffer goes back to that shard in its place.
      merged.swap(batches[0][h]);
      for (std::size_t k = 1; k < n; ++k) sim::merge_arrivals(merged, batches[k][h], scratch);
      outcomes.clear();
      pools.serve(w, h, merged, outcomes, rows);
      if (n == 1 && by_shard[0].empty()) {
        by_shard[0].swap(outcomes);
      } else {
        for (const sim::outcome& o : outcomes) by_shard[shard_of(o.block, n)].push_back(o);
      }
      for (auto& shard_batches : batches) shard_batches[h].clear();
    }
  }
};

// ---------------------------------------------------------------- population shard

/// A shard holds a slice of the population (blocks shard, shard + shards, ...)
/// and serves the pools it hosts (pool_host), and runs its windows back to
/// back: a window starts as soon as every host answered the previous one. The
/// host of pool 0 relays what every shard needs from all the others (the
/// window's summary: the adopters' pull for the Bass hazard, cascade exposures,
/// a stop), so no round trip through the coordinator paces windows.
struct shard_state {
  std::unique_ptr<sim::population_slice> slice;
  /// Every shard (this one included), by index.
  std::vector<caf::actor> shards;
  std::unique_ptr<pool_host> host;
  caf::actor coordinator;
  caf::actor sink;
  int index = 0;
  int shards_n = 1;
  /// Shards that host a pool: the answers a window waits for.
  std::size_t hosts = 1;
  std::int64_t window = 0;
  std::int64_t windows = 0;
  /// Arrivals by pool (scratch, kept).
  std::vector<std::vector<sim::request>> per_pool;
  /// Each host's batches of the last window, handed back empty (outcomes_msg::spare).
  std::vector<std::vector<std::vector<sim::request>>> spare;
  /// Each host's outcomes of the last window, emptied, to hand back.
  std::vector<std::vector<sim::outcome>> outcome_spare;
  /// Hosts that answered the current window.
  std::size_t answers = 0;
  /// Pool 0's relay for the current window.
  std::shared_ptr<const sim::window_summary> summary;
  /// The Bass hazard, advanced identically on every shard from the same summary.
  std::unique_ptr<sim::adoption_clock> adoption;
  std::shared_ptr<const std::vector<std::uint64_t>> exposures;
  /// Interval figures of the hosted pools (scratch, kept).
  std::vector<sim::pool_interval> pool_rows;
  const sim::scenario* scenario = nullptr;
  const run_options* options = nullptr;
  sim::block_layout layout;
  clock_type::time_point last_progress;
};

using shard_self = caf::stateful_actor<shard_state>*;

void run_window(shard_self self);
void take_arrivals(shard_self self, arrivals_msg& m);
void take_outcomes(shard_self self, outcomes_msg& m);
void window_done(shard_self self);

/// Steps the slice through the current window, and hands each host its batches.
void run_window(shard_self self) {
  auto& st = self->state;
  const sim::window w = sim::window_at(*st.scenario, st.window);
  st.answers = 0;
  if (st.exposures) st.slice->expose(*st.exposures);
  sim::slice_report report = st.slice->step(w, st.adoption->hazard(), st.per_pool);
  // One shard decides on a stop, so that every shard stops after the same window.
  report.stop = st.index == 0 && st.options->stop && st.options->stop->load();
  std::optional<arrivals_msg> local;
  const auto n = static_cast<std::size_t>(st.shards_n);
  for (std::size_t host = 0; host < st.hosts; ++host) {
    arrivals_msg m{
        st.window, st.index, std::move(st.spare[host]), {}, std::move(st.outcome_spare[host])};
    for (std::size_t h = 0; h < m.requests.size(); ++h) {
      m.requests[h].swap(st.per_pool[host + h * n]);
    }
    if (host == 0) m.report = std::move(report);
    if (host == static_cast<std::size_t>(st.index)) {
      local = std::move(m);
    } else {
      self->send(st.shards[host], std::move(m));
    }
  }
  if (auto row = st.slice->interval_row(w.t0, w.t1)) self->send(st.sink, std::move(*row));
  // Last, as it may complete this window and start the next one.
  if (local) take_arrivals(self, *local);
}

/// Host role: one shard's arrivals at the pools served here; once every
/// shard's are in, serves the window and answers every shard.
void take_arrivals(shard_self self, arrivals_msg& m) {
  auto& st = self->state;
  pool_host& host = *st.host;
  if (!host.take(m)) return;
  st.pool_rows.clear();
  host.serve(sim::window_at(*st.scenario, m.window), st.pool_rows);
  for (auto& row : st.pool_rows) self->send(st.sink, std::move(row));
  std::shared_ptr<const sim::window_summary> summary;
  if (st.index == 0) summary = std::make_shared<const sim::window_summary>(host.summer.take());
  const auto own = static_cast<std::size_t>(st.index);
  for (std::size_t k = 0; k < host.batches.size(); ++k) {
    if (k == own) continue;
    self->send(st.shards[k], outcomes_msg{m.window, st.index, std::move(host.by_shard[k]), summary,
                                          std::move(host.batches[k])});
  }
  // Last, as it may complete this window and start the next one.
  outcomes_msg answer{m.window, st.index, std::move(host.by_shard[own]), std::move(summary),
                      std::move(host.batches[own])};
  take_outcomes(self, answer);
}

/// One host's outcomes for this shard's blocks; once every host answered, the
/// window is done.
void take_outcomes(shard_self self, outcomes_msg& m) {
  auto& st = self->state;
  st.slice->receive(m.outcomes);
  if (m.summary) st.summary = std::move(m.summary);
  const auto host = static_cast<std::size_t>(m.host);
  st.spare[host] = std::move(m.spare);
  m.outcomes.clear();
  st.outcome_spare[host] = std::move(m.outcomes);
  if (++st.answers == st.hosts) window_done(self);
}

/// The last window ran, ending at `reached`: final figures to the sink.
void finish(shard_self self, sim::vtime reached) {
  auto& st = self->state;
  if (auto row = st.slice->stopped_row(reached)) self->send(st.sink, std::move(*row));
  self->send(st.sink, st.slice->final_figures());
  std::vector<sim::pool_interval> rows;
  std::vector<sim::pool_final> finals;
  st.host->pools.finish(reached, rows, finals);
  for (auto& row : rows) self->send(st.sink, std::move(row));
  for (auto& f : finals) self->send(st.sink, std::move(f));
  self->send(st.coordinator,
             shard_done_msg{st.index, reached, st.summary ? st.summary->requests_sent : 0});
  self->quit();
}

/// Every host answered: close the window from the relayed summary and go on.
void window_done(shard_self self) {
  auto& st = self->state;
  const sim::window_summary& sum = *st.summary;
  const sim::window w = sim::window_at(*st.scenario, st.window);
  st.adoption->close(w, sum);
  st.exposures = sum.exposures;
  ++st.window;
  if (st.index == 0 && st.options->on_progress) {
    const auto now = clock_type::now();
    if (std::chrono::duration<double>(now - st.last_progress).count() >=
        st.options->progress_every_seconds) {
      st.last_progress = now;
      self->send(st.coordinator, progress_msg{w.t1, sum.requests_sent});
    }
  }
  if (st.window >= st.windows || sum.stop) {
    finish(self, w.t1);
  } else if (st.shards_n == 1) {
    // Everything was local (one shard hosts every pool): the next window comes
    // as a message, so that the run yields to the coordinator (progress) and
    // does not recurse.
    self->send(self, start_msg{});
  } else {
    // A window needs another shard's batches first, so this does not recurse.
    run_window(self);
  }
}

caf::behavior shard_actor(shard_self self, const sim::scenario* s, const run_options* options,
                          int index, int shards, caf::actor coordinator, caf::actor sink) {
  self->set_exception_handler(exception_to_error);
  auto& st = self->state;
  st.scenario = s;
  st.options = options;
  st.index = index;
  st.shards_n = shards;
  st.hosts = std::min(s->pools.size(), static_cast<std::size_t>(shards));
  st.coordinator = coordinator;
  st.sink = sink;
  st.windows = sim::window_count(*s);
  st.layout = sim::block_layout::of(*s);
  st.adoption = std::make_unique<sim::adoption_clock>(*s, st.layout.users);
  st.last_progress = clock_type::now();
  st.slice = std::make_unique<sim::population_slice>(
      *s, st.layout, static_cast<std::uint32_t>(index), static_cast<std::uint32_t>(shards));
  st.host = std::make_unique<pool_host>(*s, static_cast<std::size_t>(index),
                                        static_cast<std::size_t>(shards));
  st.per_pool.resize(s->pools.size());
  st.spare.resize(st.hosts);
  st.outcome_spare.resize(st.hosts);
  for (std::size_t h = 0; h < st.hosts; ++h) {
    st.spare[h].resize(hosted_by(*s, h, static_cast<std::size_t>(shards)));
  }

  return {
      [self](std::vector<caf::actor> all) { self->state.shards = std::move(all); },
      [self](start_msg) { run_window(self); },
      [self](arrivals_msg& m) { take_arrivals(self, m); },
      [self](outcomes_msg& m) { take_outcomes(self, m); },
  };
}

// ---------------------------------------------------------------- metrics sink

struct sink_state {
  std::unique_ptr<sim::result_builder> builder;
  int finals = 0;
  int expected_finals = -1;
  sim::vtime reached = 0;
  caf::actor client;
};

caf::behavior sink_actor(caf::stateful_actor<sink_state>* self, const sim::scenario* s,
                         caf::actor client) {
  self->set_exception_handler(exception_to_error);
  self->state.builder = std::make_unique<sim::result_builder>(*s);
  self->state.client = client;
  auto maybe_build = [self] {
    auto& st = self->state;
    if (st.finals != st.expected_finals) return;
    auto result = std::make_shared<sim::run_result>(st.builder->build(st.reached));
    self->send(st.client, result_msg{std::move(result)});
    self->quit();
  };
  return {
      [self](sim::population_interval& p) { self->state.builder->add(p); },
      [self](sim::pool_interval& p) { self->state.builder->add(p); },
      [self, maybe_build](sim::population_final& p) {
        self->state.builder->add(p);
        ++self->state.finals;
        maybe_build();
      },
      [self, maybe_build](sim::pool_final& p) {
        self->state.builder->add(std::move(p));
        ++self->state.finals;
        maybe_build();
      },
      [self, maybe_build](build_msg m) {
        self->state.expected_finals = m.expected_finals;
        self->state.reached = m.reached;
        maybe_build();
      },
  };
}

// ---------------------------------------------------------------- coordinator

struct coordinator_state {
  std::vector<caf::actor> shards;
  caf::actor sink;
  const sim::scenario* scenario = nullptr;
  const run_options* options = nullptr;
  std::size_t done = 0;
  sim::vtime reached = 0;
  progress last;
  clock_type::time_point started;
};

/// Starts the shards, passes their progress on, and when every shard has run
/// its last window tells the sink to build the result.
caf::behavior coordinator_actor(caf::stateful_actor<coordinator_state>* self,
                                const sim::scenario* s, const run_options* options) {
  auto& st = self->state;
  st.scenario = s;
  st.options = options;
  st.last.horizon_seconds = sim::to_seconds(s->horizon);

  auto report = [self](sim::vtime reached, std::uint64_t requests) {
    auto& st = self->state;
    if (!st.options->on_progress) return;
    st.last.virtual_seconds = sim::to_seconds(reached);
    st.last.requests = std::max(st.last.requests, requests);
    st.last.wall_seconds = std::chrono::duration<double>(clock_type::now() - st.started).count();
    st.options->on_progress(st.last);
  };

  return {
      [self](std::vector<caf::actor> shards, caf::actor sink) {
        auto& st = self->state;
        st.shards = std::move(shards);
        st.sink = std::move(sink);
        st.started = clock_type::now();
        for (auto& shard : st.shards) self->send(shard, start_msg{});
      },
      [report](progress_msg& m) { report(m.reached, m.requests); },
      [self, report](shard_done_msg& m) {
        auto& st = self->state;
        st.reached = m.reached;
        st.last.requests = std::max(st.last.requests, m.requests);
        if (++st.done < st.shards.size()) return;
        report(st.reached, st.last.requests);
        self->send(
            st.sink,
            build_msg{static_cast<int>(st.shards.size() + st.scenario->pools.size()), st.reached});
        self->quit();
      },
  };
}

}  // namespace

namespace {

/// One thread: sim::world, with the progress of run_options.
sim::run_result run_on_world(const sim::scenario& s, const run_options& options) {
  const auto started = clock_type::now();
  sim::world_options w;
  w.stop = options.stop;
  progress p;
  p.horizon_seconds = sim::to_seconds(s.horizon);
  auto last = started;
  if (options.on_progress) {
    w.on_window = [&](sim::vtime reached, std::uint64_t requests) {
      const auto now = clock_type::now();
      if (std::chrono::duration<double>(now - last).count() < options.progress_every_seconds &&
          reached < s.horizon) {
        return;
      }
      last = now;
      p.virtual_seconds = sim::to_seconds(reached);
      p.requests = requests;
      p.wall_seconds = std::chrono::duration<double>(now - started).count();
      options.on_progress(p);
    };
  }
  sim::run_result r = sim::run_world(s, w);
  r.wall_seconds = std::chrono::duration<double>(clock_type::now() - started).count();
  return r;
}

}  // namespace

sim::run_result run(const sim::scenario& s, const run_options& options) {
  // By default, the CPUs free now (free_cores.hpp): a worker beside another
  // busy program holds up every other worker each window.
  const int threads = options.threads > 0 ? options.threads : measure_machine().threads;
  if (threads == 1 && !options.actors_on_one_thread) return run_on_world(s, options);
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", static_cast<size_t>(threads));
  // A window is a few microseconds to a few milliseconds of work, split over
  // shards that hand batches to each other twice per window. Idle workers poll
  // for a while before they block (pinned_stealing::dequeue): CAF's 50 us naps
  // are longer than a window. Shard k runs on worker k while that worker is on
  // its core (actors/engine/affinity.hpp): its state stays in one core's caches
  // instead of following the messages from core to core. Figures in
  // bench/README.md.
  cfg.load<pinned_coordinator>();
  caf::actor_system system{cfg};
  caf::scoped_actor client{system};

  const auto started = clock_type::now();
  auto sink = system.spawn(sink_actor, &s, caf::actor_cast<caf::actor>(client));
  auto coordinator = system.spawn(coordinator_actor, &s, &options);
  // One shard per thread: the shard count is free to vary because blocks, not
  // shards, own the random streams.
  const sim::block_layout layout = sim::block_layout::of(s);
  const int shards_n = std::max(1, std::min<int>(threads, static_cast<int>(layout.count())));
  std::vector<caf::actor> shards;
  for (int k = 0; k < shards_n; ++k) {
    shards.push_back(
        system.spawn<caf::lazy_init>(shard_actor, &s, &options, k, shards_n, coordinator, sink));
  }
  // Shards start lazily, at their first message: after the pins, on their own
  // worker, where they also build their state.
  for (std::size_t k = 0; k < shards.size(); ++k) pin(system, shards[k], k);
  for (auto& k : shards) client->send(k, shards);

  std::shared_ptr<sim::run_result> result;
  std::string failure;
  for (auto& a : shards) client->monitor(a);
  client->monitor(sink);
  client->monitor(coordinator);
  client->send(coordinator, shards, sink);
  bool waiting = true;
  while (waiting) {
    client->receive(
        [&](result_msg& m) {
          result = std::move(m.result);
          waiting = false;
        },
        [&](caf::down_msg& d) {
          if (d.reason && d.reason != caf::exit_reason::normal) {
            failure = system.render(d.reason);
            waiting = false;
          }
        });
  }
  if (!result) {
    // Take the rest down with it, or the actor system would wait for them forever.
    for (auto& a : shards) client->send_exit(a, caf::exit_reason::kill);
    client->send_exit(sink, caf::exit_reason::kill);
    client->send_exit(coordinator, caf::exit_reason::kill);
    if (failure.find(out_of_memory_text) != std::string::npos) throw std::bad_alloc();
    throw run_error("the simulation failed: " + failure);
  }
  result->threads = threads;
  result->wall_seconds = std::chrono::duration<double>(clock_type::now() - started).count();
  return std::move(*result);
}

}  // namespace stampede::actors
