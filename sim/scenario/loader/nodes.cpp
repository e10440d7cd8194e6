// The loader's shared reading: errors with place and key, maps, scalars,
// durations, rates, distributions and names (see loader.hpp).
#include <algorithm>
#include <cmath>
#include <sstream>
#include <unordered_map>

#include "sim/scenario/limits.hpp"
#include "sim/scenario/loader/loader.hpp"

namespace stampede::sim::loading {

namespace {

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

const std::string duration_hint = "a duration with a unit like 250ms, 6s, 15m, 2h, 7d";
const std::string rate_hint = "a rate with a period like 0.002/day, 3/h, 1200/s";

}  // namespace

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

std::string join(const std::vector<std::string>& items, const char* separator) {
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

std::string child_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

[[noreturn]] void loader::fail(const YAML::Mark& mark, const std::string& path,
                               const std::string& message) const {
  throw error_at(mark, path, message);
}

scenario_error loader::error_at(const YAML::Mark& mark, const std::string& path,
                                const std::string& message) const {
  // A value that came from --set has no line in the file: say where it came
  // from instead. An error on a parent of an overridden value keeps its line
  // and names the override that may have caused it.
  for (const auto& o : overrides_) {
    if (path == o.path || path.starts_with(o.path + ".") || path.starts_with(o.path + "[")) {
      return scenario_error(file_, 0, 0, path, message + " (from --set " + o.argument + ")");
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
  return scenario_error(file_, line, column, path, text);
}

[[noreturn]] void loader::fail(const node_ref& at, const std::string& message) const {
  fail(at.mark, at.path, message);
}

[[noreturn]] void loader::expected(const node_ref& at, const std::string& what) const {
  fail(at, "expected " + what + ", got " + found(at.node));
}

// The entries of a map in file order, after checking that it is one and that
// no key appears twice (yaml-cpp 0.7 keeps both copies of a duplicate key).
std::vector<map_entry> loader::entries(const node_ref& map, const std::string& what) const {
  if (!map.node.IsMap()) expected(map, what);
  std::vector<map_entry> out;
  std::unordered_map<std::string, std::size_t> index;
  for (auto it = map.node.begin(); it != map.node.end(); ++it) {
    const YAML::Node key = it->first;
    const YAML::Node value = it->second;
    if (!key.IsScalar()) {
      fail(key.Mark(), map.path, "expected plain keys, got " + found(key) + " as a key");
    }
    const std::string name = key.Scalar();
    const std::string path = child_path(map.path, name);
    // By hash: comparing with every earlier key made a map of n keys cost n².
    if (const auto [seen, fresh] = index.try_emplace(name, out.size()); !fresh) {
      fail(key.Mark(), path,
           "duplicate key (first at line " + std::to_string(out[seen->second].key_mark.line + 1) +
               ")");
    }
    // An empty value ("servers:") has its mark on the next token, often the
    // next line: its key is where the reader should look.
    const YAML::Mark mark = value.IsNull() ? key.Mark() : value.Mark();
    out.push_back({name, key.Mark(), {value, path, mark}});
  }
  return out;
}

// Rejects keys that are neither known nor announced-but-unsupported.
void loader::check_keys(const std::vector<map_entry>& items, const std::vector<std::string>& known,
                        const std::vector<std::string>& unsupported) const {
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
    fail(e.key_mark, path, "unknown key" + did_you_mean_or_list(e.key, known, "allowed keys are"));
  }
}

const map_entry* loader::find(const std::vector<map_entry>& items, std::string_view key) {
  for (const auto& e : items) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

std::optional<node_ref> loader::optional(const std::vector<map_entry>& items,
                                         std::string_view key) const {
  if (const auto* e = find(items, key)) return e->value;
  return std::nullopt;
}

// A missing key has no position of its own: point at the map that lacks it.
node_ref loader::required(const node_ref& map, const std::vector<map_entry>& items,
                          std::string_view key) const {
  if (const auto* e = find(items, key)) return e->value;
  fail(map.mark, child_path(map.path, key), "required key is missing");
}

std::string loader::text(const node_ref& at, const std::string& what) const {
  if (!at.node.IsScalar()) expected(at, what);
  return at.node.Scalar();
}

double loader::number(const node_ref& at, const std::string& what,
                      const std::function<bool(double)>& valid) const {
  if (!at.node.IsScalar()) expected(at, what);
  const auto v = parse_number(at.node.Scalar());
  if (!v || !valid(*v)) expected(at, what);
  return *v;
}

bool loader::boolean(const node_ref& at) const {
  const std::string v = at.node.IsScalar() ? at.node.Scalar() : "";
  if (v != "true" && v != "false") expected(at, "true or false");
  return v == "true";
}

// `most`: the engine's bound (sim/scenario/limits.hpp); a value beyond it is told so
// once it is of the right kind.
double loader::positive_number(const node_ref& at, double most) const {
  const double v = number(at, "a positive number", [](double v) { return v > 0; });
  if (v > most) expected(at, "a positive number up to " + number_text(most));
  return v;
}

double loader::non_negative_number(const node_ref& at, double most) const {
  const double v = number(at, "a non-negative number", [](double v) { return v >= 0; });
  if (v > most) expected(at, "a number from 0 to " + number_text(most));
  return v;
}

double loader::share(const node_ref& at) const {
  return number(at, "a share in [0, 1]", [](double v) { return v >= 0 && v <= 1; });
}

std::int64_t loader::positive_integer(const node_ref& at, double most) const {
  const double v = number(at, "a positive integer",
                          [](double v) { return v >= 1 && v == std::floor(v) && v < 9.2e18; });
  if (v > most) expected(at, "a positive integer up to " + number_text(most));
  return static_cast<std::int64_t>(v);
}

std::uint64_t loader::non_negative_integer(const node_ref& at) const {
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

vtime loader::duration(const node_ref& at) const {
  if (!at.node.IsScalar()) expected(at, duration_hint);
  const std::string& s = at.node.Scalar();
  if (const auto d = parse_duration(s)) return *d;
  if (!s.empty() && s.front() == '-' && parse_duration(s.substr(1))) {
    expected(at, "a non-negative duration");
  }
  expected(at, duration_hint);
}

vtime loader::positive_duration(const node_ref& at) const {
  const vtime d = duration(at);
  if (d <= 0) expected(at, "a positive duration");
  return d;
}

double loader::rate(const node_ref& at) const {
  if (!at.node.IsScalar()) expected(at, rate_hint);
  const std::string& s = at.node.Scalar();
  if (const auto r = parse_rate(s)) return *r;
  if (!s.empty() && s.front() == '-' && parse_rate(s.substr(1))) {
    expected(at, "a non-negative rate");
  }
  // "1e308/us": a number and a period, too many per second to be a number.
  const auto slash = s.find('/');
  if (slash != std::string::npos && parse_number(s.substr(0, slash)) &&
      parse_rate("1/" + s.substr(slash + 1))) {
    expected(at, "a rate that is a number per second (this one overflows)");
  }
  expected(at, rate_hint);
}

// A rate the model integrates over the run (a hazard, churn, conversion):
// bounded so that rate · horizon stays a number (sim/scenario/limits.hpp).
double loader::rate_in_run(const node_ref& at, const scenario& s) const {
  const double r = rate(at);
  const double horizon = to_seconds(s.horizon);
  if (r * horizon > limits::max_rate_times_horizon) {
    expected(at, "a rate up to " + number_text(limits::max_rate_times_horizon) + " per horizon (" +
                     format_duration(s.horizon) + ")");
  }
  return r;
}

distribution loader::parse_distribution(const node_ref& at, domain d) const {
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
  static const std::vector<std::string> names = {
      "constant", "exponential", "lognormal", "uniform", "triangular", "geometric", "gamma"};
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    fail(dist_node, "unknown distribution " + quoted(name) +
                        did_you_mean_or_list(name, names, "known distributions are"));
  }
  if (is_duration && name == "geometric") {
    fail(dist_node,
         "geometric is a count distribution; a duration needs constant, "
         "exponential, lognormal, gamma, uniform or triangular");
  }
  if (!is_duration && (name == "exponential" || name == "lognormal" || name == "gamma")) {
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
    const double sigma = non_negative_number(required(at, items, "sigma"), limits::max_sigma);
    return distribution::lognormal(median, sigma);
  }
  if (name == "gamma") {
    check_keys(items, {"dist", "shape", "scale"});
    const double shape = number(required(at, items, "shape"), "a shape from 0.01 to 1e6",
                                [](double v) { return v >= 0.01 && v <= 1e6; });
    return distribution::gamma(shape, positive(required(at, items, "scale")));
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
double loader::count_value(const node_ref& at) const {
  const double v = number(at, "a number >= 1", [](double v) { return v >= 1; });
  if (v > limits::max_count) expected(at, "a number from 1 to " + number_text(limits::max_count));
  return v;
}

std::string loader::param_text(double v, domain d) {
  return d == domain::duration ? format_duration(from_seconds(v)) : number_text(v);
}

// Regions, tiers, pools and endpoints are 16-bit indexes in the model.
void loader::check_count(const node_ref& list, std::size_t n, const std::string& what) const {
  if (n > limits::max_names) {
    fail(list, "expected at most " + std::to_string(limits::max_names) + " " + what + ", got " +
                   std::to_string(n));
  }
}

// A string that must be one of `options`; `noun` names it in messages.
std::string loader::one_of(const node_ref& at, const std::string& noun,
                           const std::vector<std::string>& options) const {
  const std::string value = text(at, "a " + noun);
  if (std::find(options.begin(), options.end(), value) == options.end()) {
    fail(at, "unknown " + noun + " " + quoted(value) +
                 did_you_mean_or_list(value, options, "expected one of"));
  }
  return value;
}

int loader::endpoint_of(const node_ref& at, const scenario& s) const {
  return index_of(at, s.endpoints, "endpoint", "platform.endpoints");
}

int loader::pool_of(const node_ref& at, const scenario& s) const {
  return index_of(at, s.pools, "pool", "platform.pools");
}

int loader::tier_of(const node_ref& at, const scenario& s) const {
  return index_of(at, s.tiers, "tier", "population.tiers");
}

}  // namespace stampede::sim::loading
