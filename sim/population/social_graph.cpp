#include "sim/population/social_graph.hpp"

#include <algorithm>
#include <cmath>

#include "sim/base/rng.hpp"

namespace stampede::sim {

social_graph::social_graph(std::uint64_t seed, std::uint64_t users, double mean_degree,
                           double exponent)
    : seed_(seed),
      users_(users),
      min_degree_(mean_degree * (exponent - 2) / (exponent - 1)),
      tail_power_(-1 / (exponent - 1)) {}

std::uint64_t social_graph::followers(std::uint64_t user) const {
  if (users_ < 2) return 0;
  rng_stream rng(seed_, stream::graph_degree, user);
  const double k = std::round(min_degree_ * std::pow(rng.uniform(), tail_power_));
  return static_cast<std::uint64_t>(std::min(k, static_cast<double>(users_ - 1)));
}

std::uint64_t social_graph::follower(std::uint64_t user, std::uint64_t j) const {
  // Stream position j of the user's follower stream: one Philox block per follower.
  rng_stream rng(seed_, stream::graph_edges, user, j);
  const std::uint64_t other = rng.below(users_ - 1);
  return other >= user ? other + 1 : other;  // skip the user themself
}

}  // namespace stampede::sim
