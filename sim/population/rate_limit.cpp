#include "sim/population/rate_limit.hpp"

#include <limits>

namespace stampede::sim {

daily_limits::daily_limits(const scenario& s, int tier)
    : events_(&s.events), tier_(tier), slot_(s.endpoints.size(), -1) {
  auto add_slot = [&](int t, int endpoint) {
    const auto e = static_cast<std::size_t>(endpoint);
    if (t != tier_ || slot_[e] >= 0) return;
    slot_[e] = static_cast<int>(limit_.size());
    limit_.push_back(std::numeric_limits<double>::infinity());
  };
  for (const rate_limit_spec& r : s.rate_limits) add_slot(r.tier, r.endpoint);
  for (const event_spec& e : s.events) {
    if (e.what == event_spec::kind::rate_limit) add_slot(e.tier, e.endpoint);
  }
  for (const rate_limit_spec& r : s.rate_limits) {
    if (r.tier == tier_)
      limit_[static_cast<std::size_t>(slot_[static_cast<std::size_t>(r.endpoint)])] = r.per_day;
  }
}

void daily_limits::apply_events_to(vtime t) {
  const auto& events = *events_;
  for (; next_event_ < events.size() && events[next_event_].at <= t; ++next_event_) {
    const event_spec& e = events[next_event_];
    if (e.what != event_spec::kind::rate_limit || e.tier != tier_) continue;
    limit_[static_cast<std::size_t>(slot_[static_cast<std::size_t>(e.endpoint)])] = e.per_day;
  }
  next_event_at_ =
      next_event_ < events.size() ? events[next_event_].at : std::numeric_limits<vtime>::max();
}

}  // namespace stampede::sim
