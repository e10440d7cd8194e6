#pragma once
// The smallest scenario the section tests append their section to (tune:,
// projection:): 15 lines, so an error in the appended text is on line 16 on.
#include <string>

namespace stampede::test {

inline const std::string minimal_scenario = R"(scenario: minimal
horizon: 1d
population:
  size: 1000
adoption:
  innovation: 0.1/day
  imitation: 0.5/day
behavior:
  sessions_per_day: 2
  mix: {api: 1}
platform:
  endpoints:
    api: {pool: web, work: 50ms}
  pools:
    - name: web
      servers: 4
)";

}  // namespace stampede::test
