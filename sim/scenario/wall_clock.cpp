#include "sim/scenario/wall_clock.hpp"

#include <algorithm>
#include <stdexcept>

namespace stampede::sim {

double wall_clock_scale(double scale, double rate_scale) {
  return scale * rate_scale;
}

scenario wall_clock_model(const scenario& s, wall_clock_role role) {
  if (!s.loadtest) throw std::invalid_argument("the scenario has no loadtest section");
  scenario m = s;
  m.scale = wall_clock_scale(s.scale, s.loadtest->rate_scale);
  switch (role) {
    case wall_clock_role::generator:
      m.rate_limits.clear();
      std::erase_if(m.events,
                    [](const event_spec& e) { return e.what == event_spec::kind::rate_limit; });
      break;
    case wall_clock_role::service: {
      const double ten_years_us = 10 * 365.0 * 86400e6 * s.loadtest->time_scale;
      const vtime horizon = static_cast<vtime>(std::min(ten_years_us, 4.0e18)) / 1000 * 1000;
      m.horizon = std::max<vtime>(horizon, 1000);
      m.tick = m.horizon / 1000;
      m.report_interval = m.tick;
      m.max_samples = 1;
      break;
    }
  }
  return m;
}

}  // namespace stampede::sim
