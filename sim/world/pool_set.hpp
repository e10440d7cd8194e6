#pragma once
// A set of pools: pools first, first + stride, ... The seam a runner spreads
// the platform along. In a window each pool serves its arrivals from every
// population slice, merged into one total order (time, id).
#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "sim/base/request.hpp"
#include "sim/observe/intervals.hpp"
#include "sim/platform/pool.hpp"
#include "sim/world/window.hpp"

namespace stampede::sim {

class pool_set {
 public:
  pool_set(const scenario& s, std::size_t first = 0, std::size_t stride = 1);

  /// Pools in the set, and the scenario index of the `slot`-th.
  std::size_t size() const { return models_.size(); }
  std::size_t pool_at(std::size_t slot) const { return first_ + slot * stride_; }

  /// Serves window `w` of the pool in `slot`: `arrivals` in (time, id) order;
  /// their outcomes are appended to `outcomes`, the figures of an interval the
  /// window closes to `rows`.
  void serve(const window& w, std::size_t slot, std::span<const request> arrivals,
             std::vector<outcome>& outcomes, std::vector<pool_interval>& rows);
  /// The pools change nothing on their own before this time (the earliest of
  /// pool_model::idle_until); `t` is the end of the last window served.
  vtime idle_until(vtime t);
  /// Every pool ends `windows` idle windows, the last ending at `t1`.
  void skip_idle(vtime t1, std::int64_t windows);
  /// The run ended at `reached`: the figures of an interval it stopped inside
  /// go to `rows`, every pool's final figures to `finals`.
  void finish(vtime reached, std::vector<pool_interval>& rows, std::vector<pool_final>& finals);

 private:
  std::size_t first_;
  std::size_t stride_;
  std::vector<std::unique_ptr<pool_model>> models_;
};

/// Merges `batch` (sorted) into `merged` (sorted), in (time, id) order;
/// `scratch` is a buffer kept between calls.
void merge_arrivals(std::vector<request>& merged, const std::vector<request>& batch,
                    std::vector<request>& scratch);

}  // namespace stampede::sim
