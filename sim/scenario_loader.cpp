#include "sim/scenario_loader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <optional>
#include <sstream>
#include <utility>

namespace stampede::sim {

namespace {

std::string compose(const std::string& file, int line, int column, const std::string& key_path,
                    const std::string& message) {
  // A whole-file error with no position ("cannot open x.yaml: ...", a malformed
  // --set) already names what it is about; a file prefix would only repeat it.
  if (line <= 0 && key_path.empty()) return message;
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  out += ": ";
  if (!key_path.empty()) out += key_path + ": ";
  return out + message;
}

}  // namespace

scenario_error::scenario_error(std::string file, int line, int column, std::string key_path,
                               std::string message)
    : std::runtime_error(compose(file, line, column, key_path, message)),
      file_(std::move(file)),
      line_(line),
      column_(column),
      key_path_(std::move(key_path)),
      message_(std::move(message)) {}

namespace {

// ---------------------------------------------------------------- helpers

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// The candidate a typo most likely meant: within 2 edits, or a third of the
// word for long keys, so "think_tme" finds "think_time" but "foo" finds nothing.
std::optional<std::string> closest(std::string_view word,
                                   const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_distance = 0;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    const std::size_t limit = std::max<std::size_t>(2, std::min(word.size(), c.size()) / 3);
    if (d <= limit && (!best || d < best_distance)) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

std::string join(const std::vector<std::string>& items, const char* separator = ", ") {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += separator;
    out += items[i];
  }
  return out;
}

std::string quoted(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

std::string did_you_mean_or_list(std::string_view word, const std::vector<std::string>& candidates,
                                 const char* list_intro) {
  if (auto guess = closest(word, candidates)) return "; did you mean " + quoted(*guess) + "?";
  if (candidates.empty()) return "";
  return std::string("; ") + list_intro + ": " + join(candidates);
}

// How a value found in the file is shown in a message: numbers as written,
// other text quoted (so `got "lots"` but `got 0`), and the shape of non-scalars.
std::string found(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return "nothing";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Scalar:
      break;
  }
  std::string text = node.Scalar();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  if (node.Tag() != "!" && parse_number(text)) return text;
  return quoted(text);
}

// Numbers for people: integers without an exponent (2000000, not 2e+06).
std::string number_text(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
    return std::to_string(static_cast<long long>(v));
  }
  std::ostringstream out;
  out.precision(6);
  out << v;
  return out.str();
}

const std::string duration_hint = "a duration with a unit like 250ms, 6s, 15m, 2h, 7d";
const std::string rate_hint = "a rate with a period like 0.002/day, 3/h, 1200/s";

// ---------------------------------------------------------------- overrides

struct override_entry {
  std::string argument;  // "behavior.mix.a=0.5", as given
  std::string path;      // normalised: "behavior.mix.a", "platform.pools[0].servers"
};

struct path_segment {
  std::string key;
  std::vector<std::size_t> indexes;
};

// ---------------------------------------------------------------- walking

// A node with the key path that reached it and the best position for messages.
struct node_ref {
  YAML::Node node;
  std::string path;
  YAML::Mark mark;
};

std::string child_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

struct map_entry {
  std::string key;
  YAML::Mark key_mark;
  node_ref value;
};

enum class domain { duration, count };

class loader {
 public:
  loader(std::string file, std::vector<override_entry> overrides)
      : file_(std::move(file)), overrides_(std::move(overrides)) {}

  [[noreturn]] void fail(const YAML::Mark& mark, const std::string& path,
                         const std::string& message) const {
    // A value that came from --set has no line in the file: say where it came
    // from instead. An error on a parent of an overridden value keeps its line
    // and names the override that may have caused it.
    for (const auto& o : overrides_) {
      if (path == o.path || path.starts_with(o.path + ".") || path.starts_with(o.path + "[")) {
        throw scenario_error(file_, 0, 0, path, message + " (from --set " + o.argument + ")");
      }
    }
    std::string text = message;
    for (const auto& o : overrides_) {
      if (o.path.starts_with(path + ".") || o.path.starts_with(path + "[")) {
        text += " (after --set " + o.argument + ")";
        break;
      }
    }
    const int line = mark.line >= 0 ? mark.line + 1 : 0;
    const int column = mark.column >= 0 ? mark.column + 1 : 0;
    throw scenario_error(file_, line, column, path, text);
  }
  [[noreturn]] void fail(const node_ref& at, const std::string& message) const {
    fail(at.mark, at.path, message);
  }
  [[noreturn]] void expected(const node_ref& at, const std::string& what) const {
    fail(at, "expected " + what + ", got " + found(at.node));
  }

