#pragma once
// What `stampede project` produces: the figures reports/projection.cpp writes
// from, as run_result is for a run. Filled by the CLI from an ensemble_result
// and the statistics of gpu/ensemble.hpp.
#include <cstdint>
#include <string>
#include <vector>

#include "sim/ensemble/outcomes.hpp"

namespace stampede::sim {

/// One uncertain input, for people.
struct projection_input {
  std::string key;
  /// "lognormal(median 2.31e-06, sigma 0.3)": parameters in base units.
  std::string distribution;
  /// The unit values are shown in ("/day", "s" or "") and the factor from base units.
  std::string unit;
  double display_factor = 1;
};

/// One member: its draws and headline.
struct projection_member {
  std::uint64_t index = 0;
  std::uint64_t seed = 0;
  std::string digest;
  /// In display units (projection_input::unit), one per input.
  std::vector<double> inputs;
  member_headline headline;
  /// The member's `--set` values, exact: `stampede run FILE --set ...` with
  /// them (after the user's) gives this member's digest.
  std::vector<std::string> overrides;
};

/// One outcome across members, per reporting interval.
struct projection_band {
  std::string outcome;
  std::vector<double> t_hours, p10, p50, p90, mean;
};

/// The rank correlation of an input with a headline outcome.
struct projection_sensitivity {
  std::string input;
  /// "adopters", "cost_usd" or "slo_held_share".
  std::string outcome;
  /// Spearman's rho; NaN when the input or the outcome did not vary.
  double rho = 0;
};

/// A finished projection.
struct projection_result {
  std::string scenario;
  std::string description;
  std::uint64_t seed = 0;
  double scale = 1;
  double horizon_s = 0;
  double report_interval_s = 0;
  /// Members asked for and kept (fewer when stopped early).
  std::uint64_t members_asked = 0;
  std::string digest;
  int threads = 1;
  double wall_seconds = 0;
  std::uint64_t simulated_requests = 0;
  /// "cuda" or "openmp": where the statistics ran.
  std::string backend;
  /// Endpoint and pool names, for the report's choice of charts.
  std::vector<std::string> endpoints, pools;
  std::vector<projection_input> inputs;
  /// The scenario's milestones; each has the band milestone_path(m), whose
  /// mean is the chance of having reached it.
  std::vector<milestone> milestones;
  std::vector<projection_member> members;
  std::vector<projection_band> bands;
  std::vector<projection_sensitivity> sensitivity;
};

}  // namespace stampede::sim
