#include "sim/scenario/limits.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "sim/observe/intervals.hpp"
#include "sim/population/population.hpp"
#include "sim/scenario/scenario.hpp"

namespace stampede::sim {

namespace {

// Bytes of one simulated user (population.hpp's user_records: 3 a user, 2 more
// per rate-limited endpoint; the cascade's slot <-> node permutation, 4), and
// one more for the sessions and pending retries of the active ones.
double bytes_per_user(const scenario& s) {
  std::set<int> limited;
  for (const auto& r : s.rate_limits) limited.insert(r.endpoint);
  for (const auto& e : s.events) {
    if (e.what == event_spec::kind::rate_limit) limited.insert(e.endpoint);
  }
  return 3.0 + 2.0 * static_cast<double>(limited.size()) + (s.adoption.is_cascade() ? 4 : 0) + 1;
}

// The most servers a pool may have at once, simulated.
double peak_servers(const scenario& s, std::size_t pool) {
  const pool_spec& p = s.pools[pool];
  double real = static_cast<double>(p.servers);
  for (const auto& e : s.events) {
    if (e.what == event_spec::kind::add_servers && e.pool == static_cast<int>(pool)) {
      real += static_cast<double>(e.count);
    }
  }
  if (p.autoscale.enabled) real = std::max(real, static_cast<double>(p.autoscale.max));
  return std::max(1.0, real * s.scale);
}

std::string bytes_text(double bytes) {
  std::ostringstream out;
  out.precision(3);
  if (bytes >= 1e12) {
    out << bytes / (1ull << 40) << " TiB";
  } else if (bytes >= 1e9) {
    out << bytes / (1 << 30) << " GiB";
  } else {
    out << bytes / (1 << 20) << " MiB";
  }
  return out.str();
}

// A number with 3 significant digits, for estimates ("1.2e+04").
std::string three_digits(double v) {
  std::ostringstream out;
  out.precision(3);
  out << v;
  return out.str();
}

}  // namespace

run_needs estimate_needs(const scenario& s) {
  run_needs n;
  const auto users = static_cast<double>(s.simulated_users());
  const double blocks = std::ceil(users / block_layout::block_size) +
                        static_cast<double>(s.regions.size() * s.tiers.size());
  const double intervals = std::ceil(static_cast<double>(s.horizon) / s.report_interval);
  const auto endpoints = static_cast<double>(s.endpoints.size());
  const auto pools = static_cast<double>(s.pools.size());
  const double days = to_seconds(s.horizon) / 86400;
  n.windows = std::ceil(static_cast<double>(s.horizon) / static_cast<double>(s.tick));

  double sessions_per_day = 0;
  for (const auto& t : s.tiers) sessions_per_day = std::max(sessions_per_day, t.sessions_per_day);
  n.requests = users * sessions_per_day * days * s.behavior.requests_per_session.mean() *
               (1 + s.behavior.retry.max);

  double servers = 0;
  for (std::size_t p = 0; p < s.pools.size(); ++p) servers += peak_servers(s, p);
  // Samples: each endpoint keeps up to samples_per_endpoint() latencies (a
  // float each); sorting them for the quantiles holds a copy and a temporary.
  const double samples =
      std::min(static_cast<double>(s.samples_per_endpoint()) * endpoints, n.requests) * 3 *
      sizeof(float);
  n.scaled_bytes = users * bytes_per_user(s) + blocks * sizeof(population_block) +
                   servers * 2 * sizeof(vtime) + samples;
  n.bytes = n.scaled_bytes +
            intervals * (pools * endpoints * sizeof(endpoint_interval) +
                         2 * pools * sizeof(pool_interval) + sizeof(population_interval));
  return n;
}

std::string refuse_run(const scenario& s, const run_needs& needs, const run_budget& budget) {
  std::ostringstream out;
  if (needs.windows > budget.windows) {
    const double tick = to_seconds(s.horizon) / budget.windows;
    out << "the run needs " << three_digits(needs.windows) << " windows (horizon "
        << format_duration(s.horizon) << " / tick " << format_duration(s.tick)
        << "), more than the " << three_digits(budget.windows)
        << " that take hours; --set tick=" << format_duration(from_seconds(std::ceil(tick)))
        << " or a shorter horizon would fit";
    return out.str();
  }
  if (needs.bytes > budget.bytes) {
    out << "the run needs about " << bytes_text(needs.bytes) << " of memory ("
        << s.simulated_users() << " simulated users, " << s.pools.size()
        << " pools), the machine has " << bytes_text(budget.bytes) << " available; ";
    // Users, servers and samples shrink with --scale; the report intervals do
    // not. Either way a fifth of the memory is left to what the estimate misses.
    const double room = 0.8 * budget.bytes - (needs.bytes - needs.scaled_bytes);
    if (room > 0) {
      out << "--scale " << three_digits(s.scale * room / needs.scaled_bytes) << " would fit";
    } else {
      out << "a longer metrics.report_interval than " << format_duration(s.report_interval)
          << " or a shorter horizon would fit";
    }
    return out.str();
  }
  if (needs.requests > budget.requests) {
    const double fitting = s.scale * budget.requests / needs.requests;
    out << "the run may simulate up to " << three_digits(needs.requests)
        << " requests, more than the " << three_digits(budget.requests)
        << " that take hours; --scale " << three_digits(fitting) << " would fit";
    return out.str();
  }
  return {};
}

}  // namespace stampede::sim
