// Benchmark of a shard's sort of one window's arrivals into the pools' order
// (time, then id): std::sort with by_arrival against sim::arrival_sorter.
//
//   bench_arrival_sort [n ...] [--window SECONDS] [--reps N]
//
// Method: for each n (default 300, 2,300 and 20,000: a shard's arrivals per
// window in the quickstart, ghibli-launch at full scale and a peak window),
// N (default 2,000) windows of n requests with times uniform in the window
// (default 5 s) and ids increasing in the order sent, each sorted once by
// each method, timed with steady_clock over all windows (copies excluded);
// prints µs per window and checks both orders agree.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "sim/speed/arrival_sort.hpp"
#include "sim/base/rng.hpp"

namespace {

using namespace stampede::sim;
using clock_type = std::chrono::steady_clock;

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes;
  double window_s = 5;
  int reps = 2000;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--window") == 0 && i + 1 < argc) {
      window_s = std::strtod(argv[++i], nullptr);
    } else if (std::strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
      reps = std::atoi(argv[++i]);
    } else {
      sizes.push_back(std::strtoull(argv[i], nullptr, 10));
    }
  }
  if (sizes.empty()) sizes = {300, 2'300, 20'000};
  const vtime window = from_seconds(window_s);
  rng_stream rng(1, stream::test, 0);
  arrival_sorter sorter;
  std::printf("%8s %18s %22s %6s\n", "n", "std::sort us/window", "arrival_sorter us/window",
              "same");
  for (const std::size_t n : sizes) {
    std::vector<std::vector<request>> windows(static_cast<std::size_t>(reps));
    for (auto& w : windows) {
      w.resize(n);
      for (std::size_t i = 0; i < n; ++i) {
        w[i].at = static_cast<vtime>(rng.below(static_cast<std::uint64_t>(window)));
        w[i].id = request::make_id(static_cast<std::uint32_t>(i / 64), i);
      }
    }
    auto copies = windows;
    clock_type::duration by_std{}, by_radix{};
    bool same = true;
    for (std::size_t k = 0; k < windows.size(); ++k) {
      auto started = clock_type::now();
      std::sort(windows[k].begin(), windows[k].end(), by_arrival{});
      by_std += clock_type::now() - started;
      started = clock_type::now();
      sorter.sort(copies[k]);
      by_radix += clock_type::now() - started;
      for (std::size_t i = 0; i < n; ++i) same = same && windows[k][i].id == copies[k][i].id;
    }
    const auto us = [&](clock_type::duration d) {
      return std::chrono::duration<double, std::micro>(d).count() / reps;
    };
    std::printf("%8zu %18.1f %22.1f %6s\n", n, us(by_std), us(by_radix), same ? "yes" : "NO");
    if (!same) return 1;
  }
  return 0;
}
