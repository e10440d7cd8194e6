// What `stampede validate` prints about a scenario: a few lines in words.
#include <cmath>
#include <sstream>

#include "reports/reports.hpp"

namespace stampede::reports {

std::string describe(const sim::scenario& s) {
  std::ostringstream out;
  out << s.name;
  if (!s.description.empty()) out << ": " << s.description;
  out << "\n";
  out << "  time: horizon " << sim::format_duration(s.horizon) << ", tick "
      << sim::format_duration(s.tick) << ", report every "
      << sim::format_duration(s.report_interval) << ", scale " << sim::number_text(s.scale)
      << ", seed " << s.seed << "\n";
  out << "  population: " << sim::number_text(s.population_size) << " users ("
      << s.simulated_users() << " simulated), " << s.adoption.model << " adoption p "
      << sim::number_text(s.adoption.innovation * 86400) << "/day, q "
      << sim::number_text(s.adoption.imitation * 86400) << "/day, "
      << sim::number_text(s.adoption.initial_adopters) << " initial adopters\n";
  if (s.adoption.is_cascade()) {
    const sim::cascade_spec& c = s.adoption.cascade;
    out << "  cascade: scale-free graph, mean " << sim::number_text(c.mean_degree)
        << " followers, exponent " << sim::number_text(c.exponent) << "; a completed "
        << s.endpoints[static_cast<std::size_t>(c.share_endpoint)].name
        << " shares, and a follower who sees it adopts with probability "
        << sim::number_text(c.share_exposure) << "\n";
  }
  if (s.regions.size() > 1 || s.tiers.size() > 1) {
    out << "  regions:";
    for (const auto& r : s.regions) {
      out << " " << r.name << " " << sim::number_text(r.share * 100) << "% (UTC"
          << (r.utc_offset < 0 ? "-" : "+") << sim::format_duration(std::abs(r.utc_offset)) << ")";
    }
    out << "; tiers:";
    for (const auto& t : s.tiers) {
      out << " " << t.name << " " << sim::number_text(t.share * 100) << "% ("
          << sim::number_text(t.sessions_per_day) << " sessions/day";
      if (t.price_per_month > 0) out << ", $" << sim::number_text(t.price_per_month) << "/month";
      out << ")";
    }
    out << "\n";
  }
  out << "  behavior: " << sim::number_text(s.tiers.front().sessions_per_day) << " sessions/day, "
      << s.behavior.requests_per_session.describe() << " requests/session, think time (s) "
      << s.behavior.think_time.describe() << ", mix";
  for (std::size_t i = 0; i < s.endpoints.size() && i < s.behavior.mix.size(); ++i) {
    out << (i == 0 ? " " : ", ") << s.endpoints[i].name << " "
        << sim::number_text(s.behavior.mix[i]);
  }
  out << "\n  endpoints:";
  for (std::size_t i = 0; i < s.endpoints.size(); ++i) {
    const auto& e = s.endpoints[i];
    out << (i == 0 ? " " : "; ") << e.name << " -> "
        << s.pools.at(static_cast<std::size_t>(e.pool)).name << " (work (s) " << e.work.describe()
        << ")";
  }
  out << "\n  pools:";
  for (std::size_t i = 0; i < s.pools.size(); ++i) {
    const auto& p = s.pools[i];
    out << (i == 0 ? " " : "; ") << p.name << " " << p.servers << " servers, queue "
        << p.queue_capacity << ", $" << sim::number_text(p.cost_per_server_hour) << "/server-hour";
    if (p.dispatch != sim::dispatch_policy::shared)
      out << ", " << sim::dispatch_names()[static_cast<std::size_t>(p.dispatch)] << " dispatch";
  }
  for (const auto& r : s.rate_limits) {
    out << "\n  rate limit: " << s.tiers[static_cast<std::size_t>(r.tier)].name << " on "
        << s.endpoints[static_cast<std::size_t>(r.endpoint)].name << " "
        << sim::number_text(r.per_day) << "/day per user";
  }
  if (s.behavior.retry.max > 0) {
    out << "\n  retries: up to " << s.behavior.retry.max << ", backoff "
        << sim::format_duration(s.behavior.retry.backoff) << " x"
        << sim::number_text(s.behavior.retry.multiplier);
  }
  if (!s.events.empty()) {
    static const char* names[] = {"imitation_boost", "rate_limit", "add_servers", "remove_servers",
                                  "outage"};
    out << "\n  events:";
    for (std::size_t i = 0; i < s.events.size(); ++i) {
      out << (i == 0 ? " " : "; ") << sim::format_duration(s.events[i].at) << " "
          << names[static_cast<int>(s.events[i].what)];
    }
  }
  out << "\n  slo:";
  if (s.slos.empty()) out << " none";
  for (std::size_t i = 0; i < s.slos.size(); ++i) {
    const auto& o = s.slos[i];
    out << (i == 0 ? " " : "; ") << s.endpoints.at(static_cast<std::size_t>(o.endpoint)).name << " "
        << o.key << " <= ";
    if (o.what == sim::slo_spec::kind::max_rejected) {
      out << sim::number_text(o.threshold * 100) << "%";
    } else {
      out << sim::format_duration(sim::from_seconds(o.threshold));
    }
  }
  out << "\n";
  if (s.loadtest) {
    const sim::loadtest_spec& l = *s.loadtest;
    out << "  loadtest: target " << (l.target.empty() ? "the modeled service" : l.target)
        << ", time scale " << sim::number_text(l.time_scale) << ", rate scale "
        << sim::number_text(l.rate_scale) << ", " << l.connections << " to " << l.max_connections
        << " connections, timeout " << sim::format_duration(l.timeout) << ";";
    for (std::size_t i = 0; i < l.requests.size() && i < s.endpoints.size(); ++i) {
      if (l.requests[i].path.empty()) continue;
      out << " " << s.endpoints[i].name << " " << l.requests[i].method << " " << l.requests[i].path
          << ";";
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace stampede::reports
