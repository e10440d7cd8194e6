#pragma once
// What the engine represents, and what a run of a scenario needs.
//
// The loader holds every number of a scenario to these bounds (a value beyond
// one is a `file:line:col: key: expected ...` error), so nothing the model
// computes from a valid scenario overflows. What a valid scenario may still ask
// for (memory, windows, requests) is estimated here, before anything is
// allocated; `run` compares it with the machine.
#include <cstdint>
#include <string>

#include "sim/base/units.hpp"

namespace stampede::sim {

struct scenario;

/// The bounds of the numbers a scenario may hold.
namespace limits {

/// population.size: a hundred times the world's people; round(size · scale)
/// then fits the population's 2^32 blocks of 65,536 users many times over.
inline constexpr double max_population = 1e12;
/// Servers of a pool, an autoscaler's max and step, an event's count: each
/// simulated server is an entry of a heap.
inline constexpr double max_servers = 1e7;
/// Sessions a day of one user: one a second.
inline constexpr double max_sessions_per_day = 86'400;
/// Parameters of a count distribution (requests per session): a session's
/// remaining requests are 32-bit.
inline constexpr double max_count = 1e6;
/// A lognormal's sigma: at 5 its mean is already 268,000 times its median.
inline constexpr double max_sigma = 5;
/// A batch's speed-up: from 1,000 times slower than one request alone to the
/// batch size (a batch of b cannot beat b servers).
inline constexpr double min_speedup = 1e-3;
/// USD a month a user pays, USD a server-hour.
inline constexpr double max_price = 1e9;
/// An imitation boost's factor.
inline constexpr double max_boost = 1e6;
/// The largest rate × horizon (a cumulative hazard, expected events per
/// user): far beyond it every user has long adopted or left.
inline constexpr double max_rate_times_horizon = 1e12;
/// Reporting intervals of a run (they are counted in an int).
inline constexpr std::int64_t max_intervals = 100'000'000;
/// Raw latency samples kept per endpoint.
inline constexpr double max_samples = 1e9;
/// Regions, tiers, pools and endpoints of a scenario: each is a 16-bit index
/// in a user's or a request's record, and the reports list them all.
inline constexpr std::size_t max_names = 1'000;
/// The most text any one YAML value may expand to through aliases.
inline constexpr std::size_t max_expanded_bytes = 16u << 20;

}  // namespace limits

/// What a run of a scenario needs, estimated before anything is allocated.
struct run_needs {
  /// Bytes of memory the model holds: users, pools, intervals, samples.
  double bytes = 0;
  /// The part of `bytes` that --scale scales: users, servers, samples.
  double scaled_bytes = 0;
  /// Windows of the coordinator: horizon / tick.
  double windows = 0;
  /// Requests the users send, if every adopter were active from the start (an
  /// upper bound of the work).
  double requests = 0;
};

/// The needs of a run of `s`.
run_needs estimate_needs(const scenario& s);

/// What a machine can do in a run worth starting.
struct run_budget {
  /// Bytes of memory available.
  double bytes = 0;
  /// More windows or requests than this take hours.
  double windows = 1e10;
  double requests = 1e11;
};

/// Why `s` cannot run within `budget`, with what it needs, what the machine has,
/// and the --scale or tick that would fit; empty when it fits.
std::string refuse_run(const scenario& s, const run_needs& needs, const run_budget& budget);

}  // namespace stampede::sim
