#pragma once
// The social graph of the cascade model: who sees a user's shared images.
//
// A synthetic scale-free follower graph over the simulated users, stored as
// nothing but its parameters. Every user's follower count and every follower
// are pure functions of (seed, user[, j]) through the counter-based generator,
// so the graph costs no memory, is the same on every shard and thread, and a
// share enumerates its followers without any lookup table.
//
// Follower counts are scale-free: k = round(k_min · U^(-1/(γ-1))), a discrete
// Pareto law with P(K >= k) ~ (k_min / k)^(γ-1), and k_min chosen so that the
// mean is `mean_degree` (k_min = mean · (γ-2)/(γ-1), which needs γ > 2). A few
// users have huge audiences, most have a handful: hubs are what lets a cascade
// take off. Each follower is a uniformly chosen other user (a directed
// Chung–Lu-like graph: out-degree heavy-tailed, in-degree Poisson).
#include <cstdint>

namespace stampede::sim {

class social_graph {
 public:
  /// `users` nodes; `exponent` γ of the follower-count law, > 2.
  social_graph(std::uint64_t seed, std::uint64_t users, double mean_degree, double exponent);

  std::uint64_t users() const { return users_; }
  /// How many users follow `user` (see what they share); at most users - 1.
  std::uint64_t followers(std::uint64_t user) const;
  /// The j-th follower of `user`, j < followers(user): another user, never `user`.
  std::uint64_t follower(std::uint64_t user, std::uint64_t j) const;
  /// The smallest (continuous) follower count, k_min.
  double min_degree() const { return min_degree_; }

 private:
  std::uint64_t seed_;
  std::uint64_t users_;
  double min_degree_;
  /// -1 / (γ - 1)
  double tail_power_;
};

}  // namespace stampede::sim
