#pragma once
// Capacity rules that figures, reports and the capacity planner share: when a
// pool counts as saturated, and how many servers a demand needs.
#include <cmath>

namespace stampede::sim {

/// The utilization at or above which a pool counts as saturated (in an
/// interval, or at its peak): above it queues build up fast for any realistic
/// variability of service times.
inline constexpr double saturation_utilization = 0.95;

/// The utilization a servers-needed estimate aims for: the usual headroom that
/// keeps queueing delay small.
inline constexpr double target_utilization = 0.8;

/// Whether a pool at utilization `u` (0..1, busy / available) is saturated.
constexpr bool saturated(double u) {
  return u >= saturation_utilization;
}

/// Servers needed so that a pool of `servers` which a demand would keep busy
/// at `demand_utilization` (busy work per second over those servers, may be > 1)
/// runs at `target` instead: ceil(servers × demand / target).
inline double servers_needed(double servers, double demand_utilization,
                             double target = target_utilization) {
  return std::ceil(servers * demand_utilization / target);
}

}  // namespace stampede::sim
