#include "actors/worker/loadtest.hpp"

#include <caf/all.hpp>
#include <chrono>

#include "sim/population/population.hpp"
#include "sim/scenario/wall_clock.hpp"

namespace stampede::actors {

sim::run_result run_loadtest_on_workers(const remote_options& r, std::string_view yaml,
                                        const std::string& file,
                                        const std::vector<std::string>& overrides,
                                        const sim::scenario& s, const loadtest_options& o) {
  worker_group group(r, make_hello(r.version, file, yaml, overrides));
  auto& self = group.self();
  const auto shares = static_cast<std::uint32_t>(group.links().size());
  // A block's users stay on one generator, so that their sessions stay whole.
  const std::size_t blocks =
      sim::block_layout::of(sim::wall_clock_model(s, sim::wall_clock_role::generator)).count();
  if (blocks < shares && r.on_event) {
    r.on_event("the generator's population is " + std::to_string(blocks) +
               " blocks of users: only " + std::to_string(blocks) + " of the " +
               std::to_string(shares) + " workers send");
  }
  loadtest_task task;
  task.target = o.target.text();
  task.duration_s = o.duration_s;
  task.interval_s = o.interval_s;
  task.threads = o.threads;
  for (const auto& [name, value] : o.env) {
    task.env_names.push_back(name);
    task.env_values.push_back(value);
  }
  task.shares = shares;
  for (std::uint32_t k = 0; k < shares; ++k) {
    task.share = k;
    self->send(group.links()[k].actor, task);
  }

  std::vector<caf::actor> runners;
  std::vector<std::optional<loadtest_part>> parts(shares);
  // A share has answered with its part, or is gone (lost, or failed).
  std::vector<bool> gone(shares, false);
  const auto answered = [&](std::size_t k) { return parts[k].has_value() || gone[k]; };
  std::string failure;
  const auto give_up = [&](std::size_t k, std::string why) {
    if (failure.empty()) failure = std::move(why);
    gone[k] = true;
  };
  bool stopping = false;
  const auto stop_all = [&] {
    if (stopping) return;
    stopping = true;
    for (const auto& link : group.links()) self->send(link.actor, stop_task{});
  };
  const auto lost = [&](const caf::down_msg& d) {
    const auto* link = group.find(d.source);
    if (link == nullptr) return;
    const auto k = static_cast<std::size_t>(link - group.links().data());
    if (!answered(k)) give_up(k, "worker " + link->where.text() + " was lost during the load test");
  };
  const auto finished = [&](loadtest_done& d) {
    if (answered(d.share)) return;
    if (!d.error.empty()) {
      give_up(d.share, "worker " + group.links().at(d.share).where.text() + ": " + d.error);
    } else {
      parts[d.share] = std::move(d.part);
    }
  };
  // The barrier: every generator is set up before any clock starts.
  while (failure.empty() && runners.size() < shares) {
    self->receive([&](loadtest_ready& m) { runners.push_back(std::move(m.runner)); },
                  [&](loadtest_done& d) { finished(d); }, [&](caf::down_msg& d) { lost(d); });
  }
  if (!failure.empty()) {
    stop_all();
    throw worker_lost(failure);
  }
  for (const auto& runner : runners) self->send(runner, loadtest_go{});
  // No message during the test but a stop; then every part. A worker lost
  // meanwhile stops the others: their parts are what the target really saw,
  // and the report keeps them, saying whose share is missing.
  const auto all_answered = [&] {
    for (std::size_t k = 0; k < shares; ++k) {
      if (!answered(k)) return false;
    }
    return true;
  };
  while (!all_answered()) {
    self->receive([&](loadtest_done& d) { finished(d); },
                  [&](caf::down_msg& d) {
                    lost(d);
                    stop_all();
                  },
                  caf::after(std::chrono::milliseconds(100)) >>
                      [&] {
                        if (!failure.empty() || (o.stop != nullptr && o.stop->load())) stop_all();
                      });
  }
  std::vector<loadtest_part> kept;
  std::string missing;
  for (std::uint32_t k = 0; k < shares; ++k) {
    if (parts[k]) {
      kept.push_back(std::move(*parts[k]));
    } else {
      missing += (missing.empty() ? "" : ", ") + std::to_string(k);
    }
  }
  if (kept.empty()) throw worker_lost(failure);
  sim::run_result merged = merge_loadtest(s, o, std::move(kept));
  if (!failure.empty()) {
    merged.loadtest->interrupted = true;
    merged.stop_reason = failure + "; the report holds the other workers' shares (missing: share " +
                         missing + " of " + std::to_string(shares) + ")";
  }
  return merged;
}

}  // namespace stampede::actors