  // ------------------------------------------------------------ maps

  // The entries of a map in file order, after checking that it is one and that
  // no key appears twice (yaml-cpp 0.7 keeps both copies of a duplicate key).
  std::vector<map_entry> entries(const node_ref& map, const std::string& what = "a map") const {
    if (!map.node.IsMap()) expected(map, what);
    std::vector<map_entry> out;
    for (auto it = map.node.begin(); it != map.node.end(); ++it) {
      const YAML::Node key = it->first;
      const YAML::Node value = it->second;
      if (!key.IsScalar()) {
        fail(key.Mark(), map.path, "expected plain keys, got " + found(key) + " as a key");
      }
      const std::string name = key.Scalar();
      const std::string path = child_path(map.path, name);
      for (const auto& e : out) {
        if (e.key == name) {
          fail(key.Mark(), path,
               "duplicate key (first at line " + std::to_string(e.key_mark.line + 1) + ")");
        }
      }
      // An empty value ("servers:") has its mark on the next token, often the
      // next line: its key is where the reader should look.
      const YAML::Mark mark = value.IsNull() ? key.Mark() : value.Mark();
      out.push_back({name, key.Mark(), {value, path, mark}});
    }
    return out;
  }

  // Rejects keys that are neither known nor announced-but-unsupported.
  void check_keys(const std::vector<map_entry>& items, const std::vector<std::string>& known,
                  const std::vector<std::string>& unsupported = {}) const {
    for (const auto& e : items) {
      if (std::find(known.begin(), known.end(), e.key) != known.end()) continue;
      if (std::find(unsupported.begin(), unsupported.end(), e.key) != unsupported.end()) {
        fail(e.key_mark, e.value.path, "not supported yet in this version");
      }
      // A stray line of text can parse as one huge key: show its start only.
      std::string path = e.value.path;
      if (e.key.size() > 60) {
        path = path.substr(0, path.size() - e.key.size()) + e.key.substr(0, 57) + "...";
      }
      fail(e.key_mark, path,
           "unknown key" + did_you_mean_or_list(e.key, known, "allowed keys are"));
    }
  }

  static const map_entry* find(const std::vector<map_entry>& items, std::string_view key) {
    for (const auto& e : items) {
      if (e.key == key) return &e;
    }
    return nullptr;
  }
  std::optional<node_ref> optional(const std::vector<map_entry>& items,
                                   std::string_view key) const {
    if (const auto* e = find(items, key)) return e->value;
    return std::nullopt;
  }
  // A missing key has no position of its own: point at the map that lacks it.
  node_ref required(const node_ref& map, const std::vector<map_entry>& items,
                    std::string_view key) const {
    if (const auto* e = find(items, key)) return e->value;
    fail(map.mark, child_path(map.path, key), "required key is missing");
  }

  // ------------------------------------------------------------ scalars

  std::string text(const node_ref& at, const std::string& what = "a string") const {
    if (!at.node.IsScalar()) expected(at, what);
    return at.node.Scalar();
  }

