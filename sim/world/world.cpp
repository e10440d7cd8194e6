#include "sim/world/world.hpp"

#include "sim/results/result_builder.hpp"
#include "sim/world/pool_set.hpp"
#include "sim/world/population_slice.hpp"

namespace stampede::sim {

run_result run_world(const scenario& s, const world_options& options) {
  const block_layout layout = block_layout::of(s);
  population_slice population(s, layout);
  pool_set pools(s);
  adoption_clock adoption(s, layout.users);
  window_summer summer;
  result_builder builder(s);

  std::vector<std::vector<request>> per_pool(s.pools.size());
  std::vector<outcome> outcomes;
  std::vector<pool_interval> rows;
  std::shared_ptr<const std::vector<std::uint64_t>> exposures;
  const std::int64_t windows = window_count(s);
  vtime reached = 0;
  for (std::int64_t i = 0; i < windows; ++i) {
    const window w = window_at(s, i);
    if (exposures) population.expose(*exposures);
    slice_report report = population.step(w, adoption.hazard(), per_pool);
    report.stop = options.stop && options.stop->load();
    summer.add(report);
    if (auto row = population.interval_row(w.t0, w.t1)) builder.add(*row);
    for (std::size_t p = 0; p < pools.size(); ++p) {
      outcomes.clear();
      pools.serve(w, p, per_pool[pools.pool_at(p)], outcomes, rows);
      for (const outcome& o : outcomes) population.receive(o);
    }
    for (auto& batch : per_pool) batch.clear();
    for (const auto& row : rows) builder.add(row);
    rows.clear();
    const window_summary summary = summer.take();
    adoption.close(w, summary);
    exposures = summary.exposures;
    reached = w.t1;
    if (options.on_window) options.on_window(reached, summary.requests_sent);
    if (summary.stop) break;
  }
  if (auto row = population.stopped_row(reached)) builder.add(*row);
  builder.add(population.final_figures());
  std::vector<pool_final> finals;
  pools.finish(reached, rows, finals);
  for (const auto& row : rows) builder.add(row);
  for (auto& f : finals) builder.add(std::move(f));
  run_result r = builder.build(reached);
  r.threads = 1;
  return r;
}

}  // namespace stampede::sim
