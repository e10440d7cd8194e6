#pragma once
// The scenario's `tune:` section: the values `stampede fit figures` may tune
// to the scenario's target figures, each by key path (as --set takes it) with
// the range it is searched in.
#include <string>

#include "sim/scenario/uncertainty.hpp"

namespace stampede::sim {

/// One tunable value: `adoption.imitation: {min: 0.1/day, max: 2/day}`.
struct tunable {
  /// The key path a fitted value overrides: "adoption.imitation".
  std::string key;
  /// The range searched, in base units (per second, seconds or plain), 0 < min < max.
  double min = 0;
  double max = 0;
  /// Where the search starts: the scenario's own value at `key` (after --set),
  /// or the geometric mean of min and max when the scenario sets none.
  double start = 0;
  uncertain_input::unit kind = uncertain_input::unit::number;
  /// Whole numbers only (`round: true`), for counts such as a pool's servers.
  bool round = false;
  /// Where the entry is written (1-based), for messages about its values.
  int line = 0;
  int column = 0;

  /// The `--set` value for `v` (base units), read back exactly by the loader.
  std::string value_text(double v) const { return quantity_text(v, kind, round); }
};

}  // namespace stampede::sim
