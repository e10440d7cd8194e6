// bench_handoff: how long one core takes to see a cache line the other wrote.
//
// Two threads pass a counter back and forth through one cache line, N times;
// the wall time over N is one hand-over. A simulated run hands every window
// between its shards and pools, so this is what a 2-thread run pays per hop:
// on the development VM it reads 45-68 ns when the host is quiet and ~195 ns
// when it is contended (bench/README.md). Run it beside a 2-thread benchmark
// to say which state the benchmark saw.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

int main(int argc, char** argv) {
  const long n = argc > 1 ? std::atol(argv[1]) : 2'000'000;
  if (n < 2) {
    std::fprintf(stderr, "usage: bench_handoff [hand-overs >= 2, default 2000000]\n");
    return 2;
  }
  alignas(64) static std::atomic<long> line{0};
  // Each side waits for its turn (an even or odd count) and passes it on.
  const auto play = [n](long first) {
    for (long i = first; i < n; i += 2) {
      while (line.load(std::memory_order_acquire) != i) {
      }
      line.store(i + 1, std::memory_order_release);
    }
  };
  const auto start = std::chrono::steady_clock::now();
  std::thread other(play, 1);
  play(0);
  other.join();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("# bench_handoff: %ld hand-overs of one cache line between two threads\n", n);
  std::printf("handoff_ns %.0f\n", s / static_cast<double>(n) * 1e9);
  return 0;
}
