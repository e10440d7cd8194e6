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
#include "sim/units.hpp"

namespace stampede::sim {

struct scenario;

/// The imitation multiplier in force at time t: the product of the factors of
/// the imitation_boost events running then.
double imitation_boost(const scenario& s, vtime t);

/// The closed form of Bass diffusion with F(0) = 0:
/// F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p)·e^{-(p+q)t}); p, q per second, t in seconds.
double bass_share(double p, double q, double t);

/// The cumulative Bass hazard H(t), advanced by the coordinator once per window
/// from the adopted share at the end of the previous window (piecewise-constant
/// hazard). The share is the adopters' pull: each adopter weighted by their
/// satisfaction (behavior.feedback), so unhappy adopters recruit fewer.
class bass_hazard {
 public:
  bass_hazard(double innovation, double imitation) : p_(innovation), q_(imitation) {}
  /// Advances H over `dt_seconds` with the adopted share `share` in [0, 1] and
  /// the imitation multiplied by `boost` (events: an influencer post).
  void advance(double share, double dt_seconds, double boost = 1) {
    h_ += (p_ + q_ * boost * share) * dt_seconds;
  }
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
