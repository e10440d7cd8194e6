#include "sim/scenario/scenario_loader.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "sim/scenario/loadtest_spec.hpp"

using namespace stampede::sim;
using Catch::Matchers::Contains;

namespace {

const std::filesystem::path source_dir = STAMPEDE_SOURCE_DIR;

// The message of the scenario_error that loading throws, or "" when it loads.
std::string load_error(const std::string& path, const std::vector<std::string>& overrides = {}) {
  try {
    load_scenario_file(path, overrides);
  } catch (const scenario_error& e) {
    return e.what();
  }
  return "";
}

std::string text_error(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  try {
    load_scenario_text(yaml, "inline.yaml", overrides);
  } catch (const scenario_error& e) {
    return e.what();
  }
  return "";
}

std::string quickstart_path() {
  return (source_dir / "scenarios" / "quickstart.yaml").string();
}
std::string good(const char* name) {
  return (source_dir / "tests" / "scenarios" / "good" / name).string();
}

// Rates are one division of exact decimals: 1e-12 relative is far below any
// difference that matters and far above double rounding.
constexpr double rate_eps = 1e-12;

}  // namespace

TEST_CASE("every scenario of the bad corpus fails with the message it expects", "[sim][loader]") {
  const auto folder = source_dir / "tests" / "scenarios" / "bad";
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  CHECK(files.size() >= 25);
  for (const auto& file : files) {
    std::ifstream in(file);
    std::string first_line;
    std::getline(in, first_line);
    const std::string marker = "# expect: ";
    INFO(file.filename().string());
    REQUIRE(first_line.starts_with(marker));
    const std::string expected = first_line.substr(marker.size());
    REQUIRE(expected.size() > 10);
    const std::string message = load_error(file.string());
    CHECK_THAT(message, Contains(expected));
  }
}