  double number(const node_ref& at, const std::string& what,
                const std::function<bool(double)>& valid) const {
    if (!at.node.IsScalar()) expected(at, what);
    const auto v = parse_number(at.node.Scalar());
    if (!v || !valid(*v)) expected(at, what);
    return *v;
  }
  double positive_number(const node_ref& at) const {
    return number(at, "a positive number", [](double v) { return v > 0; });
  }
  double non_negative_number(const node_ref& at) const {
    return number(at, "a non-negative number", [](double v) { return v >= 0; });
  }
  double share(const node_ref& at) const {
    return number(at, "a share in [0, 1]", [](double v) { return v >= 0 && v <= 1; });
  }
  std::int64_t positive_integer(const node_ref& at) const {
    return static_cast<std::int64_t>(number(at, "a positive integer", [](double v) {
      return v >= 1 && v == std::floor(v) && v < 9.2e18;
    }));
  }
  std::uint64_t non_negative_integer(const node_ref& at) const {
    const std::string what = "a non-negative integer";
    if (!at.node.IsScalar() || !parse_number(at.node.Scalar())) expected(at, what);
    // Seeds beyond 2^53 lose digits in a double: read plain digit strings exactly.
    std::string digits;
    for (char c : at.node.Scalar()) {
      if (c != '_' && c != ' ') digits.push_back(c);
    }
    if (std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      try {
        return std::stoull(digits);
      } catch (const std::out_of_range&) {
        expected(at, what + " below 2^64");
      }
    }
    return static_cast<std::uint64_t>(
        number(at, what, [](double x) { return x >= 0 && x == std::floor(x) && x < 9.2e18; }));
  }

  vtime duration(const node_ref& at) const {
    if (!at.node.IsScalar()) expected(at, duration_hint);
    const std::string& s = at.node.Scalar();
    if (const auto d = parse_duration(s)) return *d;
    if (!s.empty() && s.front() == '-' && parse_duration(s.substr(1))) {
      expected(at, "a non-negative duration");
    }
    expected(at, duration_hint);
  }
  vtime positive_duration(const node_ref& at) const {
    const vtime d = duration(at);
    if (d <= 0) expected(at, "a positive duration");
    return d;
  }

  double rate(const node_ref& at) const {
    if (!at.node.IsScalar()) expected(at, rate_hint);
    const std::string& s = at.node.Scalar();
    if (const auto r = parse_rate(s)) return *r;
    if (!s.empty() && s.front() == '-' && parse_rate(s.substr(1))) {
      expected(at, "a non-negative rate");
    }
    expected(at, rate_hint);
  }

  // ------------------------------------------------------------ distributions

  distribution parse_distribution(const node_ref& at, domain d) const {
    const bool is_duration = d == domain::duration;
    const std::string example = is_duration
                                    ? "a duration like 20s or a distribution like {dist: "
                                      "lognormal, median: 20s, sigma: 0.8}"
                                    : "a count like 3 or a distribution like {dist: geometric, "
                                      "mean: 4}";
    if (at.node.IsScalar()) {
      // A plain scalar is shorthand for a constant.
      if (is_duration) {
        // "-5s" is a duration, only a negative one: let duration() say so.
        const std::string& t = at.node.Scalar();
        if (!parse_duration(t) && !(t.starts_with('-') && parse_duration(t.substr(1)))) {
          expected(at, example);
        }
        return distribution::constant(to_seconds(duration(at)));
      }
      return distribution::constant(count_value(at));
    }
    if (!at.node.IsMap()) expected(at, example);
    const auto items = entries(at);
    const node_ref dist_node = required(at, items, "dist");
    const std::string name = text(dist_node, "a distribution name");
    static const std::vector<std::string> names = {"constant", "exponential", "lognormal",
                                                   "uniform",  "triangular",  "geometric"};
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      fail(dist_node, "unknown distribution " + quoted(name) +
                          did_you_mean_or_list(name, names, "known distributions are"));
    }
    if (is_duration && name == "geometric") {
      fail(dist_node,
           "geometric is a count distribution; a duration needs constant, "
           "exponential, lognormal, uniform or triangular");
    }
    if (!is_duration && (name == "exponential" || name == "lognormal")) {
      fail(dist_node, name +
                          " can give values below 1; a count needs constant, uniform, "
                          "triangular or geometric");
    }

    // A parameter in the distribution's unit: seconds for durations.
    auto value = [&](const node_ref& p) {
      return is_duration ? to_seconds(duration(p)) : count_value(p);
    };
    auto positive = [&](const node_ref& p) {
      const double v = value(p);
      if (v <= 0) expected(p, is_duration ? "a positive duration" : "a positive number");
      return v;
    };

