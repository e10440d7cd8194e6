#include "actors/engine.hpp"

#include <algorithm>
#include <caf/all.hpp>
#include <chrono>
#include <cmath>
#include <map>
#include <thread>

#include "actors/messages.hpp"
#include "sim/adoption.hpp"
#include "sim/pool.hpp"
#include "sim/population.hpp"

namespace stampede::actors {

namespace {

using clock_type = std::chrono::steady_clock;

// ---------------------------------------------------------------- population shard

/// A shard holds blocks shard, shard + shards, shard + 2·shards, ... of the population.
struct shard_state {
  std::vector<sim::population_block> blocks;
  std::vector<caf::actor> pools;
  caf::actor coordinator;
  caf::actor sink;
  int index = 0;
  int shards = 1;
  std::int64_t window = -1;
  /// Outcome batches received for the current window (one per pool).
  std::size_t outcome_batches = 0;
  sim::vtime report_interval = 0;
  std::uint64_t sessions_started_reported = 0;
  const sim::scenario* scenario = nullptr;
  sim::block_layout layout;
};

caf::behavior shard_actor(caf::stateful_actor<shard_state>* self, const sim::scenario* s, int index,
                          int shards, caf::actor coordinator, caf::actor sink) {
  auto& st = self->state;
  st.scenario = s;
  st.index = index;
  st.shards = shards;
  st.coordinator = coordinator;
  st.sink = sink;
  st.report_interval = s->report_interval;
  st.layout = sim::block_layout::of(*s);
  for (std::uint32_t b = static_cast<std::uint32_t>(index); b < st.layout.count();
       b += static_cast<std::uint32_t>(shards)) {
    st.blocks.emplace_back(*s, st.layout, b);
  }

  auto report_window = [self] {
    auto& st = self->state;
    window_done_msg done{st.window, st.index, 0, 0, 0, {}};
    for (const auto& b : st.blocks) {
      done.adopted += b.adopted();
      done.satisfaction += b.satisfaction_sum();
      done.requests_sent += b.requests_sent();
    }
    for (auto& b : st.blocks) b.take_exposures(done.exposures);
    self->send(st.coordinator, std::move(done));
  };

  return {
      [self](std::vector<caf::actor> pools) { self->state.pools = std::move(pools); },
      [self, report_window](window_msg& m) {
        auto& st = self->state;
        st.window = m.window;
        st.outcome_batches = 0;
        // Cascade: the users this shard holds who saw a share in the last window
        // adopt first, in the global order the coordinator sorted them in.
        if (m.exposures) {
          const auto shards_n = static_cast<std::uint32_t>(st.shards);
          for (std::uint64_t user : *m.exposures) {
            const std::uint32_t block = st.layout.block_of(user);
            if (block % shards_n != static_cast<std::uint32_t>(st.index)) continue;
            st.blocks[block / shards_n].expose(
                static_cast<std::uint32_t>(user - st.layout.blocks[block].first_user));
          }
        }
        std::vector<std::vector<sim::request>> per_pool(st.pools.size());
        for (auto& b : st.blocks) b.step(m.t0, m.t1, m.hazard, per_pool);
        for (std::size_t p = 0; p < st.pools.size(); ++p) {
          // Pools merge the shards' batches, so each must be in the total order.
          std::sort(per_pool[p].begin(), per_pool[p].end(), sim::by_arrival{});
          self->send(st.pools[p], arrivals_msg{m.window, st.index, std::move(per_pool[p])});
        }
        // The interval that this window closes, if any: report the population.
        const sim::vtime interval_end =
            std::min(st.scenario->horizon, (m.t0 / st.report_interval + 1) * st.report_interval);
        if (m.t1 >= interval_end) {
          sim::population_interval row;
          row.interval = static_cast<int>(m.t0 / st.report_interval);
          row.active_by_tier.assign(st.scenario->tiers.size(), 0);
          sim::edge_counts edge{std::vector<std::uint64_t>(st.scenario->endpoints.size(), 0),
                                std::vector<std::uint64_t>(st.scenario->endpoints.size(), 0)};
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
          row.sessions_started = started - st.sessions_started_reported;
          st.sessions_started_reported = started;
          self->send(st.sink, std::move(row));
        }
      },
      [self, report_window](outcomes_msg& m) {
        auto& st = self->state;
        for (const sim::outcome& o : m.outcomes) {
          st.blocks[o.block / static_cast<std::uint32_t>(st.shards)].receive(o);
        }
        if (++st.outcome_batches == st.pools.size()) report_window();
      },
      [self](finish_msg) {
        auto& st = self->state;
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
        self->quit();
      },
  };
}

// ---------------------------------------------------------------- pool

struct pool_state {
  std::unique_ptr<sim::pool_model> model;
  std::vector<caf::actor> shards;
  caf::actor sink;
  int index = 0;
  /// Arrival batches of the current window, by shard.
  std::vector<std::vector<sim::request>> pending;
  std::size_t received = 0;
  std::int64_t window = -1;
  sim::vtime tick = 0;
  sim::vtime horizon = 0;
};

caf::behavior pool_actor(caf::stateful_actor<pool_state>* self, const sim::scenario* s, int index,
                         caf::actor sink) {
  auto& st = self->state;
  st.model = std::make_unique<sim::pool_model>(*s, index);
  st.sink = sink;
  st.index = index;
  st.tick = s->tick;
  st.horizon = s->horizon;
  return {
      [self](std::vector<caf::actor> shards) {
        self->state.shards = std::move(shards);
        self->state.pending.resize(self->state.shards.size());
      },
      [self](arrivals_msg& m) {
        auto& st = self->state;
        st.window = m.window;
        st.pending[static_cast<std::size_t>(m.shard)] = std::move(m.requests);
        if (++st.received < st.shards.size()) return;
        st.received = 0;
        // Merge the shards' sorted batches into the total order (time, id).
        std::vector<sim::request> all;
        for (auto& batch : st.pending) {
          const auto middle = static_cast<std::ptrdiff_t>(all.size());
          all.insert(all.end(), batch.begin(), batch.end());
          std::inplace_merge(all.begin(), all.begin() + middle, all.end(), sim::by_arrival{});
          batch.clear();
        }
        std::vector<sim::outcome> outcomes;
        outcomes.reserve(all.size());
        const sim::vtime t0 = m.window * st.tick;
        const sim::vtime t1 = std::min(st.horizon, t0 + st.tick);
        auto row = st.model->serve_window(t0, t1, all, outcomes);
        std::vector<std::vector<sim::outcome>> per_shard(st.shards.size());
        for (const sim::outcome& o : outcomes) {
          per_shard[o.block % st.shards.size()].push_back(o);
        }
        for (std::size_t k = 0; k < st.shards.size(); ++k) {
          self->send(st.shards[k], outcomes_msg{m.window, st.index, std::move(per_shard[k])});
        }
        if (row) self->send(st.sink, std::move(*row));
      },
      [self](finish_msg) {
        self->send(self->state.sink, self->state.model->finish());
        self->quit();
      },
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
  std::vector<caf::actor> pools;
  caf::actor sink;
  const sim::scenario* scenario = nullptr;
  const run_options* options = nullptr;
  std::unique_ptr<sim::bass_hazard> hazard;
  std::int64_t window = 0;
  std::int64_t windows = 0;
  std::size_t done = 0;
  std::uint64_t adopted = 0;
  std::uint64_t satisfaction = 0;
  std::uint64_t requests = 0;
  /// Cascade: the adoptions gathered from the shards for the next window.
  std::vector<std::uint64_t> exposures;
  std::shared_ptr<const std::vector<std::uint64_t>> next_exposures;
  double simulated_users = 0;
  clock_type::time_point started;
  clock_type::time_point last_progress;
};

/// Advances virtual time one window at a time: a window starts when every
/// shard has heard back from every pool about the previous one.
caf::behavior coordinator_actor(caf::stateful_actor<coordinator_state>* self,
                                const sim::scenario* s, const run_options* options) {
  auto& st = self->state;
  st.scenario = s;
  st.options = options;
  st.hazard = std::make_unique<sim::bass_hazard>(s->adoption.innovation, s->adoption.imitation);
  st.windows = (s->horizon + s->tick - 1) / s->tick;
  st.simulated_users = static_cast<double>(sim::block_layout::of(*s).users);

  auto start_window = [self] {
    auto& st = self->state;
    const sim::vtime t0 = st.window * st.scenario->tick;
    const sim::vtime t1 = std::min(st.scenario->horizon, t0 + st.scenario->tick);
    st.done = 0;
    for (auto& shard : st.shards) {
      self->send(shard, window_msg{st.window, t0, t1, st.hazard->value(), st.next_exposures});
    }
  };
  auto finish = [self] {
    auto& st = self->state;
    for (auto& a : st.shards) self->send(a, finish_msg{});
    for (auto& a : st.pools) self->send(a, finish_msg{});
    self->send(st.sink, build_msg{static_cast<int>(st.shards.size() + st.pools.size()),
                                  std::min(st.scenario->horizon, st.window * st.scenario->tick)});
    self->quit();
  };
  auto report_progress = [self](bool force) {
    auto& st = self->state;
    if (!st.options->on_progress) return;
    const auto now = clock_type::now();
    const double since = std::chrono::duration<double>(now - st.last_progress).count();
    if (!force && since < st.options->progress_every_seconds) return;
    st.last_progress = now;
    progress p;
    p.virtual_seconds =
        sim::to_seconds(std::min(st.scenario->horizon, st.window * st.scenario->tick));
    p.horizon_seconds = sim::to_seconds(st.scenario->horizon);
    p.requests = st.requests;
    p.wall_seconds = std::chrono::duration<double>(now - st.started).count();
    st.options->on_progress(p);
  };

  return {
      [self, start_window](std::vector<caf::actor> shards, std::vector<caf::actor> pools,
                           caf::actor sink) {
        auto& st = self->state;
        st.shards = std::move(shards);
        st.pools = std::move(pools);
        st.sink = std::move(sink);
        st.started = st.last_progress = clock_type::now();
        start_window();
      },
      [self, start_window, finish, report_progress](window_done_msg& m) {
        auto& st = self->state;
        if (m.window != st.window) return;
        if (st.done == 0) {
          st.adopted = 0;
          st.satisfaction = 0;
          st.requests = 0;
        }
        st.adopted += m.adopted;
        st.satisfaction += m.satisfaction;
        st.requests += m.requests_sent;
        st.exposures.insert(st.exposures.end(), m.exposures.begin(), m.exposures.end());
        if (++st.done < st.shards.size()) return;
        // Sorted, the exposures are in an order that does not depend on which
        // shard reported first.
        std::sort(st.exposures.begin(), st.exposures.end());
        st.exposures.erase(std::unique(st.exposures.begin(), st.exposures.end()),
                           st.exposures.end());
        st.next_exposures =
            st.exposures.empty()
                ? nullptr
                : std::make_shared<const std::vector<std::uint64_t>>(std::move(st.exposures));
        st.exposures.clear();
        // Every shard reported: F is the adopters' pull at the end of this window,
        // each adopter weighted by satisfaction. Summed as integers, so the sum
        // does not depend on how blocks are spread over shards.
        const double pull =
            static_cast<double>(st.satisfaction) / sim::population_block::full_satisfaction;
        const double share = st.simulated_users > 0 ? pull / st.simulated_users : 0;
        const sim::vtime t0 = st.window * st.scenario->tick;
        const sim::vtime t1 = std::min(st.scenario->horizon, t0 + st.scenario->tick);
        st.hazard->advance(share, sim::to_seconds(t1 - t0), sim::imitation_boost(*st.scenario, t0));
        ++st.window;
        report_progress(false);
        const bool stopped = st.options->stop && st.options->stop->load();
        if (st.window >= st.windows || stopped) {
          report_progress(true);
          finish();
        } else {
          start_window();
        }
      },
  };
}

}  // namespace

sim::run_result run(const sim::scenario& s, const run_options& options) {
  const int threads = options.threads > 0
                          ? options.threads
                          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", static_cast<size_t>(threads));
  // A window is a few microseconds to a few milliseconds of work, split over
  // shards and pools that hand it to each other several times per window. With
  // CAF's default work stealing an idle worker soon sleeps 50 us between polls,
  // longer than a window, so the second thread never got work in time (2 threads
  // ran slower than 1). With no more workers than cores, idle workers poll and
  // steal on every attempt instead, for as long as the run lasts: the hand-over
  // costs a cache miss, not a wake-up (quickstart: 10.3 s on 1 thread, 14.5 s on
  // 2 before, 7.7 s on 2 after; bench/README.md). With more workers than cores
  // spinning would steal the CPU from the worker that has the work: keep CAF's.
  if (threads > 1 && threads <= static_cast<int>(std::thread::hardware_concurrency())) {
    cfg.set("work-stealing.aggressive-poll-attempts", size_t{1} << 40);
    cfg.set("work-stealing.aggressive-steal-interval", size_t{1});
  }
  caf::actor_system system{cfg};
  caf::scoped_actor client{system};

  const auto started = clock_type::now();
  auto sink = system.spawn(sink_actor, &s, caf::actor_cast<caf::actor>(client));
  auto coordinator = system.spawn(coordinator_actor, &s, &options);
  std::vector<caf::actor> pools;
  for (int p = 0; p < static_cast<int>(s.pools.size()); ++p) {
    pools.push_back(system.spawn(pool_actor, &s, p, sink));
  }
  // One shard per thread: the shard count is free to vary because blocks, not
  // shards, own the random streams.
  const sim::block_layout layout = sim::block_layout::of(s);
  const int shards_n = std::max(1, std::min<int>(threads, static_cast<int>(layout.count())));
  std::vector<caf::actor> shards;
  for (int k = 0; k < shards_n; ++k) {
    shards.push_back(system.spawn(shard_actor, &s, k, shards_n, coordinator, sink));
  }
  for (auto& p : pools) client->send(p, shards);
  for (auto& k : shards) client->send(k, pools);

  std::shared_ptr<sim::run_result> result;
  std::string failure;
  for (auto& a : shards) client->monitor(a);
  for (auto& a : pools) client->monitor(a);
  client->monitor(sink);
  client->monitor(coordinator);
  client->send(coordinator, shards, pools, sink);
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
    for (auto& a : pools) client->send_exit(a, caf::exit_reason::kill);
    client->send_exit(sink, caf::exit_reason::kill);
    client->send_exit(coordinator, caf::exit_reason::kill);
    throw run_error("the simulation failed: " + failure);
  }
  result->threads = threads;
  result->wall_seconds = std::chrono::duration<double>(clock_type::now() - started).count();
  return std::move(*result);
}

}  // namespace stampede::actors
