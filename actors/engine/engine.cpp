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
#include "sim/platform/pool.hpp"
#include "sim/population/adoption.hpp"
#include "sim/population/population.hpp"
#include "sim/speed/arrival_sort.hpp"

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

/// Window `w` of a run: [t0, t1), the last one cut at the horizon.
std::pair<sim::vtime, sim::vtime> window_bounds(const sim::scenario& s, std::int64_t w) {
  const sim::vtime t0 = w * s.tick;
  return {t0, std::min(s.horizon, t0 + s.tick)};
}

// ---------------------------------------------------------------- pools, served by shards

/// Shard k serves pools k, k + shards, k + 2·shards, ...: its `slot`-th pool.
std::size_t pool_at(std::size_t shard, std::size_t slot, std::size_t shards) {
  return shard + slot * shards;
}

/// How many pools shard `shard` serves.
std::size_t hosted_by(const sim::scenario& s, std::size_t shard, std::size_t shards) {
  std::size_t slots = 0;
  while (pool_at(shard, slots, shards) < s.pools.size()) ++slots;
  return slots;
}

/// The pools one shard serves, and what it collects for them in a window.
///
/// A pool's window needs every shard's arrivals; every shard needs its outcomes
/// before its next window. A pool is not an actor of its own but runs inside a
/// shard (pool p in shard p % S, pool_at): then a shard's batch for a pool it
/// hosts, and the outcomes that pool returns to it, are function calls, not
/// messages.
/// With S shards on S cores a window costs each shard one message to and one
/// from every other host (2 threads: 4 messages a window, all between cores;
/// separate pool actors took 8, each a mailbox and a resume in CAF).
struct pool_host {
  /// The models of the pools served here, by slot (pool_at).
  std::vector<std::unique_ptr<sim::pool_model>> models;
  /// The current window's batches by shard, each by hosted pool; the spare
  /// outcome batches the shards handed back; messages received.
  std::vector<std::vector<std::vector<sim::request>>> batches;
  std::vector<std::vector<sim::outcome>> by_shard;
  std::size_t received = 0;
  /// Host of pool 0 only: the shards' reports of the current window, summed.
  window_summary relay;
  std::vector<std::uint64_t> exposures;
  /// The window's arrivals at one pool merged, scratch for merging, its outcomes.
  std::vector<sim::request> merged;
  std::vector<sim::request> scratch;
  std::vector<sim::outcome> outcomes;

  pool_host(const sim::scenario& s, std::size_t shard, std::size_t shards) {
    const std::size_t slots = hosted_by(s, shard, shards);
    for (std::size_t slot = 0; slot < slots; ++slot) {
      models.push_back(
          std::make_unique<sim::pool_model>(s, static_cast<int>(pool_at(shard, slot, shards))));
    }
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
    if (m.report) {
      relay.satisfaction += m.report->satisfaction;
      relay.requests_sent += m.report->requests_sent;
      relay.stop = relay.stop || m.report->stop;
      exposures.insert(exposures.end(), m.report->exposures.begin(), m.report->exposures.end());
    }
    return ++received == batches.size();
  }

  /// Serves window `window` of every pool hosted here: merges the shards'
  /// sorted batches into the total order (time, id), serves them, and splits
  /// the outcomes by the shard holding each block (into by_shard). Figures of
  /// closed reporting intervals go to `rows`.
  void serve(const sim::scenario& s, std::int64_t window, std::vector<sim::pool_interval>& rows) {
    received = 0;
    const auto [t0, t1] = window_bounds(s, window);
    const std::size_t n = batches.size();
    for (std::size_t h = 0; h < models.size(); ++h) {
      // The first batch becomes the merge's start (no copy); the old merged
      // buffer goes back to that shard in its place.
      merged.swap(batches[0][h]);
      for (std::size_t k = 1; k < n; ++k) {
        const auto& batch = batches[k][h];
        scratch.resize(merged.size() + batch.size());
        std::merge(merged.begin(), merged.end(), batch.begin(), batch.end(), scratch.begin(),
                   sim::by_arrival{});
        merged.swap(scratch);
      }
      outcomes.clear();
      if (auto row = models[h]->serve_window(t0, t1, merged, outcomes)) {
        rows.push_back(std::move(*row));
      }
      if (n == 1 && by_shard[0].empty()) {
        by_shard[0].swap(outcomes);
      } else {
        for (const sim::outcome& o : outcomes) by_shard[shard_of(o.block, n)].push_back(o);
      }
      for (auto& shard_batches : batches) shard_batches[h].clear();
    }
  }