    if (name == "constant") {
      check_keys(items, {"dist", "value"});
      return distribution::constant(value(required(at, items, "value")));
    }
    if (name == "exponential") {
      check_keys(items, {"dist", "mean"});
      return distribution::exponential(positive(required(at, items, "mean")));
    }
    if (name == "lognormal") {
      check_keys(items, {"dist", "median", "sigma"});
      const double median = positive(required(at, items, "median"));
      const double sigma = non_negative_number(required(at, items, "sigma"));
      return distribution::lognormal(median, sigma);
    }
    if (name == "uniform") {
      check_keys(items, {"dist", "low", "high"});
      const double low = value(required(at, items, "low"));
      const node_ref high_node = required(at, items, "high");
      const double high = value(high_node);
      if (!(low < high)) expected(high_node, "high > low (" + param_text(low, d) + ")");
      return distribution::uniform(low, high);
    }
    if (name == "triangular") {
      check_keys(items, {"dist", "low", "mode", "high"});
      const double low = value(required(at, items, "low"));
      const node_ref mode_node = required(at, items, "mode");
      const double mode = value(mode_node);
      const node_ref high_node = required(at, items, "high");
      const double high = value(high_node);
      if (!(low < high)) expected(high_node, "high > low (" + param_text(low, d) + ")");
      if (mode < low || mode > high) {
        expected(mode_node,
                 "low <= mode <= high (" + param_text(low, d) + " to " + param_text(high, d) + ")");
      }
      return distribution::triangular(low, mode, high);
    }
    check_keys(items, {"dist", "mean"});
    const node_ref mean_node = required(at, items, "mean");
    return distribution::geometric(number(mean_node, "a mean >= 1 (the support is 1, 2, 3, ...)",
                                          [](double v) { return v >= 1; }));
  }

  // A count parameter: requests per session never drop below one.
  double count_value(const node_ref& at) const {
    return number(at, "a number >= 1", [](double v) { return v >= 1; });
  }

  static std::string param_text(double v, domain d) {
    return d == domain::duration ? format_duration(from_seconds(v)) : number_text(v);
  }

  // ------------------------------------------------------------ the scenario

  scenario load(const YAML::Node& root_node) const {
    const node_ref root{root_node, "", root_node.Mark()};
    if (root_node.IsNull()) {
      fail(YAML::Mark(), "",
           "the file holds no scenario; expected a map with scenario, horizon, "
           "population, adoption, behavior and platform");
    }
    const auto items = entries(root, "a map of scenario keys (scenario, horizon, population, ...)");
    check_keys(items,
               {"scenario", "description", "seed", "horizon", "tick", "scale", "metrics",
                "population", "adoption", "behavior", "platform", "slo"},
               {"events", "business", "loadtest", "projection"});

    scenario s;
    s.source = file_;
    s.name = text(required(root, items, "scenario"));
    if (s.name.empty()) expected(required(root, items, "scenario"), "a non-empty name");
    if (auto n = optional(items, "description")) s.description = text(*n);
    if (auto n = optional(items, "seed")) s.seed = non_negative_integer(*n);
    s.horizon = positive_duration(required(root, items, "horizon"));
    if (auto n = optional(items, "tick")) {
      s.tick = positive_duration(*n);
      if (s.tick > s.horizon) {
        expected(*n, "a tick no longer than the horizon (" + format_duration(s.horizon) + ")");
      }
    } else if (s.tick > s.horizon) {
      s.tick = s.horizon;  // a horizon under a second: one window covers it
    }
    if (auto n = optional(items, "scale")) {
      s.scale = number(*n, "a number in (0, 1]", [](double v) { return v > 0 && v <= 1; });
    }

    // The default reporting interval is 1h, or the largest multiple of tick
    // under it when tick does not divide an hour; an explicit one must fit.
    s.report_interval = std::max(s.tick, hour / s.tick * s.tick);
    if (auto m = optional(items, "metrics")) load_metrics(*m, s);

    load_population(required(root, items, "population"), s);
    load_adoption(required(root, items, "adoption"), s);
    // The platform first: the behaviour's mix names its endpoints.
    load_platform(required(root, items, "platform"), s);
    load_behavior(required(root, items, "behavior"), s);
    if (auto n = optional(items, "slo")) load_slos(*n, s);
    return s;
  }

