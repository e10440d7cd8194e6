#pragma once
// How many threads the machine really offers a run: the CPUs this process may
// run on (its affinity mask), of those what a cgroup v2 quota pays for, and of
// those the ones idle right now. A run's workers hand work to each other every
// window, so a worker that shares its core with another busy program holds up
// all the others: a thread is only worth starting on a core nobody else uses.
//
// "Idle now" is sampled from /proc/stat over a short interval (100 ms by
// default) rather than read from /proc/loadavg: the load average is a decaying
// mean over a minute, so a neighbour that started ten seconds ago barely shows
// in it, and one that just ended still does; it also counts tasks blocked on
// disk. The per-CPU idle counters say what the CPUs this process may use did
// during the sample, at the kernel's tick (1/100 s), which is why the sample is
// tenths of a second and not milliseconds.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace stampede::actors {

/// One CPU's time counters, from a "cpuN ..." line of /proc/stat.
struct cpu_time {
  /// N of "cpuN".
  int cpu = -1;
  /// idle + iowait.
  std::uint64_t idle = 0;
  /// user + nice + system + idle + iowait + irq + softirq + steal (guest time
  /// is already counted in user and nice).
  std::uint64_t total = 0;
};

/// The per-CPU lines of /proc/stat's text, in order. The summary line "cpu",
/// every other line and any "cpuN" line that does not hold at least the four
/// counters user, nice, system and idle are left out.
std::vector<cpu_time> parse_proc_stat(std::string_view text);

/// How many of the CPUs in `allowed` were idle between two samples of
/// /proc/stat: the sum of idle / total over each CPU present in both. A CPU
/// whose counters did not move counts as idle (nothing ran there to count).
double idle_cpus(const std::vector<cpu_time>& before, const std::vector<cpu_time>& after,
                 const std::vector<int>& allowed);

/// Whole CPUs a cgroup v2 `cpu.max` ("QUOTA PERIOD" or "max PERIOD", in microseconds)
/// pays for: quota / period rounded down, at least 1. Nothing when unlimited
/// or not understood.
std::optional<int> cpus_of_cpu_max(std::string_view text);

/// The threads a run takes by default: the idle CPUs rounded to the nearest
/// whole one (a CPU busy less than half the time counts as free), at most the
/// CPUs allowed and the quota, at least 1.
int threads_offered(int allowed, std::optional<int> quota, double idle);

/// What this machine offers a run now.
struct machine_offer {
  /// CPUs in this process's affinity mask.
  int allowed = 1;
  /// CPUs the tightest cgroup v2 `cpu.max` on the way to the root pays for.
  std::optional<int> quota;
  /// CPUs among the allowed that were idle during the sample.
  double idle = 1;
  /// threads_offered(allowed, quota, idle).
  int threads = 1;
};

/// Reads the affinity mask and the cgroup quota and samples /proc/stat for
/// `sample` (sleeping meanwhile). What cannot be read is taken as no limit:
/// no /proc/stat, every allowed CPU idle.
machine_offer measure_machine(std::chrono::milliseconds sample = std::chrono::milliseconds{100});

}  // namespace stampede::actors
