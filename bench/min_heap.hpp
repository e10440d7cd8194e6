#pragma once
// A min-heap of plain values with replace_top() (a pop and a push in one
// sift-down). Four children per node: half the depth of a binary heap, and a
// node's children share a cache line. The pool used it until its keys moved to
// radix_heap.hpp; bench/server_heap.cpp keeps it as the baseline.
#include <cstddef>
#include <utility>
#include <vector>

namespace stampede::sim {

template <class T>
class min_heap {
 public:
  min_heap() = default;
  explicit min_heap(std::vector<T> values) : v_(std::move(values)) {
    for (std::size_t i = v_.size(); i-- > 0;) sift_down(i);
  }

  bool empty() const { return v_.empty(); }
  std::size_t size() const { return v_.size(); }
  const T& top() const { return v_.front(); }

  void push(T x) {
    std::size_t i = v_.size();
    v_.push_back(x);
    while (i > 0) {
      const std::size_t parent = (i - 1) / arity;
      if (!(x < v_[parent])) break;
      v_[i] = v_[parent];
      i = parent;
    }
    v_[i] = x;
  }
  void pop() {
    const T last = v_.back();
    v_.pop_back();
    if (!v_.empty()) {
      v_.front() = last;
      sift_down(0);
    }
  }
  /// pop() then push(x), in one pass.
  void replace_top(T x) {
    v_.front() = x;
    sift_down(0);
  }

 private:
  static constexpr std::size_t arity = 4;

  void sift_down(std::size_t i) {
    const T x = v_[i];
    const std::size_t n = v_.size();
    for (;;) {
      const std::size_t first = arity * i + 1;
      if (first >= n) break;
      std::size_t least = first;
      const std::size_t end = first + arity < n ? first + arity : n;
      for (std::size_t c = first + 1; c < end; ++c) {
        if (v_[c] < v_[least]) least = c;
      }
      if (!(v_[least] < x)) break;
      v_[i] = v_[least];
      i = least;
    }
    v_[i] = x;
  }

  std::vector<T> v_;
};

}  // namespace stampede::sim