  void load_metrics(const node_ref& at, scenario& s) const {
    const auto items = entries(at);
    check_keys(items, {"report_interval", "max_samples"});
    if (auto n = optional(items, "report_interval")) {
      const vtime r = duration(*n);
      if (r <= 0 || r % s.tick != 0) {
        expected(*n, "a positive multiple of tick (" + format_duration(s.tick) + ")");
      }
      s.report_interval = r;
    }
    if (auto n = optional(items, "max_samples")) s.max_samples = positive_integer(*n);
  }

  void load_population(const node_ref& at, scenario& s) const {
    const auto items = entries(at);
    check_keys(items, {"size"}, {"regions", "tiers"});
    s.population_size = positive_number(required(at, items, "size"));
  }

  void load_adoption(const node_ref& at, scenario& s) const {
    const auto items = entries(at);
    check_keys(items, {"model", "innovation", "imitation", "initial_adopters"}, {"cascade"});
    if (auto n = optional(items, "model")) {
      const std::string model = text(*n, "an adoption model");
      if (model == "cascade") fail(*n, "model \"cascade\" is not supported yet in this version");
      if (model != "bass") {
        fail(*n, "unknown adoption model " + quoted(model) +
                     did_you_mean_or_list(model, {"bass"}, "known models are"));
      }
      s.adoption.model = model;
    }
    s.adoption.innovation = rate(required(at, items, "innovation"));
    s.adoption.imitation = rate(required(at, items, "imitation"));
    if (auto n = optional(items, "initial_adopters")) {
      s.adoption.initial_adopters = non_negative_number(*n);
      if (s.adoption.initial_adopters > s.population_size) {
        expected(*n, "at most population.size (" + number_text(s.population_size) + ")");
      }
    }
  }

  void load_behavior(const node_ref& at, scenario& s) const {
    auto& b = s.behavior;
    const auto items = entries(at);
    check_keys(
        items,
        {"sessions_per_day", "diurnal", "requests_per_session", "think_time", "mix", "patience"},
        {"retry"});
    const node_ref sessions = required(at, items, "sessions_per_day");
    if (sessions.node.IsMap()) {
      fail(sessions,
           "sessions per tier are not supported yet in this version (no "
           "population.tiers); give one number");
    }
    b.sessions_per_day = positive_number(sessions);

    b.diurnal = standard_diurnal();
    if (auto n = optional(items, "diurnal")) b.diurnal = diurnal(*n);
    if (auto n = optional(items, "requests_per_session")) {
      b.requests_per_session = parse_distribution(*n, domain::count);
    }
    if (auto n = optional(items, "think_time")) {
      b.think_time = parse_distribution(*n, domain::duration);
    }
    if (auto n = optional(items, "patience")) b.patience = parse_distribution(*n, domain::duration);

    const node_ref mix = required(at, items, "mix");
    const auto shares = entries(mix, "a map of endpoint name to share");
    std::vector<std::string> endpoint_names;
    for (const auto& e : s.endpoints) endpoint_names.push_back(e.name);
    b.mix.assign(s.endpoints.size(), 0.0);
    double sum = 0;
    for (const auto& e : shares) {
      const int index = s.endpoint_index(e.key);
      if (index < 0) {
        fail(e.key_mark, e.value.path,
             "no endpoint " + quoted(e.key) + " in platform.endpoints" +
                 did_you_mean_or_list(e.key, endpoint_names, "endpoints are"));
      }
      b.mix[static_cast<std::size_t>(index)] = share(e.value);
      sum += b.mix[static_cast<std::size_t>(index)];
    }
    if (std::fabs(sum - 1) > 1e-6) {
      std::ostringstream out;
      out.precision(10);
      out << "shares must sum to 1, they sum to " << sum;
      fail(mix, out.str());
    }
  }

  std::array<double, 24> diurnal(const node_ref& at) const {
    const std::string what = "standard, flat or a list of 24 hourly weights";
    if (at.node.IsScalar()) {
      const std::string name = at.node.Scalar();
      if (name == "standard") return standard_diurnal();
      if (name == "flat") {
        std::array<double, 24> flat{};
        flat.fill(1.0);
        return flat;
      }
      expected(at, what);
    }
    if (!at.node.IsSequence()) expected(at, what);
    if (at.node.size() != 24) {
      fail(at, "expected 24 hourly weights, got " + std::to_string(at.node.size()));
    }
    std::array<double, 24> weights{};
    double sum = 0;
    for (std::size_t h = 0; h < 24; ++h) {
      const YAML::Node item = at.node[h];
      weights[h] =
          non_negative_number({item, at.path + "[" + std::to_string(h) + "]", item.Mark()});
      sum += weights[h];
    }
    if (sum <= 0) fail(at, "expected hourly weights that are not all zero");
    // Normalised to a mean of 1 so that sessions_per_day keeps its meaning.
    for (double& w : weights) w *= 24.0 / sum;
    return weights;
  }

