// Heavy statistics on Thrust. This one file builds two ways (see README.md):
// with g++ and the OpenMP device system (Debian's Thrust 1.17), or with nvcc
// and the CUDA device system (the CUDA toolkit's CCCL 3 Thrust).
#include "gpu/stats.hpp"

#include <thrust/adjacent_difference.h>
#include <thrust/binary_search.h>
#include <thrust/copy.h>
#include <thrust/device_vector.h>
#include <thrust/gather.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/logical.h>
#include <thrust/sort.h>
#include <thrust/system_error.h>
#include <thrust/transform.h>
#include <thrust/transform_reduce.h>
#include <thrust/version.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>
#include <string>
#include <vector>

#include "gpu/thrust_detail.hpp"

namespace stampede::gpu {
namespace detail {

/// Equal-width bin of one value; below low -> 0, at or above high -> last.
struct bin_of {
  double low;
  double high;
  double bins;
  std::uint32_t last;
  STAMPEDE_HD std::uint32_t operator()(double x) const {
    if (x < low) {
      return 0;
    }
    if (x >= high) {
      return last;
    }
    const double position = (x - low) / (high - low) * bins;
    // Rounding can put a value just below high at `bins`; it belongs in the last.
    const auto bin = static_cast<std::uint32_t>(position);
    return bin > last ? last : bin;
  }
};

/// Partial moments of a slice of the sample: finite values as (n, mean, M2),
/// infinities counted apart so that one inf does not turn the finite mean and
/// M2 into NaN, and a NaN flag so one pass also validates the input.
struct moments_state {
  std::uint64_t n = 0;
  double mean = 0;
  double m2 = 0;
  double min = k_inf;
  double max = -k_inf;
  std::uint64_t positive_inf = 0;
  std::uint64_t negative_inf = 0;
  std::uint64_t nan = 0;
};

struct to_moments {
  STAMPEDE_HD moments_state operator()(double x) const {
    moments_state s;
    if (x != x) {
      s.nan = 1;
      return s;
    }
    s.min = x;
    s.max = x;
    if (x == k_inf) {
      s.positive_inf = 1;
    } else if (x == -k_inf) {
      s.negative_inf = 1;
    } else {
      s.n = 1;
      s.mean = x;
    }
    return s;
  }
};

/// Chan, Golub and LeVeque's pairwise update of (n, mean, M2). Each merge adds
/// an error of a few ulps relative to the values merged, and a parallel reduce
/// merges partials of similar size in a tree, so the error grows with log(n)
/// where a running sum of squares would lose everything to cancellation.
struct merge_moments {
  STAMPEDE_HD moments_state operator()(const moments_state& a, const moments_state& b) const {
    moments_state s;
    s.n = a.n + b.n;
    if (a.n == 0) {
      s.mean = b.mean;
      s.m2 = b.m2;
    } else if (b.n == 0) {
      s.mean = a.mean;
      s.m2 = a.m2;
    } else {
      const double na = static_cast<double>(a.n);
      const double nb = static_cast<double>(b.n);
      const double n = static_cast<double>(s.n);
      const double delta = b.mean - a.mean;
      s.mean = a.mean + delta * (nb / n);
      s.m2 = a.m2 + b.m2 + delta * delta * (na * (nb / n));
    }
    s.min = a.min < b.min ? a.min : b.min;
    s.max = a.max > b.max ? a.max : b.max;
    s.positive_inf = a.positive_inf + b.positive_inf;
    s.negative_inf = a.negative_inf + b.negative_inf;
    s.nan = a.nan + b.nan;
    return s;
  }
};

}  // namespace detail

std::string backend() {
#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CUDA
  return "cuda";
#else
  return "openmp";
#endif
}

namespace detail {

/// quantiles() for doubles and floats: one sort, one gather, one copy back.
template <class T>
std::vector<double> sorted_quantiles(std::span<const T> sample, std::span<const double> qs,
                                     const char* where) {
  if (sample.empty()) {
    throw stats_error(std::string(where) + ": quantiles of an empty sample");
  }
  std::vector<std::size_t> ranks;
  ranks.reserve(qs.size());
  for (const double q : qs) {
    if (!(q >= 0 && q <= 1)) {
      throw stats_error(std::string(where) + ": quantile " + std::to_string(q) +
                        " is outside [0, 1]");
    }
    ranks.push_back(nearest_rank(q, sample.size()) - 1);
  }
  return on_device(where, [&] {
    thrust::device_vector<T> values(sample.data(), sample.data() + sample.size());
    reject_nan(values, where);
    std::vector<double> result(ranks.size());
    if (ranks.empty()) {
      return result;
    }
    thrust::sort(values.begin(), values.end());
    // One gather and one copy back, rather than a device read per quantile.
    const thrust::device_vector<std::size_t> positions(ranks.begin(), ranks.end());
    thrust::device_vector<T> picked(ranks.size());
    thrust::gather(positions.begin(), positions.end(), values.begin(), picked.begin());
    std::vector<T> host(ranks.size());
    thrust::copy(picked.begin(), picked.end(), host.begin());
    std::copy(host.begin(), host.end(), result.begin());
    return result;
  });
}

}  // namespace detail

std::vector<double> quantiles(std::span<const double> sample, std::span<const double> qs) {
  return detail::sorted_quantiles(sample, qs, STAMPEDE_HERE);
}

std::vector<double> quantiles(std::span<const float> sample, std::span<const double> qs) {
  return detail::sorted_quantiles(sample, qs, STAMPEDE_HERE);
}

std::vector<std::uint64_t> histogram(std::span<const double> sample, double low, double high,
                                     std::size_t bins) {
  if (bins == 0) {
    throw stats_error(std::string(STAMPEDE_HERE) + ": a histogram needs at least one bin");
  }
  if (bins > std::numeric_limits<std::uint32_t>::max()) {
    throw stats_error(std::string(STAMPEDE_HERE) + ": more than 2^32 - 1 bins");
  }
  if (!(low < high)) {
    throw stats_error(std::string(STAMPEDE_HERE) + ": histogram range needs low < high");
  }
  if (!std::isfinite(high - low)) {
    throw stats_error(std::string(STAMPEDE_HERE) + ": histogram range is not finite");
  }
  return detail::on_device(STAMPEDE_HERE, [&] {
    thrust::device_vector<double> values(sample.data(), sample.data() + sample.size());
    detail::reject_nan(values, STAMPEDE_HERE);
    std::vector<std::uint64_t> counts(bins, 0);
    if (values.empty()) {
      return counts;
    }
    // Dense histogram as in Thrust's example: sort the bin keys (a radix sort of
    // 32-bit keys on CUDA), find where each bin ends, difference the ends.
    thrust::device_vector<std::uint32_t> keys(values.size());
    const detail::bin_of to_bin{low, high, static_cast<double>(bins),
                                static_cast<std::uint32_t>(bins - 1)};
    thrust::transform(values.begin(), values.end(), keys.begin(), to_bin);
    values.clear();
    values.shrink_to_fit();
    thrust::sort(keys.begin(), keys.end());
    thrust::device_vector<std::uint64_t> ends(bins);
    const thrust::counting_iterator<std::uint32_t> first_bin(0);
    thrust::upper_bound(keys.begin(), keys.end(), first_bin,
                        first_bin + static_cast<std::uint32_t>(bins), ends.begin());
    thrust::adjacent_difference(ends.begin(), ends.end(), ends.begin());
    thrust::copy(ends.begin(), ends.end(), counts.begin());
    return counts;
  });
}

moments_result moments(std::span<const double> sample) {
  const detail::moments_state total = detail::on_device(STAMPEDE_HERE, [&] {
    thrust::device_vector<double> values(sample.data(), sample.data() + sample.size());
    return thrust::transform_reduce(values.begin(), values.end(), detail::to_moments{},
                                    detail::moments_state{}, detail::merge_moments{});
  });
  if (total.nan != 0) {
    throw stats_error(std::string(STAMPEDE_HERE) + ": the sample holds a NaN");
  }
  moments_result result;
  result.count = total.n + total.positive_inf + total.negative_inf;
  if (result.count == 0) {
    return result;
  }
  result.min = total.min;
  result.max = total.max;
  // With infinities the IEEE answer of a two-pass computation: the mean is the
  // infinity (NaN if both signs occur), the variance NaN (inf - inf).
  if (total.positive_inf != 0 && total.negative_inf != 0) {
    result.mean = std::numeric_limits<double>::quiet_NaN();
  } else if (total.positive_inf != 0) {
    result.mean = detail::k_inf;
  } else if (total.negative_inf != 0) {
    result.mean = -detail::k_inf;
  } else {
    result.mean = total.mean;
  }
  if (result.count >= 2) {
    result.variance = total.n == result.count ? total.m2 / static_cast<double>(total.n - 1)
                                              : std::numeric_limits<double>::quiet_NaN();
  }
  return result;
}

}  // namespace stampede::gpu
