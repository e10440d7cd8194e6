#pragma once
// The scenario loader's reader: one class that walks the YAML document and
// turns it into a scenario, failing with "file:line:col: key.path: what was
// expected". Its members are defined one file per section of the format:
//   nodes.cpp       maps, scalars, durations, rates, distributions, names
//   population.cpp  population (regions, tiers) and adoption (bass, cascade)
//   behavior.cpp    behavior (sessions, mix, diurnal, retry, feedback)
//   platform.cpp    platform (pools, endpoints, rate limits, dispatch, batch, autoscale)
//   outcomes.cpp    slo, business, figures and tuned
//   tune.cpp        tune (what `stampede fit figures` may tune)
//   events.cpp      events
//   loadtest.cpp    loadtest
//   overrides.cpp   --set key.path=value, applied to the document before reading
// and the document itself (its keys, their order, time) in ../scenario_loader.cpp.
// Internal to sim/scenario: nothing outside it includes this header.
#include <yaml-cpp/yaml.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/scenario/scenario.hpp"
#include "sim/scenario/scenario_loader.hpp"

namespace stampede::sim::loading {

// ---------------------------------------------------------------- messages

/// The candidate a typo most likely meant, if any is close enough.
std::optional<std::string> closest(std::string_view word,
                                   const std::vector<std::string>& candidates);
/// The items separated by `separator`.
std::string join(const std::vector<std::string>& items, const char* separator = ", ");
/// `s` in double quotes.
std::string quoted(std::string_view s);
/// "; did you mean "x"?" or "; LIST_INTRO: a, b, c", or nothing without candidates.
std::string did_you_mean_or_list(std::string_view word, const std::vector<std::string>& candidates,
                                 const char* list_intro);
/// How a value found in the file is shown in a message.
std::string found(const YAML::Node& node);
/// The text of the file at `path`, at most max_scenario_bytes; on failure `error`
/// says why ("cannot open PATH: ...") and the text is empty.
std::string read_capped(const std::string& path, std::string& error);

// ---------------------------------------------------------------- key paths

/// One --set as given and the key path it sets.
struct override_entry {
  std::string argument;  // "behavior.mix.a=0.5", as given
  std::string path;      // normalised: "behavior.mix.a", "platform.pools[0].servers"
};

/// One key of a key path and the list indexes that follow it ("pools[0]").
struct path_segment {
  std::string key;
  std::vector<std::size_t> indexes;
};

/// Splits "platform.pools[0].servers" into keys and indexes; `bad` is called
/// with the reason when the path is malformed, and must throw.
std::vector<path_segment> split_key_path(const std::string& path,
                                         const std::function<void(const std::string&)>& bad);

/// The node at a key path of the document, or an undefined node when the
/// document sets nothing there.
YAML::Node value_at_path(const YAML::Node& root, const std::vector<path_segment>& segments);

/// Applies one --set to the document and returns its normalised key path.
override_entry apply_override(YAML::Node& root, const std::string& argument);

// ---------------------------------------------------------------- walking

/// A node with the key path that reached it and the best position for messages.
struct node_ref {
  YAML::Node node;
  std::string path;
  YAML::Mark mark;
};

/// "parent.key", or "key" at the top.
std::string child_path(const std::string& parent, std::string_view key);

/// One key of a map, where it is, and its value.
struct map_entry {
  std::string key;
  YAML::Mark key_mark;
  node_ref value;
};

/// What a distribution draws: durations (in seconds) or counts (>= 1).
enum class domain { duration, count };

/// Reads one scenario document; every member fails with a scenario_error.
class loader {
 public:
  loader(std::string file, std::vector<override_entry> overrides)
      : file_(std::move(file)), overrides_(std::move(overrides)) {}

  /// The scenario the document describes (after the overrides were applied to it).
  scenario load(const YAML::Node& root_node) const;

 private:
  // ------------------------------------------------------------ errors (nodes.cpp)
  [[noreturn]] void fail(const YAML::Mark& mark, const std::string& path,
                         const std::string& message) const;
  scenario_error error_at(const YAML::Mark& mark, const std::string& path,
                          const std::string& message) const;
  [[noreturn]] void fail(const node_ref& at, const std::string& message) const;
  /// An error at a 0-based place, for section readers in other files
  /// (uncertainty.hpp's error_maker).
  std::exception_ptr operator()(int line0, int column0, const std::string& path,
                                const std::string& message) const {
    YAML::Mark mark;
    mark.line = line0;
    mark.column = column0;
    return std::make_exception_ptr(error_at(mark, path, message));
  }
  [[noreturn]] void expected(const node_ref& at, const std::string& what) const;