  /// Host of pool 0: the window's summary for every shard (the reports summed,
  /// the exposures sorted: an order that does not depend on which shard
  /// reported first); resets the relay.
  std::shared_ptr<const window_summary> summarize() {
    std::sort(exposures.begin(), exposures.end());
    exposures.erase(std::unique(exposures.begin(), exposures.end()), exposures.end());
    if (!exposures.empty()) {
      relay.exposures = std::make_shared<const std::vector<std::uint64_t>>(std::move(exposures));
    }
    exposures.clear();
    auto summary = std::make_shared<const window_summary>(std::move(relay));
    relay = window_summary{};
    return summary;
  }
};

// ---------------------------------------------------------------- population shard

/// A shard holds blocks shard, shard + shards, shard + 2·shards, ... of the
/// population and serves the pools it hosts (pool_host), and runs its windows
/// back to back: a window starts as soon as every host answered the previous
/// one. The host of pool 0 relays what every shard needs from all the others
/// (the adopters' pull for the Bass hazard, cascade exposures, a stop), so no
/// round trip through the coordinator paces windows.
struct shard_state {
  std::vector<sim::population_block> blocks;
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
  sim::arrival_sorter sorter;
  /// Arrivals by pool (scratch, kept).
  std::vector<std::vector<sim::request>> per_pool;
  /// Each host's batches of the last window, handed back empty (outcomes_msg::spare).
  std::vector<std::vector<std::vector<sim::request>>> spare;
  /// Each host's outcomes of the last window, emptied, to hand back.
  std::vector<std::vector<sim::outcome>> outcome_spare;
  /// Hosts that answered the current window.
  std::size_t answers = 0;
  /// Pool 0's relay for the current window.
  std::shared_ptr<const window_summary> summary;
  /// The cumulative Bass hazard, advanced identically on every shard from the
  /// same relayed sums.
  std::unique_ptr<sim::bass_hazard> hazard;
  std::shared_ptr<const std::vector<std::uint64_t>> exposures;
  /// This shard's blocks and nodes among the exposures (scratch, kept).
  std::vector<std::pair<sim::population_block*, std::uint32_t>> exposed;
  /// Interval figures of the hosted pools (scratch, kept).
  std::vector<sim::pool_interval> pool_rows;
  sim::vtime report_interval = 0;
  std::uint64_t sessions_started_reported = 0;
  const sim::scenario* scenario = nullptr;
  const run_options* options = nullptr;
  sim::block_layout layout;
  clock_type::time_point last_progress;

  /// Fetch blocks ahead in stages (run_window): worth it only when the
  /// population is far larger than the caches. On this project's 2-core VM
  /// (32 MiB L3) it was 37% faster with 7,630 blocks (500M users, 3 simulated
  /// days, 1 thread: 112 s against 178 s) and 3-10% slower with 1,526 blocks
  /// or fewer (bench/README.md).
  bool staged_prefetch = false;
  static constexpr std::uint32_t staged_prefetch_from_blocks = 4096;

  /// The block `block` (global index) if this shard holds it, else null.
  sim::population_block* held(std::uint32_t block) {
    const auto n = static_cast<std::size_t>(shards_n);
    return shard_of(block, n) == static_cast<std::size_t>(index) ? &blocks[block / n] : nullptr;
  }
};

using shard_self = caf::stateful_actor<shard_state>*;

void run_window(shard_self self);
void take_arrivals(shard_self self, arrivals_msg& m);
void take_outcomes(shard_self self, outcomes_msg& m);
void window_done(shard_self self);

