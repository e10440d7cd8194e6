#pragma once
// A radix heap (Ahuja, Mehlhorn, Orlin and Tarjan, 1990): a min-priority queue
// of non-negative integers for keys that are mostly pushed at or after the
// last minimum popped, as the pool's are: a server's next free time is after
// the one it was taken at, and a request leaves the queue after it arrived. A
// key lives in the bucket of the highest bit in which it differs from that
// minimum; popping empties bucket 0 (keys equal to the minimum), and when it
// is empty, the lowest non-empty bucket is spread over the buckets below. A
// key moves down a few times in its life, each move a sequential read and an
// append, where a heap of n keys pays log(n) dependent, unpredictable
// comparisons on every pop, which grows with the servers (bench_server_heap
// compares the two).
// A key below the last minimum is allowed (a server that joins at a window's
// start while every other one is busy beyond it) and costs a rebuild, O(n).
#include <array>
#include <bit>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

namespace stampede::sim {

template <class T>
class radix_heap {
  static_assert(std::is_integral_v<T>);
  using U = std::make_unsigned_t<T>;

 public:
  radix_heap() = default;
  explicit radix_heap(const std::vector<T>& values) {
    for (T v : values) push(v);
  }

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  /// The least key (not const: finding it may move keys between buckets).
  T top() {
    pull();
    return floor_;
  }
  /// Adds a key (non-negative).
  void push(T x) {
    if (x < floor_) rebuild(x);
    put(x);
    ++size_;
  }
  void pop() {
    pull();
    buckets_[0].pop_back();
    --size_;
  }
  /// pop() then push(x).
  void replace_top(T x) {
    pop();
    push(x);
  }

 private:
  static constexpr int bits = std::numeric_limits<U>::digits;

  /// Bucket 0 holds keys equal to floor_; bucket b > 0 those whose highest bit
  /// differing from floor_ is bit b - 1.
  int bucket_of(T x) const {
    return static_cast<int>(std::bit_width(static_cast<U>(x) ^ static_cast<U>(floor_)));
  }
  void put(T x) {
    const int b = bucket_of(x);
    buckets_[static_cast<std::size_t>(b)].push_back(x);
    if (b > 0) nonempty_ |= std::uint64_t{1} << (b - 1);
  }
  /// Makes bucket 0 hold the least key (the heap must not be empty).
  void pull() {
    if (!buckets_[0].empty()) return;
    const int b = std::countr_zero(nonempty_) + 1;
    auto& from = buckets_[static_cast<std::size_t>(b)];
    T least = from.front();
    for (T v : from) least = v < least ? v : least;
    floor_ = least;
    nonempty_ &= ~(std::uint64_t{1} << (b - 1));
    // Every key of bucket b agrees with the new floor above bit b - 1, so each
    // lands in a lower bucket.
    for (T v : from) put(v);
    from.clear();
  }
  void rebuild(T new_floor) {
    std::vector<T> keys;
    keys.reserve(size_);
    for (auto& bucket : buckets_) {
      keys.insert(keys.end(), bucket.begin(), bucket.end());
      bucket.clear();
    }
    nonempty_ = 0;
    floor_ = new_floor;
    for (T v : keys) put(v);
  }

  std::array<std::vector<T>, bits + 1> buckets_;
  /// Bit b - 1 set: bucket b > 0 holds keys.
  std::uint64_t nonempty_ = 0;
  /// The least key popped or found so far (every key in the heap is at least this).
  T floor_ = 0;
  std::size_t size_ = 0;
};

}  // namespace stampede::sim
