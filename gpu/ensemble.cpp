// Ensemble statistics on Thrust; like stats.cpp, this file builds with g++ and
// the OpenMP device system or with nvcc and CUDA.
#include "gpu/ensemble.hpp"

#include <thrust/binary_search.h>
#include <thrust/copy.h>
#include <thrust/device_vector.h>
#include <thrust/gather.h>
#include <thrust/inner_product.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/discard_iterator.h>
#include <thrust/reduce.h>
#include <thrust/scatter.h>
#include <thrust/sequence.h>
#include <thrust/sort.h>
#include <thrust/transform.h>

#include <cstdint>
#include <vector>

#include "gpu/thrust_detail.hpp"

namespace stampede::gpu {
namespace detail {

/// The series a value belongs to: its index over the members per series.
struct series_of {
  std::uint64_t members;
  STAMPEDE_HD std::uint64_t operator()(std::uint64_t i) const { return i / members; }
};

/// The average 1-based rank of the values in [lower, upper): (lower + 1 + upper) / 2.
struct average_rank {
  STAMPEDE_HD double operator()(std::uint64_t lower, std::uint64_t upper) const {
    return (static_cast<double>(lower) + 1.0 + static_cast<double>(upper)) / 2.0;
  }
};

/// A rank centred on the mean rank (n + 1) / 2.
struct centred {
  double middle;
  STAMPEDE_HD double operator()(double r) const { return r - middle; }
};

/// The ranks of one vector, ties averaged: sort a copy with the positions,
/// find each value's run of equals by binary search, scatter the ranks back.
thrust::device_vector<double> ranks_of(const thrust::device_vector<double>& all, std::size_t first,
                                       std::size_t n) {
  thrust::device_vector<double> sorted(all.begin() + static_cast<std::ptrdiff_t>(first),
                                       all.begin() + static_cast<std::ptrdiff_t>(first + n));
  thrust::device_vector<std::uint64_t> position(n);
  thrust::sequence(position.begin(), position.end());
  thrust::sort_by_key(sorted.begin(), sorted.end(), position.begin());
  thrust::device_vector<std::uint64_t> lower(n), upper(n);
  thrust::lower_bound(sorted.begin(), sorted.end(), sorted.begin(), sorted.end(), lower.begin());
  thrust::upper_bound(sorted.begin(), sorted.end(), sorted.begin(), sorted.end(), upper.begin());
  thrust::device_vector<double> by_rank(n);
  thrust::transform(lower.begin(), lower.end(), upper.begin(), by_rank.begin(), average_rank{});
  thrust::device_vector<double> ranks(n);
  thrust::scatter(by_rank.begin(), by_rank.end(), position.begin(), ranks.begin());
  // Centred, so that the correlation is one inner product over two variances.
  thrust::transform(ranks.begin(), ranks.end(), ranks.begin(),
                    centred{(static_cast<double>(n) + 1.0) / 2.0});
  return ranks;
}

}  // namespace detail

series_summary series_quantiles(std::span<const double> values, std::size_t members,
                                std::span<const double> qs) {
  const char* where = STAMPEDE_HERE;
  if (members == 0) throw stats_error(std::string(where) + ": an ensemble of no members");
  if (values.size() % members != 0) {
    throw stats_error(std::string(where) + ": " + std::to_string(values.size()) +
                      " values are not whole series of " + std::to_string(members));
  }
  const std::size_t series = values.size() / members;
  std::vector<std::uint64_t> picks;
  picks.reserve(series * qs.size());
  for (std::size_t s = 0; s < series; ++s) {
    for (const double q : qs) {
      if (!(q >= 0 && q <= 1)) {
        throw stats_error(std::string(where) + ": quantile " + std::to_string(q) +
                          " is outside [0, 1]");
      }
      picks.push_back(s * members + detail::nearest_rank(q, members) - 1);
    }
  }
  return detail::on_device(where, [&] {
    series_summary out;
    out.quantiles.resize(picks.size());
    out.mean.resize(series);
    if (series == 0) return out;
    thrust::device_vector<double> v(values.begin(), values.end());
    detail::reject_nan(v, where);
    // Sorted within each series: by value (stable), then by series (stable).
    thrust::device_vector<std::uint64_t> key(v.size());
    const thrust::counting_iterator<std::uint64_t> index(0);
    thrust::transform(index, index + static_cast<std::ptrdiff_t>(v.size()), key.begin(),
                      detail::series_of{members});
    thrust::stable_sort_by_key(v.begin(), v.end(), key.begin());
    thrust::stable_sort_by_key(key.begin(), key.end(), v.begin());

    const thrust::device_vector<std::uint64_t> positions(picks.begin(), picks.end());
    thrust::device_vector<double> picked(picks.size());
    thrust::gather(positions.begin(), positions.end(), v.begin(), picked.begin());
    thrust::copy(picked.begin(), picked.end(), out.quantiles.begin());

    thrust::device_vector<double> sums(series);
    thrust::reduce_by_key(key.begin(), key.end(), v.begin(), thrust::make_discard_iterator(),
                          sums.begin());
    thrust::copy(sums.begin(), sums.end(), out.mean.begin());
    for (double& m : out.mean) m /= static_cast<double>(members);
    return out;
  });
}

std::vector<double> rank_correlations(std::span<const double> a, std::span<const double> b,
                                      std::size_t n) {
  const char* where = STAMPEDE_HERE;
  if (n < 2) throw stats_error(std::string(where) + ": a rank correlation needs 2 or more values");
  if (a.size() % n != 0 || b.size() % n != 0) {
    throw stats_error(std::string(where) + ": the vectors are not all of " + std::to_string(n) +
                      " values");
  }
  const std::size_t na = a.size() / n, nb = b.size() / n;
  return detail::on_device(where, [&] {
    thrust::device_vector<double> av(a.begin(), a.end()), bv(b.begin(), b.end());
    detail::reject_nan(av, where);
    detail::reject_nan(bv, where);
    std::vector<thrust::device_vector<double>> ra, rb;
    std::vector<double> va, vb;
    for (std::size_t i = 0; i < na; ++i) {
      ra.push_back(detail::ranks_of(av, i * n, n));
      va.push_back(thrust::inner_product(ra[i].begin(), ra[i].end(), ra[i].begin(), 0.0));
    }
    for (std::size_t j = 0; j < nb; ++j) {
      rb.push_back(detail::ranks_of(bv, j * n, n));
      vb.push_back(thrust::inner_product(rb[j].begin(), rb[j].end(), rb[j].begin(), 0.0));
    }
    std::vector<double> out(na * nb);
    for (std::size_t i = 0; i < na; ++i) {
      for (std::size_t j = 0; j < nb; ++j) {
        const double c = thrust::inner_product(ra[i].begin(), ra[i].end(), rb[j].begin(), 0.0);
        out[i * nb + j] = va[i] > 0 && vb[j] > 0 ? c / std::sqrt(va[i] * vb[j])
                                                 : std::numeric_limits<double>::quiet_NaN();
      }
    }
    return out;
  });
}

}  // namespace stampede::gpu