TEST_CASE("the quickstart scenario loads with its documented values", "[sim][loader]") {
  const scenario s = load_scenario_file(quickstart_path());
  CHECK(s.name == "quickstart");
  CHECK(s.source == quickstart_path());
  CHECK(s.horizon == 7 * day);
  CHECK(s.tick == second);
  CHECK(s.scale == 1.0);
  CHECK(s.population_size == 2'000'000.0);
  CHECK(s.adoption.innovation == Approx(0.01 / 86400).epsilon(rate_eps));
  CHECK(s.adoption.imitation == Approx(0.8 / 86400).epsilon(rate_eps));
  CHECK(s.adoption.initial_adopters == 1000.0);
  CHECK(s.tiers.front().sessions_per_day == 3.0);
  CHECK(s.behavior.diurnal == standard_diurnal());
  CHECK(s.behavior.requests_per_session.shape == distribution::kind::geometric);
  CHECK(s.behavior.requests_per_session.a == 4.0);
  REQUIRE(s.endpoints.size() == 3);
  REQUIRE(s.pools.size() == 2);
  CHECK(s.endpoints[0].name == "generate_image");
  CHECK(s.pools[static_cast<std::size_t>(s.endpoints[0].pool)].name == "gpu");
  CHECK(s.pools[static_cast<std::size_t>(s.endpoints[2].pool)].name == "web");
  // 40ms parsed to microseconds then to seconds: exact to 1e-12 s.
  CHECK(s.endpoints[2].work.a == Approx(0.040).margin(1e-12));
  CHECK(s.behavior.mix == std::vector<double>{0.6, 0.1, 0.3});
  CHECK(s.pools[0].servers == 300);
  CHECK(s.pools[0].queue_capacity == 200'000);
  CHECK(s.pools[0].cost_per_server_hour == 2.5);
  CHECK(s.pools[1].queue_capacity == 1'000'000);
  REQUIRE(s.slos.size() == 2);
  CHECK(s.slos[0].what == slo_spec::kind::latency_quantile);
  CHECK(s.slos[0].quantile == 0.99);
  CHECK(s.slos[0].threshold == 120.0);
  CHECK(s.slos[1].what == slo_spec::kind::max_rejected);
  CHECK(s.slos[1].threshold == 0.02);
}

TEST_CASE("a minimal scenario gets the documented defaults", "[sim][loader]") {
  const scenario s = load_scenario_file(good("minimal.yaml"));
  CHECK(s.description.empty());
  CHECK(s.seed == 1);
  CHECK(s.tick == second);
  CHECK(s.scale == 1.0);
  CHECK(s.report_interval == hour);
  // No cap on latency samples but the machine's memory, which `stampede run` sets.
  CHECK(s.max_samples == std::numeric_limits<std::int64_t>::max());
  CHECK(s.sample_memory == 0);
  CHECK(s.adoption.model == "bass");
  CHECK(s.adoption.initial_adopters == 0.0);
  CHECK(s.behavior.diurnal == standard_diurnal());
  CHECK(s.behavior.requests_per_session.shape == distribution::kind::constant);
  CHECK(s.behavior.requests_per_session.a == 1.0);
  CHECK(s.behavior.think_time.a == 0.0);
  CHECK(s.behavior.patience.shape == distribution::kind::constant);
  CHECK(s.behavior.patience.a == 1e12);
  CHECK(s.pools[0].queue_capacity == 1'000'000);
  CHECK(s.pools[0].cost_per_server_hour == 0.0);
  // "work: 50ms" is shorthand for a constant.
  CHECK(s.endpoints[0].work.shape == distribution::kind::constant);
  CHECK(s.endpoints[0].work.a == Approx(0.05).margin(1e-12));
  CHECK(s.slos.empty());
}

TEST_CASE("the sample memory is shared evenly by the endpoints, within max_samples",
          "[sim][loader]") {
  scenario s = load_scenario_file(good("full.yaml"));
  REQUIRE(s.endpoints.size() == 3);
  // 120,000 bytes over 3 endpoints at 4 bytes a sample: 10,000 samples each,
  // under max_samples (50,000).
  CHECK(s.samples_per_endpoint() == 10'000);
  // 1.2 MB would give 100,000 each: max_samples caps it.
  s.sample_memory = 1'200'000;
  CHECK(s.samples_per_endpoint() == 50'000);
  // 11 bytes: not one whole sample each.
  s.sample_memory = 11;
  CHECK(s.samples_per_endpoint() == 0);
  // No sample memory given: max_samples alone.
  s.sample_memory = 0;
  CHECK(s.samples_per_endpoint() == 50'000);
}

TEST_CASE("every implemented key loads into base units", "[sim][loader]") {
  const scenario s = load_scenario_file(good("full.yaml"));
  CHECK(s.description == "Every key set");
  CHECK(s.seed == 18'446'744'073'709'551'615ULL);  // read exactly, not through a double
  CHECK(s.horizon == 2 * day);
  CHECK(s.tick == 500 * msec);
  CHECK(s.scale == 0.25);
  CHECK(s.report_interval == 15 * minute);
  CHECK(s.max_samples == 50'000);
  CHECK(s.sample_memory == 120'000);
  CHECK(s.population_size == 10'000'000.0);
  CHECK(s.simulated_users() == 2'500'000);
  CHECK(s.adoption.innovation == Approx(0.002 / 86400).epsilon(rate_eps));
  CHECK(s.adoption.imitation == Approx(0.9 / 86400).epsilon(rate_eps));
  CHECK(s.adoption.initial_adopters == 10'000.0);
  CHECK(s.tiers.front().sessions_per_day == 2.5);
  // Weights 1 and 3 have a mean of 2: normalised they are 0.5 and 1.5 (exact in binary).
  CHECK(s.behavior.diurnal[0] == 0.5);
  CHECK(s.behavior.diurnal[23] == 1.5);
  const auto& rps = s.behavior.requests_per_session;
  CHECK(rps.shape == distribution::kind::triangular);
  CHECK((rps.a == 1.0 && rps.b == 2.0 && rps.c == 6.0));
  CHECK(s.behavior.think_time.shape == distribution::kind::uniform);
  CHECK(s.behavior.think_time.a == 5.0);
  CHECK(s.behavior.think_time.b == 60.0);
  CHECK(s.behavior.patience.shape == distribution::kind::exponential);
  CHECK(s.behavior.patience.a == 120.0);
  // edit_image is in no mix entry: share 0.
  CHECK(s.behavior.mix == std::vector<double>{0.5, 0.0, 0.5});
  REQUIRE(s.endpoints.size() == 3);
  CHECK(s.endpoints[0].work.shape == distribution::kind::lognormal);
  CHECK(s.endpoints[0].work.a == 6.0);
  CHECK(s.endpoints[0].work.b == 0.3);
  CHECK(s.endpoints[1].work.shape == distribution::kind::triangular);
  CHECK(s.endpoints[1].work.c == 8.0);
  CHECK(s.endpoints[2].pool == 1);
  CHECK(s.pools[0].name == "gen-h100");
  CHECK(s.pools[0].servers == 20'000);
  CHECK(s.pools[0].queue_capacity == 2'000'000);
  CHECK(s.simulated_servers(0) == 5'000);
  CHECK(s.simulated_queue_capacity(1) == 25'000);
  REQUIRE(s.slos.size() == 5);
  CHECK(s.slos[0].quantile == 0.5);
  CHECK(s.slos[1].quantile == 0.9);
  CHECK(s.slos[2].quantile == 0.99);
  CHECK(s.slos[2].endpoint == 2);
  CHECK(s.slos[2].threshold == Approx(0.25).margin(1e-12));  // 250ms, exact to 1e-12 s
  CHECK(s.slos[3].quantile == 0.999);
  CHECK(s.slos[3].key == "latency_p999");
  CHECK(s.slos[4].key == "max_rejected");
}

TEST_CASE("a missing file is reported with the system's reason", "[sim][loader]") {
  const std::string path = (source_dir / "tests" / "scenarios" / "no-such-file.yaml").string();
  try {
    load_scenario_file(path);
    FAIL("a missing file loaded");
  } catch (const scenario_error& e) {
    CHECK(std::string(e.what()) == "cannot open " + path + ": No such file or directory");
    CHECK(e.file() == path);
    CHECK(e.line() == 0);
  }
}

TEST_CASE("a scenario error carries its position, key path and message apart", "[sim][loader]") {
  const std::string yaml = "scenario: x\nhorizon: 7d\ntick: 1s\nscale: 0\n";
  try {
    load_scenario_text(yaml, "parts.yaml");
    FAIL("scale 0 loaded");
  } catch (const scenario_error& e) {
    CHECK(e.file() == "parts.yaml");
    CHECK(e.line() == 4);
    CHECK(e.column() == 8);
    CHECK(e.key_path() == "scale");
    CHECK(e.message() == "expected a number in (0, 1], got 0");
    CHECK(std::string(e.what()) == "parts.yaml:4:8: scale: expected a number in (0, 1], got 0");
  }
}

TEST_CASE("a YAML syntax error keeps yaml-cpp's position, 1-based", "[sim][loader]") {
  // The unclosed '[' is noticed at the end of the text: line 3, column 1.
  CHECK_THAT(text_error("scenario: x\nhorizon: [1, 2\n"),
             Contains("inline.yaml:3:1: YAML syntax error:"));
}

TEST_CASE("an unknown key far from every known one lists the allowed keys", "[sim][loader]") {
  const std::string message = text_error("scenario: x\nhorizon: 7d\npopulation: {zzz: 1}\n");
  CHECK_THAT(message,
             Contains("inline.yaml:3:14: population.zzz: unknown key; allowed keys are: size"));
}

TEST_CASE("overrides replace scalars, maps and list elements", "[sim][loader]") {
  const scenario s = load_scenario_file(
      quickstart_path(), {"platform.pools[0].servers=500", "scale=0.5",
                          "behavior.mix={generate_image: 0.5, edit_image: 0.2, view_feed: 0.3}",
                          "slo[1]={endpoint: view_feed, latency_p50: 1s}", "metrics.max_samples=10",
                          "description='overridden: quoted, as YAML wants'"});
  CHECK(s.pools[0].servers == 500);
  CHECK(s.scale == 0.5);
  CHECK(s.behavior.mix == std::vector<double>{0.5, 0.2, 0.3});
  CHECK(s.slos[1].endpoint == 2);
  CHECK(s.slos[1].key == "latency_p50");
  CHECK(s.max_samples == 10);
  CHECK(s.description == "overridden: quoted, as YAML wants");
  // The rest is untouched.
  CHECK(s.pools[1].servers == 20);
  CHECK(s.report_interval == hour);
}

TEST_CASE("overrides create missing maps and keys on their way", "[sim][loader]") {
  const scenario s = load_scenario_file(
      good("minimal.yaml"), {"metrics.report_interval=2h", "platform.pools[0].queue.capacity=7"});
  CHECK(s.report_interval == 2 * hour);
  CHECK(s.pools[0].queue_capacity == 7);
}

TEST_CASE("malformed overrides name the --set argument", "[sim][loader]") {
  const std::string path = good("minimal.yaml");
  CHECK_THAT(load_error(path, {"horizon"}), Contains("--set horizon: expected key.path=value"));
  CHECK_THAT(load_error(path, {"=3"}), Contains("--set =3: expected key.path=value"));
  CHECK_THAT(load_error(path, {"platform.pools[x].servers=1"}),
             Contains("--set platform.pools[x].servers=1: bad index \"x\""));
  CHECK_THAT(load_error(path, {"platform.pools[0.servers=1"}),
             Contains("--set platform.pools[0.servers=1: bad index"));
  CHECK_THAT(
      load_error(path, {"platform.pools[3].servers=1"}),
      Contains(
          "--set platform.pools[3].servers=1: index [3] is out of range; pools has 1 elements"));
  CHECK_THAT(load_error(path, {"horizon.unit=s"}),
             Contains("--set horizon.unit=s: horizon is a scalar, not a map"));
  CHECK_THAT(load_error(path, {"horizon[0]=1d"}),
             Contains("--set horizon[0]=1d: horizon is a scalar, not a list"));
  CHECK_THAT(load_error(path, {"behavior.mix={api: 1"}),
             Contains("--set behavior.mix={api: 1: the value is not valid YAML"));
  CHECK_THAT(load_error(path, {"platform..pools=1"}),
             Contains("--set platform..pools=1: empty key"));
  CHECK_THAT(load_error(path, {"platform.nope[0]=1"}),
             Contains("--set platform.nope[0]=1: no key \"nope\" in platform to index into"));
  // The value is YAML: an unquoted ": " makes it a map, which the key then refuses.
  CHECK_THAT(load_error(path, {"description=a: b"}),
             Contains("description: expected a string, got a map (from --set description=a: b)"));
}

TEST_CASE("a bad overridden value says it came from --set, not from a line", "[sim][loader]") {
  const std::string path = good("minimal.yaml");
  try {
    load_scenario_file(path, {"platform.pools[0].servers=0"});
    FAIL("servers 0 loaded");
  } catch (const scenario_error& e) {
    CHECK(e.line() == 0);
    CHECK(std::string(e.what()) ==
          path +
              ": platform.pools[0].servers: expected a positive integer, got 0 "
              "(from --set platform.pools[0].servers=0)");
  }
  CHECK_THAT(load_error(path, {"behavior.think_tme=5s"}),
             Contains("behavior.think_tme: unknown key; did you mean \"think_time\"? (from --set "
                      "behavior.think_tme=5s)"));
  CHECK_THAT(load_error(path, {"behavior.mix={api: 0.5, web: 0.5}"}),
             Contains("behavior.mix.web: no endpoint \"web\" in platform.endpoints"));
  CHECK_THAT(load_error(path, {"behavior.mix={api: 0.5, web: 0.5}"}),
             Contains("(from --set behavior.mix={api: 0.5, web: 0.5})"));
  // The mix map itself is still in the file: its line stays, and the override is named.
  CHECK_THAT(load_error(path, {"behavior.mix.api=0.5"}),
             Contains("minimal.yaml:11:8: behavior.mix: shares must sum to 1, they sum to 0.5 "
                      "(after --set behavior.mix.api=0.5)"));
}

TEST_CASE("the standard diurnal curve has a mean of 1, a 4am trough and an evening peak",
          "[sim][loader]") {
  const auto d = standard_diurnal();
  // 24 terms of about 1: the sum is exact to a few ulps.
  CHECK(std::accumulate(d.begin(), d.end(), 0.0) / 24 == Approx(1.0).epsilon(1e-12));
  CHECK(std::min_element(d.begin(), d.end()) - d.begin() == 4);
  const auto peak = std::max_element(d.begin(), d.end()) - d.begin();
  CHECK((peak == 20 || peak == 21));
  CHECK(*std::max_element(d.begin(), d.end()) > 3 * *std::min_element(d.begin(), d.end()));
}

TEST_CASE("scaled servers and queues never drop below one", "[sim][loader]") {
  scenario s;
  s.population_size = 1000;
  s.scale = 0.001;
  s.pools.push_back({"gpu", 300, 200'000, 2.5});
  s.pools.push_back({"tiny", 2, 3, 0});
  s.endpoints.push_back({"generate_image", 0, distribution::constant(6)});
  CHECK(s.simulated_users() == 1);
  CHECK(s.simulated_servers(0) == 1);  // 0.3 rounds to 0, held at 1
  CHECK(s.simulated_queue_capacity(0) == 200);
  CHECK(s.simulated_servers(1) == 1);
  CHECK(s.simulated_queue_capacity(1) == 1);
  CHECK(s.pool_index("tiny") == 1);
  CHECK(s.pool_index("nope") == -1);
  CHECK(s.endpoint_index("generate_image") == 0);
  CHECK(s.endpoint_index("edit_image") == -1);
}

namespace {

// The minimal scenario with a loadtest section appended.
std::string with_loadtest(const std::string& section) {
  return "scenario: lt\nhorizon: 1d\npopulation: {size: 1000}\n"
         "adoption: {innovation: 0.1/day, imitation: 0.5/day}\n"
         "behavior: {sessions_per_day: 2, mix: {gen: 0.5, feed: 0.5}}\n"
         "platform:\n"
         "  endpoints:\n"
         "    gen: {pool: gpu, work: 6s}\n"
         "    feed: {pool: gpu, work: 40ms}\n"
         "  pools:\n"
         "    - {name: gpu, servers: 4}\n"
         "loadtest:\n" +
         section;
}

}  // namespace

TEST_CASE("a scenario without a loadtest section has no load-test spec", "[sim][loader]") {
  CHECK_FALSE(load_scenario_file(good("minimal.yaml")).loadtest.has_value());
}

TEST_CASE("a loadtest section with only requests gets the documented defaults", "[sim][loader]") {
  const scenario s =
      load_scenario_text(with_loadtest("  requests:\n    feed: {path: /v1/feed}\n"), "lt.yaml");
  REQUIRE(s.loadtest.has_value());
  const loadtest_spec& l = *s.loadtest;
  CHECK(l.target.empty());
  CHECK(l.allow_hosts == std::vector<std::string>{"127.0.0.1", "localhost", "::1"});
  CHECK(l.time_scale == 1);
  CHECK(l.rate_scale == 1);
  CHECK(l.connections == 64);
  CHECK(l.max_connections == 4 * 64);
  CHECK(l.timeout == 30 * second);
  CHECK(l.duration == 0);
  CHECK(l.max_lag == 100 * msec);
  CHECK(l.max_dropped == 0.001);
  CHECK(l.prompts.empty());
  // Indexed like the endpoints: gen has no request and is not sent.
  REQUIRE(l.requests.size() == 2);
  CHECK(l.requests[0].path.empty());
  CHECK(l.requests[1].method == "GET");
  CHECK(l.requests[1].path == "/v1/feed");
  CHECK(l.requests[1].body.empty());
  CHECK(l.requests[1].headers.empty());
}

TEST_CASE("every loadtest key loads into base units", "[sim][loader]") {
  const scenario s = load_scenario_file(good("service.yaml"));
  REQUIRE(s.loadtest.has_value());
  const loadtest_spec& l = *s.loadtest;
  CHECK(l.connections == 16);
  CHECK(l.max_connections == 4 * 16);  // not given: four times connections
  CHECK(l.timeout == 5 * second);
  CHECK(l.prompts == std::vector<std::string>{"a cat in a paper boat", "a lighthouse at dusk"});
  REQUIRE(l.requests.size() == 3);
  const auto& gen = l.requests[static_cast<std::size_t>(s.endpoint_index("generate"))];
  CHECK(gen.method == "POST");
  CHECK(gen.path == "/v1/images/generations");
  CHECK(gen.body == R"({"prompt":"${prompt}","user":"${user_id}","seq":${seq}})");
  REQUIRE(gen.headers.size() == 2);
  CHECK(gen.headers[0] == std::pair<std::string, std::string>{"Content-Type", "application/json"});
  CHECK(gen.headers[1] == std::pair<std::string, std::string>{"X-Tier", "${tier}"});
  CHECK(l.requests[static_cast<std::size_t>(s.endpoint_index("feed"))].path ==
        "/v1/users/${user_id}/feed?page=1");

  const scenario t =
      load_scenario_text(with_loadtest("  target: http://[::1]:8080/\n"
                                       "  allow_hosts: [localhost, \"[::1]\"]\n"
                                       "  time_scale: 600\n  rate_scale: 0.0001\n"
                                       "  duration: 2m\n  max_lag: 250ms\n"
                                       "  requests: {gen: {method: DELETE, path: /x}}\n"),
                         "lt.yaml");
  const loadtest_spec& m = *t.loadtest;
  // The trailing slash is dropped: requests append their own paths.
  CHECK(m.target == "http://[::1]:8080");
  CHECK(m.allow_hosts == std::vector<std::string>{"localhost", "::1"});
  CHECK(m.time_scale == 600);
  CHECK(m.rate_scale == 0.0001);
  CHECK(m.duration == 2 * minute);
  CHECK(m.max_lag == 250 * msec);
  CHECK(m.requests[0].method == "DELETE");
}

TEST_CASE("loadtest values can be overridden with --set like any key", "[sim][loader]") {
  const scenario s = load_scenario_file(good("service.yaml"),
                                        {"loadtest.time_scale=600", "loadtest.rate_scale=0.5",
                                         "loadtest.target=http://localhost:9000"});
  CHECK(s.loadtest->time_scale == 600);
  CHECK(s.loadtest->rate_scale == 0.5);
  CHECK(s.loadtest->target == "http://localhost:9000");
  CHECK_THAT(load_error(good("service.yaml"), {"loadtest.time_scale=0"}),
             Contains("loadtest.time_scale: expected a positive number") &&
                 Contains("(from --set loadtest.time_scale=0)"));
}

namespace {

/// The loader's message for a scenario whose loadtest.target is `url`, or "".
std::string target_message(const std::string& url) {
  return text_error(with_loadtest("  target: \"" + url + "\"\n  requests: {feed: {path: /f}}\n"));
}

}  // namespace

TEST_CASE("target URLs must be http or https with a host and an optional port only",
          "[sim][loader]") {
  CHECK(target_message("http://127.0.0.1:8080").empty());
  CHECK(target_message("http://staging.example.com").empty());
  CHECK(target_message("http://[::1]:1").empty());
  CHECK(target_message("https://127.0.0.1").empty());
  CHECK(target_message("https://[::1]:8443/").empty());
  CHECK_THAT(target_message("https://127.0.0.1/v1"), Contains("no path"));
  CHECK_THAT(target_message("ftp://127.0.0.1"), Contains("expected a URL like http://"));
  CHECK_THAT(target_message("127.0.0.1:8080"), Contains("expected a URL like http://"));
  CHECK_THAT(target_message("http://127.0.0.1:8080/v1"), Contains("no path"));
  CHECK_THAT(target_message("http://127.0.0.1:0"), Contains("a port in 1..65535"));
  CHECK_THAT(target_message("http://127.0.0.1:"), Contains("a port in 1..65535"));
  CHECK_THAT(target_message("http://:80"), Contains("expected a URL"));
  CHECK_THAT(target_message("http://::1:80"), Contains("expected a URL"));
  CHECK_THAT(target_message("http://user@host"), Contains("expected a URL"));
}

TEST_CASE("the loader takes target URLs and allowed hosts by the generator's one rule",
          "[sim][loader]") {
  // The loader refused these while --target took them (parse_target_url):
  // a scheme is case-insensitive, and resolvers take '_' in container names.
  CHECK(target_message("HTTP://127.0.0.1:8080").empty());
  CHECK(target_message("http://my_service:8080").empty());
  CHECK(text_error(with_loadtest("  allow_hosts: [my_service]\n  requests: {feed: {path: /f}}\n"))
            .empty());
  // And both say why in the same words.
  CHECK_THAT(target_message("http://[abc]:80"), Contains("(brackets hold an IPv6 address only)"));
  CHECK_THAT(target_message("http://127.0.0.1:000080"), Contains("(a port in 1..65535)"));
}

TEST_CASE("the loader accepts each variable of the one list and no other", "[sim][loader]") {
  const auto with_path = [](const std::string& path) {
    return text_error(
        with_loadtest("  prompts: [a]\n  requests: {feed: {path: \"" + path + "\"}}\n"));
  };
  for (const std::string_view v : template_variables) {
    INFO(v);
    CHECK(with_path("/f/${" + std::string(v) + "}").empty());
    CHECK(unknown_template_variables("/f/${" + std::string(v) + "}").empty());
  }
  CHECK_THAT(with_path("/f/${nope}"), Contains("unknown template variable ${nope}"));
  CHECK(unknown_template_variables("/f/${nope}") == std::vector<std::string>{"nope"});
}

TEST_CASE("template variables are checked in paths, bodies and header values", "[sim][loader]") {
  const auto request_error = [](const std::string& request) {
    return text_error(with_loadtest("  prompts: [p]\n  requests:\n    gen: " + request + "\n"));
  };
  CHECK(request_error("{path: \"/u/${user_id}/${seq}?t=${tier}\", body: \"${prompt}\"}").empty());
  CHECK_THAT(request_error("{path: \"/u/${user}\"}"),
             Contains("inline.yaml:15:17: loadtest.requests.gen.path: unknown template variable "
                      "${user}; did you mean ${user_id}?"));
  CHECK_THAT(request_error("{path: /u, headers: {X-Id: \"${nonsense_here}\"}}"),
             Contains("loadtest.requests.gen.headers.X-Id: unknown template variable "
                      "${nonsense_here}; variables are ${user_id}, ${seq}, ${prompt}, ${tier}, "
                      "${env:NAME}"));
  CHECK_THAT(request_error("{path: /u, body: \"x ${seq\"}"),
             Contains("loadtest.requests.gen.body: unclosed template variable"));
  CHECK_THAT(request_error("{path: \"/a b\"}"), Contains("may not contain spaces"));
  CHECK_THAT(request_error("{path: /u, headers: {\"Bad Name\": x}}"),
             Contains("expected a header name"));
  CHECK_THAT(request_error("{path: /u, headers: {X-A: \"a\\nb\"}}"),
             Contains("may not contain line breaks"));
  CHECK_THAT(request_error("{path: /u, method: FETCH}"), Contains("unknown HTTP method \"FETCH\""));
  CHECK_THAT(request_error("{path: /u, verb: GET}"), Contains("unknown key"));
}

TEST_CASE("${env:NAME} is recorded with where it is used, and not read by the loader",
          "[sim][loader]") {
  // The loader never reads the environment: `run` and `report` need no secrets.
  const auto s = load_scenario_text(
      with_loadtest(
          "  requests:\n"
          "    gen: {path: /g, headers: {Authorization: \"Bearer ${env:NO_SUCH_VAR_X}\"}}\n"),
      "inline.yaml", {"loadtest.requests.feed.path=/f/${env:OTHER}"});
  REQUIRE(s.loadtest);
  REQUIRE(s.loadtest->env.size() == 2);
  CHECK(s.loadtest->env[0].name == "NO_SUCH_VAR_X");
  // Line 14 is gen's request (after the 12 lines of with_loadtest and `requests:`), its
  // header value at column 46.
  CHECK(s.loadtest->env[0].unset_error ==
        "inline.yaml:14:46: loadtest.requests.gen.headers.Authorization: ${env:NO_SUCH_VAR_X} is "
        "not set in the environment");
  CHECK(s.loadtest->env[1].name == "OTHER");
  CHECK_THAT(s.loadtest->env[1].unset_error,
             Contains("(from --set loadtest.requests.feed.path=/f/${env:OTHER})"));
  // The template keeps the placeholder.
  CHECK(s.loadtest->requests[0].headers.at(0).second == "Bearer ${env:NO_SUCH_VAR_X}");
  CHECK_THAT(text_error(with_loadtest("  requests: {gen: {path: \"/g/${env:1X}\"}}\n")),
             Contains("expected ${env:NAME} with NAME of letters, digits and _, got ${env:1X}"));
  CHECK_THAT(text_error(with_loadtest("  prompts: [a]\n  prompts_file: p.txt\n"
                                      "  requests: {gen: {path: /g}}\n")),
             Contains("loadtest.prompts_file: give prompts or prompts_file, not both"));
}

TEST_CASE("an endpoint left out of loadtest.requests is not sent but others are", "[sim][loader]") {
  const scenario s = load_scenario_text(
      with_loadtest("  requests:\n    gen: {method: POST, path: /g}\n    feed: {path: /g}\n"),
      "lt.yaml");
  // The same path with another method is another route: no conflict.
  CHECK(s.loadtest->requests[0].method == "POST");
  CHECK(s.loadtest->requests[1].method == "GET");
  CHECK_THAT(text_error(with_loadtest("  requests: {}\n")),
             Contains("loadtest.requests: expected at least one endpoint"));
}

TEST_CASE("a map of 65536 keys is checked for duplicates in linear time", "[sim][loader]") {
  std::string yaml;
  for (int k = 0; k < 65'536; ++k) yaml += "k" + std::to_string(k) + ": 1\n";
  yaml += "k0: 2\n";  // the one duplicate, last: every key is compared
  const auto t0 = std::chrono::steady_clock::now();
  const std::string error = text_error(yaml);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK_THAT(error, Contains("inline.yaml:65537:1: k0: duplicate key (first at line 1)"));
  // Comparing each key with all before it took over 10 s; parsing the YAML
  // and one hash lookup per key take under a second. 5 s leaves room for a
  // loaded machine and a sanitizer build.
  CHECK(seconds < 5.0);
}

TEST_CASE("more than 1,000 regions, tiers or endpoints are refused where the list starts",
          "[sim][loader][limits]") {
  // Each is a 16-bit index in a user's or a request's record (limits::max_names).
  const auto scenario_with = [](const std::string& regions, const std::string& endpoints) {
    return "scenario: x\nhorizon: 1d\npopulation:\n  size: 1000\n  regions: [" + regions +
           "]\nadoption: {innovation: 0.1/day, imitation: 0.5/day}\n"
           "behavior: {sessions_per_day: 2, mix: {e0: 1}}\n"
           "platform:\n  endpoints: {" +
           endpoints + "}\n  pools: [{name: web, servers: 4}]\n";
  };
  const auto list = [](int n, const std::string& item) {
    std::string out;
    for (int i = 0; i < n; ++i) {
      out += (i ? ", " : "") + std::string(item);
      out.replace(out.rfind("#"), 1, std::to_string(i));
    }
    return out;
  };
  const std::string one_region = "{name: r, share: 1}";
  const std::string one_endpoint = "e0: {pool: web, work: 1s}";
  CHECK(text_error(scenario_with(one_region, one_endpoint)).empty());
  CHECK_THAT(text_error(scenario_with(list(1001, "{name: r#, share: 0.001}"), one_endpoint)),
             Contains("inline.yaml:5:12: population.regions: expected at most 1000 regions, got "
                      "1001"));
  CHECK_THAT(text_error(scenario_with(one_region, list(1001, "e#: {pool: web, work: 1s}"))),
             Contains("platform.endpoints: expected at most 1000 endpoints, got 1001"));
}

TEST_CASE("loadtest.tls takes a CA file and an explicit insecure flag", "[sim][loader]") {
  const scenario s =
      load_scenario_file(good("service.yaml"), {"loadtest.tls.ca_file=/etc/ssl/private-ca.pem"});
  CHECK(s.loadtest->tls.ca_file == "/etc/ssl/private-ca.pem");
  CHECK_FALSE(s.loadtest->tls.insecure);
  CHECK(load_scenario_file(good("service.yaml"), {"loadtest.tls.insecure=true"})
            .loadtest->tls.insecure);
  CHECK_THAT(load_error(good("service.yaml"), {"loadtest.tls.insecure=yes please"}),
             Contains("loadtest.tls.insecure: expected true or false"));
  CHECK_THAT(load_error(good("service.yaml"), {"loadtest.tls.verify=false"}),
             Contains("loadtest.tls.verify"));
}

TEST_CASE("a gamma work distribution loads in seconds, and only for durations", "[sim][loader]") {
  const std::string path = quickstart_path();
  const scenario s = load_scenario_file(
      path, {"platform.endpoints.generate_image.work={dist: gamma, shape: 4, scale: 1.5s}"});
  const distribution& work = s.endpoints[0].work;
  CHECK(work.shape == distribution::kind::gamma);
  CHECK(work.a == 4);
  CHECK(work.b == 1.5);
  CHECK(work.mean() == 6);
  CHECK_THAT(load_error(path, {"platform.endpoints.generate_image.work={dist: gamma, shape: 0, "
                               "scale: 1s}"}),
             Contains("platform.endpoints.generate_image.work.shape: expected a shape from 0.01 "
                      "to 1e6"));
  CHECK_THAT(load_error(path, {"behavior.requests_per_session={dist: gamma, shape: 2, scale: 3}"}),
             Contains("gamma can give values below 1"));
}
