// --set key.path=value: each override is applied to the YAML document before
// it is read, so a value from the command line is checked like one in the file.
#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "sim/scenario/limits.hpp"
#include "sim/scenario/loader/loader.hpp"
#include "sim/scenario/yaml_expansion.hpp"

namespace stampede::sim::loading {

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

YAML::Node value_at_path(const YAML::Node& root, const std::vector<path_segment>& segments) {
  YAML::Node current = root;
  for (const path_segment& seg : segments) {
    const YAML::Node& map = current;
    if (!map.IsMap() || !map[seg.key].IsDefined()) return YAML::Node(YAML::NodeType::Undefined);
    current.reset(map[seg.key]);
    for (const std::size_t index : seg.indexes) {
      if (!current.IsSequence() || index >= current.size()) {
        return YAML::Node(YAML::NodeType::Undefined);
      }
      YAML::Node element = current[index];
      current.reset(element);
    }
  }
  return current;
}

namespace {

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

}  // namespace

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

}  // namespace stampede::sim::loading
