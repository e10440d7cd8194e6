#pragma once
// The scenario as the wall-clock runners run it: `loadtest` (the load
// generator drives the population in real time) and `serve` (the modeled
// service answers like the platform in real time).
//
// Both simulate `scale × loadtest.rate_scale` of the real users and servers:
// the generator sends that share of the traffic, and the service keeps the same
// share of servers and queue, so utilisation, hence queueing and rejection,
// stay what `run` computes. Each role then takes what only it needs:
//   - generator: no rate limits. They are the target's to enforce (the modeled
//     service answers 429); the users send every request, and a 429 ends their
//     session as a refusal does in `run`.
//   - service: a horizon of ten years of wall time (a service runs as long as
//     it is left running) in a thousand ticks and reporting intervals, so its
//     per-interval arrays stay small and no completion falls past the horizon;
//     one latency sample, as the service writes no report.
#include "sim/scenario/scenario.hpp"

namespace stampede::sim {

/// Which wall-clock runner a model is made for.
enum class wall_clock_role { generator, service };

/// The share of the real users and servers a wall-clock runner simulates:
/// scale × rate_scale.
double wall_clock_scale(double scale, double rate_scale);

/// A copy of `s` as `role` runs it (see the top of this file). Throws
/// std::invalid_argument when `s` has no loadtest section.
scenario wall_clock_model(const scenario& s, wall_clock_role role);

}  // namespace stampede::sim
