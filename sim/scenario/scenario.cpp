#include "sim/scenario/scenario.hpp"

#include <algorithm>
#include <cmath>

namespace stampede::sim {

namespace {

template <class T>
int index_by_name(const std::vector<T>& items, const std::string& name) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

const std::vector<std::string>& dispatch_names() {
  static const std::vector<std::string> names{"shared", "round_robin", "random",
                                              "join_shortest_queue", "power_of_two"};
  return names;
}

const std::vector<std::string>& figure_role_names() {
  static const std::vector<std::string> names{"target", "prediction", "reference"};
  return names;
}

int scenario::endpoint_index(const std::string& endpoint) const {
  return index_by_name(endpoints, endpoint);
}
int scenario::pool_index(const std::string& pool) const {
  return index_by_name(pools, pool);
}
int scenario::tier_index(const std::string& tier) const {
  return index_by_name(tiers, tier);
}

int scenario::region_index(const std::string& region) const {
  return index_by_name(regions, region);
}

std::int64_t scenario::simulated_users() const {
  return static_cast<std::int64_t>(std::llround(population_size * scale));
}

std::int64_t scenario::simulated_servers(int pool) const {
  // At least one server: a pool scaled down to nothing would reject everything
  // and make a small-scale run say something the full-scale one never would.
  const auto& p = pools.at(static_cast<std::size_t>(pool));
  return std::max<std::int64_t>(1, std::llround(static_cast<double>(p.servers) * scale));
}

std::int64_t scenario::simulated_queue_capacity(int pool) const {
  const auto& p = pools.at(static_cast<std::size_t>(pool));
  return std::max<std::int64_t>(1, std::llround(static_cast<double>(p.queue_capacity) * scale));
}

std::int64_t scenario::samples_per_endpoint() const {
  if (sample_memory <= 0 || endpoints.empty()) return max_samples;
  const auto share = sample_memory / static_cast<std::int64_t>(sizeof(float) * endpoints.size());
  return std::min(max_samples, share);
}

std::array<double, 24> standard_diurnal() {
  // A typical consumer-app day in local time: the trough before dawn (04:00),
  // a morning ramp, a flat working day, and the evening peak (20:00-21:00) at
  // about 7.5 times the trough. The shape, not the numbers, is what matters; it
  // is normalised to a mean of 1 so sessions_per_day keeps its meaning.
  constexpr std::array<double, 24> raw = {
      0.60, 0.42, 0.30, 0.24, 0.22, 0.26, 0.40, 0.62, 0.82, 0.95, 1.05, 1.10,
      1.15, 1.15, 1.10, 1.10, 1.15, 1.25, 1.40, 1.55, 1.65, 1.65, 1.40, 0.95,
  };
  double sum = 0;
  for (double w : raw) sum += w;
  std::array<double, 24> out{};
  for (std::size_t h = 0; h < 24; ++h) out[h] = raw[h] * 24.0 / sum;
  return out;
}

}  // namespace stampede::sim