  void load_platform(const node_ref& at, scenario& s) const {
    const auto items = entries(at);
    check_keys(items, {"endpoints", "pools"}, {"rate_limits"});

    const node_ref pools = required(at, items, "pools");
    if (!pools.node.IsSequence()) expected(pools, "a list of pools");
    if (pools.node.size() == 0) fail(pools, "expected at least one pool, got an empty list");
    std::vector<std::string> pool_paths;
    for (std::size_t i = 0; i < pools.node.size(); ++i) {
      const YAML::Node item = pools.node[i];
      const node_ref pool{item, pools.path + "[" + std::to_string(i) + "]", item.Mark()};
      s.pools.push_back(load_pool(pool, s, pool_paths));
      pool_paths.push_back(pool.path);
    }

    std::vector<std::string> pool_names;
    for (const auto& p : s.pools) pool_names.push_back(p.name);
    const node_ref endpoints = required(at, items, "endpoints");
    const auto defined = entries(endpoints, "a map of endpoint name to {pool, work}");
    if (defined.empty()) fail(endpoints, "expected at least one endpoint, got an empty map");
    for (const auto& e : defined) {
      if (e.key.empty()) fail(e.key_mark, e.value.path, "expected a non-empty endpoint name");
      const auto fields = entries(e.value, "a map with pool and work");
      check_keys(fields, {"pool", "work"});
      endpoint_spec spec;
      spec.name = e.key;
      const node_ref pool = required(e.value, fields, "pool");
      const std::string pool_name = text(pool, "a pool name");
      spec.pool = s.pool_index(pool_name);
      if (spec.pool < 0) {
        fail(pool, "no pool named " + quoted(pool_name) + " in platform.pools" +
                       did_you_mean_or_list(pool_name, pool_names, "pools are"));
      }
      spec.work = parse_distribution(required(e.value, fields, "work"), domain::duration);
      s.endpoints.push_back(spec);
    }
  }

