// The scenario fuzzer: mutated copies of the shipped scenarios (type swaps,
// extremes, non-finite and overflowing numbers, deleted keys, aliases,
// truncation, bad UTF-8), from a fixed seed. Every case must load or fail with
// a scenario_error (exit 2), never another exception; a sample goes through the
// binary (`validate`, and `run` with a short horizon), which must exit 0 or 2
// within seconds, never by a signal, a hang or an unhandled exception.
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <random>

#include "reports/reports.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "tests/cli/run_binary.hpp"

using stampede::test::read_all;
using stampede::test::run_stampede;
using stampede::test::temp_dir;

namespace {

namespace fs = std::filesystem;
using rng_type = std::mt19937_64;

/// The seed of the whole corpus: a failure names its case, and the case comes
/// back on every machine. STAMPEDE_FUZZ_SEED, STAMPEDE_FUZZ_CASES and
/// STAMPEDE_FUZZ_RUNS run a longer or another corpus by hand.
std::uint64_t from_env(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v ? std::stoull(v) : fallback;
}
const std::uint64_t seed = from_env("STAMPEDE_FUZZ_SEED", 20261130);
const int cases = static_cast<int>(from_env("STAMPEDE_FUZZ_CASES", 3000));
constexpr int binary_validate_every = 60;  // 50 cases through `stampede validate`
const int runs = static_cast<int>(from_env("STAMPEDE_FUZZ_RUNS", 25));  // through `stampede run`

/// Scalars a careless or hostile author could write where any value goes.
const std::vector<std::string> extremes = {
    "0",
    "-1",
    "0.5",
    "1e308",
    "-1e308",
    "1e-308",
    "5e-324",
    "1e26",
    "1e12",
    "9.3e18",
    "18446744073709551616",
    "2147483648",
    "65537",
    "1_000_000_000_000",
    "nan",
    ".nan",
    ".inf",
    "-.inf",
    "1e308/us",
    "1e308/s",
    "1e12/h",
    "0/s",
    "-1/s",
    "52000w",
    "1000000w",
    "9e18us",
    "0s",
    "1us",
    "-5s",
    "1e12s",
    "",
    "~",
    "true",
    "lots",
    "\xff\xfe\xc3",
    std::string(5000, 'a'),
    "{dist: lognormal, median: 1e12s, sigma: 100}",
    "{dist: lognormal, median: 1e9s, sigma: 5}",
    "{dist: geometric, mean: 1e300}",
    "{dist: uniform, low: 0s, high: 1e12s}",
    "{dist: exponential, mean: 1us}",
    "{dist: triangular, low: 0s, mode: 1e12s, high: 1e12s}",
    "[]",
    "{}",
    "[1, 2]",
    "{1: 1.0, 2: 1e-308}",
    "{max: 65536, timeout: 0s, speedup: {1: 1.0, 2: 0.001}}",
    "{plus: 1e308}",
};

/// Numbers put in place of a value's number, keeping its unit or period.
const std::vector<std::string> numbers = {"1e300", "1e-300", "0", "1e18", "9e15", "4294967296"};

/// A place in a document: the child `key` (map) or `index` (list) of `parent`.
struct slot {
  mutable YAML::Node parent;
  std::string key;
  std::size_t index = 0;
  bool in_map = true;
  YAML::Node node() const { return in_map ? parent[key] : parent[index]; }
  void set(const YAML::Node& value) const {
    if (in_map) {
      parent[key] = value;
    } else {
      parent[index] = value;
    }
  }
};

void collect(const YAML::Node& n, std::vector<slot>& out) {
  if (n.IsMap()) {
    for (auto it = n.begin(); it != n.end(); ++it) {
      if (!it->first.IsScalar()) continue;
      out.push_back({n, it->first.Scalar(), 0, true});
      collect(it->second, out);
    }
  } else if (n.IsSequence()) {
    for (std::size_t i = 0; i < n.size(); ++i) {
      out.push_back({n, "", i, false});
      collect(n[i], out);
    }
  }
}

template <class T>
const T& pick(const std::vector<T>& v, rng_type& rng) {
  return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng)];
}

