#include "sim/world/pool_set.hpp"

#include <algorithm>
#include <limits>

namespace stampede::sim {

pool_set::pool_set(const scenario& s, std::size_t first, std::size_t stride)
    : first_(first), stride_(stride) {
  for (std::size_t p = first; p < s.pools.size(); p += stride) {
    models_.push_back(std::make_unique<pool_model>(s, static_cast<int>(p)));
  }
}

void pool_set::serve(const window& w, std::size_t slot, std::span<const request> arrivals,
                     std::vector<outcome>& outcomes, std::vector<pool_interval>& rows) {
  if (auto row = models_[slot]->serve_window(w.t0, w.t1, arrivals, outcomes)) {
    rows.push_back(std::move(*row));
  }
}

vtime pool_set::idle_until(vtime t) {
  vtime until = std::numeric_limits<vtime>::max();
  for (auto& model : models_) until = std::min(until, model->idle_until(t));
  return until;
}

void pool_set::skip_idle(vtime t1, std::int64_t windows) {
  for (auto& model : models_) model->skip_idle(t1, windows);
}

void pool_set::finish(vtime reached, std::vector<pool_interval>& rows,
                      std::vector<pool_final>& finals) {
  for (auto& model : models_) {
    if (auto row = model->close_partial_interval(reached)) rows.push_back(std::move(*row));
    finals.push_back(model->finish(reached));
  }
}

void merge_arrivals(std::vector<request>& merged, const std::vector<request>& batch,
                    std::vector<request>& scratch) {
  scratch.resize(merged.size() + batch.size());
  std::merge(merged.begin(), merged.end(), batch.begin(), batch.end(), scratch.begin(),
             by_arrival{});
  merged.swap(scratch);
}

}  // namespace stampede::sim
