#pragma once
// The capacity rule that figures and reports share: when a pool counts as
// saturated. How many servers hold the SLOs is `stampede plan`'s (sim/plan/).

namespace stampede::sim {

/// The utilization at or above which a pool counts as saturated (in an
/// interval, or at its peak): above it queues build up fast for any realistic
/// variability of service times.
inline constexpr double saturation_utilization = 0.95;

/// Whether a pool at utilization `u` (0..1, busy / available) is saturated.
constexpr bool saturated(double u) {
  return u >= saturation_utilization;
}

}  // namespace stampede::sim
