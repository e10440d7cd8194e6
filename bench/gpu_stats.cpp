// Wall time of gpu/stats (quantiles, histogram, moments) against a std::sort
// reference. Numbers with their method, never pass/fail.
//
//   bench_gpu_stats [n ...] [--reps N] [--max-double N] [--max-sort N] [--ensemble MxIxK]
//       e.g. bench_gpu_stats 1e7 1e8 1e9 --reps 3
//            bench_gpu_stats --ensemble 1000x8760x10 --reps 3
//
// Per size: quantiles of 4-byte floats (what `stampede run` sorts: every
// completed latency, microseconds as floats), then the double statistics up to
// --max-double values (default 1e8: 1e9 doubles are 8 GB, plus the device
// copy). The one-thread std::sort reference is timed up to --max-sort values
// (default 1e8; 1e9 takes minutes). Default sizes 1e6 and 1e7; 1e9 floats take
// 4 GB plus the device copy.
#include "gpu/ensemble.hpp"
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

/// Latencies as a run keeps them: whole microseconds as floats, lognormal with
/// a 20 s median and sigma 1 (so most lie above 2^24 us, where floats round).
std::vector<float> make_latencies(std::size_t n) {
  std::mt19937_64 rng(2);
  std::lognormal_distribution<double> seconds(std::log(20.0), 1.0);
  std::vector<float> sample(n);
  for (float& x : sample) {
    x = static_cast<float>(std::llround(seconds(rng) * 1e6));
  }
  return sample;
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

/// The ensemble case of `stampede project`: P10/P50/P90 and means of M members
/// for I intervals x K outcomes (M·I·K doubles, Bass-like paths with member
/// noise), and the rank correlations of 5 inputs with 3 headline outcomes.
void run_ensemble_case(std::size_t members, std::size_t intervals, std::size_t outcomes, int reps) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> noise(1.0, 0.1);
  std::vector<double> values(members * intervals * outcomes);
  for (std::size_t s = 0; s < intervals * outcomes; ++s) {
    const double level = 1e6 * static_cast<double>(s % intervals + 1);
    for (std::size_t m = 0; m < members; ++m) values[s * members + m] = level * noise(rng);
  }
  std::vector<double> inputs(5 * members), headline(3 * members);
  for (double& x : inputs) x = noise(rng);
  for (double& x : headline) x = noise(rng);
  const std::vector<double> qs{0.1, 0.5, 0.9};
  stampede::gpu::series_quantiles(values, members, qs);  // warm-up
  const timing q = measure(reps, [&] { stampede::gpu::series_quantiles(values, members, qs); });
  const timing r =
      measure(reps, [&] { stampede::gpu::rank_correlations(inputs, headline, members); });
  std::printf(
      "# ensemble: %zu members x %zu intervals x %zu outcomes = %zu doubles; series_quantiles "
      "(P10, P50, P90, mean per series) and rank_correlations (5 inputs x 3 outcomes); %d "
      "timed runs after one warm-up; the last column is million values per second\n",
      members, intervals, outcomes, values.size(), reps);
  std::printf("%-11zu %-12s %11.2f %10.2f %10.2f %12.1f\n", values.size(), "ens.quantile",
              q.median_ms, q.min_ms, q.max_ms,
              static_cast<double>(values.size()) / (q.median_ms * 1e3));
  std::printf("%-11zu %-12s %11.2f %10.2f %10.2f %12.1f\n", inputs.size() + headline.size(),
              "ens.spearman", r.median_ms, r.min_ms, r.max_ms,
              static_cast<double>(inputs.size() + headline.size()) / (r.median_ms * 1e3));
}

void print_row(std::size_t n, const char* op, const timing& t) {
  std::printf("%-11zu %-12s %11.2f %10.2f %10.2f %12.1f\n", n, op, t.median_ms, t.min_ms, t.max_ms,
              static_cast<double>(n) / (t.median_ms * 1e3));
}

