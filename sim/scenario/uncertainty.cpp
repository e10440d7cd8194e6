#include "sim/scenario/uncertainty.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <set>

#include "sim/scenario/limits.hpp"
#include "sim/scenario/scenario_loader.hpp"

namespace stampede::sim {

namespace {

/// The shortest text that reads back as the same double.
std::string exact(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

class projection_reader {
 public:
  explicit projection_reader(const error_maker& error) : error_(error) {}

  [[noreturn]] void fail(const YAML::Node& at, const YAML::Mark& fallback, const std::string& path,
                         const std::string& message) const {
    const YAML::Mark m = at.IsDefined() && at.Mark().line >= 0 ? at.Mark() : fallback;
    std::rethrow_exception(error_(m.line, m.column, path, message));
  }

  /// The keys of a map in file order, refusing a duplicate or one not in `known`.
  std::vector<std::pair<std::string, YAML::Node>> entries(const YAML::Node& map,
                                                          const std::string& path,
                                                          const std::vector<std::string>& known,
                                                          const std::string& what) const {
    if (!map.IsMap()) fail(map, map.Mark(), path, "expected " + what);
    std::vector<std::pair<std::string, YAML::Node>> out;
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (!it->first.IsScalar()) fail(it->first, map.Mark(), path, "expected plain keys");
      const std::string key = it->first.Scalar();
      const std::string here = path + "." + key;
      if (!seen.insert(key).second) fail(it->first, map.Mark(), here, "duplicate key");
      if (!known.empty() && std::find(known.begin(), known.end(), key) == known.end()) {
        std::string list;
        for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
        fail(it->first, map.Mark(), here, "unknown key; allowed keys are " + list);
      }
      out.emplace_back(key, it->second);
    }
    return out;
  }

  static const YAML::Node* find(const std::vector<std::pair<std::string, YAML::Node>>& items,
                                const std::string& key) {
    for (const auto& [k, v] : items) {
      if (k == key) return &v;
    }
    return nullptr;
  }

  projection_spec read(const YAML::Node& node, const std::string& path,
                       const std::vector<std::string>& outcomes) const {
    projection_spec p;
    const auto items =
        entries(node, path, {"members", "uncertain", "milestones"},
                "a map like {members: 200, uncertain: {adoption.imitation: {dist: ...}}}");
    if (const auto* m = find(items, "members")) {
      const auto v = m->IsScalar() ? parse_number(m->Scalar()) : std::nullopt;
      if (!v || *v < 1 || *v != std::floor(*v) || *v > static_cast<double>(max_members)) {
        fail(*m, node.Mark(), path + ".members",
             "expected a whole number of members from 1 to " + std::to_string(max_members));
      }
      p.members = static_cast<std::uint64_t>(*v);
    }
    if (const auto* u = find(items, "uncertain")) {
      const std::string upath = path + ".uncertain";
      for (const auto& [key, dist] : entries(*u, upath, {}, "a map of key paths to distributions"))
        p.uncertain.push_back(input(key, dist, upath + "." + key));
    }
    if (const auto* m = find(items, "milestones")) {
      const std::string mpath = path + ".milestones";
      for (const auto& [outcome, values] :
           entries(*m, mpath, outcomes, "a map of outcomes to lists of values")) {
        const std::string here = mpath + "." + outcome;
        if (!values.IsSequence() || values.size() == 0) {
          fail(values, m->Mark(), here, "expected a list of values, like [1_000_000, 10_000_000]");
        }
        for (const auto& v : values) {
          const auto x = v.IsScalar() ? parse_number(v.Scalar()) : std::nullopt;
          if (!x || !std::isfinite(*x)) fail(v, values.Mark(), here, "expected a number");
          p.milestones.push_back({outcome, *x});
        }
      }
    }
    return p;
  }

  uncertain_input input(const std::string& key, const YAML::Node& node,
                        const std::string& path) const {
    uncertain_input in;
    in.key = key;
    in.line = node.Mark().line + 1;
    in.column = node.Mark().column + 1;
    if (key == "seed" || key.starts_with("projection")) {
      fail(node, node.Mark(), path,
           "each member draws its own seed; seed and projection cannot be uncertain");
    }
    const auto items = entries(
        node, path, {"dist", "value", "mean", "median", "sigma", "low", "mode", "high", "round"},
        "a distribution like {dist: uniform, low: 0.1/day, high: 0.3/day}");
    std::optional<uncertain_input::unit> kind;
    // A parameter: a plain number, a rate or a duration, the same for all of one input.
    auto param = [&](const char* name, bool plain = false) {
      const YAML::Node* n = find(items, name);
      const std::string here = path + "." + name;
      if (n == nullptr) fail(node, node.Mark(), here, "required key is missing");
      const std::string text = n->IsScalar() ? n->Scalar() : std::string();
      const auto q = parse_quantity(text);
      if (!q) {
        fail(*n, node.Mark(), here, "expected a number, a rate like 0.2/day or a duration like 6s");
      }
      const auto [v, u] = *q;
      if (plain) {
        if (u != uncertain_input::unit::number)
          fail(*n, node.Mark(), here, "expected a plain number");
      } else if (kind && *kind != u) {
        fail(*n, node.Mark(), here,
             "expected the same kind of value as the other parameters (all numbers, all rates or "
             "all durations)");
      } else {
        kind = u;
      }
      return std::pair{v, *n};
    };
    auto only = [&](std::vector<std::string> keys) {
      keys.push_back("dist");
      keys.push_back("round");
      entries(node, path, keys, "a distribution");
    };
    const YAML::Node* dist_node = find(items, "dist");
    if (dist_node == nullptr) fail(node, node.Mark(), path + ".dist", "required key is missing");
    const std::string name = dist_node->IsScalar() ? dist_node->Scalar() : std::string();
    const auto positive = [&](const std::pair<double, YAML::Node>& v, const char* key) {
      if (!(v.first > 0))
        fail(v.second, node.Mark(), path + "." + key, "expected a positive value");
      return v.first;
    };
    if (name == "constant") {
      only({"value"});
      in.dist = distribution::constant(param("value").first);
    } else if (name == "exponential") {
      only({"mean"});
      in.dist = distribution::exponential(positive(param("mean"), "mean"));
    } else if (name == "lognormal") {
      only({"median", "sigma"});
      const double median = positive(param("median"), "median");
      const auto sigma = param("sigma", true);
      if (!(sigma.first >= 0 && sigma.first <= limits::max_sigma)) {
        fail(sigma.second, node.Mark(), path + ".sigma",
             "expected a number from 0 to " + exact(limits::max_sigma));
      }
      in.dist = distribution::lognormal(median, sigma.first);
    } else if (name == "uniform") {
      only({"low", "high"});
      const double low = param("low").first;
      const auto high = param("high");
      if (!(low < high.first))
        fail(high.second, node.Mark(), path + ".high", "expected high > low");
      in.dist = distribution::uniform(low, high.first);
    } else if (name == "triangular") {
      only({"low", "mode", "high"});
      const double low = param("low").first;
      const auto mode = param("mode");
      const auto high = param("high");
      if (!(low < high.first))
        fail(high.second, node.Mark(), path + ".high", "expected high > low");
      if (mode.first < low || mode.first > high.first) {
        fail(mode.second, node.Mark(), path + ".mode", "expected low <= mode <= high");
      }
      in.dist = distribution::triangular(low, mode.first, high.first);
    } else if (name == "geometric") {
      only({"mean"});
      const auto mean = param("mean", true);
      if (!(mean.first >= 1))
        fail(mean.second, node.Mark(), path + ".mean", "expected a mean >= 1");
      in.dist = distribution::geometric(mean.first);
    } else {
      fail(*dist_node, node.Mark(), path + ".dist",
           "unknown distribution \"" + name +
               "\"; known distributions are constant, exponential, lognormal, uniform, "
               "triangular, geometric");
    }
    in.kind = kind.value_or(uncertain_input::unit::number);
    if (const YAML::Node* r = find(items, "round")) {
      if (!r->IsScalar() || (r->Scalar() != "true" && r->Scalar() != "false")) {
        fail(*r, node.Mark(), path + ".round", "expected true or false");
      }
      in.round = r->Scalar() == "true";
      if (in.round && in.kind != uncertain_input::unit::number) {
        fail(*r, node.Mark(), path + ".round", "only plain numbers can be rounded");
      }
    }
    return in;
  }

 private:
  const error_maker& error_;
};

}  // namespace

std::optional<std::pair<double, uncertain_input::unit>> parse_quantity(const std::string& text) {
  using unit = uncertain_input::unit;
  if (const auto v = parse_number(text)) return std::pair{*v, unit::number};
  if (const auto v = parse_rate(text)) return std::pair{*v, unit::rate};
  if (const auto d = parse_duration(text)) return std::pair{to_seconds(*d), unit::duration};
  return std::nullopt;
}

std::string quantity_text(double v, uncertain_input::unit kind, bool round) {
  switch (kind) {
    case uncertain_input::unit::rate:
      return exact(v) + "/s";
    case uncertain_input::unit::duration:
      return std::to_string(from_seconds(v)) + "us";
    case uncertain_input::unit::number:
      break;
  }
  return exact(round ? std::nearbyint(v) : v);
}

std::vector<std::string> milestone_outcomes(const std::vector<std::string>& endpoints,
                                            const std::vector<std::string>& pools) {
  std::vector<std::string> out{"adopters", "active_users", "cost_usd", "revenue_usd", "margin_usd"};
  for (const auto& e : endpoints) out.push_back("completed." + e);
  for (const auto& p : pools) out.push_back("servers_needed." + p);
  return out;
}

std::string uncertain_input::value_text(double v) const {
  return quantity_text(v, kind, round);
}

projection_spec load_projection(const YAML::Node& node, const std::string& path,
                                const error_maker& error,
                                const std::vector<std::string>& outcomes) {
  return projection_reader(error).read(node, path, outcomes);
}

}  // namespace stampede::sim