YAML::Node value_of(const std::string& text) {
  // Flow collections are parsed; everything else stays the scalar as written.
  if (!text.empty() && (text.front() == '{' || text.front() == '[')) return YAML::Load(text);
  return YAML::Node(text);
}

/// One tree mutation of `doc`.
void mutate_tree(YAML::Node& doc, rng_type& rng) {
  std::vector<slot> slots;
  collect(doc, slots);
  if (slots.empty()) return;
  const slot& s = pick(slots, rng);
  const YAML::Node n = s.node();
  switch (std::uniform_int_distribution<int>(0, 4)(rng)) {
    case 0:  // an extreme value
      s.set(value_of(pick(extremes, rng)));
      break;
    case 1:  // a type swap
      if (n.IsScalar()) {
        s.set(value_of(rng() % 2 ? "[x]" : "{a: 1}"));
      } else {
        s.set(YAML::Node("x"));
      }
      break;
    case 2:  // a missing key
      if (s.in_map) s.parent.remove(s.key);
      break;
    case 3: {  // the same unit or period, an extreme number
      if (!n.IsScalar()) break;
      const std::string t = n.Scalar();
      std::size_t end = 0;
      while (end < t.size() &&
             std::string_view("0123456789._eE+-").find(t[end]) != std::string_view::npos) {
        ++end;
      }
      if (end > 0) s.set(YAML::Node(pick(numbers, rng) + t.substr(end)));
      break;
    }
    default: {  // a value repeated where another was (an alias once emitted)
      const slot& other = pick(slots, rng);
      const YAML::Node copy = YAML::Clone(other.node());
      s.set(copy);
      break;
    }
  }
}

/// Nested aliases: `width`^`depth` copies of one scalar once expanded.
std::string alias_bomb(int depth, int width) {
  std::string out = "  - &a0 [" + std::string(20, 'x') + "]\n";
  for (int d = 1; d <= depth; ++d) {
    out += "  - &a" + std::to_string(d) + " [";
    for (int w = 0; w < width; ++w) out += (w ? ", *a" : "*a") + std::to_string(d - 1);
    out += "]\n";
  }
  return out;
}

/// One text mutation: truncation, bad UTF-8, or an alias bomb under a key.
void mutate_text(std::string& text, rng_type& rng) {
  std::uniform_int_distribution<std::size_t> at(0, text.size());
  switch (std::uniform_int_distribution<int>(0, 2)(rng)) {
    case 0:
      text.resize(at(rng));
      break;
    case 1:
      text.insert(at(rng), rng() % 2 ? "\xff\xfe" : "\xc3\x28\xa0\xa1");
      break;
    default: {
      const int depth = std::uniform_int_distribution<int>(1, 9)(rng);
      const int width = std::uniform_int_distribution<int>(2, 12)(rng);
      text += (rng() % 2 ? "figures:\n" : "events:\n") + alias_bomb(depth, width);
      break;
    }
  }
}

std::vector<std::string> shipped_scenarios() {
  std::vector<std::string> out;
  for (const char* folder : {"scenarios", "tests/scenarios/good"}) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(fs::path(STAMPEDE_SOURCE_DIR) / folder)) {
      if (e.path().extension() == ".yaml") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());  // directory order is not stable
    for (const auto& f : files) out.push_back(read_all(f));
  }
  return out;
}

struct outcome {
  bool loaded = false;
  std::string error;  // the scenario_error, when not loaded
};

/// validate, in-process: load and describe. Any exception other than a
/// scenario_error is a failure of the loader.
outcome validate(const std::string& text, const std::vector<std::string>& overrides = {}) {
  try {
    const auto s = stampede::sim::load_scenario_text(text, "fuzz.yaml", overrides);
    (void)stampede::reports::describe(s);
    return {true, ""};
  } catch (const stampede::sim::scenario_error& e) {
    return {false, e.what()};
  }
}

}  // namespace

