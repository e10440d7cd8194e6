#include "actors/worker/run.hpp"

#include <caf/all.hpp>
#include <chrono>
#include <optional>

#include "sim/population/population.hpp"
#include "sim/results/result_builder.hpp"
#include "sim/world/pool_set.hpp"

namespace stampede::actors {

namespace {

using clock_type = std::chrono::steady_clock;

/// Sends `task(k)` to every worker k still there, then takes their answers
/// (each names its worker: `index`) with `take(k, answer)`; returns the first
/// worker lost meanwhile (its connection dropped), or nothing.
template <class Answer, class MakeTask, class Take>
std::optional<std::size_t> round(worker_group& group, MakeTask&& task, Take&& take) {
  auto& self = group.self();
  std::size_t waiting = 0;
  for (std::size_t k = 0; k < group.links().size(); ++k) {
    if (!group.links()[k].alive) continue;
    self->send(group.links()[k].actor, task(k));
    ++waiting;
  }
  std::optional<std::size_t> lost;
  while (waiting > 0 && !lost) {
    self->receive(
        [&](Answer& a) {
          take(static_cast<std::size_t>(a.index), a);
          --waiting;
        },
        [&](caf::down_msg& d) {
          if (auto* link = group.find(d.source); link != nullptr && link->alive) {
            link->alive = false;
            lost = static_cast<std::size_t>(link - group.links().data());
          }
        });
  }
  return lost;
}

}  // namespace

sim::run_result run_on_workers(const remote_options& r, std::string_view yaml,
                               const std::string& file, const std::vector<std::string>& overrides,
                               const sim::scenario& s, const run_options& options) {
  const auto started = clock_type::now();
  worker_group group(r, make_hello(r.version, file, yaml, overrides));
  const std::size_t workers = group.links().size();
  const auto count = static_cast<std::uint32_t>(workers);
  std::optional<std::size_t> lost;
  const auto setup = [&](std::size_t k) { return run_setup{static_cast<std::uint32_t>(k), count}; };
  lost = round<run_ready>(group, setup, [](std::size_t, run_ready&) {});

  const sim::block_layout layout = sim::block_layout::of(s);
  sim::adoption_clock adoption(s, layout.users);
  sim::window_summer summer;
  sim::result_builder builder(s);
  std::vector<std::vector<sim::outcome>> to_slice(workers);
  std::vector<std::uint64_t> exposures;
  std::vector<std::vector<std::vector<sim::request>>> arrivals(workers);
  std::vector<std::vector<sim::request>> merged(s.pools.size());
  std::vector<sim::request> scratch;
  std::vector<sim::population_interval> population_rows;
  std::vector<sim::pool_interval> pool_rows;
  std::uint64_t requests = 0;
  auto last_progress = started;
  sim::vtime reached = 0;

  const std::int64_t windows = sim::window_count(s);
  for (std::int64_t i = 0; i < windows && !lost; ++i) {
    const sim::window w = sim::window_at(s, i);
    population_rows.clear();
    pool_rows.clear();
    const double hazard = adoption.hazard();
    lost = round<step_done>(
        group,
        [&](std::size_t k) {
          return step_task{i, hazard, std::move(to_slice[k]), exposures};
        },
        [&](std::size_t k, step_done& d) {
          summer.add(d.report);
          arrivals[k] = std::move(d.per_pool);
          for (auto& row : d.rows) population_rows.push_back(std::move(row));
        });
    if (lost) break;
    for (auto& v : to_slice) v.clear();
    // Each pool's batches from every slice, in (time, id) order.
    for (std::size_t p = 0; p < merged.size(); ++p) {
      merged[p].clear();
      for (const auto& batches : arrivals) {
        if (p < batches.size()) sim::merge_arrivals(merged[p], batches[p], scratch);
      }
    }
    lost = round<serve_done>(
        group,
        [&](std::size_t k) {
          serve_task t{i, {}};
          for (std::size_t p = k; p < merged.size(); p += workers) t.arrivals.push_back(merged[p]);
          return t;
        },
        [&](std::size_t, serve_done& d) {
          for (const sim::outcome& o : d.outcomes) to_slice[o.block % workers].push_back(o);
          for (auto& row : d.rows) pool_rows.push_back(std::move(row));
        });
    if (lost) break;
    // The window is complete on every worker: its rows count.
    for (const auto& row : population_rows) builder.add(row);
    for (const auto& row : pool_rows) builder.add(row);
    sim::window_summary summary = summer.take();
    summary.stop = summary.stop || (options.stop != nullptr && options.stop->load());
    adoption.close(w, summary);
    exposures = summary.exposures ? *summary.exposures : std::vector<std::uint64_t>();
    requests += summary.requests_sent;
    reached = w.t1;
    const auto now = clock_type::now();
    if (options.on_progress && std::chrono::duration<double>(now - last_progress).count() >=
                                   options.progress_every_seconds) {
      last_progress = now;
      options.on_progress(progress{sim::to_seconds(reached), sim::to_seconds(s.horizon), requests,
                                   std::chrono::duration<double>(now - started).count()});
    }
    if (summary.stop) break;
  }
  // The figures of every worker still there (all of them unless one was lost).
  const auto also_lost = round<finish_done>(
      group, [&](std::size_t) { return finish_task{reached}; },
      [&](std::size_t, finish_done& d) {
        for (const auto& row : d.population_rows) builder.add(row);
        builder.add(d.population);
        for (const auto& row : d.pool_rows) builder.add(row);
        for (auto& f : d.pools) builder.add(std::move(f));
      });
  if (also_lost && !lost) lost = also_lost;
  sim::run_result out = builder.build(reached);
  if (lost) {
    out.stop_reason = "worker " + group.links()[*lost].where.text() + " was lost at virtual time " +
                      sim::format_duration(reached);
  }
  out.threads = static_cast<int>(workers);
  out.wall_seconds = std::chrono::duration<double>(clock_type::now() - started).count();
  return out;
}

}  // namespace stampede::actors
