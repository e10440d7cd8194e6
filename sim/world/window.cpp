#include "sim/world/window.hpp"

#include <algorithm>
#include <limits>

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
      share_per_satisfaction_(
          users > 0 ? 1.0 / (static_cast<double>(population_block::full_satisfaction) *
                             static_cast<double>(users))
                    : 0.0),
      hazard_(s.adoption.innovation, s.adoption.imitation) {}

void adoption_clock::close(const window& w, const window_summary& summary) {
  // Summed as integers, so F does not depend on how the population is sliced;
  // one multiplication, as it runs every window.
  const double share = static_cast<double>(summary.satisfaction) * share_per_satisfaction_;
  hazard_.advance(w.t0, w.t1, share, imitation_boost(*s_, w.t0));
}

vtime adoption_clock::boost_steady_until(vtime t0) const {
  // The boost changes only where an imitation_boost event starts or ends.
  vtime until = std::numeric_limits<vtime>::max();
  for (const event_spec& e : s_->events) {
    if (e.what != event_spec::kind::imitation_boost) continue;
    if (e.at > t0) until = std::min(until, e.at);
    if (e.duration > 0 && e.at + e.duration > t0) until = std::min(until, e.at + e.duration);
  }
  return until;
}

}  // namespace stampede::sim
