#pragma once
// Log-linear latency histogram (the HdrHistogram layout): fixed memory,
// mergeable, every recorded value kept within 1% relative error.
#include <cstdint>
#include <vector>

namespace stampede::sim {

/// Histogram of non-negative integer values (the model records microseconds).
/// Values below 2^sub_bucket_bits are exact; above, each power of two is split
/// into 2^(sub_bucket_bits-1) linear buckets, so a bucket's width is at most
/// 1/128 of its lower bound (relative error < 0.8%, < 0.4% at the midpoint).
/// Values above max_trackable are clamped into the last bucket and counted.
class histogram {
 public:
  static constexpr int sub_bucket_bits = 8;
  /// The largest value tracked without clamping: 2^42 us, about 50 days.
  static constexpr std::int64_t max_trackable = std::int64_t{1} << 42;

  histogram();

  /// Records `count` occurrences of `value` (negative values are recorded as 0).
  void record(std::int64_t value, std::uint64_t count = 1);
  /// Adds every count of `other` into this histogram.
  void merge(const histogram& other);
  /// Forgets all values, keeping the memory.
  void clear();

  std::uint64_t count() const { return count_; }
  /// Exact smallest and largest recorded values (0 when empty).
  std::int64_t min() const;
  std::int64_t max() const;
  /// Exact mean of the recorded values (0 when empty).
  double mean() const;
  /// The value at quantile q in [0, 1] (nearest rank, reported at the bucket
  /// midpoint and clamped to [min, max]); 0 when empty.
  std::int64_t quantile(double q) const;
  /// Values recorded above max_trackable (clamped).
  std::uint64_t clamped() const { return clamped_; }
  /// Bytes of memory this histogram holds.
  std::size_t memory_bytes() const;

  /// The histogram as plain data, and back: what crosses a process boundary
  /// (a worker node's pools hand theirs to the coordinator).
  struct state {
    std::vector<std::uint64_t> counts;
    std::uint64_t count = 0, clamped = 0;
    std::int64_t min = 0, max = 0;
    /// The exact sum, low and high 64 bits.
    std::uint64_t sum_low = 0, sum_high = 0;
  };
  state save() const;
  /// The histogram `s` was saved from (a counts vector of another layout is refused).
  static histogram restore(const state& s);

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t clamped_ = 0;
  std::int64_t min_ = 0;
  std::int64_t max_ = 0;
  // Exact integer sum: a long double would be slower on every record() (80-bit
  // stores do not forward to loads), and is exact only up to 2^64.
  unsigned __int128 sum_ = 0;
};

}  // namespace stampede::sim
