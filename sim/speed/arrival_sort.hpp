#pragma once
// Putting a shard's arrivals of one window into the pools' order (time, then
// id), the one sort on every request's path. A shard's blocks send in block
// order and each block numbers its requests in sending order, so the ids
// already increase in the order sent; sorting by time alone, stably, then
// gives (time, id). Times lie within the window, a few million microseconds,
// so a radix sort on the time within the window does it in a few passes over
// 8-byte keys and one gather, where std::sort compares and moves 40-byte
// requests n·log(n) times.
#include <cstdint>
#include <vector>

#include "sim/base/request.hpp"

namespace stampede::sim {

/// Sorts arrivals by arrives_before; keeps its buffers from one window to the next.
class arrival_sorter {
 public:
  /// Sorts `arrivals`, whose ids increase in the order given, by (time, id).
  void sort(std::vector<request>& arrivals);

 private:
  std::vector<std::uint64_t> keys_;
  std::vector<std::uint64_t> spare_;
  std::vector<request> sorted_;
};

}  // namespace stampede::sim
