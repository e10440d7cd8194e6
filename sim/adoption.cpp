#include "sim/adoption.hpp"

#include "sim/scenario.hpp"

#include <cmath>
#include <limits>

namespace stampede::sim {

double imitation_boost(const scenario& s, vtime t) {
  double factor = 1;
  for (const event_spec& e : s.events) {
    if (e.what != event_spec::kind::imitation_boost || e.at > t) continue;
    if (e.duration == 0 || t < e.at + e.duration) factor *= e.factor;
  }
  return factor;
}

double bass_share(double p, double q, double t) {
  const double e = std::exp(-(p + q) * t);
  return (1 - e) / (1 + (q / p) * e);
}

adoption_block::adoption_block(std::uint32_t size, std::uint32_t initial, rng_stream rng)
    : size_(size), adopted_(initial < size ? initial : size), rng_(rng) {
  draw_next_threshold();
}

void adoption_block::draw_next_threshold() {
  const std::uint32_t remaining = size_ - adopted_;
  if (remaining == 0) {
    next_threshold_ = std::numeric_limits<double>::infinity();
    return;
  }
  // The gap to the next order statistic of `remaining` Exp(1) thresholds is
  // Exp(1) / remaining (Rényi, 1953).
  next_threshold_ += -std::log(rng_.uniform()) / remaining;
}

std::uint32_t adoption_block::advance_to(double h) {
  std::uint32_t now = 0;
  while (next_threshold_ <= h) {
    ++adopted_;
    ++now;
    draw_next_threshold();
  }
  return now;
}

}  // namespace stampede::sim
