// Benchmark of the simulated run, end to end (loader, CAF actors, model, result):
// simulated requests per second of wall time, bytes of memory per simulated
// user, and the wall time of a scenario.
//
//   bench_engine SCENARIO [--threads N] [--reps N] [--runner auto|caf] [--set k=v]...
//
// Method: the scenario is loaded once; each repetition is a whole
// actors::run() timed with steady_clock (reports are not written). On one
// thread actors::run() is sim::world's run; `--runner caf` runs the CAF engine
// there instead, to compare the two. Prints the
// median and min/max over the repetitions. Memory: the population's own
// accounting (per-user arrays and session tables, summed over blocks) divided
// by the simulated users, and the process's peak RSS (VmHWM) divided by them,
// which also counts the pools, histograms and latency reservoirs.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "actors/engine/engine.hpp"
#include "sim/scenario/scenario_loader.hpp"

namespace {

long peak_rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: %s SCENARIO [--threads N] [--reps N] [--runner auto|caf] [--set k=v]...\n",
                 argv[0]);
    return 2;
  }
  std::string file = argv[1];
  int threads = 2, reps = 3;
  bool caf = false;
  std::vector<std::string> sets;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--threads"))
      threads = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--reps"))
      reps = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--runner"))
      caf = !std::strcmp(argv[i + 1], "caf");
    else if (!std::strcmp(argv[i], "--set"))
      sets.emplace_back(argv[i + 1]);
  }
  const auto s = stampede::sim::load_scenario_file(file, sets);
  const char* runner = threads > 1 || caf ? "caf" : "world";
  std::printf("# bench_engine %s threads=%d runner=%s reps=%d", file.c_str(), threads, runner,
              reps);
  for (const auto& x : sets) std::printf(" --set %s", x.c_str());
  std::printf("\n# method: whole actors::run() per repetition (steady_clock), median [min, max]\n");

  std::vector<double> walls;
  stampede::sim::run_result last;
  for (int r = 0; r < reps; ++r) {
    stampede::actors::run_options o;
    o.threads = threads;
    o.actors_on_one_thread = caf;
    last = stampede::actors::run(s, o);
    walls.push_back(last.wall_seconds);
    std::printf("rep %d: %.3f s, %llu requests, digest %s\n", r, last.wall_seconds,
                static_cast<unsigned long long>(last.simulated_requests), last.digest.c_str());
  }
  std::sort(walls.begin(), walls.end());
  const double median = walls[walls.size() / 2];
  const double users = static_cast<double>(last.simulated_users);
  std::printf("wall_s             %.3f  [%.3f, %.3f]\n", median, walls.front(), walls.back());
  std::printf("simulated_requests %llu\n",
              static_cast<unsigned long long>(last.simulated_requests));
  std::printf("requests_per_s     %.0f  (median wall)\n",
              static_cast<double>(last.simulated_requests) / median);
  std::printf("simulated_users    %.0f\n", users);
  std::printf("population_bytes_per_user %.2f\n",
              users > 0 ? static_cast<double>(last.population_bytes) / users : 0.0);
  const long rss = peak_rss_kib();
  std::printf("peak_rss_mib       %.1f\n", rss / 1024.0);
  std::printf("peak_rss_bytes_per_user %.2f\n", users > 0 ? rss * 1024.0 / users : 0.0);
  return 0;
}
