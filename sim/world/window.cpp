#include "sim/world/window.hpp"

#include <algorithm>

#include "sim/population/population.hpp"

namespace stampede::sim {

std::int64_t window_count(const scenario& s) {
  return (s.horizon + s.tick - 1) / s.tick;
}

window window_at(const scenario& s, std::int64_t w) {
  const vtime t0 = w * s.tick;
  return {w, t0, std::min(s.horizon, t0 + s.tick)};
}

void window_summer::add(slice_report& r) {
  sum_.satisfaction += r.satisfaction;
  sum_.requests_sent += r.requests_sent;
  sum_.stop = sum_.stop || r.stop;
  exposures_.insert(exposures_.end(), r.exposures.begin(), r.exposures.end());
}

window_summary window_summer::take() {
  std::sort(exposures_.begin(), exposures_.end());
  exposures_.erase(std::unique(exposures_.begin(), exposures_.end()), exposures_.end());
  if (!exposures_.empty()) {
    sum_.exposures = std::make_shared<const std::vector<std::uint64_t>>(std::move(exposures_));
  }
  exposures_.clear();
  window_summary out = std::move(sum_);
  sum_ = window_summary{};
  return out;
}

adoption_clock::adoption_clock(const scenario& s, std::uint64_t users)
    : s_(&s),
      users_(static_cast<double>(users)),
      hazard_(s.adoption.innovation, s.adoption.imitation) {}

void adoption_clock::close(const window& w, const window_summary& summary) {
  // Summed as integers, so F does not depend on how the population is sliced.
  const double pull =
      static_cast<double>(summary.satisfaction) / population_block::full_satisfaction;
  const double share = users_ > 0 ? pull / users_ : 0;
  hazard_.advance(share, to_seconds(w.t1 - w.t0), imitation_boost(*s_, w.t0));
}

}  // namespace stampede::sim
