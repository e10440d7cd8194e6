#pragma once
// The capacity rules that figures and reports share: when a pool counts as
// saturated, and the first-order servers-needed estimate of a projection's
// leadership table. How many servers hold the SLOs is `stampede plan`'s
// (sim/plan/).
#include <cmath>

namespace stampede::sim {

/// The utilization at or above which a pool counts as saturated (in an
/// interval, or at its peak): above it queues build up fast for any realistic
/// variability of service times.
inline constexpr double saturation_utilization = 0.95;

/// Whether a pool at utilization `u` (0..1, busy / available) is saturated.
constexpr bool saturated(double u) {
  return u >= saturation_utilization;
}

/// The utilization a first-order servers-needed estimate aims for: the usual
/// headroom that keeps queueing delay small.
inline constexpr double target_utilization = 0.8;

/// Servers that run a demand of `busy` servers' worth of work at `target`:
/// ceil(busy / target).
inline double servers_needed(double busy, double target = target_utilization) {
  return std::ceil(busy / target);
}

}  // namespace stampede::sim
