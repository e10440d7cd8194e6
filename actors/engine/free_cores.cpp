#include "actors/engine/free_cores.hpp"

#include <sched.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace stampede::actors {

namespace {

/// The next space-separated word of `rest`, taken off its front.
std::string_view next_word(std::string_view& rest) {
  const auto start = rest.find_first_not_of(" \t\n");
  if (start == std::string_view::npos) {
    rest = {};
    return {};
  }
  rest.remove_prefix(start);
  const auto end = std::min(rest.find_first_of(" \t\n"), rest.size());
  const std::string_view word = rest.substr(0, end);
  rest.remove_prefix(end);
  return word;
}

/// `word` as a whole unsigned number, or nothing.
std::optional<std::uint64_t> number_of(std::string_view word) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(word.data(), word.data() + word.size(), value);
  if (error != std::errc{} || end != word.data() + word.size() || word.empty()) return {};
  return value;
}

/// One "cpuN ..." line, or nothing.
std::optional<cpu_time> parse_cpu_line(std::string_view line) {
  const std::string_view name = next_word(line);
  if (name.size() <= 3 || name.substr(0, 3) != "cpu") return {};
  const auto n = number_of(name.substr(3));
  if (!n) return {};
  // user nice system idle iowait irq softirq steal; guest and guest_nice after
  // them are already inside user and nice.
  std::uint64_t fields[8] = {};
  int read = 0;
  for (; read < 8; ++read) {
    const std::string_view word = next_word(line);
    if (word.empty()) break;
    const auto value = number_of(word);
    if (!value) return {};
    fields[read] = *value;
  }
  if (read < 4) return {};
  cpu_time t;
  t.cpu = static_cast<int>(*n);
  t.idle = fields[3] + fields[4];
  for (const std::uint64_t f : fields) t.total += f;
  return t;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// The CPUs this process may run on.
std::vector<int> allowed_cpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    for (int c = 0; c < CPU_SETSIZE; ++c) {
      if (CPU_ISSET(c, &set)) cpus.push_back(c);
    }
  }
  if (cpus.empty()) {
    const int n = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    for (int c = 0; c < n; ++c) cpus.push_back(c);
  }
  return cpus;
}

/// The tightest cgroup v2 cpu.max from this process's cgroup up to the root:
/// a parent's quota limits every group below it.
std::optional<int> cgroup_quota() {
  std::ifstream self("/proc/self/cgroup");
  std::string line;
  std::optional<int> tightest;
  while (std::getline(self, line)) {
    if (line.rfind("0::", 0) != 0) continue;  // v2 only: the line "0::PATH"
    for (std::filesystem::path group = line.substr(3);; group = group.parent_path()) {
      const auto file = std::filesystem::path("/sys/fs/cgroup") / group.relative_path() / "cpu.max";
      if (const auto cpus = cpus_of_cpu_max(read_file(file))) {
        tightest = tightest ? std::min(*tightest, *cpus) : *cpus;
      }
      if (group == group.root_path()) break;
    }
  }
  return tightest;
}

}  // namespace

std::vector<cpu_time> parse_proc_stat(std::string_view text) {
  std::vector<cpu_time> cpus;
  while (!text.empty()) {
    const auto end = std::min(text.find('\n'), text.size());
    if (const auto t = parse_cpu_line(text.substr(0, end))) cpus.push_back(*t);
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  return cpus;
}

double idle_cpus(const std::vector<cpu_time>& before, const std::vector<cpu_time>& after,
                 const std::vector<int>& allowed) {
  double idle = 0;
  for (const cpu_time& a : after) {
    if (std::find(allowed.begin(), allowed.end(), a.cpu) == allowed.end()) continue;
    const auto b = std::find_if(before.begin(), before.end(),
                                [&](const cpu_time& x) { return x.cpu == a.cpu; });
    if (b == before.end()) continue;
    // Counters only grow; a CPU taken offline and back may restart them.
    if (a.total <= b->total || a.idle < b->idle) {
      idle += 1;
      continue;
    }
    idle += std::min(
        1.0, static_cast<double>(a.idle - b->idle) / static_cast<double>(a.total - b->total));
  }
  return idle;
}

std::optional<int> cpus_of_cpu_max(std::string_view text) {
  const std::string_view quota = next_word(text);
  const std::string_view period_word = next_word(text);
  const auto q = number_of(quota);
  const auto period = number_of(period_word);
  if (!q || !period || *period == 0 || !next_word(text).empty()) return {};
  return static_cast<int>(std::max<std::uint64_t>(1, *q / *period));
}

int threads_offered(int allowed, std::optional<int> quota, double idle) {
  const int limit = std::max(1, quota ? std::min(allowed, *quota) : allowed);
  const int free = static_cast<int>(std::floor(idle + 0.5));
  return std::clamp(free, 1, limit);
}

machine_offer measure_machine(std::chrono::milliseconds sample) {
  machine_offer m;
  const std::vector<int> cpus = allowed_cpus();
  m.allowed = static_cast<int>(cpus.size());
  m.quota = cgroup_quota();
  const auto before = parse_proc_stat(read_file("/proc/stat"));
  if (before.empty()) {
    m.idle = m.allowed;
  } else {
    std::this_thread::sleep_for(sample);
    m.idle = idle_cpus(before, parse_proc_stat(read_file("/proc/stat")), cpus);
  }
  m.threads = threads_offered(m.allowed, m.quota, m.idle);
  return m;
}

}  // namespace stampede::actors
