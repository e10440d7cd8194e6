// actors/worker/ in process: addresses, the id of a run, and the handshake
// against a `stampede worker` child process on loopback.
#include "actors/worker/worker.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "actors/worker/project.hpp"
#include "tests/child_process.hpp"

using namespace stampede;

TEST_CASE("HOST:PORT lists parse, and what is not one says what was expected", "[worker]") {
  const auto all = actors::parse_endpoints("127.0.0.1:4242,node-7.example:80");
  REQUIRE(all.size() == 2);
  CHECK(all[0].host == "127.0.0.1");
  CHECK(all[0].port == 4242);
  CHECK(all[1].text() == "node-7.example:80");
  CHECK(actors::parse_endpoint("0.0.0.0:0", true).port == 0);
  for (const char* bad : {"127.0.0.1", ":80", "h:", "h:65536", "h:80x", "h:0", "a:1,,b:2"}) {
    INFO(bad);
    CHECK_THROWS_WITH(actors::parse_endpoints(bad),
                      Catch::Matchers::Contains("expected HOST:PORT"));
  }
  CHECK(actors::is_loopback("127.0.0.1"));
  CHECK(actors::is_loopback("localhost"));
  CHECK_FALSE(actors::is_loopback("0.0.0.0"));
  CHECK_FALSE(actors::is_loopback("10.0.0.1"));
}

TEST_CASE("a run's id changes with its text, with any override, and with where they split",
          "[worker]") {
  const std::string id = actors::scenario_id("a: 1\n", {"seed=3"});
  CHECK(id.size() == 16);
  CHECK(actors::scenario_id("a: 1\n", {"seed=3"}) == id);
  CHECK(actors::scenario_id("a: 2\n", {"seed=3"}) != id);
  CHECK(actors::scenario_id("a: 1\n", {"seed=4"}) != id);
  CHECK(actors::scenario_id("a: 1\n", {"seed=3", "scale=0.5"}) != id);
  CHECK(actors::scenario_id("a: 1\nseed=3", {}) != id);
  CHECK(actors::scenario_id("", {"ab"}) != actors::scenario_id("", {"a", "b"}));
}

TEST_CASE("a worker of another version refuses the coordinator at the handshake", "[worker]") {
  stampede::test::child worker({STAMPEDE_BINARY, "worker", "--listen", "127.0.0.1:0"});
  const std::string line = worker.read_line(std::chrono::seconds(20));
  REQUIRE(line.rfind("listening on 127.0.0.1:", 0) == 0);
  actors::remote_options r;
  r.workers = {
      actors::endpoint{"127.0.0.1", static_cast<std::uint16_t>(stampede::test::port_of(line))}};
  r.version = "0.0.0-other";
  const std::string yaml = R"(scenario: handshake
horizon: 1h
population: {size: 100}
adoption: {innovation: 1/day, imitation: 0/day}
behavior: {sessions_per_day: 1, mix: {api: 1}}
platform:
  endpoints: {api: {pool: web, work: 1s}}
  pools: [{name: web, servers: 1}]
)";
  CHECK_THROWS_MATCHES(
      actors::run_ensemble_on_workers(r, yaml, "h.yaml", {}, 2, {}), actors::worker_refused,
      Catch::Matchers::Message("worker " + r.workers[0].text() +
                               " refused: this worker runs stampede " STAMPEDE_TEST_VERSION
                               ", the coordinator stampede 0.0.0-other"));
}
