#include "sim/world/world.hpp"

#include <algorithm>
#include <limits>

#include "sim/results/result_builder.hpp"
#include "sim/world/pool_set.hpp"
#include "sim/world/population_slice.hpp"

namespace stampede::sim {

namespace {

/// The windows after `w` (whose population was quiet) in which nothing is due:
/// no block has a request, a session start, an adoption or an answer; no pool
/// has a queue movement, a server change, an autoscaler look or an event; no
/// reporting interval closes; the imitation boost stays. Ends them as that
/// many windows would, bit for bit (each part's skip says how), and returns
/// how many. A runner that steps every window gets the same result: the
/// world-against-engine digest tests prove it.
std::int64_t skip_quiet_windows(const scenario& s, const window& w, population_slice& population,
                                pool_set& pools, adoption_clock& adoption,
                                const window_summary& summary) {
  const vtime t0 = w.t1;
  const vtime tick = s.tick;
  // Windows [t0 + j·tick, t0 + (j+1)·tick) that end before `until`.
  const auto ending_before = [&](vtime until) -> std::int64_t {
    return until <= t0 ? 0 : (until - t0 + tick - 1) / tick - 1;
  };
  const vtime interval_end = std::min(s.horizon, (t0 / s.report_interval + 1) * s.report_interval);
  std::int64_t most = ending_before(std::min(interval_end, pools.idle_until(t0)));
  // The boost of every skipped window must be the one of `w`.
  if (const vtime b = adoption.boost_steady_until(w.t0); b != std::numeric_limits<vtime>::max()) {
    most = std::min(most, b <= t0 ? 0 : (b - t0 + tick - 1) / tick);
  }
  if (most <= 0) return 0;
  const std::int64_t n = population.quiet_windows(t0, tick, most, adoption);
  if (n <= 0) return 0;
  const vtime last_t0 = t0 + (n - 1) * tick;
  population.skip_quiet(t0, tick, n, adoption.hazard_at(last_t0));
  pools.skip_idle(last_t0 + tick, n);
  // The pull and the boost are those of `w`: the hazard goes on on its line.
  adoption.close(window{w.index + n, t0, last_t0 + tick}, summary);
  return n;
}

}  // namespace

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
      population.receive(outcomes);
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
    const bool stopping = options.stop && options.stop->load();
    if (report.quiet && !exposures && !stopping) {
      // Nothing is due in the next windows: end them at once (skip_quiet_windows).
      const std::int64_t skipped = skip_quiet_windows(s, w, population, pools, adoption, summary);
      if (skipped > 0) {
        i += skipped;
        reached = window_at(s, i).t1;
        if (options.on_window) options.on_window(reached, summary.requests_sent);
      }
    }
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
