#include "actors/worker/project.hpp"

#include <algorithm>
#include <caf/all.hpp>
#include <chrono>
#include <deque>
#include <optional>
#include <set>

#include "sim/scenario/scenario_loader.hpp"

namespace stampede::actors {

sim::ensemble_result run_ensemble_on_workers(const remote_options& r, std::string_view yaml,
                                             const std::string& file,
                                             const std::vector<std::string>& user_overrides,
                                             std::uint64_t members,
                                             const sim::ensemble_options& options) {
  const auto start = std::chrono::steady_clock::now();
  const sim::scenario base = sim::load_scenario_text(yaml, file, user_overrides);
  // As run_ensemble: a draw the scenario refuses is reported before anything runs.
  for (std::uint64_t i = 0; i < members; ++i) {
    sim::load_member(yaml, file, user_overrides, base, sim::draw_member(base, i));
  }

  worker_group group(r, make_hello(r.version, file, yaml, user_overrides));
  auto& self = group.self();
  std::deque<std::uint64_t> pending;
  for (std::uint64_t i = 0; i < members; ++i) pending.push_back(i);
  std::vector<std::set<std::uint64_t>> running(group.links().size());
  std::vector<std::optional<sim::member_result>> results(members);
  std::uint64_t done = 0, requests = 0;
  bool stopping = false;
  std::string failure;

  // Each worker keeps as many members as it has threads: it asks for the next
  // one by finishing one.
  const auto hand_out = [&] {
    for (std::size_t w = 0; w < running.size() && !stopping; ++w) {
      auto& link = group.links()[w];
      while (link.alive && !pending.empty() &&
             running[w].size() < static_cast<std::size_t>(link.threads)) {
        self->send(link.actor, member_task{pending.front()});
        running[w].insert(pending.front());
        pending.pop_front();
      }
    }
  };
  const auto busy = [&] {
    return std::any_of(running.begin(), running.end(), [](const auto& s) { return !s.empty(); });
  };

  hand_out();
  while (failure.empty() && (busy() || (!pending.empty() && !stopping))) {
    if (!group.any_alive()) {
      throw worker_lost("every worker was lost; " + std::to_string(members - done) +
                        " members did not finish");
    }
    self->receive(
        [&](member_done& d) {
          for (auto& s : running) s.erase(d.index);
          if (!d.error.empty()) {
            failure = "member " + std::to_string(d.index) + " failed on a worker: " + d.error;
          } else if (d.finished && d.index < members && !results[d.index]) {
            requests += d.result.simulated_requests;
            results[d.index] = std::move(d.result);
            ++done;
            if (options.on_member) options.on_member(done, requests);
          }
          hand_out();
        },
        [&](caf::down_msg& d) {
          auto* link = group.find(d.source);
          if (link == nullptr || !link->alive) return;
          link->alive = false;
          auto& lost = running[static_cast<std::size_t>(link - group.links().data())];
          // Its members go first to the others, in index order.
          pending.insert(pending.begin(), lost.begin(), lost.end());
          if (r.on_event) {
            r.on_event("worker " + link->where.text() + " lost; its " +
                       std::to_string(lost.size()) + " running members go to the others");
          }
          lost.clear();
          hand_out();
        },
        caf::after(std::chrono::milliseconds(100)) >>
            [&] {
              if (stopping || options.stop == nullptr || !options.stop->load()) return;
              stopping = true;
              for (const auto& link : group.links()) {
                if (link.alive) self->send(link.actor, stop_task{});
              }
            });
  }
  if (!failure.empty()) throw std::runtime_error(failure);

  sim::ensemble_result e = sim::gather_members(std::move(results));
  e.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return e;
}

}  // namespace stampede::actors
