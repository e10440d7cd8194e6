// `tune:` the values `stampede fit figures` may tune, by key path, each with
// its range: {min: 0.1/day, max: 2/day}, numbers, rates or durations as the
// value is written in the scenario (sim/scenario/tune.hpp).
#include <cmath>

#include "sim/scenario/loader/loader.hpp"

namespace stampede::sim::loading {

void loader::load_tune(const node_ref& at, const YAML::Node& root, scenario& s) const {
  for (const map_entry& e :
       entries(at,
               "a map of key paths to ranges like {adoption.imitation: {min: 0.1/day, "
               "max: 2/day}}")) {
    const node_ref key{YAML::Node(e.key), e.value.path, e.key_mark};
    const auto segments = split_key_path(e.key, [&](const std::string& why) { fail(key, why); });
    for (const char* fixed : {"seed", "tune", "figures", "tuned", "projection"}) {
      if (segments[0].key == fixed) {
        fail(key, std::string(fixed) + " cannot be tuned; expected the key path of a model value");
      }
    }
    const auto items = entries(e.value, "a range like {min: 0.1/day, max: 2/day}");
    check_keys(items, {"min", "max", "round"});
    tunable t;
    t.key = e.key;
    t.line = e.value.mark.line + 1;
    t.column = e.value.mark.column + 1;
    // A bound: a positive number, rate or duration (the search is in log space).
    const auto bound = [&](const char* name) {
      const node_ref n = required(e.value, items, name);
      const auto q = n.node.IsScalar() ? parse_quantity(n.node.Scalar()) : std::nullopt;
      if (!q || !(q->first > 0) || !std::isfinite(q->first)) {
        expected(n,
                 "a positive number, rate like 0.2/day or duration like 6s (the search is "
                 "in log space)");
      }
      return std::pair{*q, n};
    };
    const auto [low, low_at] = bound("min");
    const auto [high, high_at] = bound("max");
    if (high.second != low.second) {
      fail(high_at, "expected the same kind of value as min (both numbers, rates or durations)");
    }
    if (!(high.first > low.first)) fail(high_at, "expected max > min");
    t.min = low.first;
    t.max = high.first;
    t.kind = low.second;
    if (auto n = optional(items, "round")) {
      t.round = boolean(*n);
      if (t.round && t.kind != uncertain_input::unit::number) {
        fail(*n, "only plain numbers can be rounded");
      }
    }
    // The search starts at the scenario's own value, which must be of the
    // same kind and within the range.
    const YAML::Node value = value_at_path(root, segments);
    if (!value.IsDefined()) {
      t.start = std::sqrt(t.min * t.max);
    } else {
      const auto q = value.IsScalar() ? parse_quantity(value.Scalar()) : std::nullopt;
      if (!q || q->second != t.kind) {
        fail(key, "the scenario's value at " + quoted(e.key) + " is " + found(value) +
                      "; expected a value of the same kind as min and max");
      }
      if (q->first < t.min || q->first > t.max) {
        fail(key, "the scenario's value " + value.Scalar() + " is outside [" +
                      low_at.node.Scalar() + ", " + high_at.node.Scalar() +
                      "]; the search starts there");
      }
      t.start = q->first;
    }
    for (const tunable& earlier : s.tune) {
      if (earlier.key == t.key) fail(key, "duplicate key path");
    }
    s.tune.push_back(t);
  }
}

}  // namespace stampede::sim::loading
