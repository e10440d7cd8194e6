#pragma once
// Fetching population blocks ahead of their turn in a window, in stages: with
// thousands of blocks a block is cold by the time its turn comes, and so is
// what it points to. Hints only: no effect on results.
#include <array>
#include <cstddef>
#include <vector>

#include "sim/population/population.hpp"

namespace stampede::sim {

/// From this many blocks on, a slice fetches ahead (bench/README.md: it pays
/// only once the population is far larger than the caches).
inline constexpr std::size_t staged_prefetch_from_blocks = 4096;

/// Fetches each block in stages, each once the one before has arrived: the
/// lines that say whether it has anything to do, then (if it has) the object,
/// its arrays, its sessions, their users. Stages are three blocks apart.
/// Whether a block is busy is asked once, when its first lines are in.
class block_prefetcher {
 public:
  block_prefetcher(const std::vector<population_block>& blocks, vtime t0, vtime t1, double h)
      : blocks_(blocks), t0_(t0), t1_(t1), h_(h) {
    for (std::size_t k = 0; k < 12; ++k) ask(k);
  }
  /// Call before stepping block i.
  void ahead(std::size_t i) {
    const std::size_t n = blocks_.size();
    if (i + 16 < n) blocks_[i + 16].prefetch_head();
    ask(i + 12);
    if (busy_ahead(i, 12)) blocks_[i + 12].prefetch();
    if (busy_ahead(i, 9)) blocks_[i + 9].prefetch_arrays();
    if (busy_ahead(i, 6)) blocks_[i + 6].prefetch_sessions(t1_);
    if (busy_ahead(i, 3)) blocks_[i + 3].prefetch_users(t1_);
  }

 private:
  void ask(std::size_t k) {
    if (k < blocks_.size()) busy_[k % busy_.size()] = !blocks_[k].quiet(t0_, t1_, h_);
  }
  bool busy_ahead(std::size_t i, std::size_t k) const {
    return i + k < blocks_.size() && busy_[(i + k) % busy_.size()];
  }

  const std::vector<population_block>& blocks_;
  vtime t0_, t1_;
  double h_;
  std::array<bool, 16> busy_{};
};

}  // namespace stampede::sim
