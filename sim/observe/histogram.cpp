#include "sim/observe/histogram.hpp"

#include <stdexcept>
#include <string>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace stampede::sim {
namespace {

constexpr int half_bits = histogram::sub_bucket_bits - 1;                // 7
constexpr std::uint64_t exact_limit = 1u << histogram::sub_bucket_bits;  // 256

// Bucket of a value in [0, max_trackable]. With e the index of the highest set
// bit of (v | 255) and shift = e - 7, the top 8 bits of v are v >> shift, in
// [128, 256) once v >= 256, and the bucket is 128 * shift + (v >> shift): values
// below 256 map to themselves, and each later power of two gets 128 buckets.
// No branch, no loop, no division: record() is on the hot path.
inline std::size_t bucket_of(std::uint64_t v) {
  const int e = 63 - std::countl_zero(v | (exact_limit - 1));
  const int shift = e - half_bits;
  return (static_cast<std::size_t>(shift) << half_bits) + static_cast<std::size_t>(v >> shift);
}

// Enough buckets for the whole power of two that holds max_trackable: a value
// of bit width w lands at most in bucket 128 * (w - 8) + 255.
constexpr int widest = std::bit_width(static_cast<std::uint64_t>(histogram::max_trackable));
constexpr std::size_t bucket_count =
    static_cast<std::size_t>(widest - histogram::sub_bucket_bits + 2) << half_bits;

// The value a bucket reports: the middle of the integers it holds.
std::int64_t bucket_midpoint(std::size_t index) {
  if (index < exact_limit) return static_cast<std::int64_t>(index);
  const int shift = static_cast<int>(index >> half_bits) - 1;
  const std::uint64_t top = index - (static_cast<std::uint64_t>(shift) << half_bits);
  const std::uint64_t lower = top << shift;
  return static_cast<std::int64_t>(lower + ((std::uint64_t{1} << shift) >> 1));
}

}  // namespace

histogram::histogram()
    : counts_(bucket_count, 0), min_(std::numeric_limits<std::int64_t>::max()), max_(0) {}

void histogram::record(std::int64_t value, std::uint64_t count) {
  const std::int64_t v = std::max<std::int64_t>(value, 0);
  const bool over = v > max_trackable;
  counts_[bucket_of(static_cast<std::uint64_t>(over ? max_trackable : v))] += count;
  clamped_ += over ? count : 0;
  count_ += count;
  // min/max/sum keep the true values: only the bucket counts are approximate.
  if (count != 0) {
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
  }
  sum_ += static_cast<unsigned __int128>(v) * count;
}

void histogram::merge(const histogram& other) {
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  clamped_ += other.clamped_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

histogram::state histogram::save() const {
  return {counts_,
          count_,
          clamped_,
          min_,
          max_,
          static_cast<std::uint64_t>(sum_),
          static_cast<std::uint64_t>(sum_ >> 64)};
}

histogram histogram::restore(const state& s) {
  histogram h;
  if (s.counts.size() != h.counts_.size()) {
    throw std::invalid_argument("histogram::restore: " + std::to_string(s.counts.size()) +
                                " buckets, expected " + std::to_string(h.counts_.size()));
  }
  h.counts_ = s.counts;
  h.count_ = s.count;
  h.clamped_ = s.clamped;
  h.min_ = s.min;
  h.max_ = s.max;
  h.sum_ = (static_cast<unsigned __int128>(s.sum_high) << 64) | s.sum_low;
  return h;
}

void histogram::clear() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  clamped_ = 0;
  min_ = std::numeric_limits<std::int64_t>::max();
  max_ = 0;
  sum_ = 0;
}

std::int64_t histogram::min() const {
  return count_ == 0 ? 0 : min_;
}

std::int64_t histogram::max() const {
  return count_ == 0 ? 0 : max_;
}

double histogram::mean() const {
  return count_ == 0 ? 0.0
                     : static_cast<double>(static_cast<long double>(sum_) /
                                           static_cast<long double>(count_));
}

std::int64_t histogram::quantile(double q) const {
  if (count_ == 0) return 0;
  if (!(q > 0.0)) return min();
  if (q >= 1.0) return max();
  // Nearest rank: the smallest value with at least ceil(q * count) values at or
  // below it (rank >= 1 so that a tiny q still names a recorded value).
  const double wanted = std::ceil(q * static_cast<double>(count_));
  const std::uint64_t rank =
      std::clamp<std::uint64_t>(static_cast<std::uint64_t>(wanted), 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::clamp(bucket_midpoint(i), min(), max());
  }
  return max();
}

std::size_t histogram::memory_bytes() const {
  return sizeof(*this) + counts_.capacity() * sizeof(std::uint64_t);
}

}  // namespace stampede::sim
