// platform: pools (queue, cost, dispatch, batch, autoscale), endpoints and rate limits.
#include <algorithm>
#include <cmath>

#include "sim/scenario/limits.hpp"
#include "sim/scenario/loader/loader.hpp"

namespace stampede::sim::loading {

void loader::load_platform(const node_ref& at, scenario& s) const {
  const auto items = entries(at);
  check_keys(items, {"endpoints", "pools", "rate_limits"});

  const node_ref pools = required(at, items, "pools");
  if (!pools.node.IsSequence()) expected(pools, "a list of pools");
  if (pools.node.size() == 0) fail(pools, "expected at least one pool, got an empty list");
  check_count(pools, pools.node.size(), "pools");
  std::vector<std::string> pool_paths;
  for (std::size_t i = 0; i < pools.node.size(); ++i) {
    const YAML::Node item = pools.node[i];
    const node_ref pool{item, pools.path + "[" + std::to_string(i) + "]", item.Mark()};
    s.pools.push_back(load_pool(pool, s, pool_paths));
    pool_paths.push_back(pool.path);
  }

  const node_ref endpoints = required(at, items, "endpoints");
  const auto defined = entries(endpoints, "a map of endpoint name to {pool, work}");
  if (defined.empty()) fail(endpoints, "expected at least one endpoint, got an empty map");
  check_count(endpoints, defined.size(), "endpoints");
  for (const auto& e : defined) {
    if (e.key.empty()) fail(e.key_mark, e.value.path, "expected a non-empty endpoint name");
    const auto fields = entries(e.value, "a map with pool and work");
    check_keys(fields, {"pool", "work"});
    endpoint_spec spec;
    spec.name = e.key;
    spec.pool = pool_of(required(e.value, fields, "pool"), s);
    spec.work = parse_distribution(required(e.value, fields, "work"), domain::duration);
    s.endpoints.push_back(spec);
  }
  if (auto n = optional(items, "rate_limits")) {
    for_each_item(
        *n, "a list of limits like {tier: free, endpoint: generate_image, limit: 3/day}",
        [&](const node_ref& item) {
          const auto fields = entries(item);
          check_keys(fields, {"tier", "endpoint", "limit"});
          rate_limit_spec r;
          r.tier = tier_of(required(item, fields, "tier"), s);
          r.endpoint = endpoint_of(required(item, fields, "endpoint"), s);
          r.per_day = per_day_limit(required(item, fields, "limit"));
          s.rate_limits.push_back(r);
        },
        true);
  }
}

// A rate limit: "3/day" per user; at most 65535 a day (the per-user counters
// are 16 bits).
double loader::per_day_limit(const node_ref& at) const {
  const double per_day = rate(at) * 86400.0;
  if (per_day > 65535) expected(at, "a limit of at most 65535/day");
  return per_day;
}

pool_spec loader::load_pool(const node_ref& at, const scenario& s,
                            const std::vector<std::string>& earlier_paths) const {
  const auto items = entries(at);
  check_keys(items, {"name", "servers", "queue", "cost_per_server_hour", "batch", "autoscale",
                     "dispatch"});
  pool_spec p;
  const node_ref name = required(at, items, "name");
  p.name = text(name, "a pool name");
  if (p.name.empty()) expected(name, "a non-empty pool name");
  const int earlier = s.pool_index(p.name);
  if (earlier >= 0) {
    fail(name, "duplicate pool name " + quoted(p.name) + " (already used by " +
                   earlier_paths[static_cast<std::size_t>(earlier)] + ")");
  }
  p.servers = positive_integer(required(at, items, "servers"), limits::max_servers);
  if (auto q = optional(items, "queue")) {
    const auto fields = entries(*q);
    check_keys(fields, {"capacity", "discipline"});
    if (auto c = optional(fields, "capacity")) p.queue_capacity = positive_integer(*c);
    if (auto d = optional(fields, "discipline")) {
      const std::string discipline = text(*d, "a queue discipline");
      if (discipline != "fifo") {
        fail(*d, "discipline " + quoted(discipline) +
                     " is not supported yet in this version (only fifo)");
      }
    }
  }
  if (auto c = optional(items, "cost_per_server_hour")) {
    p.cost_per_server_hour = non_negative_number(*c, limits::max_price);
  }
  if (auto b = optional(items, "batch")) p.batch = load_batch(*b);
  if (auto a = optional(items, "autoscale")) p.autoscale = load_autoscale(*a, p, s);
  if (auto d = optional(items, "dispatch")) p.dispatch = load_dispatch(*d);
  return p;
}

dispatch_policy loader::load_dispatch(const node_ref& at) const {
  const std::vector<std::string>& names = dispatch_names();
  const std::string name = text(at, "a dispatch policy");
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) {
    fail(at, "unknown dispatch " + quoted(name) +
                 did_you_mean_or_list(name, names, "known policies are"));
  }
  return static_cast<dispatch_policy>(it - names.begin());
}

