#include "actors/engine/free_cores.hpp"

#include <catch2/catch.hpp>

using namespace stampede::actors;

TEST_CASE("parse_proc_stat reads each CPU's idle and total time and skips the rest",
          "[actors][free_cores]") {
  // A /proc/stat of a 2-CPU machine (Linux 6.x): the summary line, two CPUs,
  // and lines that are not CPUs.
  const char* text =
      "cpu  1548764 364162 229139 141049 1340 0 2841 2446 0 0\n"
      "cpu0 700 10 100 150 50 0 20 30 9 1\n"
      "cpu1 400 0 50 500 0 5 5 0 0 0\n"
      "intr 123456 0 0\n"
      "ctxt 999\n"
      "cpufreq 1 2 3 4\n"
      "procs_running 3\n";
  const auto cpus = parse_proc_stat(text);
  REQUIRE(cpus.size() == 2);
  CHECK(cpus[0].cpu == 0);
  CHECK(cpus[0].idle == 150 + 50);
  // user..steal; guest (9) and guest_nice (1) are inside user and nice already.
  CHECK(cpus[0].total == 700 + 10 + 100 + 150 + 50 + 0 + 20 + 30);
  CHECK(cpus[1].cpu == 1);
  CHECK(cpus[1].idle == 500);
  CHECK(cpus[1].total == 400 + 50 + 500 + 5 + 5);
}

TEST_CASE("parse_proc_stat takes old kernels' four counters and drops broken lines",
          "[actors][free_cores]") {
  const auto cpus = parse_proc_stat(
      "cpu3 10 20 30 40\n"      // Linux 2.4: user nice system idle
      "cpu4 10 20 30\n"         // too short
      "cpu5 10 x 30 40 50\n"    // not a number
      "cpu6 1 2 3 4 5 6 7 8");  // no final newline
  REQUIRE(cpus.size() == 2);
  CHECK(cpus[0].cpu == 3);
  CHECK(cpus[0].idle == 40);
  CHECK(cpus[0].total == 100);
  CHECK(cpus[1].cpu == 6);
  CHECK(cpus[1].idle == 4 + 5);
  CHECK(cpus[1].total == 36);
}

TEST_CASE("idle_cpus sums each allowed CPU's idle share between two samples",
          "[actors][free_cores]") {
  // 100 ticks pass on each CPU: cpu0 idles 100 of them (a free core), cpu1 0
  // (a core kept busy by `yes`), cpu2 25.
  const std::vector<cpu_time> before = {{0, 1000, 5000}, {1, 300, 5000}, {2, 10, 900}};
  const std::vector<cpu_time> after = {{0, 1100, 5100}, {1, 300, 5100}, {2, 35, 1000}};
  CHECK(idle_cpus(before, after, {0, 1, 2}) == Approx(1.25).margin(1e-12));
  CHECK(idle_cpus(before, after, {1}) == Approx(0.0).margin(1e-12));
  CHECK(idle_cpus(before, after, {0, 2}) == Approx(1.25).margin(1e-12));
  // A CPU outside the mask, or missing from one sample, does not count.
  CHECK(idle_cpus(before, after, {7}) == Approx(0.0).margin(1e-12));
  CHECK(idle_cpus({before[1]}, after, {0, 1}) == Approx(0.0).margin(1e-12));
  // Counters that did not move (no tick fell in the sample) or went back
  // (the CPU went offline and came back): no evidence of use, counted idle.
  CHECK(idle_cpus(before, before, {0, 1}) == Approx(2.0).margin(1e-12));
  CHECK(idle_cpus(after, before, {1}) == Approx(1.0).margin(1e-12));
}

TEST_CASE("cpus_of_cpu_max reads the whole CPUs a cgroup v2 quota pays for",
          "[actors][free_cores]") {
  CHECK(cpus_of_cpu_max("max 100000\n") == std::nullopt);
  CHECK(cpus_of_cpu_max("200000 100000\n") == 2);
  CHECK(cpus_of_cpu_max("150000 100000") == 1);   // 1.5 CPUs: one whole
  CHECK(cpus_of_cpu_max("50000 100000\n") == 1);  // half a CPU: still one thread
  CHECK(cpus_of_cpu_max("400000 50000\n") == 8);
  CHECK(cpus_of_cpu_max("") == std::nullopt);  // no such file
  CHECK(cpus_of_cpu_max("200000") == std::nullopt);
  CHECK(cpus_of_cpu_max("200000 0") == std::nullopt);
  CHECK(cpus_of_cpu_max("-1 100000") == std::nullopt);  // cgroup v1's "no limit"
  CHECK(cpus_of_cpu_max("200000 100000 7") == std::nullopt);
}

TEST_CASE("threads_offered takes the idle CPUs within the mask and the quota",
          "[actors][free_cores]") {
  CHECK(threads_offered(2, std::nullopt, 1.97) == 2);  // quiet
  CHECK(threads_offered(2, std::nullopt, 1.02) == 1);  // `yes` on one core
  CHECK(threads_offered(2, std::nullopt, 0.0) == 1);   // every core busy: still one
  CHECK(threads_offered(2, std::nullopt, 1.5) == 2);   // a core idle half the time counts
  CHECK(threads_offered(2, std::nullopt, 1.49) == 1);
  CHECK(threads_offered(64, 4, 60.0) == 4);  // the quota
  CHECK(threads_offered(4, 8, 7.0) == 4);    // the mask
  CHECK(threads_offered(1, std::nullopt, 3.0) == 1);
}

TEST_CASE("measure_machine offers between one thread and the CPUs allowed",
          "[actors][free_cores]") {
  // What the CPUs do depends on whoever else uses this machine: only the bounds
  // and the agreement with threads_offered are fixed.
  const machine_offer m = measure_machine(std::chrono::milliseconds{20});
  CHECK(m.allowed >= 1);
  CHECK(m.idle >= 0.0);
  CHECK(m.idle <= m.allowed + 1e-9);
  CHECK(m.threads == threads_offered(m.allowed, m.quota, m.idle));
}
