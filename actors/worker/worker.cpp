#include "actors/worker/worker.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <thread>

#include "actors/worker/messages.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "sim/world/pool_set.hpp"
#include "sim/world/population_slice.hpp"

namespace stampede::actors {

namespace {

/// One coordinator's run on this worker: its scenario, loaded once.
struct session {
  std::string id;
  std::string file;
  std::string yaml;
  std::vector<std::string> overrides;
  sim::scenario base;
  /// Set when the coordinator asks to stop or is gone: running work ends at
  /// its next window.
  std::atomic<bool> stop{false};
  /// A simulated run's part here (run_setup): a population slice and a pool set.
  struct run_part {
    std::uint32_t index = 0;
    sim::block_layout layout;
    std::unique_ptr<sim::population_slice> slice;
    std::unique_ptr<sim::pool_set> pools;
    std::vector<std::vector<sim::request>> per_pool;
  };
  std::unique_ptr<run_part> run;
};

struct worker_state {
  std::map<caf::actor_addr, std::shared_ptr<session>> sessions;
  ~worker_state() {
    for (auto& [who, s] : sessions) s->stop.store(true);
  }
};

/// Why `h` may not open a session here, or "".
std::string refusal(const worker_options& o, const hello_msg& h) {
  if (h.version != o.version) {
    return "this worker runs stampede " + o.version + ", the coordinator stampede " + h.version;
  }
  if (scenario_id(h.yaml, h.overrides) != h.scenario_id) {
    return "the scenario of " + h.file + " arrived altered";
  }
  if (!o.pinned_id.empty() && h.scenario_id != o.pinned_id) {
    return "this worker serves only " + o.pinned_file + " (scenario " + o.pinned_id +
           "); the coordinator runs " + h.file + " (scenario " + h.scenario_id + ")";
  }
  return {};
}

/// Runs member `index` of `s` on a thread of its own and sends the result to `to`.
void run_member_task(caf::event_based_actor* self, std::shared_ptr<session> s, std::uint64_t index,
                     caf::actor to) {
  member_done d;
  d.index = index;
  try {
    sim::member_draw draw = sim::draw_member(s->base, index);
    const sim::scenario member = sim::load_member(s->yaml, s->file, s->overrides, s->base, draw);
    if (auto m = sim::run_member(member, std::move(draw), &s->stop)) {
      d.finished = true;
      d.result = std::move(*m);
    }
  } catch (const std::exception& e) {
    d.error = sim::one_line(e.what());
  }
  self->send(to, std::move(d));
}

/// "load-test share 0 of 2: intended I, sent S, 2xx C, failed F, timed out
/// T, in flight N, latencies L": what this worker's part counted (L: samples in
/// its corrected histograms), for its operator.
std::string share_line(const loadtest_task& t, const sim::loadtest_result& lt) {
  std::uint64_t n[7] = {};
  for (const auto& e : lt.endpoints) {
    const std::uint64_t each[7] = {e.intended,  e.sent,      e.completed,        e.failed,
                                   e.timed_out, e.in_flight, e.corrected.count()};
    for (int i = 0; i < 7; ++i) n[i] += each[i];
  }
  const char* names[7] = {"intended",  "sent",      "2xx",      "failed",
                          "timed out", "in flight", "latencies"};
  std::string line =
      "load-test share " + std::to_string(t.share) + " of " + std::to_string(t.shares) + ":";
  for (int i = 0; i < 7; ++i) {
    line += std::string(i ? ", " : " ") + names[i] + " " + std::to_string(n[i]);
  }
  return line;
}

/// Runs share `t.share` of the session's load test on a thread of its own:
/// set up, tell `to` it is ready, wait for the start, run, send the part back.
void run_loadtest_task(caf::blocking_actor* self, std::shared_ptr<session> s, loadtest_task t,
                       caf::actor to, const worker_options* options) {
  loadtest_done d;
  d.share = t.share;
  loadtest_options o;
  try {
    o.target = sim::parse_target_url(t.target);
    o.duration_s = t.duration_s;
    o.interval_s = t.interval_s;
    o.threads = t.threads;
    for (std::size_t i = 0; i < t.env_names.size() && i < t.env_values.size(); ++i) {
      o.env.emplace_back(t.env_names[i], t.env_values[i]);
    }
    o.share = t.share;
    o.shares = t.shares;
    o.stop = &s->stop;
    o.part = &d.part;
    o.on_ready = [&] {
      self->send(to, loadtest_ready{caf::actor_cast<caf::actor>(self), t.share});
      for (bool go = false; !go && !s->stop.load();) {
        self->receive([&](loadtest_go) { go = true; },
                      caf::after(std::chrono::milliseconds(100)) >> [] {});
      }
    };
    const sim::run_result r = run_loadtest(s->base, o);
    if (options->on_event) options->on_event(share_line(t, *r.loadtest));
  } catch (const std::exception& e) {
    d.error = sim::one_line(sim::redact(e.what(), o.env));
  }
  self->send(to, std::move(d));
}

/// The session of the coordinator that sent the current message, or nullptr.
session* session_of(caf::stateful_actor<worker_state>* self) {
  auto it = self->state.sessions.find(caf::actor_cast<caf::actor_addr>(self->current_sender()));
  return it == self->state.sessions.end() ? nullptr : it->second.get();
}

/// One window of a run's part: outcomes, exposures, the slice's step.
step_done step_part(session& s, step_task& t) {
  auto& part = *s.run;
  part.slice->receive(t.outcomes);
  if (!t.exposures.empty()) part.slice->expose(t.exposures);
  const sim::window w = sim::window_at(s.base, t.window);
  step_done d;
  d.index = part.index;
  for (auto& batch : part.per_pool) batch.clear();
  d.report = part.slice->step(w, t.hazard, part.per_pool);
  d.per_pool = part.per_pool;
  if (auto row = part.slice->interval_row(w.t0, w.t1)) d.rows.push_back(std::move(*row));
  return d;
}

/// One window of the part's pools, each with its merged arrivals.
serve_done serve_part(session& s, const serve_task& t) {
  auto& part = *s.run;
  const sim::window w = sim::window_at(s.base, t.window);
  serve_done d;
  d.index = part.index;
  for (std::size_t slot = 0; slot < part.pools->size() && slot < t.arrivals.size(); ++slot) {
    part.pools->serve(w, slot, t.arrivals[slot], d.outcomes, d.rows);
  }
  return d;
}

/// The part's figures at the end of the run.
finish_done finish_part(session& s, const finish_task& t) {
  auto& part = *s.run;
  finish_done d;
  d.index = part.index;
  if (auto row = part.slice->stopped_row(t.reached)) d.population_rows.push_back(std::move(*row));
  d.population = part.slice->final_figures();
  part.pools->finish(t.reached, d.pool_rows, d.pools);
  return d;
}

caf::behavior worker_actor(caf::stateful_actor<worker_state>* self, const worker_options* o) {
  self->set_down_handler([=](caf::down_msg& d) {
    auto it = self->state.sessions.find(d.source);
    if (it == self->state.sessions.end()) return;
    it->second->stop.store(true);
    if (o->on_event) o->on_event("coordinator of " + it->second->file + " left");
    self->state.sessions.erase(it);
  });
  return {
      [=](hello_msg& h) -> welcome_msg {
        welcome_msg w;
        const std::string who = "coordinator of " + sim::one_line(h.file) + " (scenario " +
                                sim::one_line(h.scenario_id) + ")";
        w.version = o->version;
        w.threads = o->threads;
        w.why = refusal(*o, h);
        if (w.why.empty()) {
          auto s = std::make_shared<session>();
          try {
            s->base = sim::load_scenario_text(h.yaml, h.file, h.overrides);
          } catch (const std::exception& e) {
            w.why = sim::one_line(e.what());
          }
          if (w.why.empty()) {
            s->id = h.scenario_id;
            s->file = std::move(h.file);
            s->yaml = std::move(h.yaml);
            s->overrides = std::move(h.overrides);
            const auto from = caf::actor_cast<caf::actor_addr>(self->current_sender());
            self->monitor(from);
            self->state.sessions[from] = std::move(s);
          }
        }
        w.accepted = w.why.empty();
        if (o->on_event)
          o->on_event(w.accepted ? who + " joined" : "refused a " + who + ": " + w.why);
        return w;
      },
      [=](const member_task& t) {
        const auto to = caf::actor_cast<caf::actor>(self->current_sender());
        auto it = self->state.sessions.find(caf::actor_cast<caf::actor_addr>(to));
        if (it == self->state.sessions.end()) {
          self->send(to, member_done{t.index, false, "no session: send hello_msg first", {}});
          return;
        }
        // A member takes seconds to hours: it gets a thread of its own, and
        // the coordinator sends no more at once than this worker's threads.
        self->spawn<caf::detached>(run_member_task, it->second, t.index, to);
      },
      [=](loadtest_task& t) {
        const auto to = caf::actor_cast<caf::actor>(self->current_sender());
        auto it = self->state.sessions.find(caf::actor_cast<caf::actor_addr>(to));
        if (it == self->state.sessions.end()) {
          self->send(to, loadtest_done{t.share, "no session: send hello_msg first", {}});
          return;
        }
        self->spawn(run_loadtest_task, it->second, std::move(t), to, o);
      },
      // A run's rounds: each answer goes back as a message of its own (the
      // coordinator waits for every worker's, or a worker's loss).
      [=](const run_setup& m) {
        auto* s = session_of(self);
        if (s == nullptr) return;
        auto part = std::make_unique<session::run_part>();
        part->index = m.index;
        part->layout = sim::block_layout::of(s->base);
        part->slice = std::make_unique<sim::population_slice>(s->base, part->layout, m.index,
                                                              std::max<std::uint32_t>(1, m.count));
        part->pools = std::make_unique<sim::pool_set>(s->base, m.index, m.count);
        part->per_pool.resize(s->base.pools.size());
        s->run = std::move(part);
        self->send(caf::actor_cast<caf::actor>(self->current_sender()), run_ready{m.index});
      },
      [=](step_task& t) {
        auto* s = session_of(self);
        if (s == nullptr || !s->run) return;
        self->send(caf::actor_cast<caf::actor>(self->current_sender()), step_part(*s, t));
      },
      [=](const serve_task& t) {
        auto* s = session_of(self);
        if (s == nullptr || !s->run) return;
        self->send(caf::actor_cast<caf::actor>(self->current_sender()), serve_part(*s, t));
      },
      [=](const finish_task& t) {
        auto* s = session_of(self);
        if (s == nullptr || !s->run) return;
        finish_done d = finish_part(*s, t);
        s->run.reset();
        self->send(caf::actor_cast<caf::actor>(self->current_sender()), std::move(d));
      },
      [=](stop_task) {
        auto it =
            self->state.sessions.find(caf::actor_cast<caf::actor_addr>(self->current_sender()));
        if (it != self->state.sessions.end()) it->second->stop.store(true);
      },
  };
}

}  // namespace

void serve_worker(const worker_options& options) {
  caf::actor_system_config cfg;
  configure_node(cfg, options.tls);
  caf::actor_system system{cfg};
  auto worker = system.spawn(worker_actor, &options);
  auto port = publish_node(system, worker, options.listen, options.tls);
  if (!port) {
    caf::anon_send_exit(worker, caf::exit_reason::kill);
    throw worker_refused("cannot listen on " + options.listen.text() + ": " +
                         system.render(port.error()));
  }
  if (options.on_listening) options.on_listening(endpoint{options.listen.host, *port});
  while (options.stop == nullptr || !options.stop->load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // The state's destructor stops every session's running work.
  caf::anon_send_exit(worker, caf::exit_reason::user_shutdown);
}

}  // namespace stampede::actors