  pool_spec load_pool(const node_ref& at, const scenario& s,
                      const std::vector<std::string>& earlier_paths) const {
    const auto items = entries(at);
    check_keys(items, {"name", "servers", "queue", "cost_per_server_hour"}, {"batch", "autoscale"});
    pool_spec p;
    const node_ref name = required(at, items, "name");
    p.name = text(name, "a pool name");
    if (p.name.empty()) expected(name, "a non-empty pool name");
    const int earlier = s.pool_index(p.name);
    if (earlier >= 0) {
      fail(name, "duplicate pool name " + quoted(p.name) + " (already used by " +
                     earlier_paths[static_cast<std::size_t>(earlier)] + ")");
    }
    p.servers = positive_integer(required(at, items, "servers"));
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
      p.cost_per_server_hour = non_negative_number(*c);
    }
    return p;
  }

  void load_slos(const node_ref& at, scenario& s) const {
    if (!at.node.IsSequence())
      expected(at, "a list of objectives like {endpoint: x, latency_p99: 2m}");
    static const std::vector<std::pair<std::string, double>> latency_keys = {
        {"latency_p50", 0.5}, {"latency_p90", 0.9}, {"latency_p99", 0.99}, {"latency_p999", 0.999}};
    const std::vector<std::string> known = {"endpoint",    "latency_p50",  "latency_p90",
                                            "latency_p99", "latency_p999", "max_rejected"};
    std::vector<std::string> endpoint_names;
    for (const auto& e : s.endpoints) endpoint_names.push_back(e.name);
    for (std::size_t i = 0; i < at.node.size(); ++i) {
      const YAML::Node item = at.node[i];
      const node_ref slo{item, at.path + "[" + std::to_string(i) + "]", item.Mark()};
      const auto items = entries(slo);
      check_keys(items, known);
      slo_spec spec;
      const node_ref endpoint = required(slo, items, "endpoint");
      const std::string name = text(endpoint, "an endpoint name");
      spec.endpoint = s.endpoint_index(name);
      if (spec.endpoint < 0) {
        fail(endpoint, "no endpoint " + quoted(name) + " in platform.endpoints" +
                           did_you_mean_or_list(name, endpoint_names, "endpoints are"));
      }
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

 private:
  std::string file_;
  std::vector<override_entry> overrides_;
};

// ---------------------------------------------------------------- overrides

[[noreturn]] void bad_override(const std::string& argument, const std::string& why) {
  throw scenario_error("", 0, 0, "", "--set " + argument + ": " + why);
}

std::vector<path_segment> split_override_path(const std::string& argument,
                                              const std::string& path) {
  std::vector<path_segment> segments;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = path.find('.', start);
    const std::string part = path.substr(start, dot == std::string::npos ? dot : dot - start);
    path_segment seg;
    const std::size_t bracket = part.find('[');
    seg.key = part.substr(0, bracket);
    if (seg.key.empty()) bad_override(argument, "empty key in path " + quoted(path));
    std::size_t i = bracket;
    while (i != std::string::npos && i < part.size()) {
      const std::size_t close = part.find(']', i);
      if (part[i] != '[' || close == std::string::npos) {
        bad_override(argument, "bad index in " + quoted(part) + "; expected name[N]");
      }
      const std::string digits = part.substr(i + 1, close - i - 1);
      if (digits.empty() || digits.size() > 9 ||
          !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        bad_override(argument, "bad index " + quoted(digits) + " in " + quoted(part) +
                                   "; expected a non-negative integer");
      }
      seg.indexes.push_back(std::stoul(digits));
      i = close + 1;
    }
    segments.push_back(seg);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return segments;
}

std::string segments_path(const std::vector<path_segment>& segments, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count && i < segments.size(); ++i) {
    if (i > 0) out += ".";
    out += segments[i].key;
    for (auto index : segments[i].indexes) out += "[" + std::to_string(index) + "]";
  }
  return out;
}

std::string kind_of(const YAML::Node& n) {
  if (n.IsSequence()) return "a list";
  if (n.IsScalar()) return "a scalar";
  if (n.IsNull()) return "empty";
  return "a map";
}

// Applies one --set to the document and returns its normalised key path.
override_entry apply_override(YAML::Node& root, const std::string& argument) {
  const std::size_t eq = argument.find('=');
  if (eq == std::string::npos) bad_override(argument, "expected key.path=value");
  const std::string path = argument.substr(0, eq);
  const std::string value_text = argument.substr(eq + 1);
  if (path.empty()) bad_override(argument, "expected key.path=value, the key path is empty");
  const auto segments = split_override_path(argument, path);

  YAML::Node value;
  try {
    value = YAML::Load(value_text);
  } catch (const YAML::ParserException& e) {
    bad_override(argument, "the value is not valid YAML: " + e.msg);
  }

  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  YAML::Node current = root;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const auto& seg = segments[i];
    const std::string here = i == 0 ? "the document" : segments_path(segments, i);
    if (!current.IsMap()) {
      bad_override(argument, here + " is " + kind_of(current) + ", not a map; cannot set " +
                                 quoted(seg.key) + " in it");
    }
    const bool last = i + 1 == segments.size();
    const YAML::Node& as_const = current;
    const bool exists = as_const[seg.key].IsDefined();
    if (!exists) {
      if (!seg.indexes.empty()) {
        bad_override(argument, "no key " + quoted(seg.key) + " in " + here + " to index into");
      }
      // Missing maps on the way are created: validation rejects the key later
      // if it is not one the scenario knows.
      current[seg.key] = last ? value : YAML::Node(YAML::NodeType::Map);
    } else if (last && seg.indexes.empty()) {
      YAML::Node target = current[seg.key];
      target = value;
    }
    if (last && seg.indexes.empty()) break;
    YAML::Node next = current[seg.key];
    current.reset(next);
    for (std::size_t k = 0; k < seg.indexes.size(); ++k) {
      if (!current.IsSequence()) {
        bad_override(argument, seg.key + " is " + kind_of(current) +
                                   ", not a list; cannot index [" + std::to_string(seg.indexes[k]) +
                                   "]");
      }
      if (seg.indexes[k] >= current.size()) {
        bad_override(argument, "index [" + std::to_string(seg.indexes[k]) + "] is out of range; " +
                                   seg.key + " has " + std::to_string(current.size()) +
                                   " elements");
      }
      if (last && k + 1 == seg.indexes.size()) {
        YAML::Node element = current[seg.indexes[k]];
        element = value;
      } else {
        YAML::Node element = current[seg.indexes[k]];
        current.reset(element);
      }
    }
  }
  return {argument, segments_path(segments, segments.size())};
}

}  // namespace

