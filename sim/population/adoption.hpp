#pragma once
// Adoption: Bass diffusion as a per-user hazard, and under `cascade` also
// adoption of particular users (those a share reached), see adoption_block.
//
// A user who has not adopted adopts in [t, t + dt) with probability
// 1 - exp(-(p + q·F(t))·dt), F the adopted share. Every user has the same hazard,
// so it is the same to give each user a threshold E ~ Exp(1) and let them adopt
// when the cumulative hazard H(t) = ∫ (p + q·F) dt passes it. Within a block the
// thresholds are generated in increasing order (Rényi's representation of
// exponential order statistics), so a window costs one draw per adopter and
// nothing per non-adopter.
#include <cstdint>
#include <vector>

#include "sim/base/rng.hpp"
#include "sim/base/units.hpp"

namespace stampede::sim {

struct scenario;

/// The imitation multiplier in force at time t: the product of the factors of
/// the imitation_boost events running then.
double imitation_boost(const scenario& s, vtime t);

/// The closed form of Bass diffusion with F(0) = 0:
/// F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p)·e^{-(p+q)t}); p, q per second, t in seconds.
double bass_share(double p, double q, double t);

/// The cumulative Bass hazard H(t), advanced once per window from the adopted
/// share at the end of the window (piecewise-constant hazard). Every copy
/// advanced with the same shares holds the same H, so whoever runs the windows
/// may keep one per shard. The share is the adopters' pull: each adopter
/// weighted by their satisfaction (behavior.feedback), so unhappy adopters
/// recruit fewer.
///
/// H is kept as a line, H(t) = H(since) + rate·(t - since), re-anchored only
/// when the rate changes: so windows in which the rate stays add nothing
/// up, and H at a time does not depend on whether those windows were run one
/// by one or skipped together.
class bass_hazard {
 public:
  bass_hazard(double innovation, double imitation) : p_(innovation), q_(imitation) {}
  /// Advances H over the window [t0, t1) (t0 the end of the last one) with the
  /// adopted share `share` in [0, 1] and the imitation multiplied by `boost`
  /// (events: an influencer post).
  void advance(vtime t0, vtime t1, double share, double boost = 1) {
    const double rate = p_ + q_ * boost * share;
    if (rate != rate_) {
      h_since_ = at(t0);
      since_ = t0;
      rate_ = rate;
    }
    reached_ = t1;
  }
  /// H at the end of the last window.
  double value() const { return at(reached_); }
  /// H at time t, had the rate of the last window gone on until then.
  double at(vtime t) const { return h_since_ + rate_ * to_seconds(t - since_); }

 private:
  double p_;
  double q_;
  double rate_ = 0;
  double h_since_ = 0;
  vtime since_ = 0;
  vtime reached_ = 0;
};

/// The adoption state of one block of users: the users in slots [0, adopted())
/// have adopted. Under Bass users are exchangeable, so the i-th user of a block
/// to cross its threshold is simply slot i. The cascade model adopts particular
/// users (a sharer's followers, nodes of the social graph), so a block that
/// tracks users keeps a permutation between slots and graph nodes (2 + 2 bytes
/// a user): adopting a node swaps it into slot adopted(), and every per-user
/// array of the population is indexed by slot.
class adoption_block {
 public:
  /// `size` users of which `initial` have adopted at t = 0; `track_users` keeps
  /// the slot <-> node permutation (cascade).
  adoption_block(std::uint32_t size, std::uint32_t initial, rng_stream rng,
                 bool track_users = false);
  /// Adopts every user whose threshold is <= the cumulative hazard `h`;
  /// returns how many adopted now.
  /// Inline for the common case, nobody adopting: a block's quiet window calls
  /// it.
  std::uint32_t advance_to(double h) {
    if (next_threshold_ > h) {
      h_ = h;
      return 0;
    }
    return adopt_up_to(h);
  }
  /// Adopts the user who is node `node` of the block, unless they have already;
  /// returns whether they adopted now. Needs track_users.
  bool adopt_node(std::uint32_t node);
  /// Hint (no effect on results): adopt_node(node) comes soon.
  void prefetch_node(std::uint32_t node) const {
    if (!slot_.empty()) __builtin_prefetch(&slot_[node]);
  }
  /// The graph node (index within the block) of the user in `slot`.
  std::uint32_t node_of(std::uint32_t slot) const { return node_.empty() ? slot : node_[slot]; }
  std::uint32_t adopted() const { return adopted_; }
  std::uint32_t size() const { return size_; }
  /// The cumulative hazard at which the next user adopts (+inf when all have):
  /// advance_to(h) adopts nobody while h is below it.
  double next_threshold() const { return next_threshold_; }
  std::size_t memory_bytes() const {
    return (node_.capacity() + slot_.capacity()) * sizeof(std::uint16_t);
  }

 private:
  /// advance_to() when someone adopts.
  std::uint32_t adopt_up_to(double h);
  /// Draws the threshold of the next user to adopt, given that none of the
  /// remaining users' thresholds is below `from`.
  void draw_next_threshold(double from);

  // The first 24 bytes are what a window without adoption reads (the population
  // keeps them in its first cache lines, population.hpp).
  std::uint32_t size_;
  std::uint32_t adopted_;
  /// Threshold of the next user to adopt (+inf when everyone has).
  double next_threshold_ = 0;
  /// The hazard of the last advance_to.
  double h_ = 0;
  rng_stream rng_;
  /// slot -> node and node -> slot (empty unless users are tracked).
  std::vector<std::uint16_t> node_;
  std::vector<std::uint16_t> slot_;
};

}  // namespace stampede::sim