int run(int argc, char** argv) {
  std::vector<std::size_t> sizes;
  int reps = 5;
  double max_double = 1e8;
  double max_sort = 1e8;
  std::vector<std::size_t> ensemble;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--reps" && i + 1 < argc) {
      reps = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--max-double" && i + 1 < argc) {
      max_double = std::strtod(argv[++i], nullptr);
    } else if (arg == "--max-sort" && i + 1 < argc) {
      max_sort = std::strtod(argv[++i], nullptr);
    } else if (arg == "--ensemble" && i + 1 < argc) {
      unsigned long long m = 0, in = 0, k = 0;
      if (std::sscanf(argv[++i], "%llux%llux%llu", &m, &in, &k) != 3 || m == 0 || in == 0 ||
          k == 0) {
        std::fprintf(stderr, "--ensemble wants MEMBERSxINTERVALSxOUTCOMES, e.g. 1000x8760x10\n");
        return 2;
      }
      ensemble = {m, in, k};
    } else if (arg == "--help" || arg == "-h") {
      std::printf(
          "usage: %s [n ...] [--reps N] [--max-double N] [--max-sort N] [--ensemble MxIxK]   "
          "(default: 1e6 1e7, "
          "5 reps, doubles and std::sort up to 1e8)\n",
          argv[0]);
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
  if (!ensemble.empty()) {
    run_ensemble_case(ensemble[0], ensemble[1], ensemble[2], reps);
    if (sizes.empty()) return 0;
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
      "#   [0, 100). float quantiles: whole microseconds as floats, lognormal, median 20 s,\n"
      "#   sigma 1, mt19937_64 seed 2 (what `stampede run` sorts); std::sort32 = copy +\n"
      "#   std::sort of the floats, up to n = %.0f. Doubles (quantiles, histogram, moments,\n"
      "#   std::sort) up to n = %.0f: N(10, 3) with a 10%% lognormal(3, 1) tail, mt19937_64\n"
      "#   seed 1.\n",
      reps, max_sort, max_double);

  const std::vector<double> qs{0.0, 0.5, 0.9, 0.99, 0.999, 0.9999, 1.0};
  for (const std::size_t n : sizes) {
    {
      const std::vector<float> latencies = make_latencies(n);
      std::vector<double> got;
      const double first_ms = elapsed_ms([&] { got = stampede::gpu::quantiles(latencies, qs); });
      std::printf("\n# n = %zu floats (first quantiles() call, warm-up: %.2f ms)\n", n, first_ms);
      std::printf("%-11s %-12s %11s %10s %10s %12s\n", "n", "op", "median_ms", "min_ms", "max_ms",
                  "Mvalues/s");
      print_row(n, "quantiles32",
                measure(reps, [&] { got = stampede::gpu::quantiles(latencies, qs); }));
      // The p99 checked against std::nth_element on a copy (nearest rank ceil(0.99 n)).
      std::vector<float> copy = latencies;
      const auto p99 = copy.begin() + static_cast<std::ptrdiff_t>((n * 99 + 99) / 100 - 1);
      std::nth_element(copy.begin(), p99, copy.end());
      std::printf("# p50 %.0f us, p99 %.0f us (std::nth_element: %.0f us), max %.0f us\n", got[1],
                  got[3], static_cast<double>(*p99), got[6]);
      if (static_cast<double>(n) <= max_sort) {
        print_row(n, "std::sort32", measure(reps, [&] {
                    copy = latencies;
                    std::sort(copy.begin(), copy.end());
                  }));
      }
    }
    if (static_cast<double>(n) > max_double) {
      std::printf("# doubles skipped: n > --max-double %.0f\n", max_double);
      continue;
    }
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
    std::vector<double> sorted = sample;
    const std::size_t median_rank = (n + 1) / 2;  // ceil(n / 2), nearest rank
    if (static_cast<double>(n) <= max_sort) {
      print_row(n, "std::sort", measure(reps, [&] {
                  sorted = sample;
                  std::sort(sorted.begin(), sorted.end());
                }));
    } else {
      const auto median = sorted.begin() + static_cast<std::ptrdiff_t>(median_rank - 1);
      std::nth_element(sorted.begin(), median, sorted.end());
    }

    // What was computed, so the work cannot be optimised away and a reader can
    // check the numbers: the sorted copy gives the median, a long double
    // two-pass the mean.
    long double sum = 0;
    for (const double x : sample) {
      sum += x;
    }
    const long double mean = sum / static_cast<long double>(n);
    std::printf(
        "# median %.6f (std::sort or nth_element: %.6f), p99.99 %.4f, mean %.12f, mean rel. error "
        "vs "
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
