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
  std::uint32_t done = 0;
  std::string failure;
  bool stopping = false;
  const auto lost = [&](const caf::down_msg& d) {
    const auto* link = group.find(d.source);
    if (link != nullptr)
      failure = "worker " + link->where.text() + " was lost during the load test";
  };
  const auto finished = [&](loadtest_done& d) {
    const auto& where = group.links().at(d.share).where;
    if (!d.error.empty()) {
      failure = "worker " + where.text() + ": " + d.error;
    } else if (!parts[d.share]) {
      parts[d.share] = std::move(d.part);
      ++done;
    }
  };
  // The barrier: every generator is set up before any clock starts.
  while (failure.empty() && runners.size() < shares) {
    self->receive([&](loadtest_ready& m) { runners.push_back(std::move(m.runner)); },
                  [&](loadtest_done& d) { finished(d); }, [&](caf::down_msg& d) { lost(d); });
  }
  for (const auto& runner : runners) self->send(runner, loadtest_go{});
  // No message during the test but a stop; then every part.
  while (failure.empty() && done < shares) {
    self->receive([&](loadtest_done& d) { finished(d); }, [&](caf::down_msg& d) { lost(d); },
                  caf::after(std::chrono::milliseconds(100)) >>
                      [&] {
                        if (stopping || o.stop == nullptr || !o.stop->load()) return;
                        stopping = true;
                        for (const auto& link : group.links()) self->send(link.actor, stop_task{});
                      });
  }
  if (!failure.empty()) {
    // The others stop too: a partial load test is not what was asked for.
    for (const auto& link : group.links()) self->send(link.actor, stop_task{});
    throw worker_lost(failure);
  }
  std::vector<loadtest_part> all;
  for (auto& p : parts) all.push_back(std::move(*p));
  return merge_loadtest(s, o, std::move(all));
}

}  // namespace stampede::actors