/// The interval that window [t0, t1) closes, if any, or (`partial`: the run
/// stops at t1) the one it is in: report the population.
void report_interval(shard_self self, sim::vtime t0, sim::vtime t1, bool partial = false) {
  auto& st = self->state;
  const sim::vtime interval_end =
      std::min(st.scenario->horizon, (t0 / st.report_interval + 1) * st.report_interval);
  if (t1 < interval_end && !partial) return;
  sim::population_interval row;
  row.interval = static_cast<int>(t0 / st.report_interval);
  row.active_by_tier.assign(st.scenario->tiers.size(), 0);
  sim::edge_counts edge = sim::edge_counts::zero(st.scenario->endpoints.size());
  std::uint64_t started = 0;
  for (auto& b : st.blocks) {
    row.adopters += b.adopted();
    row.active_users += b.active_users();
    row.active_by_tier[b.tier()] += b.active_users();
    row.converted += b.converted();
    row.active_sessions += b.active_sessions();
    started += b.sessions_started();
    b.take_edge_counts(edge);
  }
  row.rate_limited = std::move(edge.rate_limited);
  row.retried = std::move(edge.retried);
  row.first_attempts = std::move(edge.first_attempts);
  row.sessions_started = started - st.sessions_started_reported;
  st.sessions_started_reported = started;
  self->send(st.sink, std::move(row));
}

/// Runs the current window of every block, and hands each host its batches.
void run_window(shard_self self) {
  auto& st = self->state;
  const auto [t0, t1] = window_bounds(*st.scenario, st.window);
  st.answers = 0;
  // Cascade: the users this shard holds who saw a share in the last window
  // adopt first, in the global order the host of pool 0 sorted them in.
  // The users come sorted, so their blocks come in order: one walk along the
  // layout finds them. Each is a cache miss in a large population: the shard's
  // own are listed first, fetched as they are, and adopted after.
  if (st.exposures) {
    st.exposed.clear();
    std::uint32_t block = 0;
    for (std::uint64_t user : *st.exposures) {
      block = st.layout.block_of(user, block);
      if (auto* b = st.held(block)) {
        const auto node = static_cast<std::uint32_t>(user - st.layout.blocks[block].first_user);
        b->prefetch_exposed(node);
        st.exposed.emplace_back(b, node);
      }
    }
    for (const auto& [b, node] : st.exposed) b->expose(node);
  }
  std::vector<std::vector<sim::request>>& per_pool = st.per_pool;
  // What the other shards need from this one, for the host of pool 0 to relay,
  // summed while each block is in cache.
  shard_report report;
  const double h = st.hazard->value();
  const std::size_t n = st.blocks.size();
  // With thousands of blocks, a block is cold by the time its turn comes,
  // and so is what it points to. Fetch it in stages, each once the one
  // before has arrived: the lines that say whether it has anything to do,
  // then (if it has) the object, its arrays, its sessions, their users.
  // Stages are three blocks apart: a busy block at full scale takes longer
  // than a memory access, a quiet one far less. Whether a block is busy is
  // asked once, when its first lines are in.
  std::array<bool, 16> busy{};
  const auto ask = [&](std::size_t k) {
    if (k < n) busy[k % busy.size()] = !st.blocks[k].quiet(t0, t1, h);
  };
  const auto prefetch_ahead = [&](std::size_t i) {
    if (i + 16 < n) st.blocks[i + 16].prefetch_head();
    ask(i + 12);
    const auto ahead = [&](std::size_t k) { return i + k < n && busy[(i + k) % busy.size()]; };
    if (ahead(12)) st.blocks[i + 12].prefetch();
    if (ahead(9)) st.blocks[i + 9].prefetch_arrays();
    if (ahead(6)) st.blocks[i + 6].prefetch_sessions(t1);
    if (ahead(3)) st.blocks[i + 3].prefetch_users(t1);
  };
  if (st.staged_prefetch) {
    for (std::size_t k = 0; k < 12; ++k) ask(k);
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (st.staged_prefetch) prefetch_ahead(i);
    sim::population_block& b = st.blocks[i];
    if (b.step(t0, t1, h, per_pool)) b.take_exposures(report.exposures);
    report.satisfaction += b.satisfaction_sum();
    report.requests_sent += b.requests_sent();
  }
  // One shard decides on a stop, so that every shard stops after the same window.
  report.stop = st.index == 0 && st.options->stop && st.options->stop->load();
  std::optional<arrivals_msg> local;
  for (std::size_t host = 0; host < st.hosts; ++host) {
    arrivals_msg m{
        st.window, st.index, std::move(st.spare[host]), {}, std::move(st.outcome_spare[host])};
    for (std::size_t h = 0; h < m.requests.size(); ++h) {
      // Hosts merge the shards' batches, so each must be in the total order.
      // The blocks sent in order, so the ids increase in the order sent.
      auto& batch = per_pool[pool_at(host, h, static_cast<std::size_t>(st.shards_n))];
      st.sorter.sort(batch);
      m.requests[h].swap(batch);
    }
    if (host == 0) m.report = std::move(report);
    if (host == static_cast<std::size_t>(st.index)) {
      local = std::move(m);
    } else {
      self->send(st.shards[host], std::move(m));
    }
  }
  report_interval(self, t0, t1);
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
  host.serve(*st.scenario, m.window, st.pool_rows);
  for (auto& row : st.pool_rows) self->send(st.sink, std::move(row));
  std::shared_ptr<const window_summary> summary;
  if (st.index == 0) summary = host.summarize();
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
  for (const sim::outcome& o : m.outcomes) {
    if (auto* b = st.held(o.block)) b->receive(o);
  }
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
  if (reached % st.report_interval != 0 && reached < st.scenario->horizon) {
    report_interval(self, reached - 1, reached, true);
  }
  sim::population_final f;
  for (const auto& b : st.blocks) {
    f.users += b.size();
    f.requests_sent += b.requests_sent();
    f.memory_bytes += b.memory_bytes();
    f.shares += b.shares();
    f.adopted_by_share += b.adopted_by_share();
    if (f.daily_active.size() < b.daily_active().size()) {
      f.daily_active.resize(b.daily_active().size());
    }
    for (std::size_t d = 0; d < b.daily_active().size(); ++d) {
      f.daily_active[d] += b.daily_active()[d];
    }
    f.rate_limited.resize(b.edge_totals().rate_limited.size(), 0);
    f.retried.resize(b.edge_totals().retried.size(), 0);
    for (std::size_t e = 0; e < f.rate_limited.size(); ++e) {
      f.rate_limited[e] += b.edge_totals().rate_limited[e];
      f.retried[e] += b.edge_totals().retried[e];
    }
  }
  self->send(st.sink, std::move(f));
  // A stop inside a reporting interval: its figures up to `reached`, so that
  // the last row of the series is the state reached, not an empty one.
  for (auto& model : st.host->models) {
    if (auto row = model->close_partial_interval(reached)) self->send(st.sink, std::move(*row));
    self->send(st.sink, model->finish(reached));
  }
  self->send(st.coordinator,
             shard_done_msg{st.index, reached, st.summary ? st.summary->requests_sent : 0});
  self->quit();
}

