#pragma once
// A plan written into its scenario: plan.yaml is what the planner ran and what
// `stampede run plan.yaml` runs.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/base/units.hpp"

namespace stampede::sim {

/// One pool's planned servers (real servers), one count per period.
struct pool_schedule {
  /// Index into platform.pools.
  int pool = 0;
  std::string name;
  std::vector<std::int64_t> servers;
};

/// `document` (a scenario's YAML text, scenario_yaml_with) with every scheduled
/// pool's `servers` set to its first period's count and its `autoscale` removed,
/// and each later change appended to `events` as an add_servers or
/// remove_servers event at the period's start (`period_starts`, one per count;
/// the loader orders events by time). Comments become a header naming `source`.
std::string apply_schedule(std::string_view document, const std::vector<pool_schedule>& schedule,
                           const std::vector<vtime>& period_starts, const std::string& header);

/// A duration as the scenario format reads it back exactly: "86400s", or "1500us".
std::string exact_duration(vtime t);

}  // namespace stampede::sim
