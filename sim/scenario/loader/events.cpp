// events: the timeline of changes during a run.
#include <algorithm>

#include "sim/scenario/limits.hpp"
#include "sim/scenario/loader/loader.hpp"

namespace stampede::sim::loading {

void loader::load_events(const node_ref& at, scenario& s) const {
  static const std::vector<std::pair<std::string, event_spec::kind>> kinds = {
      {"imitation_boost", event_spec::kind::imitation_boost},
      {"rate_limit", event_spec::kind::rate_limit},
      {"add_servers", event_spec::kind::add_servers},
      {"remove_servers", event_spec::kind::remove_servers},
      {"outage", event_spec::kind::outage}};
  for_each_item(
      at, "a list of events like {at: 1d, kind: add_servers, pool: gpu, count: 100}",
      [&](const node_ref& item) {
        const auto fields = entries(item);
        event_spec e;
        const node_ref when = required(item, fields, "at");
        e.at = duration(when);
        if (e.at >= s.horizon) {
          expected(when, "a time before the horizon (" + format_duration(s.horizon) + ")");
        }
        const node_ref kind = required(item, fields, "kind");
        const std::string name = text(kind, "an event kind");
        std::vector<std::string> names;
        bool found_kind = false;
        for (const auto& [n, k] : kinds) {
          names.push_back(n);
          if (n == name) {
            e.what = k;
            found_kind = true;
          }
        }
        if (!found_kind) {
          fail(kind, "unknown event kind " + quoted(name) +
                         did_you_mean_or_list(name, names, "kinds are"));
        }
        switch (e.what) {
          case event_spec::kind::imitation_boost:
            check_keys(fields, {"at", "kind", "factor", "for"});
            e.factor = positive_number(required(item, fields, "factor"), limits::max_boost);
            if (auto f = optional(fields, "for")) e.duration = positive_duration(*f);
            break;
          case event_spec::kind::rate_limit:
            check_keys(fields, {"at", "kind", "tier", "endpoint", "limit"});
            e.tier = tier_of(required(item, fields, "tier"), s);
            e.endpoint = endpoint_of(required(item, fields, "endpoint"), s);
            e.per_day = per_day_limit(required(item, fields, "limit"));
            break;
          case event_spec::kind::add_servers:
          case event_spec::kind::remove_servers:
            check_keys(fields, {"at", "kind", "pool", "count"});
            e.pool = pool_of(required(item, fields, "pool"), s);
            e.count = positive_integer(required(item, fields, "count"), limits::max_servers);
            break;
          case event_spec::kind::outage:
            check_keys(fields, {"at", "kind", "pool", "count", "for"});
            e.pool = pool_of(required(item, fields, "pool"), s);
            e.count = positive_integer(required(item, fields, "count"), limits::max_servers);
            e.duration = positive_duration(required(item, fields, "for"));
            break;
        }
        s.events.push_back(e);
      },
      true);
  std::stable_sort(s.events.begin(), s.events.end(),
                   [](const event_spec& a, const event_spec& b) { return a.at < b.at; });
}

}  // namespace stampede::sim::loading
