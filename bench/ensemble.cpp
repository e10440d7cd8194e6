// bench_ensemble: the throughput of `stampede project`'s ensemble runner
// (sim::run_ensemble: one sequential sim::run_world per worker thread), in
// members and simulated requests per wall second, for each thread count asked.
//
//   bench_ensemble [SCENARIO] [--members N] [--threads T,...] [--set k=v]...
//
// Defaults: scenarios/quickstart.yaml, 1,000 members, threads 1 and 2, and
// --set scale=0.01. Every thread count runs the same members (the digest is
// printed to show it); statistics and reports are not included.
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "sim/ensemble/ensemble.hpp"

int main(int argc, char** argv) {
  std::string file = "scenarios/quickstart.yaml";
  std::uint64_t members = 1000;
  std::vector<int> threads{1, 2};
  std::vector<std::string> sets;
  bool scale_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--members" && i + 1 < argc) {
      members = std::stoull(argv[++i]);
    } else if (a == "--threads" && i + 1 < argc) {
      threads.clear();
      std::stringstream list(argv[++i]);
      for (std::string t; std::getline(list, t, ',');) threads.push_back(std::stoi(t));
    } else if (a == "--set" && i + 1 < argc) {
      sets.push_back(argv[++i]);
      scale_given = scale_given || sets.back().starts_with("scale=");
    } else if (a == "--help" || a == "-h" || a.starts_with("--")) {
      std::cout << "usage: bench_ensemble [SCENARIO] [--members N] [--threads T,...] "
                   "[--set k=v]...\n(defaults: scenarios/quickstart.yaml, 1000 members, threads "
                   "1,2, --set scale=0.01)\n";
      return a.starts_with("--help") || a == "-h" ? 0 : 2;
    } else {
      file = a;
    }
  }
  if (!scale_given) sets.push_back("scale=0.01");
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  std::cout << "bench_ensemble " << file << ", " << members << " members";
  for (const auto& s : sets) std::cout << ", --set " << s;
  std::cout << "\n";
  double first_rate = 0;
  for (const int t : threads) {
    stampede::sim::ensemble_options options;
    options.threads = t;
    // Process CPU time beside the wall time: on a shared machine the wall time
    // says how many cores the run got as much as how fast it is.
    const std::clock_t cpu0 = std::clock();
    const auto e = stampede::sim::run_ensemble(text.str(), file, sets, members, options);
    const double cpu = static_cast<double>(std::clock() - cpu0) / CLOCKS_PER_SEC;
    const double rate = static_cast<double>(e.simulated_requests) / e.wall_seconds;
    if (first_rate == 0) first_rate = rate;
    std::cout << "threads " << t << ": " << e.wall_seconds << " s, "
              << static_cast<double>(e.members.size()) / e.wall_seconds << " members/s, "
              << rate / 1e6 << "M simulated requests/s (x" << rate / first_rate << "), "
              << e.simulated_requests << " requests, CPU " << cpu << " s (" << cpu / e.wall_seconds
              << " cores busy), digest " << e.digest << std::endl;
  }
}
