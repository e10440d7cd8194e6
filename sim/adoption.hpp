#pragma once
// Adoption: Bass diffusion as a per-user hazard.
//
// A user who has not adopted adopts in [t, t + dt) with probability
// 1 - exp(-(p + q·F(t))·dt), F the adopted share. Every user has the same hazard,
// so it is the same to give each user a threshold E ~ Exp(1) and let them adopt
// when the cumulative hazard H(t) = ∫ (p + q·F) dt passes it. Within a block the
// thresholds are generated in increasing order (Rényi's representation of
// exponential order statistics), so a window costs one draw per adopter and
// nothing per non-adopter.
#include <cstdint>

#include "sim/rng.hpp"

namespace stampede::sim {

/// The closed form of Bass diffusion with F(0) = 0:
/// F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p)·e^{-(p+q)t}); p, q per second, t in seconds.
double bass_share(double p, double q, double t);

/// The cumulative Bass hazard H(t), advanced by the coordinator once per window
/// from the adopted share at the start of the window (piecewise-constant hazard).
class bass_hazard {
 public:
  bass_hazard(double innovation, double imitation) : p_(innovation), q_(imitation) {}
  /// Advances H over `dt_seconds` with the adopted share `share` in [0, 1].
  void advance(double share, double dt_seconds) { h_ += (p_ + q_ * share) * dt_seconds; }
  double value() const { return h_; }

 private:
  double p_;
  double q_;
  double h_ = 0;
};

/// The adoption state of one block of users: users [0, adopted()) have adopted.
/// Users are exchangeable under Bass, so the i-th user of a block to cross its
/// threshold is simply user i.
class adoption_block {
 public:
  /// `size` users of which `initial` have adopted at t = 0.
  adoption_block(std::uint32_t size, std::uint32_t initial, rng_stream rng);
  /// Adopts every user whose threshold is <= the cumulative hazard `h`;
  /// returns how many adopted now.
  std::uint32_t advance_to(double h);
  std::uint32_t adopted() const { return adopted_; }
  std::uint32_t size() const { return size_; }

 private:
  void draw_next_threshold();

  std::uint32_t size_;
  std::uint32_t adopted_;
  /// Threshold of the next user to adopt (+inf when everyone has).
  double next_threshold_ = 0;
  rng_stream rng_;
};

}  // namespace stampede::sim
