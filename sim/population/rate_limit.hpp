#pragma once
// Per-user daily rate limits: the one rule that `run` (the population blocks)
// and `serve` (the modeled service) both apply.
//
// A day is the user's LOCAL calendar day (virtual time + the region's
// utc_offset): a limit is something a user lives with ("50 images a day"), and
// their day ends at their midnight, not at UTC's. The model's diurnal curve is
// local for the same reason.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "sim/base/units.hpp"
#include "sim/scenario/scenario.hpp"

namespace stampede::sim {

/// The local day of virtual time `at` in a region `utc_offset` ahead of UTC:
/// floor((at + utc_offset) / day). t = 0 is midnight UTC, so day 0 is the local
/// day that holds t = 0 and a region behind UTC starts on day -1.
constexpr vtime local_day(vtime at, vtime utc_offset) {
  const vtime local = at + utc_offset;
  return local >= 0 ? local / day : -((-local + day - 1) / day);
}

/// The daily limits on one tier's requests, per endpoint: `platform.rate_limits`
/// and the `rate_limit` events that change them. Each endpoint the tier is ever
/// limited on has a slot (a counter per user); the others are never limited.
class daily_limits {
 public:
  /// The limits of tier `tier` of `s` (its events must be in time order).
  daily_limits(const scenario& s, int tier);

  /// The slot of `endpoint`, or -1 when the tier is never limited on it.
  int slot(std::size_t endpoint) const { return slot_[endpoint]; }
  /// How many slots (counters per user) the tier needs.
  std::size_t slots() const { return limit_.size(); }
  /// Puts in force the `rate_limit` events at or before `t`; `t` must not
  /// decrease from one call to the next.
  void advance_to(vtime t) {
    if (t >= next_event_at_) apply_events_to(t);
  }
  /// Whether a user who sent `used` requests on slot `slot` today may send one
  /// more (a limit not yet in force is +inf).
  bool allows(std::size_t slot, std::uint32_t used) const { return used + 1.0 <= limit_[slot]; }
  /// The tables read per request, to prefetch.
  const void* slot_table() const { return slot_.data(); }
  const void* limit_table() const { return limit_.data(); }

 private:
  const std::vector<event_spec>* events_;
  int tier_;
  std::vector<int> slot_;
  std::vector<double> limit_;
  std::size_t next_event_ = 0;
  /// When events_[next_event_] happens (never once all have): every step of
  /// every block asks, and the answer is mostly "nothing yet".
  vtime next_event_at_ = 0;

  void apply_events_to(vtime t);
};

}  // namespace stampede::sim
