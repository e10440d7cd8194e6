#pragma once
// A slice of the population: blocks first, first + stride, first + 2·stride, ...
// The seam a runner spreads the population along. In a window the slice
// delivers the exposures relayed to it, steps its blocks (their arrivals by
// pool, each batch sorted), reports what the close step needs, and later
// receives the outcomes of its blocks' requests.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "sim/base/request.hpp"
#include "sim/observe/intervals.hpp"
#include "sim/population/population.hpp"
#include "sim/speed/arrival_sort.hpp"
#include "sim/world/window.hpp"

namespace stampede::sim {

class population_slice {
 public:
  population_slice(const scenario& s, const block_layout& layout, std::uint32_t first = 0,
                   std::uint32_t stride = 1);

  /// Cascade: the users among `exposures` (sorted global indices) held here
  /// adopt, in that order, before the next step.
  void expose(const std::vector<std::uint64_t>& exposures);
  /// Steps every block through window `w` at cumulative hazard `h`: its
  /// arrivals are appended to per_pool[pool] and each batch is sorted in the
  /// pools' order (time, id). Returns what the close step needs.
  slice_report step(const window& w, double h, std::vector<std::vector<request>>& per_pool);
  /// How many windows from the one starting at t0 on (at most `most`, each
  /// `tick` long) would be quiet for every block, the hazard following
  /// `adoption` (adoption_clock::hazard_at) throughout.
  std::int64_t quiet_windows(vtime t0, vtime tick, std::int64_t most,
                             const adoption_clock& adoption) const;
  /// Ends the `windows` quiet windows from t0 on that quiet_windows counted,
  /// the last one stepped at hazard `h`, as that many step() calls would.
  void skip_quiet(vtime t0, vtime tick, std::int64_t windows, double h);
  /// What became of a request of a block held here; takes effect at the next step.
  void receive(const outcome& o) { held(o.block)->receive(o); }
  /// The same for many.
  void receive(std::span<const outcome> outcomes);
  /// Whether block `block` (global index) is held here.
  bool holds(std::uint32_t block) const { return block % stride_ == first_; }

  /// The population figures of the reporting interval that window [t0, t1)
  /// closes, if it closes one; with `partial` (the run stops at t1), of the
  /// interval it is in.
  std::optional<population_interval> interval_row(vtime t0, vtime t1, bool partial = false);
  /// The run ended at `reached`: if that is inside a reporting interval (a
  /// stop), that interval's figures up to `reached`, so that the last row of
  /// the series is the state reached, not an empty one.
  std::optional<population_interval> stopped_row(vtime reached);
  /// Adopted users in the slice now.
  std::uint64_t adopted() const;
  /// The slice's figures at the end of the run.
  population_final final_figures() const;

  /// Block `block` (global index), which must be held here.
  const population_block& block(std::uint32_t block) const { return blocks_[block / stride_]; }
  const block_layout& layout() const { return *layout_; }

 private:
  population_block* held(std::uint32_t block) {
    return holds(block) ? &blocks_[block / stride_] : nullptr;
  }
  void step_blocks(const window& w, double h, std::vector<std::vector<request>>& per_pool,
                   slice_report& report);

  const scenario* s_;
  const block_layout* layout_;
  std::uint32_t first_;
  std::uint32_t stride_;
  std::vector<population_block> blocks_;
  arrival_sorter sorter_;
  /// Exposed (block, node) pairs (scratch, kept).
  std::vector<std::pair<population_block*, std::uint32_t>> exposed_;
  std::uint64_t sessions_started_reported_ = 0;
  /// Fetch blocks ahead in stages (sim/speed/block_prefetch.hpp): worth it
  /// only when the population is far larger than the caches.
  bool staged_prefetch_ = false;
};

}  // namespace stampede::sim
