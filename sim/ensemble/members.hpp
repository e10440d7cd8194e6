#pragma once
// The members of an ensemble (`stampede project`): member i draws its own seed
// and its uncertain inputs from (scenario seed, i) on a counter-based stream,
// and is the plain run of the scenario with those values as `--set` overrides.
#include <cstdint>
#include <string>
#include <vector>

#include "sim/scenario/scenario.hpp"

namespace stampede::sim {

/// What member `index` runs: its seed and each uncertain input's draw.
struct member_draw {
  std::uint64_t index = 0;
  std::uint64_t seed = 0;
  /// One per scenario::projection.uncertain, in base units (as rounded when `round`).
  std::vector<double> inputs;
  /// "seed=S", then "key=value" per input: appended to the user's overrides,
  /// they make `stampede run FILE --set ...` this member.
  std::vector<std::string> overrides;
};

/// Member `index` of the ensemble of `base` (the scenario as loaded with the
/// user's overrides): a pure function of base.seed, the inputs and the index.
member_draw draw_member(const scenario& base, std::uint64_t index);

/// Loads member `draw` of the scenario text `yaml` (named `file` in messages)
/// with `user_overrides` then its own. A draw the scenario refuses is reported
/// at the uncertain input that drew it: "f.yaml:30:25:
/// projection.uncertain.adoption.imitation: member 3 drew ...: <why>".
scenario load_member(std::string_view yaml, const std::string& file,
                     const std::vector<std::string>& user_overrides, const scenario& base,
                     const member_draw& draw);

}  // namespace stampede::sim