// batch: {max: 8, timeout: 200ms, speedup: {1: 1.0, 4: 2.9, 8: 5.1}}
batch_spec loader::load_batch(const node_ref& at) const {
  const auto fields = entries(at, "a map like {max: 8, timeout: 200ms, speedup: {1: 1, 8: 5}}");
  check_keys(fields, {"max", "timeout", "speedup"});
  batch_spec b;
  b.max =
      static_cast<int>(number(required(at, fields, "max"), "a batch size from 1 to 65536",
                              [](double v) { return v >= 1 && v <= 65536 && v == std::floor(v); }));
  if (auto t = optional(fields, "timeout")) b.timeout = duration(*t);
  if (auto table = optional(fields, "speedup")) {
    const auto points = entries(*table, "a map of batch size to speed-up, like {1: 1.0, 8: 5.1}");
    for (const auto& e : points) {
      const auto size = parse_number(e.key);
      if (!size || *size < 1 || *size > 65536 || *size != std::floor(*size)) {
        fail(e.key_mark, e.value.path,
             "expected a batch size (an integer from 1), got " + quoted(e.key));
      }
      const int n = static_cast<int>(*size);
      const double value = positive_number(e.value);
      if (!b.speedup.empty() && n <= b.speedup.back().first) {
        fail(e.key_mark, e.value.path, "batch sizes must be in increasing order");
      }
      // A batch of one is the plain server: its speed-up is 1 by definition.
      if (n == 1 && value != 1.0) {
        fail(e.value, "the speed-up of a batch of 1 must be 1 (got " + e.value.node.Scalar() + ")");
      }
      if (value < limits::min_speedup || value > n) {
        expected(e.value, "a speed-up from " + number_text(limits::min_speedup) +
                              " to the batch size (" + e.key + ")");
      }
      b.speedup.emplace_back(n, value);
    }
  }
  return b;
}

// autoscale: {target_utilization: 0.8, step: 1000, provisioning_delay: 6h, max: 40_000}
autoscale_spec loader::load_autoscale(const node_ref& at, const pool_spec& p,
                                      const scenario& s) const {
  const auto fields = entries(at, "a map like {target_utilization: 0.8, step: 10, max: 100}");
  check_keys(fields, {"target_utilization", "step", "provisioning_delay", "max", "interval"});
  autoscale_spec a;
  a.enabled = true;
  a.target_utilization =
      number(required(at, fields, "target_utilization"), "a utilization in (0, 1]",
             [](double v) { return v > 0 && v <= 1; });
  a.step = positive_integer(required(at, fields, "step"), limits::max_servers);
  if (auto d = optional(fields, "provisioning_delay")) a.provisioning_delay = duration(*d);
  const node_ref max = required(at, fields, "max");
  a.max = positive_integer(max, limits::max_servers);
  if (a.max < p.servers) {
    expected(max,
             "a maximum no smaller than the pool's servers (" + std::to_string(p.servers) + ")");
  }
  if (auto i = optional(fields, "interval")) {
    a.interval = positive_duration(*i);
    // The autoscaler looks at window boundaries: other intervals would drift.
    if (a.interval % s.tick != 0) {
      expected(*i, "a positive multiple of tick (" + format_duration(s.tick) + ")");
    }
  } else if (a.interval % s.tick != 0) {
    a.interval = std::max<vtime>(s.tick, a.interval / s.tick * s.tick);
  }
  return a;
}

}  // namespace stampede::sim::loading
