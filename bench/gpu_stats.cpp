// Wall time of gpu/stats (quantiles, histogram, moments) against a std::sort
// reference. Numbers with their method, never pass/fail.
//
//   bench_gpu_stats [n ...] [--reps N]     e.g. bench_gpu_stats 1e6 1e7 1e8 --reps 3
//
// Default sizes 1e6 and 1e7; 1e8 (800 MB of doubles, plus the device copy) only
// when asked for.
#include "gpu/stats.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

struct timing {
  double median_ms;
  double min_ms;
  double max_ms;
};

double elapsed_ms(const std::function<void()>& body) {
  const auto start = std::chrono::steady_clock::now();
  body();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

/// Median, min and max of `reps` timed runs. The warm-up run is not counted:
/// on CUDA the first call also creates the context and the allocator's pool.
timing measure(int reps, const std::function<void()>& body) {
  std::vector<double> runs;
  for (int i = 0; i < reps; ++i) {
    runs.push_back(elapsed_ms(body));
  }
  std::sort(runs.begin(), runs.end());
  const std::size_t mid = runs.size() / 2;
  const double median = runs.size() % 2 ? runs[mid] : (runs[mid - 1] + runs[mid]) / 2;
  return {median, runs.front(), runs.back()};
}

/// A latency-like sample: a normal body and a 10% lognormal tail.
std::vector<double> make_sample(std::size_t n) {
  std::mt19937_64 rng(1);
  std::normal_distribution<double> body(10.0, 3.0);
  std::lognormal_distribution<double> tail(3.0, 1.0);
  std::bernoulli_distribution in_tail(0.1);
  std::vector<double> sample(n);
  for (double& x : sample) {
    x = in_tail(rng) ? tail(rng) : body(rng);
  }
  return sample;
}

void print_row(std::size_t n, const char* op, const timing& t) {
  std::printf("%-11zu %-12s %11.2f %10.2f %10.2f %12.1f\n", n, op, t.median_ms, t.min_ms, t.max_ms,
              static_cast<double>(n) / (t.median_ms * 1e3));
}

int run(int argc, char** argv) {
  std::vector<std::size_t> sizes;
  int reps = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--reps" && i + 1 < argc) {
      reps = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--help" || arg == "-h") {
      std::printf("usage: %s [n ...] [--reps N]   (default: 1e6 1e7, 5 reps)\n", argv[0]);
      return 0;
    } else {
      const double n = std::strtod(arg.c_str(), nullptr);
      if (!(n >= 1)) {
        std::fprintf(stderr, "not a sample size: %s\n", arg.c_str());
        return 2;
      }
      sizes.push_back(static_cast<std::size_t>(n));
    }
  }
  if (sizes.empty()) {
    sizes = {1000000, 10000000};
  }

  const char* omp_threads = std::getenv("OMP_NUM_THREADS");
  std::printf("# bench_gpu_stats: backend=%s, host threads=%u, OMP_NUM_THREADS=%s\n",
              stampede::gpu::backend().c_str(), std::thread::hardware_concurrency(),
              omp_threads ? omp_threads : "(unset)");
  std::printf(
      "# method: per size, one untimed warm-up call of each statistic, then %d timed runs;\n"
      "#   median, min, max wall time (steady_clock). Each gpu/ time includes the\n"
      "#   host->device copy the API makes. std::sort = copy + std::sort on one host thread.\n"
      "#   quantiles: 7 of them (0, .5, .9, .99, .999, .9999, 1); histogram: 1000 bins over\n"
      "#   [0, 100). Input: N(10, 3) with a 10%% lognormal(3, 1) tail, mt19937_64 seed 1.\n",
      reps);

  const std::vector<double> qs{0.0, 0.5, 0.9, 0.99, 0.999, 0.9999, 1.0};
  for (const std::size_t n : sizes) {
    const std::vector<double> sample = make_sample(n);
    std::vector<double> got_quantiles;
    std::vector<std::uint64_t> got_histogram;
    stampede::gpu::moments_result got_moments;

    const double first_ms =
        elapsed_ms([&] { got_quantiles = stampede::gpu::quantiles(sample, qs); });
    got_histogram = stampede::gpu::histogram(sample, 0.0, 100.0, 1000);
    got_moments = stampede::gpu::moments(sample);

    std::printf("\n# n = %zu (first quantiles() call, warm-up: %.2f ms)\n", n, first_ms);
    std::printf("%-11s %-12s %11s %10s %10s %12s\n", "n", "op", "median_ms", "min_ms", "max_ms",
                "Mvalues/s");
    print_row(n, "quantiles",
              measure(reps, [&] { got_quantiles = stampede::gpu::quantiles(sample, qs); }));
    print_row(n, "histogram", measure(reps, [&] {
                got_histogram = stampede::gpu::histogram(sample, 0.0, 100.0, 1000);
              }));
    print_row(n, "moments", measure(reps, [&] { got_moments = stampede::gpu::moments(sample); }));
    std::vector<double> sorted;
    print_row(n, "std::sort", measure(reps, [&] {
                sorted = sample;
                std::sort(sorted.begin(), sorted.end());
              }));

    // What was computed, so the work cannot be optimised away and a reader can
    // check the numbers: the sorted copy gives the median, a long double
    // two-pass the mean.
    long double sum = 0;
    for (const double x : sample) {
      sum += x;
    }
    const long double mean = sum / static_cast<long double>(n);
    const std::size_t median_rank = (n + 1) / 2;  // ceil(n / 2), nearest rank
    std::printf(
        "# median %.6f (std::sort: %.6f), p99.99 %.4f, mean %.12f, mean rel. error vs "
        "long double %.2e, sd %.6f, histogram bin 100 holds %llu\n",
        got_quantiles[1], sorted[median_rank - 1], got_quantiles[5], got_moments.mean,
        static_cast<double>(std::fabs((got_moments.mean - mean) / mean)),
        std::sqrt(got_moments.variance), static_cast<unsigned long long>(got_histogram[100]));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const stampede::gpu::stats_error& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "bench_gpu_stats: %s\n", e.what());
    return 1;
  }
}
