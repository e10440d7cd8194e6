#pragma once
// A uniform random sample of a stream of values, of fixed size: the latency
// samples a pool keeps for the run-wide quantiles (gpu/). Up to its capacity
// it keeps every value, so the quantiles are exact while it has room.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "sim/base/distribution.hpp"
#include "sim/base/rng.hpp"

namespace stampede::sim {

/// Keeps `capacity` of the values offered, every subset equally likely (after n
/// values each is in with probability capacity/n). Li's Algorithm L (1994): once
/// full, it jumps from one kept value to the next with geometric gaps, so a
/// value passed over costs a comparison, not a random draw and a cache miss
/// (Vitter's Algorithm R).
class reservoir {
 public:
  explicit reservoir(std::uint64_t capacity) : capacity_(capacity) {}

  /// Offers one value; `kept` holds the sample. Its allocation never exceeds
  /// the capacity: the capacity is the memory the caller allowed.
  template <class T>
  void offer(std::type_identity_t<T> value, std::vector<T>& kept, rng_stream& rng) {
    ++seen_;
    if (kept.size() < capacity_) {
      if (kept.size() == kept.capacity()) {
        kept.reserve(
            std::min<std::uint64_t>(capacity_, std::max<std::size_t>(16, 2 * kept.size())));
      }
      kept.push_back(value);
      if (kept.size() == capacity_) {
        w_ = std::exp(std::log(rng.uniform()) / static_cast<double>(capacity_));
        next_ = seen_;
        skip(rng);
        prefetch_next(kept, rng);
      }
      return;
    }
    if (seen_ != next_) return;
    kept[rng.below(capacity_)] = value;
    w_ *= std::exp(std::log(rng.uniform()) / static_cast<double>(capacity_));
    skip(rng);
    prefetch_next(kept, rng);
  }
  std::uint64_t seen() const { return seen_; }

 private:
  /// A hint, no effect on results: the slot the next kept value will take, if
  /// nothing else draws from `rng` meanwhile, is fetched until then (in a large
  /// sample it is a cache miss).
  template <class T>
  void prefetch_next(std::vector<T>& kept, rng_stream& rng) const {
    __builtin_prefetch(&kept[rng_stream::scale(rng.peek_u64(), capacity_)], 1);
  }

  /// The count of the next value to keep: W is the largest of the kept values'
  /// uniform keys, and each later value beats it with probability 1 - W.
  void skip(rng_stream& rng) {
    next_ += static_cast<std::uint64_t>(geometric_failures(rng.uniform(), std::log1p(-w_))) + 1;
  }

  std::uint64_t capacity_;
  std::uint64_t seen_ = 0;
  std::uint64_t next_ = 0;
  double w_ = 0;
};

}  // namespace stampede::sim
