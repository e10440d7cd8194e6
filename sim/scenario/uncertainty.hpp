#pragma once
// The scenario's `projection:` section: which inputs are uncertain, each with a
// distribution, and how many members an ensemble draws (`stampede project`).
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/base/distribution.hpp"

namespace YAML {
class Node;
}

namespace stampede::sim {

/// One uncertain input: `adoption.imitation: {dist: lognormal, median: 0.2/day, sigma: 0.3}`.
struct uncertain_input {
  /// What its parameters were written as, and so how a draw is written back
  /// as a `--set` value: a plain number, a rate (drawn per second, written
  /// "x/s") or a duration (drawn in seconds, written in whole microseconds).
  enum class unit { number, rate, duration };

  /// The key path a draw overrides, as `--set` takes it: "adoption.imitation".
  std::string key;
  /// Parameters in base units (per second for rates, seconds for durations).
  distribution dist;
  unit kind = unit::number;
  /// Rounds each draw to the nearest integer (`round: true`), for keys that
  /// take whole numbers such as a pool's servers.
  bool round = false;
  /// Where the input is written, for messages about its draws (1-based; 0 if unknown).
  int line = 0;
  int column = 0;

  /// The `--set` value for a draw `v` (in base units): exact, so that the
  /// loader reads back the value drawn.
  std::string value_text(double v) const;
};

/// `projection:` the ensemble of `stampede project`.
/// `projection.milestones: {adopters: [1_000_000]}`: a value an outcome may
/// reach; the leadership table gives the chance that it has by each date.
struct milestone {
  /// An outcome of the projection (milestone_outcomes).
  std::string outcome;
  double value = 0;
};

struct projection_spec {
  /// Members when --members does not say (0: the section gave none).
  std::uint64_t members = 0;
  /// In the order of the file; member draws follow this order.
  std::vector<uncertain_input> uncertain;
  /// In the order of the file.
  std::vector<milestone> milestones;
};

/// The outcomes a milestone may name, for endpoints and pools of these names:
/// adopters, active_users, cost_usd, revenue_usd, margin_usd,
/// completed.<endpoint> and servers_needed.<pool>.
std::vector<std::string> milestone_outcomes(const std::vector<std::string>& endpoints,
                                            const std::vector<std::string>& pools);

/// A value written as a plain number, a rate or a duration, in base units
/// (per second for rates, seconds for durations), and which of the three it
/// was; nothing when it is none of them. Shared by `projection:` and `tune:`.
std::optional<std::pair<double, uncertain_input::unit>> parse_quantity(const std::string& text);

/// The `--set` value of `v` (base units) written as `kind`: exact, so that
/// the loader reads back v (rounded to an integer first when `round`).
std::string quantity_text(double v, uncertain_input::unit kind, bool round);

/// The largest ensemble a scenario or --members may ask for.
inline constexpr std::uint64_t max_members = 1'000'000;

/// Makes the error for a place in the file (the loader's: it names the --set a
/// value came from instead of a line).
using error_maker = std::function<std::exception_ptr(
    int line0, int column0, const std::string& key_path, const std::string& message)>;

/// Reads `projection:` (the node at key path `path`); throws what `error`
/// makes (0-based line and column, or -1 where there is none). The keys the
/// inputs name are checked when a member is loaded with its draws
/// (sim/ensemble/members.hpp).
/// `outcomes` are those milestones may name (milestone_outcomes).
projection_spec load_projection(const YAML::Node& node, const std::string& path,
                                const error_maker& error, const std::vector<std::string>& outcomes);

}  // namespace stampede::sim