TEST_CASE("mutated scenarios end in exit 0 or 2, never a crash, hang or non-number",
          "[cli][fuzz]") {
  const auto sources = shipped_scenarios();
  REQUIRE(sources.size() >= 10);
  rng_type rng(seed);
  const auto dir = temp_dir("fuzz");
  int loaded = 0, refused = 0, unemittable = 0, through_binary = 0, ran = 0;
  std::map<int, int> run_exits;
  double slowest_s = 0;
  for (int c = 0; c < cases; ++c) {
    INFO("fuzz case " << c << " (seed " << seed << ")");
    std::string text = sources[static_cast<std::size_t>(c) % sources.size()];
    const int tree_mutations = std::uniform_int_distribution<int>(1, 3)(rng);
    const bool text_mutation = std::uniform_int_distribution<int>(0, 99)(rng) < 15;
    YAML::Node doc = YAML::Load(text);
    for (int m = 0; m < tree_mutations; ++m) mutate_tree(doc, rng);
    YAML::Emitter emitter;
    emitter << doc;
    if (!emitter.good()) {
      ++unemittable;  // the emitter refuses some bytes: nothing to feed the loader
      continue;
    }
    text = emitter.c_str();
    if (text_mutation) mutate_text(text, rng);

    const auto started = std::chrono::steady_clock::now();
    outcome o;
    CHECK_NOTHROW(o = validate(text));
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    slowest_s = std::max(slowest_s, took);
    // Validation is a parse and a walk of a document of a few kilobytes.
    CHECK(took < 5);
    if (o.loaded) {
      ++loaded;
    } else {
      ++refused;
      CHECK(o.error.find('\n') == std::string::npos);
    }

    const bool by_binary = c % binary_validate_every == 0;
    // A valid case runs for 10 virtual minutes at no more than 200,000 users.
    std::vector<std::string> run_sets{"horizon=10m"};
    const bool to_run = o.loaded && ran < runs && c % 7 == 0 && validate(text, run_sets).loaded;
    if (!by_binary && !to_run) continue;
    const auto file = dir / ("case-" + std::to_string(c) + ".yaml");
    std::ofstream(file, std::ios::binary) << text;
    if (by_binary) {
      ++through_binary;
      const auto r = run_stampede("validate " + file.string(), 30);
      CHECK(r.exit_code == (o.loaded ? 0 : 2));
    }
    if (to_run) {
      const auto s = stampede::sim::load_scenario_text(text, "fuzz.yaml", run_sets);
      std::string args = "run " + file.string() + " --quiet --threads 1 --out " +
                         (dir / "out").string() + " --set horizon=10m";
      if (s.simulated_users() > 200'000) {
        args += " --scale " + std::to_string(2e5 / s.population_size);
      }
      ++ran;
      const auto r = run_stampede(args, 30);
      ++run_exits[r.exit_code];
      INFO(r.err);
      CHECK((r.exit_code == 0 || r.exit_code == 2));
      if (r.exit_code == 0) {
        const std::string csv = read_all(dir / "out" / "timeseries.csv");
        CHECK(csv.find("inf") == std::string::npos);
      }
      fs::remove_all(dir / "out");
    }
    fs::remove(file);
  }
  std::string exits;
  for (const auto& [code, n] : run_exits) {
    exits += " exit " + std::to_string(code) + ": " + std::to_string(n) + ";";
  }
  WARN("fuzz: " << cases << " cases, " << loaded << " valid, " << refused << " refused (exit 2), "
                << unemittable << " not emittable; " << through_binary << " through validate; "
                << ran << " runs:" << exits << " slowest validate " << slowest_s << " s");
  CHECK(ran >= runs / 2);
  CHECK(loaded > 0);
  CHECK(refused > cases / 4);
  fs::remove_all(dir);
}