/// Every host answered: advance the hazard from the relayed sums and go on.
void window_done(shard_self self) {
  auto& st = self->state;
  const window_summary& sum = *st.summary;
  // F is the adopters' pull at the end of this window, each adopter weighted by
  // satisfaction; summed as integers, so it does not depend on the shards.
  const double pull =
      static_cast<double>(sum.satisfaction) / sim::population_block::full_satisfaction;
  const auto users = static_cast<double>(st.layout.users);
  const double share = users > 0 ? pull / users : 0;
  const auto [t0, t1] = window_bounds(*st.scenario, st.window);
  st.hazard->advance(share, sim::to_seconds(t1 - t0), sim::imitation_boost(*st.scenario, t0));
  st.exposures = sum.exposures;
  ++st.window;
  if (st.index == 0 && st.options->on_progress) {
    const auto now = clock_type::now();
    if (std::chrono::duration<double>(now - st.last_progress).count() >=
        st.options->progress_every_seconds) {
      st.last_progress = now;
      self->send(st.coordinator, progress_msg{t1, sum.requests_sent});
    }
  }
  if (st.window >= st.windows || sum.stop) {
    finish(self, t1);
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
  st.report_interval = s->report_interval;
  st.windows = (s->horizon + s->tick - 1) / s->tick;
  st.hazard = std::make_unique<sim::bass_hazard>(s->adoption.innovation, s->adoption.imitation);
  st.layout = sim::block_layout::of(*s);
  st.staged_prefetch = st.layout.count() >= shard_state::staged_prefetch_from_blocks;
  st.last_progress = clock_type::now();
  for (std::uint32_t b = static_cast<std::uint32_t>(index); b < st.layout.count();
       b += static_cast<std::uint32_t>(shards)) {
    st.blocks.emplace_back(*s, st.layout, b);
  }
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

sim::run_result run(const sim::scenario& s, const run_options& options) {
  // By default, the CPUs free now (free_cores.hpp): a worker beside another
  // busy program holds up every other worker each window.
  const int threads = options.threads > 0 ? options.threads : measure_machine().threads;
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
