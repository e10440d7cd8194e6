#pragma once
// Heavy statistics on Thrust behind a plain C++ API: no Thrust type appears
// here, so code that includes this header never goes through nvcc.
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace stampede::gpu {

/// Raised for input the statistics cannot be computed on (NaN, an empty sample
/// where one is required, a quantile outside [0, 1], a CUDA failure).
class stats_error : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// "cuda" or "openmp": the Thrust backend this library was built with.
std::string backend();

/// Exact quantiles of `sample` (sort-based), nearest-rank definition: the
/// q-quantile is the ceil(q·n)-th smallest value (the smallest for q = 0).
/// Returns one value per entry of `qs`. Throws stats_error on NaN in the sample,
/// an empty sample, or a q outside [0, 1].
std::vector<double> quantiles(std::span<const double> sample, std::span<const double> qs);
/// The same over 4-byte values (the latency samples of a run: microseconds as
/// floats): half the memory and a sort of 32-bit keys. Each quantile is one of
/// the values, returned as a double without further rounding.
std::vector<double> quantiles(std::span<const float> sample, std::span<const double> qs);

/// Counts of `sample` in `bins` equal-width bins over [low, high); values below
/// low go to the first bin and values at or above high to the last.
/// Throws stats_error on NaN, bins == 0 or low >= high.
std::vector<std::uint64_t> histogram(std::span<const double> sample, double low, double high,
                                     std::size_t bins);

/// Count, mean and unbiased variance in one pass (a single transform_reduce).
struct moments_result {
  std::uint64_t count = 0;
  double mean = 0;
  /// Sample variance (n - 1 in the denominator); 0 for fewer than two values.
  double variance = 0;
  double min = 0;
  double max = 0;
};
/// Throws stats_error on NaN. An empty sample gives count 0 and zeros.
moments_result moments(std::span<const double> sample);

}  // namespace stampede::gpu
