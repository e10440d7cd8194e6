// Reading a scenario: the public entry points, errors, and the document's own
// keys (name, seed, time, metrics) in the order the sections are read. Each
// section is read in sim/scenario/loader/ (see loader.hpp for the map).
#include "sim/scenario/scenario_loader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include "sim/scenario/limits.hpp"
#include "sim/scenario/loader/loader.hpp"
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

namespace loading {

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

scenario loader::load(const YAML::Node& root_node) const {
  const node_ref root{root_node, "", root_node.Mark()};
  if (root_node.IsNull()) {
    fail(YAML::Mark(), "",
         "the file holds no scenario; expected a map with scenario, horizon, "
         "population, adoption, behavior and platform");
  }
  const auto items = entries(root, "a map of scenario keys (scenario, horizon, population, ...)");
  check_keys(items, {"scenario", "description", "seed", "horizon", "tick", "scale", "metrics",
                     "population", "adoption", "behavior", "platform", "slo", "loadtest", "events",
                     "business", "figures", "tuned", "tune", "projection"});

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
  if (auto n = optional(items, "tune")) load_tune(*n, root_node, s);
  if (auto n = optional(items, "loadtest")) s.loadtest = load_loadtest(*n, s);
  if (auto n = optional(items, "projection")) {
    const error_maker error = [this](int line0, int column0, const std::string& path,
                                     const std::string& message) {
      return (*this)(line0, column0, path, message);
    };
    std::vector<std::string> endpoints, pools;
    for (const auto& e : s.endpoints) endpoints.push_back(e.name);
    for (const auto& p : s.pools) pools.push_back(p.name);
    s.projection = load_projection(n->node, n->path, error, milestone_outcomes(endpoints, pools));
  }
  return s;
}

void loader::load_metrics(const node_ref& at, scenario& s) const {
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

}  // namespace loading

namespace {

/// The offset of the first byte of `text` that starts no valid UTF-8 character
/// (overlong forms, surrogates and code points past U+10FFFF included), if any.
std::optional<std::size_t> invalid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto b = static_cast<unsigned char>(text[i]);
    int length = 0;
    unsigned low = 0x80, high = 0xbf;  // the allowed range of the second byte
    if (b < 0x80) {
      ++i;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      length = 2;
    } else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      if (b == 0xe0) low = 0xa0;   // no overlong three-byte forms
      if (b == 0xed) high = 0x9f;  // no surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      if (b == 0xf0) low = 0x90;   // no overlong four-byte forms
      if (b == 0xf4) high = 0x8f;  // nothing past U+10FFFF
    } else {
      return i;
    }
    if (i + static_cast<std::size_t>(length) > text.size()) return i;
    for (int k = 1; k < length; ++k) {
      const auto c = static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]);
      const bool second = k == 1;
      if (c < (second ? low : 0x80) || c > (second ? high : 0xbf)) return i;
    }
    i += static_cast<std::size_t>(length);
  }
  return std::nullopt;
}

std::string not_utf8(unsigned char byte) {
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", byte);
  return std::string("not UTF-8 text: byte ") + hex + " starts no valid character";
}

/// Refuses a document or a --set that is not UTF-8: every report writes the
/// scenario's text into JSON, and a terminal shows its errors.
void require_utf8(std::string_view yaml, const std::string& name,
                  const std::vector<std::string>& overrides) {
  if (const auto at = invalid_utf8(yaml)) {
    const std::string_view before = yaml.substr(0, *at);
    const auto line = static_cast<int>(std::count(before.begin(), before.end(), '\n')) + 1;
    const auto column = static_cast<int>(*at - (before.rfind('\n') + 1)) + 1;
    throw scenario_error(name, line, column, "", not_utf8(static_cast<unsigned char>(yaml[*at])));
  }
  for (const std::string& argument : overrides) {
    const auto at = invalid_utf8(argument);
    if (!at) continue;
    std::string shown;  // the argument with every byte past ASCII as \xHH
    for (const char c : argument) {
      const auto u = static_cast<unsigned char>(c);
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", u);
      shown += u < 0x80 ? std::string(1, c) : std::string(hex);
    }
    throw scenario_error(
        "", 0, 0, "",
        "--set " + shown + ": " + not_utf8(static_cast<unsigned char>(argument[*at])));
  }
}

/// The document `yaml` (named `name` in messages) with `overrides` applied.
YAML::Node overridden_document(std::string_view yaml, const std::string& name,
                               const std::vector<std::string>& overrides,
                               std::vector<loading::override_entry>& applied) {
  require_utf8(yaml, name, overrides);
  YAML::Node root;
  try {
    check_expansion(yaml, name, limits::max_expanded_bytes);
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::ParserException& e) {
    // yaml-cpp marks are 0-based; editors count from 1.
    throw scenario_error(name, e.mark.line + 1, e.mark.column + 1, "",
                         "YAML syntax error: " + e.msg);
  }
  for (const auto& argument : overrides) {
    applied.push_back(loading::apply_override(root, argument));
  }
  return root;
}

}  // namespace

std::string scenario_yaml_with(std::string_view yaml, const std::string& name,
                               const std::vector<std::string>& overrides) {
  std::vector<loading::override_entry> applied;
  YAML::Emitter out;
  out << overridden_document(yaml, name, overrides, applied);
  return std::string(out.c_str()) + "\n";
}

scenario load_scenario_text(std::string_view yaml, const std::string& name,
                            const std::vector<std::string>& overrides) {
  std::vector<loading::override_entry> applied;
  const YAML::Node root = overridden_document(yaml, name, overrides, applied);
  try {
    return loading::loader(name, std::move(applied)).load(root);
  } catch (const YAML::Exception& e) {
    // Should not happen (every node is checked before use), but a yaml-cpp
    // error must still leave as a scenario_error that names the file.
    throw scenario_error(name, e.mark.line + 1, e.mark.column + 1, "", e.msg);
  }
}

scenario load_scenario_file(const std::string& path, const std::vector<std::string>& overrides) {
  std::string error;
  const std::string text = loading::read_capped(path, error);
  if (!error.empty()) throw scenario_error(path, 0, 0, "", error);
  return load_scenario_text(text, path, overrides);
}

}  // namespace stampede::sim
