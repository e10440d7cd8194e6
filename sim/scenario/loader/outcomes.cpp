// What a run is judged by: slo:, business:, figures: and tuned:.
#include <algorithm>
#include <cmath>

#include "sim/results/figures.hpp"
#include "sim/scenario/limits.hpp"
#include "sim/scenario/loader/loader.hpp"

namespace stampede::sim::loading {

void loader::load_business(const node_ref& at, scenario& s) const {
  const auto items = entries(at);
  check_keys(items, {"price_per_month", "conversion", "churn"});
  if (auto n = optional(items, "price_per_month")) {
    for (const auto& e : entries(*n, "a map of tier name to USD a month")) {
      const node_ref key{YAML::Node(e.key), e.value.path, e.key_mark};
      s.tiers[static_cast<std::size_t>(tier_of(key, s))].price_per_month =
          non_negative_number(e.value, limits::max_price);
    }
  }
  if (auto n = optional(items, "conversion")) {
    const auto fields = entries(*n, "a map like {free_to_plus: 0.01/month}");
    if (fields.size() != 1)
      fail(*n, "expected exactly one conversion like free_to_plus: 0.01/month");
    const auto& e = fields.front();
    const auto split = e.key.find("_to_");
    if (split == std::string::npos) {
      fail(e.key_mark, e.value.path,
           "expected a key FROM_to_TO naming two tiers, like free_to_plus");
    }
    s.business.convert_from =
        tier_of({YAML::Node(e.key.substr(0, split)), e.value.path, e.key_mark}, s);
    s.business.convert_to =
        tier_of({YAML::Node(e.key.substr(split + 4)), e.value.path, e.key_mark}, s);
    if (s.business.convert_from == s.business.convert_to) {
      fail(e.key_mark, e.value.path, "expected two different tiers");
    }
    s.business.conversion = rate_in_run(e.value, s);
  }
  if (auto n = optional(items, "churn")) s.business.churn = rate_in_run(*n, s);
}

// `figures:` public figures to compare the run with (sim/results/figures.hpp); each
// metric takes exactly the parameters it needs.
void loader::load_figures(const node_ref& at, scenario& s) const {
  for_each_item(
      at, "a list of figures like {name: ..., metric: adopters_at, at: 7d, value: 130_000_000}",
      [&](const node_ref& item) {
        const auto fields = entries(item);
        figure_spec f;
        const node_ref metric = required(item, fields, "metric");
        f.metric = text(metric, "a metric name");
        const figure_metric_info* info = find_figure_metric(f.metric);
        if (!info) {
          std::vector<std::string> names;
          for (const auto& m : figure_metrics()) names.push_back(m.name);
          fail(metric, "unknown metric " + quoted(f.metric) +
                           did_you_mean_or_list(f.metric, names, "metrics are"));
        }
        std::vector<std::string> keys{"name",   "metric", "value",   "tolerance",
                                      "source", "role",   "compare", "leave_one_out"};
        if (info->needs_at) keys.push_back("at");
        if (info->takes_until) keys.push_back("until");
        if (info->needs_endpoint) keys.push_back("endpoint");
        if (info->needs_pool) keys.push_back("pool");
        check_keys(fields, keys);
        f.name = text(required(item, fields, "name"), "a name");
        if (f.name.empty()) expected(required(item, fields, "name"), "a non-empty name");
        f.value = number(required(item, fields, "value"), "a number",
                         [](double v) { return std::isfinite(v); });
        if (auto n = optional(fields, "tolerance")) f.tolerance = non_negative_number(*n);
        if (auto n = optional(fields, "source")) f.source = text(*n);
        if (auto n = optional(fields, "role")) {
          const std::vector<std::string>& roles = figure_role_names();
          const std::string role = one_of(*n, "figure role", roles);
          f.role =
              static_cast<figure_role>(std::find(roles.begin(), roles.end(), role) - roles.begin());
        }
        if (auto n = optional(fields, "leave_one_out")) {
          if (f.role != figure_role::target) {
            fail(*n,
                 "only a calibration target (role: target) is fitted, so only it has a "
                 "leave-one-out error");
          }
          f.leave_one_out = number(*n, "a relative error like -0.042 (-4.2%)",
                                   [](double v) { return std::isfinite(v); });
        }
        if (auto n = optional(fields, "compare")) {
          f.at_least = one_of(*n, "comparison", {"within", "at_least"}) == "at_least";
        }
        const auto time_in_run = [&](const node_ref& n) {
          const vtime t = positive_duration(n);
          if (t > s.horizon) {
            expected(n, "a time within the horizon (" + format_duration(s.horizon) + ")");
          }
          return t;
        };
        if (info->needs_at) f.at = time_in_run(required(item, fields, "at"));
        if (info->takes_until) {
          if (auto n = optional(fields, "until")) f.at = time_in_run(*n);
        }
        if (info->needs_endpoint) f.endpoint = endpoint_of(required(item, fields, "endpoint"), s);
        if (info->needs_pool) f.pool = pool_of(required(item, fields, "pool"), s);
        s.figures.push_back(f);
      },
      true);
}

// `tuned:` the key paths of the values tuned to the calibration targets; each
// must name a value the document sets, so the list cannot drift from the file.
void loader::load_tuned(const node_ref& at, const YAML::Node& root, scenario& s) const {
  for_each_item(at, "a list of key paths like [adoption.imitation, platform.pools[0].servers]",
                [&](const node_ref& item) {
                  const std::string path = text(item, "a key path like adoption.imitation");
                  const auto segments =
                      split_key_path(path, [&](const std::string& why) { fail(item, why); });
                  if (!value_at_path(root, segments).IsDefined()) {
                    fail(item, "no value at " + quoted(path) +
                                   " in this scenario; expected the key path of a value it sets");
                  }
                  s.tuned.push_back(path);
                });
}

void loader::load_slos(const node_ref& at, scenario& s) const {
  if (!at.node.IsSequence())
    expected(at, "a list of objectives like {endpoint: x, latency_p99: 2m}");
  static const std::vector<std::pair<std::string, double>> latency_keys = {
      {"latency_p50", 0.5}, {"latency_p90", 0.9}, {"latency_p99", 0.99}, {"latency_p999", 0.999}};
  const std::vector<std::string> known = {"endpoint",    "latency_p50",  "latency_p90",
                                          "latency_p99", "latency_p999", "max_rejected"};
  for (std::size_t i = 0; i < at.node.size(); ++i) {
    const YAML::Node item = at.node[i];
    const node_ref slo{item, at.path + "[" + std::to_string(i) + "]", item.Mark()};
    const auto items = entries(slo);
    check_keys(items, known);
    slo_spec spec;
    spec.endpoint = endpoint_of(required(slo, items, "endpoint"), s);
    std::vector<const map_entry*> objectives;
    for (const auto& e : items) {
      if (e.key != "endpoint") objectives.push_back(&e);
    }
    if (objectives.size() != 1) {
      std::string got = "none";
      if (objectives.size() > 1) {
        got = objectives[0]->key;
        for (std::size_t k = 1; k < objectives.size(); ++k) got += " and " + objectives[k]->key;
      }
      fail(slo,
           "expected exactly one of latency_p50, latency_p90, latency_p99, latency_p999, "
           "max_rejected, got " +
               got);
    }
    const map_entry& objective = *objectives[0];
    spec.key = objective.key;
    if (spec.key == "max_rejected") {
      spec.what = slo_spec::kind::max_rejected;
      spec.threshold = share(objective.value);
    } else {
      spec.what = slo_spec::kind::latency_quantile;
      for (const auto& [key, q] : latency_keys) {
        if (key == spec.key) spec.quantile = q;
      }
      spec.threshold = to_seconds(positive_duration(objective.value));
    }
    s.slos.push_back(spec);
  }
}

}  // namespace stampede::sim::loading
