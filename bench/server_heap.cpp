// Benchmark of the pool's server free times (sim/platform/pool.cpp, eager engine): per
// request, take the earliest free server and put it back busy until the
// request's end. A saturated pool, the case that costs: every request starts
// when the earliest server frees, and holds it for the launch scenario's image
// work (lognormal, median 15 s, sigma 0.3).
//
//   bench_server_heap [servers ...] [--requests N]
//
// Method: for each server count (default 230, 4,600 and 23,000: ghibli-launch
// at scale 0.01, 0.2 and 1), the same N (default 20M) work draws are served by
// sim::min_heap (4-ary) and by sim::radix_heap, each timed with steady_clock
// over the whole loop after an untimed warm-up of N/10 requests; prints ns per
// request and checks that both served every request at the same time.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "sim/base/distribution.hpp"
#include "bench/min_heap.hpp"
#include "sim/speed/radix_heap.hpp"
#include "sim/base/rng.hpp"
#include "sim/base/units.hpp"

namespace {

using namespace stampede::sim;

/// Serves `work` on `servers` servers; returns ns per request and a checksum of start times.
template <class Heap>
std::pair<double, std::uint64_t> serve(std::size_t servers, const std::vector<vtime>& work) {
  Heap heap(std::vector<vtime>(servers, 0));
  std::uint64_t sum = 0;
  const std::size_t warm = work.size() / 10;
  auto started = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < work.size(); ++i) {
    if (i == warm) started = std::chrono::steady_clock::now();
    const vtime start = heap.top();
    sum += static_cast<std::uint64_t>(start);
    heap.replace_top(start + work[i]);
  }
  const std::chrono::duration<double, std::nano> took = std::chrono::steady_clock::now() - started;
  return {took.count() / static_cast<double>(work.size() - warm), sum};
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes;
  std::size_t n = 20'000'000;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--requests") == 0 && i + 1 < argc) {
      n = std::strtoull(argv[++i], nullptr, 10);
    } else {
      sizes.push_back(std::strtoull(argv[i], nullptr, 10));
    }
  }
  if (sizes.empty()) sizes = {230, 4'600, 23'000};
  const distribution image = distribution::lognormal(15.0, 0.3);
  rng_stream rng(1, stream::test, 0);
  std::vector<vtime> work(n);
  for (vtime& w : work) w = from_seconds(image.sample(rng));

  std::printf("%10s %16s %16s %8s\n", "servers", "min_heap ns/req", "radix_heap ns/req", "same");
  for (std::size_t servers : sizes) {
    const auto [heap_ns, heap_sum] = serve<min_heap<vtime>>(servers, work);
    const auto [radix_ns, radix_sum] = serve<radix_heap<vtime>>(servers, work);
    std::printf("%10zu %16.1f %16.1f %8s\n", servers, heap_ns, radix_ns,
                heap_sum == radix_sum ? "yes" : "NO");
    if (heap_sum != radix_sum) return 1;
  }
  return 0;
}
