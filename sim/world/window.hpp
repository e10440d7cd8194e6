#pragma once
// The window: the step of virtual time every runner advances in, and its close
// step (the Bass pull, cascade exposures, a stop), which every slice of the
// population applies alike from the same summed integers.
#include <cstdint>
#include <memory>
#include <vector>

#include "sim/base/units.hpp"
#include "sim/population/adoption.hpp"
#include "sim/scenario/scenario.hpp"

namespace stampede::sim {

/// Window `index` of a run: [t0, t1), the last one cut at the horizon.
struct window {
  std::int64_t index = 0;
  vtime t0 = 0;
  vtime t1 = 0;
};

/// The windows of a scenario: ceil(horizon / tick).
std::int64_t window_count(const scenario& s);
/// Window `w` of `s`.
window window_at(const scenario& s, std::int64_t w);

/// What one population slice tells the close step about a window (plain data,
/// so that it can cross a thread or a process).
struct slice_report {
  /// The slice's adopters' summed satisfaction (population_block::satisfaction_sum).
  std::uint64_t satisfaction = 0;
  std::uint64_t requests_sent = 0;
  /// Cascade: users (global indices) who adopt from this slice's shares.
  std::vector<std::uint64_t> exposures;
  /// The run stops after this window (Ctrl-C; decided by one slice alone).
  bool stop = false;
  /// Every block of the slice was quiet (population_block::quiet).
  bool quiet = true;
};

/// What every slice needs of all the others after a window: the reports summed,
/// the exposures sorted and deduplicated, so that the result does not depend on
/// the order the reports came in.
struct window_summary {
  std::uint64_t satisfaction = 0;
  std::uint64_t requests_sent = 0;
  /// Null when nobody was exposed.
  std::shared_ptr<const std::vector<std::uint64_t>> exposures;
  bool stop = false;
};

/// Sums the slices' reports of one window, in any order, into its summary.
class window_summer {
 public:
  void add(slice_report& r);
  /// The summary of the reports added since the last take().
  window_summary take();

 private:
  window_summary sum_;
  std::vector<std::uint64_t> exposures_;
};

/// The cumulative Bass hazard H(t) = ∫(p + q·boost·F)dt, where F is the
/// adopters' pull at the end of each window (each adopter weighted by
/// satisfaction): the one place the window's close advances adoption.
class adoption_clock {
 public:
  /// `users`: simulated users in the whole population (block_layout::users).
  adoption_clock(const scenario& s, std::uint64_t users);
  double hazard() const { return hazard_.value(); }
  /// The hazard at time t ≥ the end of the last window closed, if every window
  /// until then closes with the last one's pull and imitation boost.
  double hazard_at(vtime t) const { return hazard_.at(t); }
  /// The first window start after `t0` at which the imitation boost differs
  /// from the one at t0 (never if it does not change again).
  vtime boost_steady_until(vtime t0) const;
  /// Window `w` closed with `summary`.
  void close(const window& w, const window_summary& summary);

 private:
  const scenario* s_;
  /// The adopted share one unit of summed satisfaction stands for.
  double share_per_satisfaction_;
  bass_hazard hazard_;
};

}  // namespace stampede::sim
