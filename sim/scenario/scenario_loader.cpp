#include "sim/scenario/scenario_loader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>
#include <sstream>
#include <unordered_map>
#include <utility>

#include "sim/loadtest/loadtest_metrics.hpp"
#include "sim/results/figures.hpp"
#include "sim/scenario/limits.hpp"
#include "sim/scenario/uncertainty.hpp"
#include "sim/scenario/yaml_expansion.hpp"

namespace stampede::sim {

std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

namespace {

std::string compose(const std::string& file, int line, int column, const std::string& key_path,
                    const std::string& message) {
  // A whole-file error with no position ("cannot open x.yaml: ...", a malformed
  // --set) already names what it is about; a file prefix would only repeat it.
  if (line <= 0 && key_path.empty()) return one_line(message);
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  out += ": ";
  if (!key_path.empty()) out += key_path + ": ";
  return one_line(out + message);
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

// `dispatch:` values, in the order of dispatch_policy.
const std::vector<std::string>& dispatch_names() {
  static const std::vector<std::string> names{"shared", "round_robin", "random",
                                              "join_shortest_queue", "power_of_two"};
  return names;
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

// Splits "platform.pools[0].servers" into keys and indexes; `bad` is called
// with the reason when the path is malformed, and must throw.
std::vector<path_segment> split_key_path(const std::string& path,
                                         const std::function<void(const std::string&)>& bad) {
  std::vector<path_segment> segments;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = path.find('.', start);
    const std::string part = path.substr(start, dot == std::string::npos ? dot : dot - start);
    path_segment seg;
    const std::size_t bracket = part.find('[');
    seg.key = part.substr(0, bracket);
    if (seg.key.empty()) bad("empty key in path " + quoted(path));
    std::size_t i = bracket;
    while (i != std::string::npos && i < part.size()) {
      const std::size_t close = part.find(']', i);
      if (part[i] != '[' || close == std::string::npos) {
        bad("bad index in " + quoted(part) + "; expected name[N]");
      }
      const std::string digits = part.substr(i + 1, close - i - 1);
      if (digits.empty() || digits.size() > 9 ||
          !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        bad("bad index " + quoted(digits) + " in " + quoted(part) +
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

/// The text of the file at `path`, at most max_scenario_bytes; on failure `error`
/// says why ("cannot open PATH: ...") and the text is empty.
std::string read_capped(const std::string& path, std::string& error) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return {};
  }
  std::string text;
  char buffer[65536];
  std::size_t n = 0;
  // No scenario is near the cap; reading stops there, so a huge file or an
  // endless one (/dev/zero) is refused instead of read to the end.
  while (text.size() <= max_scenario_bytes && (n = std::fread(buffer, 1, sizeof buffer, f)) > 0) {
    text.append(buffer, n);
  }
  // Opening a directory succeeds on Linux; reading it is what fails.
  const int read_error = std::ferror(f) ? errno : 0;
  std::fclose(f);
  if (text.size() > max_scenario_bytes) {
    error = "cannot read " + path + ": larger than " + std::to_string(max_scenario_bytes >> 20) +
            " MiB (is it a device or a data file?)";
  } else if (read_error != 0) {
    error = "cannot read " + path + ": " + std::strerror(read_error);
  }
  return error.empty() ? text : std::string();
}

class loader {
 public:
  loader(std::string file, std::vector<override_entry> overrides)
      : file_(std::move(file)), overrides_(std::move(overrides)) {}

  [[noreturn]] void fail(const YAML::Mark& mark, const std::string& path,
                         const std::string& message) const {
    throw error_at(mark, path, message);
  }
  scenario_error error_at(const YAML::Mark& mark, const std::string& path,
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
  [[noreturn]] void fail(const node_ref& at, const std::string& message) const {
    fail(at.mark, at.path, message);
  }
  /// An error at a 0-based place, for section readers in other files (error_maker).
  std::exception_ptr operator()(int line0, int column0, const std::string& path,
                                const std::string& message) const {
    YAML::Mark mark;
    mark.line = line0;
    mark.column = column0;
    return std::make_exception_ptr(error_at(mark, path, message));
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

  bool boolean(const node_ref& at) const {
    const std::string v = at.node.IsScalar() ? at.node.Scalar() : "";
    if (v != "true" && v != "false") expected(at, "true or false");
    return v == "true";
  }
  // `most`: the engine's bound (sim/scenario/limits.hpp); a value beyond it is told so
  // once it is of the right kind.
  double positive_number(const node_ref& at,
                         double most = std::numeric_limits<double>::infinity()) const {
    const double v = number(at, "a positive number", [](double v) { return v > 0; });
    if (v > most) expected(at, "a positive number up to " + number_text(most));
    return v;
  }
  double non_negative_number(const node_ref& at,
                             double most = std::numeric_limits<double>::infinity()) const {
    const double v = number(at, "a non-negative number", [](double v) { return v >= 0; });
    if (v > most) expected(at, "a number from 0 to " + number_text(most));
    return v;
  }
  double share(const node_ref& at) const {
    return number(at, "a share in [0, 1]", [](double v) { return v >= 0 && v <= 1; });
  }
  std::int64_t positive_integer(const node_ref& at, double most = 9.2e18) const {
    const double v = number(at, "a positive integer",
                            [](double v) { return v >= 1 && v == std::floor(v) && v < 9.2e18; });
    if (v > most) expected(at, "a positive integer up to " + number_text(most));
    return static_cast<std::int64_t>(v);
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
  double rate_in_run(const node_ref& at, const scenario& s) const {
    const double r = rate(at);
    const double horizon = to_seconds(s.horizon);
    if (r * horizon > limits::max_rate_times_horizon) {
      expected(at, "a rate up to " + number_text(limits::max_rate_times_horizon) +
                       " per horizon (" + format_duration(s.horizon) + ")");
    }
    return r;
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
      const double sigma = non_negative_number(required(at, items, "sigma"), limits::max_sigma);
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
    const double v = number(at, "a number >= 1", [](double v) { return v >= 1; });
    if (v > limits::max_count) expected(at, "a number from 1 to " + number_text(limits::max_count));
    return v;
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
    check_keys(items, {"scenario", "description", "seed", "horizon", "tick", "scale", "metrics",
                       "population", "adoption", "behavior", "platform", "slo", "loadtest",
                       "events", "business", "figures", "tuned", "projection"});

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
    if ((s.horizon - 1) / s.report_interval + 1 > limits::max_intervals) {
      expected(required(root, items, "horizon"),
               "a horizon of at most " + number_text(static_cast<double>(limits::max_intervals)) +
                   " report intervals (" + format_duration(s.report_interval) + " each)");
    }

    load_population(required(root, items, "population"), s);
    if (s.simulated_users() < 1) {
      // Nothing to simulate: every figure would be zero or undefined.
      const auto scale = optional(items, "scale");
      expected(scale ? *scale : required(root, items, "population"),
               "a scale that simulates at least one user (population.size " +
                   number_text(s.population_size) + " x scale " + number_text(s.scale) +
                   " rounds to 0)");
    }
    // The platform first: the adoption's share endpoint and the behaviour's mix name
    // its endpoints.
    load_platform(required(root, items, "platform"), s);
    load_adoption(required(root, items, "adoption"), s);
    load_behavior(required(root, items, "behavior"), s);
    if (auto n = optional(items, "slo")) load_slos(*n, s);
    if (auto n = optional(items, "business")) load_business(*n, s);
    if (auto n = optional(items, "events")) load_events(*n, s);
    if (auto n = optional(items, "figures")) load_figures(*n, s);
    if (auto n = optional(items, "tuned")) load_tuned(*n, root_node, s);
    if (auto n = optional(items, "loadtest")) s.loadtest = load_loadtest(*n, s);
    if (auto n = optional(items, "projection"))
      s.projection = load_projection(n->node, n->path, *this);
    return s;
  }

  void load_metrics(const node_ref& at, scenario& s) const {
    const auto items = entries(at);
    check_keys(items, {"report_interval", "max_samples", "sample_memory"});
    if (auto n = optional(items, "report_interval")) {
      const vtime r = duration(*n);
      if (r <= 0 || r % s.tick != 0) {
        expected(*n, "a positive multiple of tick (" + format_duration(s.tick) + ")");
      }
      s.report_interval = r;
    }
    if (auto n = optional(items, "max_samples")) {
      s.max_samples = positive_integer(*n, limits::max_samples);
    }
    if (auto n = optional(items, "sample_memory")) s.sample_memory = positive_integer(*n);
  }

  void load_population(const node_ref& at, scenario& s) const {
    const auto items = entries(at);
    check_keys(items, {"size", "regions", "tiers"});
    s.population_size = positive_number(required(at, items, "size"), limits::max_population);
    if (auto n = optional(items, "regions")) {
      s.regions.clear();
      for_each_item(*n, "a list of regions like {name: europe, share: 0.3, utc_offset: 1h}",
                    [&](const node_ref& item) {
                      const auto fields = entries(item);
                      check_keys(fields, {"name", "share", "utc_offset"});
                      region_spec r;
                      r.name = unique_name(required(item, fields, "name"), s.regions);
                      r.share = share(required(item, fields, "share"));
                      if (auto o = optional(fields, "utc_offset")) r.utc_offset = utc_offset(*o);
                      s.regions.push_back(r);
                    });
      check_count(*n, s.regions.size(), "regions");
      check_shares(*n, s.regions);
    }
    if (auto n = optional(items, "tiers")) {
      s.tiers.clear();
      for_each_item(*n, "a list of tiers like {name: free, share: 0.9}", [&](const node_ref& item) {
        const auto fields = entries(item);
        check_keys(fields, {"name", "share"});
        tier_spec t;
        t.name = unique_name(required(item, fields, "name"), s.tiers);
        t.share = share(required(item, fields, "share"));
        s.tiers.push_back(t);
      });
      check_count(*n, s.tiers.size(), "tiers");
      check_shares(*n, s.tiers);
    }
  }

  // ------------------------------------------------------------ lists and names

  // Regions, tiers, pools and endpoints are 16-bit indexes in the model.
  void check_count(const node_ref& list, std::size_t n, const std::string& what) const {
    if (n > limits::max_names) {
      fail(list, "expected at most " + std::to_string(limits::max_names) + " " + what + ", got " +
                     std::to_string(n));
    }
  }

  // The items of a list; an empty list is an error unless it means "none".
  template <class F>
  void for_each_item(const node_ref& list, const std::string& what, F&& f,
                     bool may_be_empty = false) const {
    if (!list.node.IsSequence()) expected(list, what);
    if (list.node.size() == 0 && !may_be_empty) {
      fail(list, "expected " + what + ", got an empty list");
    }
    for (std::size_t i = 0; i < list.node.size(); ++i) {
      const YAML::Node item = list.node[i];
      f(node_ref{item, list.path + "[" + std::to_string(i) + "]", item.Mark()});
    }
  }

  // A string that must be one of `options`; `noun` names it in messages.
  std::string one_of(const node_ref& at, const std::string& noun,
                     const std::vector<std::string>& options) const {
    const std::string value = text(at, "a " + noun);
    if (std::find(options.begin(), options.end(), value) == options.end()) {
      fail(at, "unknown " + noun + " " + quoted(value) +
                   did_you_mean_or_list(value, options, "expected one of"));
    }
    return value;
  }

  template <class T>
  std::string unique_name(const node_ref& at, const std::vector<T>& earlier) const {
    const std::string name = text(at, "a name");
    if (name.empty()) expected(at, "a non-empty name");
    for (const T& e : earlier) {
      if (e.name == name) fail(at, "duplicate name " + quoted(name));
    }
    return name;
  }

  template <class T>
  void check_shares(const node_ref& list, const std::vector<T>& items) const {
    double sum = 0;
    for (const T& e : items) sum += e.share;
    if (std::abs(sum - 1) > 1e-6) {
      fail(list, "shares must sum to 1, they sum to " + number_text(sum));
    }
  }

  // "-5h", "5h30m" or "0": an offset from UTC within ±14h.
  vtime utc_offset(const node_ref& at) const {
    const std::string what = "a UTC offset like -5h or 5h30m, within ±14h";
    if (!at.node.IsScalar()) expected(at, what);
    std::string t = at.node.Scalar();
    const bool negative = !t.empty() && t.front() == '-';
    if (negative || (!t.empty() && t.front() == '+')) t = t.substr(1);
    std::optional<vtime> d = t == "0" ? std::optional<vtime>(0) : parse_duration(t);
    if (!d) {
      vtime total = 0;  // "5h30m": hours then minutes
      const auto h = t.find('h');
      const auto hours = h == std::string::npos ? std::nullopt : parse_duration(t.substr(0, h + 1));
      const auto minutes = h == std::string::npos ? std::nullopt : parse_duration(t.substr(h + 1));
      if (hours && minutes) d = total + *hours + *minutes;
    }
    if (!d || *d > 14 * hour) expected(at, what);
    return negative ? -*d : *d;
  }

  // The index of a named thing (endpoint, pool, tier), or a did-you-mean error.
  template <class T>
  int index_of(const node_ref& at, const std::vector<T>& things, const std::string& kind,
               const std::string& where) const {
    const std::string name =
        text(at, "a" + std::string(kind[0] == 'e' ? "n " : " ") + kind + " name");
    std::vector<std::string> names;
    for (std::size_t i = 0; i < things.size(); ++i) {
      if (things[i].name == name) return static_cast<int>(i);
      names.push_back(things[i].name);
    }
    fail(at, "no " + kind + " " + quoted(name) + " in " + where +
                 did_you_mean_or_list(name, names, (kind + "s are").c_str()));
  }
  int endpoint_of(const node_ref& at, const scenario& s) const {
    return index_of(at, s.endpoints, "endpoint", "platform.endpoints");
  }
  int pool_of(const node_ref& at, const scenario& s) const {
    return index_of(at, s.pools, "pool", "platform.pools");
  }
  int tier_of(const node_ref& at, const scenario& s) const {
    return index_of(at, s.tiers, "tier", "population.tiers");
  }

  // A per-tier value: one number for every tier, or a map tier -> number.
  template <class F>
  void per_tier(const node_ref& at, const scenario& s, double most, F&& set) const {
    if (!at.node.IsMap()) {
      const double v = positive_number(at, most);
      for (std::size_t t = 0; t < s.tiers.size(); ++t) set(t, v);
      return;
    }
    std::vector<bool> given(s.tiers.size(), false);
    for (const auto& e : entries(at)) {
      const node_ref key{YAML::Node(e.key), e.value.path, e.key_mark};
      const int t = tier_of(key, s);
      set(static_cast<std::size_t>(t), positive_number(e.value, most));
      given[static_cast<std::size_t>(t)] = true;
    }
    for (std::size_t t = 0; t < s.tiers.size(); ++t) {
      if (!given[t]) fail(at, "missing a value for tier " + quoted(s.tiers[t].name));
    }
  }

  void load_adoption(const node_ref& at, scenario& s) const {
    const auto items = entries(at);
    check_keys(items, {"model", "innovation", "imitation", "initial_adopters", "cascade"});
    if (auto n = optional(items, "model")) {
      const std::string model = text(*n, "an adoption model");
      if (model != "bass" && model != "cascade") {
        fail(*n, "unknown adoption model " + quoted(model) +
                     did_you_mean_or_list(model, {"bass", "cascade"}, "known models are"));
      }
      s.adoption.model = model;
    }
    s.adoption.innovation = rate_in_run(required(at, items, "innovation"), s);
    // Imitation is the whole of Bass; in the cascade model the graph imitates, and
    // a q (mean-field word of mouth, press) is optional.
    if (s.adoption.is_cascade()) {
      if (auto n = optional(items, "imitation")) s.adoption.imitation = rate_in_run(*n, s);
    } else {
      s.adoption.imitation = rate_in_run(required(at, items, "imitation"), s);
    }
    if (auto n = optional(items, "initial_adopters")) {
      s.adoption.initial_adopters = non_negative_number(*n);
      if (s.adoption.initial_adopters > s.population_size) {
        expected(*n, "at most population.size (" + number_text(s.population_size) + ")");
      }
    }
    const auto cascade = optional(items, "cascade");
    if (!s.adoption.is_cascade()) {
      if (cascade) fail(*cascade, "only used with model: cascade (the model is bass)");
      return;
    }
    if (!cascade) {
      fail(at, "model cascade needs a `cascade:` map (graph, share_endpoint, share_exposure)");
    }
    load_cascade(*cascade, s);
  }

  void load_cascade(const node_ref& at, scenario& s) const {
    cascade_spec& c = s.adoption.cascade;
    const auto items = entries(at);
    check_keys(items, {"graph", "share_endpoint", "share_exposure"});
    if (auto n = optional(items, "graph")) {
      const auto fields = entries(*n);
      check_keys(fields, {"kind", "mean_degree", "exponent"});
      if (auto m = optional(fields, "kind")) {
        const std::string kind = text(*m, "a graph kind");
        if (kind != "scale_free") {
          fail(*m, "unknown graph kind " + quoted(kind) +
                       did_you_mean_or_list(kind, {"scale_free"}, "known kinds are"));
        }
      }
      if (auto m = optional(fields, "mean_degree")) {
        c.mean_degree = number(*m, "a mean number of followers in (0, 100000]",
                               [](double v) { return v > 0 && v <= 1e5; });
      }
      if (auto m = optional(fields, "exponent")) {
        c.exponent = number(*m, "an exponent in (2, 10] (a scale-free graph needs > 2)",
                            [](double v) { return v > 2 && v <= 10; });
      }
    }
    if (auto n = optional(items, "share_exposure")) c.share_exposure = share(*n);
    if (auto n = optional(items, "share_endpoint")) {
      c.share_endpoint = endpoint_of(*n, s);
      return;
    }
    for (std::size_t e = 0; e < s.endpoints.size(); ++e) {
      if (s.endpoints[e].name == "share") c.share_endpoint = static_cast<int>(e);
    }
    if (c.share_endpoint < 0) {
      fail(at,
           "no endpoint named \"share\": name the endpoint whose completed requests "
           "share an image (share_endpoint: generate_image)");
    }
  }

  void load_behavior(const node_ref& at, scenario& s) const {
    auto& b = s.behavior;
    const auto items = entries(at);
    check_keys(items, {"sessions_per_day", "diurnal", "requests_per_session", "think_time", "mix",
                       "patience", "retry", "feedback"});
    const node_ref sessions = required(at, items, "sessions_per_day");
    per_tier(sessions, s, limits::max_sessions_per_day,
             [&](std::size_t t, double v) { s.tiers[t].sessions_per_day = v; });
    b.sessions_per_day = s.tiers.front().sessions_per_day;
    if (auto n = optional(items, "retry")) {
      const auto fields = entries(*n);
      check_keys(fields, {"max", "backoff", "multiplier"});
      if (auto m = optional(fields, "max")) {
        b.retry.max =
            static_cast<int>(number(*m, "a whole number of retries from 0 to 100", [](double v) {
              return v >= 0 && v <= 100 && v == std::floor(v);
            }));
      }
      if (auto m = optional(fields, "backoff")) b.retry.backoff = positive_duration(*m);
      if (auto m = optional(fields, "multiplier")) {
        b.retry.multiplier = number(*m, "a multiplier >= 1", [](double v) { return v >= 1; });
      }
    }
    if (auto n = optional(items, "feedback")) {
      const auto fields = entries(*n);
      check_keys(fields, {"penalty", "recovery"});
      if (auto m = optional(fields, "penalty")) b.feedback.penalty = share(*m);
      if (auto m = optional(fields, "recovery")) b.feedback.recovery = share(*m);
    }

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

    std::vector<std::string> pool_names;
    for (const auto& p : s.pools) pool_names.push_back(p.name);
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
  double per_day_limit(const node_ref& at) const {
    const double per_day = rate(at) * 86400.0;
    if (per_day > 65535) expected(at, "a limit of at most 65535/day");
    return per_day;
  }

  void load_business(const node_ref& at, scenario& s) const {
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
  void load_figures(const node_ref& at, scenario& s) const {
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
          std::vector<std::string> keys{"name",   "metric", "value",  "tolerance",
                                        "source", "role",   "compare"};
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
            f.target = one_of(*n, "figure role", {"target", "prediction"}) == "target";
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
  void load_tuned(const node_ref& at, const YAML::Node& root, scenario& s) const {
    for_each_item(
        at, "a list of key paths like [adoption.imitation, platform.pools[0].servers]",
        [&](const node_ref& item) {
          const std::string path = text(item, "a key path like adoption.imitation");
          const auto segments =
              split_key_path(path, [&](const std::string& why) { fail(item, why); });
          YAML::Node current = root;
          for (const path_segment& seg : segments) {
            const YAML::Node& map = current;
            if (!map.IsMap() || !map[seg.key].IsDefined()) {
              fail(item, "no value at " + quoted(path) +
                             " in this scenario; expected the key path of a value it sets");
            }
            current.reset(map[seg.key]);
            for (const std::size_t index : seg.indexes) {
              if (!current.IsSequence() || index >= current.size()) {
                fail(item, "no value at " + quoted(path) +
                               " in this scenario; expected the key path of a value it sets");
              }
              YAML::Node element = current[index];
              current.reset(element);
            }
          }
          s.tuned.push_back(path);
        });
  }

  void load_events(const node_ref& at, scenario& s) const {
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

  pool_spec load_pool(const node_ref& at, const scenario& s,
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

  dispatch_policy load_dispatch(const node_ref& at) const {
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
  batch_spec load_batch(const node_ref& at) const {
    const auto fields = entries(at, "a map like {max: 8, timeout: 200ms, speedup: {1: 1, 8: 5}}");
    check_keys(fields, {"max", "timeout", "speedup"});
    batch_spec b;
    b.max = static_cast<int>(
        number(required(at, fields, "max"), "a batch size from 1 to 65536",
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
          fail(e.value,
               "the speed-up of a batch of 1 must be 1 (got " + e.value.node.Scalar() + ")");
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
  autoscale_spec load_autoscale(const node_ref& at, const pool_spec& p, const scenario& s) const {
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

  // ------------------------------------------------------------ loadtest

  loadtest_spec load_loadtest(const node_ref& at, const scenario& s) const {
    const auto items = entries(at);
    check_keys(items, {"target", "allow_hosts", "time_scale", "rate_scale", "connections",
                       "max_connections", "timeout", "duration", "max_lag", "max_dropped",
                       "prompts", "prompts_file", "requests", "tls"});
    loadtest_spec l;
    if (auto n = optional(items, "tls")) {
      const auto fields = entries(*n, "a map with ca_file and insecure");
      check_keys(fields, {"ca_file", "insecure"});
      if (auto f = optional(fields, "ca_file")) l.tls.ca_file = text(*f, "a path to a PEM file");
      if (auto f = optional(fields, "insecure")) l.tls.insecure = boolean(*f);
    }
    if (auto n = optional(items, "target")) l.target = target_url(*n);
    if (auto n = optional(items, "allow_hosts")) {
      if (!n->node.IsSequence()) expected(*n, "a list of host names like [127.0.0.1, localhost]");
      l.allow_hosts.clear();
      for (std::size_t i = 0; i < n->node.size(); ++i) {
        const YAML::Node item = n->node[i];
        const node_ref host{item, n->path + "[" + std::to_string(i) + "]", item.Mark()};
        std::string name = text(host, "a host name");
        // "[::1]" is how a URL writes it; the list holds the bare address.
        if (name.size() > 2 && name.front() == '[' && name.back() == ']') {
          name = name.substr(1, name.size() - 2);
        }
        if (!valid_host(name))
          expected(host, "a host name or address without scheme, port or path");
        l.allow_hosts.push_back(name);
      }
    }
    if (auto n = optional(items, "time_scale")) {
      l.time_scale = number(*n, "a positive number (virtual seconds per wall second)",
                            [](double v) { return v > 0 && std::isfinite(v); });
    }
    if (auto n = optional(items, "rate_scale")) {
      l.rate_scale = number(*n, "a number in (0, 1]", [](double v) { return v > 0 && v <= 1; });
    }
    if (auto n = optional(items, "connections")) {
      l.connections = static_cast<int>(number(*n, "a positive integer up to 100000", [](double v) {
        return v >= 1 && v <= 100'000 && v == std::floor(v);
      }));
    }
    l.max_connections = std::min(100'000, 4 * l.connections);
    if (auto n = optional(items, "max_connections")) {
      const int least = l.connections;
      l.max_connections = static_cast<int>(
          number(*n, "an integer from connections (" + std::to_string(least) + ") up to 100000",
                 [least](double v) { return v >= least && v <= 100'000 && v == std::floor(v); }));
    }
    if (auto n = optional(items, "timeout")) l.timeout = positive_duration(*n);
    if (auto n = optional(items, "duration")) l.duration = positive_duration(*n);
    if (auto n = optional(items, "max_lag")) l.max_lag = positive_duration(*n);
    if (auto n = optional(items, "max_dropped")) {
      l.max_dropped =
          number(*n, "a share in [0, 1], like 0.001", [](double v) { return v >= 0 && v <= 1; });
    }
    if (auto n = optional(items, "prompts")) {
      if (!n->node.IsSequence()) expected(*n, "a list of prompt strings");
      for (std::size_t i = 0; i < n->node.size(); ++i) {
        const YAML::Node item = n->node[i];
        l.prompts.push_back(
            text({item, n->path + "[" + std::to_string(i) + "]", item.Mark()}, "a prompt string"));
      }
    }
    if (auto n = optional(items, "prompts_file")) {
      if (optional(items, "prompts")) fail(*n, "give prompts or prompts_file, not both");
      l.prompts_file = text(*n, "a file name (relative to the scenario file)");
      // Relative to the scenario, as a team keeps its prompts next to it.
      if (!l.prompts_file.starts_with("/")) {
        l.prompts_file = file_.substr(0, file_.rfind('/') + 1) + l.prompts_file;
      }
      std::string error;
      std::istringstream lines(read_capped(l.prompts_file, error));
      if (!error.empty()) fail(*n, error);
      for (std::string line; std::getline(lines, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty()) l.prompts.push_back(line);
      }
      if (l.prompts.empty()) fail(*n, l.prompts_file + " has no prompts (one a line)");
    }

    const node_ref requests = required(at, items, "requests");
    const auto named = entries(requests, "a map of endpoint name to {method, path, body, headers}");
    if (named.empty()) fail(requests, "expected at least one endpoint, got an empty map");
    std::vector<std::string> endpoint_names;
    for (const auto& e : s.endpoints) endpoint_names.push_back(e.name);
    l.requests.assign(s.endpoints.size(), request_template{});
    std::vector<std::string> route_paths(s.endpoints.size());
    for (const auto& e : named) {
      const int index = s.endpoint_index(e.key);
      if (index < 0) {
        fail(e.key_mark, e.value.path,
             "no endpoint " + quoted(e.key) + " in platform.endpoints" +
                 did_you_mean_or_list(e.key, endpoint_names, "endpoints are"));
      }
      request_template r = load_request(e.value, l);
      // `serve` routes on method and path without the query: two endpoints
      // there would be one route, and the second could never be reached.
      const std::string route = r.path.substr(0, r.path.find('?'));
      for (std::size_t k = 0; k < l.requests.size(); ++k) {
        if (!l.requests[k].path.empty() && l.requests[k].method == r.method &&
            route_paths[k] == route) {
          fail(e.value, "same method and path as loadtest.requests." + s.endpoints[k].name + " (" +
                            r.method + " " + route + "); each endpoint needs its own route");
        }
      }
      route_paths[static_cast<std::size_t>(index)] = route;
      l.requests[static_cast<std::size_t>(index)] = std::move(r);
    }
    return l;
  }

  // "http[s]://host[:port][/]"; the load test sends its requests' own paths, so
  // a path here would be silently ignored: refuse it instead.
  std::string target_url(const node_ref& at) const {
    const std::string what = "a URL like http://127.0.0.1:8080 or https://127.0.0.1:8443";
    std::string url = text(at, what);
    const std::size_t scheme = url.starts_with("http://") ? 7 : url.starts_with("https://") ? 8 : 0;
    if (scheme == 0) expected(at, what);
    if (url.ends_with("/")) url.pop_back();
    std::string rest = url.substr(scheme);
    if (rest.find_first_of("/?#@") != std::string::npos) {
      expected(at, what + " (a host and an optional port, no path)");
    }
    std::string host;
    std::optional<std::string> port;
    if (rest.starts_with("[")) {
      const std::size_t close = rest.find(']');
      if (close == std::string::npos) expected(at, what + " (an unclosed [ in the host)");
      host = rest.substr(1, close - 1);
      rest = rest.substr(close + 1);
      if (rest.starts_with(":")) {
        port = rest.substr(1);
      } else if (!rest.empty()) {
        expected(at, what + " (a host and an optional port, no path)");
      }
      if (host.find(':') == std::string::npos) expected(at, what + " (brackets hold IPv6 only)");
    } else {
      const std::size_t colon = rest.find(':');
      host = rest.substr(0, colon);
      if (colon != std::string::npos) port = rest.substr(colon + 1);
      if (host.find(':') != std::string::npos) expected(at, what);
    }
    if (!valid_host(host)) expected(at, what + " (a host and an optional port, no path)");
    if (port) {
      const bool digits =
          !port->empty() && port->size() <= 5 &&
          std::all_of(port->begin(), port->end(), [](char c) { return c >= '0' && c <= '9'; });
      if (!digits || std::stoi(*port) < 1 || std::stoi(*port) > 65535) {
        expected(at, what + " (a port in 1..65535)");
      }
    }
    return url;
  }

  // A DNS name or IPv4 address (letters, digits, '.', '-'), or an IPv6 address
  // without brackets (hex digits, ':', '.').
  static bool valid_host(const std::string& host) {
    if (host.empty()) return false;
    if (host.find(':') != std::string::npos) {
      return std::all_of(host.begin(), host.end(), [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
      });
    }
    return std::all_of(host.begin(), host.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
    });
  }

  request_template load_request(const node_ref& at, loadtest_spec& l) const {
    const auto fields = entries(at, "a map with method, path, body and headers");
    check_keys(fields, {"method", "path", "body", "headers"});
    request_template r;
    if (auto n = optional(fields, "method")) {
      static const std::vector<std::string> methods = {"GET", "POST", "PUT", "DELETE", "PATCH"};
      r.method = text(*n, "an HTTP method");
      if (std::find(methods.begin(), methods.end(), r.method) == methods.end()) {
        std::string upper = r.method;
        for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        const auto hint = std::find(methods.begin(), methods.end(), upper) != methods.end()
                              ? "; did you mean " + quoted(upper) + "?"
                              : did_you_mean_or_list(r.method, methods, "methods are");
        fail(*n, "unknown HTTP method " + quoted(r.method) + hint);
      }
    }
    const node_ref path = required(at, fields, "path");
    r.path = text(path, "a path starting with /");
    if (!r.path.starts_with("/")) expected(path, "a path starting with /");
    for (char c : r.path) {
      if (static_cast<unsigned char>(c) <= ' ' || c == '#' || c == 0x7f) {
        fail(path,
             "a path may not contain spaces, control characters or '#' (percent-encode them)");
      }
    }
    check_template(path, r.path, l);
    if (auto n = optional(fields, "body")) {
      r.body = text(*n, "a body string");
      check_template(*n, r.body, l);
    }
    if (auto n = optional(fields, "headers")) {
      // Framing headers are the client's: a wrong Content-Length would desynchronise
      // the connection and turn every later response into an error.
      static const std::vector<std::string> reserved = {"host", "content-length", "connection",
                                                        "transfer-encoding"};
      for (const auto& h : entries(*n, "a map of header name to value")) {
        const auto token = [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) ||
                 std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
        };
        if (h.key.empty() || !std::all_of(h.key.begin(), h.key.end(), token)) {
          fail(h.key_mark, h.value.path,
               "expected a header name (letters, digits, -), got " + quoted(h.key));
        }
        std::string lower = h.key;
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (std::find(reserved.begin(), reserved.end(), lower) != reserved.end()) {
          fail(h.key_mark, h.value.path, "header " + quoted(h.key) + " is set by stampede itself");
        }
        const std::string value = text(h.value, "a header value");
        if (value.find_first_of("\r\n") != std::string::npos) {
          fail(h.value, "a header value may not contain line breaks");
        }
        check_template(h.value, value, l);
        r.headers.emplace_back(h.key, value);
      }
    }
    return r;
  }

  // Template variables are checked here so a typo fails before any request is
  // sent, not as thousands of odd requests.
  // Each ${env:NAME} is recorded with where it is used, for the load test to
  // read it from the environment.
  void check_template(const node_ref& at, const std::string& text_value, loadtest_spec& l) const {
    static const std::vector<std::string> variables = {"user_id", "seq", "prompt", "tier"};
    std::size_t start = 0;
    while ((start = text_value.find("${", start)) != std::string::npos) {
      const std::size_t close = text_value.find('}', start);
      if (close == std::string::npos) {
        fail(at, "unclosed template variable at " + quoted(text_value.substr(start, 20)) +
                     "; variables are ${user_id}, ${seq}, ${prompt}, ${tier}, ${env:NAME}");
      }
      const std::string name = text_value.substr(start + 2, close - start - 2);
      if (name.starts_with("env:")) {
        const auto env = env_variable_name(name);
        if (env.empty()) {
          fail(at, "expected ${env:NAME} with NAME of letters, digits and _, got ${" + name + "}");
        }
        l.env.push_back(
            {std::string(env),
             error_at(at.mark, at.path, "${" + name + "} is not set in the environment").what()});
        start = close + 1;
        continue;
      }
      if (std::find(variables.begin(), variables.end(), name) == variables.end()) {
        std::string hint = "; variables are ${user_id}, ${seq}, ${prompt}, ${tier}, ${env:NAME}";
        // "${user}" means ${user_id} rather than the nearer ${seq}: a prefix wins.
        const auto prefix = std::find_if(variables.begin(), variables.end(), [&](const auto& v) {
          return !name.empty() && (v.starts_with(name) || name.starts_with(v));
        });
        if (prefix != variables.end()) {
          hint = "; did you mean ${" + *prefix + "}?";
        } else if (auto guess = closest(name, variables)) {
          hint = "; did you mean ${" + *guess + "}?";
        }
        fail(at, "unknown template variable ${" + name + "}" + hint);
      }
      if (name == "prompt" && l.prompts.empty()) {
        fail(at, "${prompt} needs a list of prompts in loadtest.prompts or loadtest.prompts_file");
      }
      start = close + 1;
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
  return split_key_path(path, [&](const std::string& why) { bad_override(argument, why); });
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
    check_expansion(value_text, "--set " + argument, limits::max_expanded_bytes);
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
    check_expansion(yaml, name, limits::max_expanded_bytes);
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
  std::string error;
  const std::string text = read_capped(path, error);
  if (!error.empty()) throw scenario_error(path, 0, 0, "", error);
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
  if (s.adoption.is_cascade()) {
    const cascade_spec& c = s.adoption.cascade;
    out << "  cascade: scale-free graph, mean " << number_text(c.mean_degree)
        << " followers, exponent " << number_text(c.exponent) << "; a completed "
        << s.endpoints[static_cast<std::size_t>(c.share_endpoint)].name
        << " shares, and a follower who sees it adopts with probability "
        << number_text(c.share_exposure) << "\n";
  }
  if (s.regions.size() > 1 || s.tiers.size() > 1) {
    out << "  regions:";
    for (const auto& r : s.regions) {
      out << " " << r.name << " " << number_text(r.share * 100) << "% (UTC"
          << (r.utc_offset < 0 ? "-" : "+") << format_duration(std::abs(r.utc_offset)) << ")";
    }
    out << "; tiers:";
    for (const auto& t : s.tiers) {
      out << " " << t.name << " " << number_text(t.share * 100) << "% ("
          << number_text(t.sessions_per_day) << " sessions/day";
      if (t.price_per_month > 0) out << ", $" << number_text(t.price_per_month) << "/month";
      out << ")";
    }
    out << "\n";
  }
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
    if (p.dispatch != dispatch_policy::shared)
      out << ", " << dispatch_names()[static_cast<std::size_t>(p.dispatch)] << " dispatch";
  }
  for (const auto& r : s.rate_limits) {
    out << "\n  rate limit: " << s.tiers[static_cast<std::size_t>(r.tier)].name << " on "
        << s.endpoints[static_cast<std::size_t>(r.endpoint)].name << " " << number_text(r.per_day)
        << "/day per user";
  }
  if (s.behavior.retry.max > 0) {
    out << "\n  retries: up to " << s.behavior.retry.max << ", backoff "
        << format_duration(s.behavior.retry.backoff) << " x"
        << number_text(s.behavior.retry.multiplier);
  }
  if (!s.events.empty()) {
    static const char* names[] = {"imitation_boost", "rate_limit", "add_servers", "remove_servers",
                                  "outage"};
    out << "\n  events:";
    for (std::size_t i = 0; i < s.events.size(); ++i) {
      out << (i == 0 ? " " : "; ") << format_duration(s.events[i].at) << " "
          << names[static_cast<int>(s.events[i].what)];
    }
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
  if (s.loadtest) {
    const loadtest_spec& l = *s.loadtest;
    out << "  loadtest: target " << (l.target.empty() ? "the modeled service" : l.target)
        << ", time scale " << number_text(l.time_scale) << ", rate scale "
        << number_text(l.rate_scale) << ", " << l.connections << " to " << l.max_connections
        << " connections, timeout " << format_duration(l.timeout) << ";";
    for (std::size_t i = 0; i < l.requests.size() && i < s.endpoints.size(); ++i) {
      if (l.requests[i].path.empty()) continue;
      out << " " << s.endpoints[i].name << " " << l.requests[i].method << " " << l.requests[i].path
          << ";";
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace stampede::sim
