#include "sim/population/adoption.hpp"

#include "sim/scenario/scenario.hpp"

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

adoption_block::adoption_block(std::uint32_t size, std::uint32_t initial, rng_stream rng,
                               bool track_users)
    : size_(size), adopted_(initial < size ? initial : size), rng_(rng) {
  if (track_users) {
    node_.resize(size);
    slot_.resize(size);
    for (std::uint32_t i = 0; i < size; ++i) {
      node_[i] = static_cast<std::uint16_t>(i);
      slot_[i] = static_cast<std::uint16_t>(i);
    }
  }
  draw_next_threshold(0);
}

void adoption_block::draw_next_threshold(double from) {
  const std::uint32_t remaining = size_ - adopted_;
  if (remaining == 0) {
    next_threshold_ = std::numeric_limits<double>::infinity();
    return;
  }
  // The gap to the next order statistic of `remaining` Exp(1) thresholds is
  // Exp(1) / remaining (Rényi, 1953); thresholds are memoryless, so those not
  // passed at `from` are `from` + Exp(1) again.
  next_threshold_ = from + -std::log(rng_.uniform()) / remaining;
}

std::uint32_t adoption_block::adopt_up_to(double h) {
  std::uint32_t now = 0;
  // Bounded by the block even when h is +inf (every threshold passed).
  while (adopted_ < size_ && next_threshold_ <= h) {
    ++adopted_;
    ++now;
    draw_next_threshold(next_threshold_);
  }
  h_ = h;
  return now;
}

bool adoption_block::adopt_node(std::uint32_t node) {
  const std::uint32_t slot = slot_[node];
  if (slot < adopted_) return false;
  // Swap the node into the first slot not adopted; both users in the swap have
  // not adopted, so no per-user state moves with them.
  const std::uint32_t other = node_[adopted_];
  node_[adopted_] = static_cast<std::uint16_t>(node);
  slot_[node] = static_cast<std::uint16_t>(adopted_);
  node_[slot] = static_cast<std::uint16_t>(other);
  slot_[other] = static_cast<std::uint16_t>(slot);
  ++adopted_;
  // One user fewer to cross a threshold: the next crossing among the rest is
  // drawn again from the hazard reached (exact, by memorylessness: the user
  // taken out was chosen without looking at thresholds).
  draw_next_threshold(h_);
  return true;
}

}  // namespace stampede::sim