  // ------------------------------------------------------------ maps (nodes.cpp)
  std::vector<map_entry> entries(const node_ref& map, const std::string& what = "a map") const;
  void check_keys(const std::vector<map_entry>& items, const std::vector<std::string>& known,
                  const std::vector<std::string>& unsupported = {}) const;
  static const map_entry* find(const std::vector<map_entry>& items, std::string_view key);
  std::optional<node_ref> optional(const std::vector<map_entry>& items, std::string_view key) const;
  node_ref required(const node_ref& map, const std::vector<map_entry>& items,
                    std::string_view key) const;
  /// A map entry's key as a node, at the key's place with the entry's path: a
  /// key that names something (`mix: {generate: 0.7}`) is looked up like a value.
  static node_ref key_of(const map_entry& e) {
    return {YAML::Node(e.key), e.value.path, e.key_mark};
  }

  // ------------------------------------------------------------ scalars (nodes.cpp)
  std::string text(const node_ref& at, const std::string& what = "a string") const;
  double number(const node_ref& at, const std::string& what,
                const std::function<bool(double)>& valid) const;
  bool boolean(const node_ref& at) const;
  double positive_number(const node_ref& at,
                         double most = std::numeric_limits<double>::infinity()) const;
  double non_negative_number(const node_ref& at,
                             double most = std::numeric_limits<double>::infinity()) const;
  double share(const node_ref& at) const;
  std::int64_t positive_integer(const node_ref& at, double most = 9.2e18) const;
  std::uint64_t non_negative_integer(const node_ref& at) const;
  vtime duration(const node_ref& at) const;
  vtime positive_duration(const node_ref& at) const;
  double rate(const node_ref& at) const;
  double rate_in_run(const node_ref& at, const scenario& s) const;

  // ------------------------------------------------------------ distributions (nodes.cpp)
  distribution parse_distribution(const node_ref& at, domain d) const;
  double count_value(const node_ref& at) const;
  static std::string param_text(double v, domain d);

  // ------------------------------------------------------------ lists and names (nodes.cpp)
  void check_count(const node_ref& list, std::size_t n, const std::string& what) const;
  std::string one_of(const node_ref& at, const std::string& noun,
                     const std::vector<std::string>& options) const;
  int endpoint_of(const node_ref& at, const scenario& s) const;
  int pool_of(const node_ref& at, const scenario& s) const;
  int tier_of(const node_ref& at, const scenario& s) const;

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
      const int t = tier_of(key_of(e), s);
      set(static_cast<std::size_t>(t), positive_number(e.value, most));
      given[static_cast<std::size_t>(t)] = true;
    }
    for (std::size_t t = 0; t < s.tiers.size(); ++t) {
      if (!given[t]) fail(at, "missing a value for tier " + quoted(s.tiers[t].name));
    }
  }

  // ------------------------------------------------------------ sections
  void load_metrics(const node_ref& at, scenario& s) const;  // ../scenario_loader.cpp

  // population.cpp
  void load_population(const node_ref& at, scenario& s) const;
  vtime utc_offset(const node_ref& at) const;
  void load_adoption(const node_ref& at, scenario& s) const;
  void load_cascade(const node_ref& at, scenario& s) const;

  // behavior.cpp
  void load_behavior(const node_ref& at, scenario& s) const;
  std::array<double, 24> diurnal(const node_ref& at) const;

  // platform.cpp
  void load_platform(const node_ref& at, scenario& s) const;
  pool_spec load_pool(const node_ref& at, const scenario& s,
                      const std::vector<std::string>& earlier_paths) const;
  dispatch_policy load_dispatch(const node_ref& at) const;
  batch_spec load_batch(const node_ref& at) const;
  autoscale_spec load_autoscale(const node_ref& at, const pool_spec& p, const scenario& s) const;
  double per_day_limit(const node_ref& at) const;

  // outcomes.cpp
  void load_slos(const node_ref& at, scenario& s) const;
  void load_business(const node_ref& at, scenario& s) const;
  void load_figures(const node_ref& at, scenario& s) const;
  void load_tuned(const node_ref& at, const YAML::Node& root, scenario& s) const;

  // tune.cpp
  void load_tune(const node_ref& at, const YAML::Node& root, scenario& s) const;

  // events.cpp
  void load_events(const node_ref& at, scenario& s) const;

  // loadtest.cpp
  loadtest_spec load_loadtest(const node_ref& at, const scenario& s) const;
  std::string target_url(const node_ref& at) const;
  request_template load_request(const node_ref& at, loadtest_spec& l) const;
  void check_template(const node_ref& at, const std::string& text_value, loadtest_spec& l) const;

  std::string file_;
  std::vector<override_entry> overrides_;
};

}  // namespace stampede::sim::loading
