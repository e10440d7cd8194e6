#include "sim/speed/arrival_sort.hpp"

#include <algorithm>
#include <array>
#include <bit>

namespace stampede::sim {

void arrival_sorter::sort(std::vector<request>& arrivals) {
  const std::size_t n = arrivals.size();
  // Below a few dozen the passes' fixed cost outweighs the comparisons
  // (bench_arrival_sort measures where).
  constexpr std::size_t radix_from = 48;
  // The keys hold the time since the earliest in 32 bits and the position in 32.
  constexpr std::uint64_t key_limit = std::uint64_t{1} << 32;
  vtime earliest = 0;
  std::uint64_t range = key_limit;  // stays so when the keys cannot be used
  if (n >= radix_from && n < key_limit) {
    const auto [first, last] =
        std::minmax_element(arrivals.begin(), arrivals.end(),
                            [](const request& a, const request& b) { return a.at < b.at; });
    earliest = first->at;
    range = static_cast<std::uint64_t>(last->at - first->at);
  }
  if (range >= key_limit) {
    std::sort(arrivals.begin(), arrivals.end(), by_arrival{});
    return;
  }
  // Key: the time since the earliest above, the position below: sorting keys
  // by time keeps equal times in the order given (by id).
  keys_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    keys_[i] = (static_cast<std::uint64_t>(arrivals[i].at - earliest) << 32) | i;
  }
  constexpr int digit_bits = 8;
  constexpr std::size_t buckets = std::size_t{1} << digit_bits;
  const int time_bits = std::bit_width(range);
  spare_.resize(n);
  for (int shift = 32; shift < 32 + time_bits; shift += digit_bits) {
    std::array<std::size_t, buckets> count{};
    for (const std::uint64_t k : keys_) ++count[(k >> shift) & (buckets - 1)];
    std::size_t sum = 0;
    for (std::size_t& c : count) {
      const std::size_t here = c;
      c = sum;
      sum += here;
    }
    for (const std::uint64_t k : keys_) spare_[count[(k >> shift) & (buckets - 1)]++] = k;
    keys_.swap(spare_);
  }
  sorted_.resize(n);
  for (std::size_t i = 0; i < n; ++i) sorted_[i] = arrivals[keys_[i] & 0xffff'ffffu];
  arrivals.swap(sorted_);
}

}  // namespace stampede::sim