scenario load_scenario_text(std::string_view yaml, const std::string& name,
                            const std::vector<std::string>& overrides) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::ParserException& e) {
    // yaml-cpp marks are 0-based; editors count from 1.
    throw scenario_error(name, e.mark.line + 1, e.mark.column + 1, "",
                         "YAML syntax error: " + e.msg);
  }
  std::vector<override_entry> applied;
  for (const auto& argument : overrides) applied.push_back(apply_override(root, argument));
  try {
    return loader(name, std::move(applied)).load(root);
  } catch (const YAML::Exception& e) {
    // Should not happen (every node is checked before use), but a yaml-cpp
    // error must still leave as a scenario_error that names the file.
    throw scenario_error(name, e.mark.line + 1, e.mark.column + 1, "", e.msg);
  }
}

scenario load_scenario_file(const std::string& path, const std::vector<std::string>& overrides) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    throw scenario_error(path, 0, 0, "", "cannot open " + path + ": " + std::strerror(errno));
  }
  std::string text;
  char buffer[65536];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) text.append(buffer, n);
  // Opening a directory succeeds on Linux; reading it is what fails.
  const int read_error = std::ferror(f) ? errno : 0;
  std::fclose(f);
  if (read_error != 0) {
    throw scenario_error(path, 0, 0, "", "cannot read " + path + ": " + std::strerror(read_error));
  }
  return load_scenario_text(text, path, overrides);
}

std::string describe(const scenario& s) {
  std::ostringstream out;
  out << s.name;
  if (!s.description.empty()) out << ": " << s.description;
  out << "\n";
  out << "  time: horizon " << format_duration(s.horizon) << ", tick " << format_duration(s.tick)
      << ", report every " << format_duration(s.report_interval) << ", scale "
      << number_text(s.scale) << ", seed " << s.seed << "\n";
  out << "  population: " << number_text(s.population_size) << " users (" << s.simulated_users()
      << " simulated), " << s.adoption.model << " adoption p "
      << number_text(s.adoption.innovation * 86400) << "/day, q "
      << number_text(s.adoption.imitation * 86400) << "/day, "
      << number_text(s.adoption.initial_adopters) << " initial adopters\n";
  out << "  behavior: " << number_text(s.behavior.sessions_per_day) << " sessions/day, "
      << s.behavior.requests_per_session.describe() << " requests/session, think time (s) "
      << s.behavior.think_time.describe() << ", mix";
  for (std::size_t i = 0; i < s.endpoints.size() && i < s.behavior.mix.size(); ++i) {
    out << (i == 0 ? " " : ", ") << s.endpoints[i].name << " " << number_text(s.behavior.mix[i]);
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
        << p.queue_capacity << ", $" << number_text(p.cost_per_server_hour) << "/server-hour";
  }
  out << "\n  slo:";
  if (s.slos.empty()) out << " none";
  for (std::size_t i = 0; i < s.slos.size(); ++i) {
    const auto& o = s.slos[i];
    out << (i == 0 ? " " : "; ") << s.endpoints.at(static_cast<std::size_t>(o.endpoint)).name << " "
        << o.key << " <= ";
    if (o.what == slo_spec::kind::max_rejected) {
      out << number_text(o.threshold * 100) << "%";
    } else {
      out << format_duration(from_seconds(o.threshold));
    }
  }
  out << "\n";
  return out.str();
}

}  // namespace stampede::sim
