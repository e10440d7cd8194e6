// `stampede worker` end to end: worker processes on loopback, started by each
// test on free ports and killed at its end (child_process.hpp), with a
// coordinator (`project --workers`) pointed at them.
#include <signal.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/child_process.hpp"
#include "tests/cli/run_binary.hpp"
#include "tests/test_pki.hpp"

using stampede::test::child;
using stampede::test::read_all;
using stampede::test::run_stampede;
using stampede::test::temp_dir;

namespace {

/// A small projection (tests/scenarios/good/projection.yaml says how small).
const std::string projection_file = "tests/scenarios/good/projection.yaml";

/// A `stampede worker` on a free loopback port.
struct worker_process {
  std::unique_ptr<child> proc;
  int port = 0;
  std::filesystem::path err;
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }
};

worker_process start_worker(const std::filesystem::path& dir, const std::string& name,
                            std::vector<std::string> extra = {}) {
  worker_process w;
  w.err = dir / (name + ".err");
  std::vector<std::string> argv{STAMPEDE_BINARY, "worker", "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  w.proc = std::make_unique<child>(argv, w.err.string());
  const std::string line = w.proc->read_line(std::chrono::seconds(20));
  INFO(read_all(w.err));
  REQUIRE(line.rfind("listening on 127.0.0.1:", 0) == 0);
  w.port = stampede::test::port_of(line);
  REQUIRE(w.port > 0);
  return w;
}

/// Workers w1 ... wN.
std::vector<worker_process> start_workers(const std::filesystem::path& dir, int n) {
  std::vector<worker_process> ws;
  for (int i = 1; i <= n; ++i) ws.push_back(start_worker(dir, "w" + std::to_string(i)));
  return ws;
}

/// The URL a `stampede serve` child listens on, from its first line.
std::string url_of(child& serve) {
  const std::string line = serve.read_line(std::chrono::seconds(20));
  REQUIRE(line.rfind("listening on http://127.0.0.1:", 0) == 0);
  return line.substr(std::string("listening on ").size());
}

std::string list_of(const std::vector<worker_process>& ws) {
  std::string s;
  for (const auto& w : ws) s += (s.empty() ? "" : ",") + w.address();
  return s;
}

/// Waits until `path` holds `text` (at most `limit`); whether it did.
bool wait_for_text(const std::filesystem::path& path, const std::string& text,
                   std::chrono::seconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (read_all(path).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

/// Runs `stampede ARGS` and kills `victim` (SIGKILL) `after` it joined the
/// coordinator. Requires that it joined within 30 s; the run's result.
stampede::test::command_result run_killing(const std::string& args, const worker_process& victim,
                                           std::chrono::milliseconds after) {
  auto run = std::async(std::launch::async, [&] { return run_stampede(args); });
  const bool joined = wait_for_text(victim.err, "joined", std::chrono::seconds(30));
  std::this_thread::sleep_for(after);
  victim.proc->signal(SIGKILL);
  auto r = run.get();
  INFO(r.err);
  REQUIRE(joined);
  return r;
}

std::string digest_of(const std::filesystem::path& out) {
  return nlohmann::json::parse(read_all(out / "projection.json"))["digest"].get<std::string>();
}

}  // namespace

TEST_CASE("project on three workers gives the single process's ensemble, band for band",
          "[cli][worker]") {
  const auto dir = temp_dir("worker-project");
  const std::string file = projection_file;
  std::vector<worker_process> workers;
  workers.push_back(start_worker(dir, "w1", {"--threads", "1"}));
  workers.push_back(start_worker(dir, "w2", {"--threads", "2"}));
  workers.push_back(start_worker(dir, "w3", {"--threads", "1"}));

  const auto one = run_stampede("project " + file + " --out " + (dir / "one").string() +
                                " --members 16 --threads 2 --quiet");
  REQUIRE(one.exit_code == 0);
  const auto spread = run_stampede("project " + file + " --out " + (dir / "spread").string() +
                                   " --members 16 --workers " + list_of(workers));
  INFO(spread.err);
  REQUIRE(spread.exit_code == 0);
  CHECK(digest_of(dir / "spread") == digest_of(dir / "one"));
  // The fans themselves, not only the digest over the members' runs.
  CHECK(read_all(dir / "spread" / "projection.csv") == read_all(dir / "one" / "projection.csv"));
  for (const auto& w : workers) CHECK_THAT(read_all(w.err), Catch::Matchers::Contains("joined"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("a worker killed in the middle of a projection has its members run again elsewhere",
          "[cli][worker]") {
  const auto dir = temp_dir("worker-killed");
  // 12 members of about 0.4 s each: seconds of work for two one-thread
  // workers, so that the first is running one when it is killed.
  const std::string args = "project " + projection_file +
                           " --members 12 --set population.size=300000 --set horizon=3d --out ";
  const auto one = run_stampede(args + (dir / "one").string() + " --threads 2 --quiet");
  REQUIRE(one.exit_code == 0);

  std::vector<worker_process> workers;
  workers.push_back(start_worker(dir, "doomed", {"--threads", "1"}));
  workers.push_back(start_worker(dir, "survivor", {"--threads", "1"}));
  // Once the coordinator has joined it, the doomed worker is running a member.
  const auto r = run_killing(args + (dir / "spread").string() + " --workers " + list_of(workers),
                             workers[0], std::chrono::milliseconds(300));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.err, Catch::Matchers::Contains("worker " + workers[0].address() +
                                              " lost; its 1 running members go to the others"));
  CHECK(digest_of(dir / "spread") == digest_of(dir / "one"));
  CHECK(read_all(dir / "spread" / "projection.csv") == read_all(dir / "one" / "projection.csv"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("a worker serving one scenario refuses a coordinator with another, exit 2",
          "[cli][worker]") {
  const auto dir = temp_dir("worker-pinned");
  const std::string file = projection_file;
  auto w = start_worker(dir, "w", {"--scenario", file, "--set", "seed=3"});
  // The same file under another seed is another run.
  const auto r = run_stampede("project " + file + " --out " + (dir / "out").string() +
                              " --members 2 --set seed=4 --workers " + w.address());
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Matchers::StartsWith("error: worker " + w.address() +
                                                " refused: this worker serves only " + file));
  CHECK_FALSE(std::filesystem::exists(dir / "out" / "projection.json"));
  // The run it serves is accepted.
  const auto ok = run_stampede("project " + file + " --out " + (dir / "out").string() +
                               " --members 2 --set seed=3 --quiet --workers " + w.address());
  INFO(ok.err);
  CHECK(ok.exit_code == 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("worker lists that cannot be used are errors before any work", "[cli][worker]") {
  const auto dir = temp_dir("worker-bad");
  const std::string project =
      "project " + projection_file + " --out " + (dir / "out").string() + " --members 2 --workers ";
  const auto malformed = run_stampede(project + "127.0.0.1");
  CHECK(malformed.exit_code == 2);
  CHECK_THAT(malformed.err, Catch::Matchers::Contains("expected HOST:PORT"));
  const auto port_zero = run_stampede(project + "127.0.0.1:0");
  CHECK(port_zero.exit_code == 2);
  // A port nobody listens on: the worker is named, exit 1 (the machine, not the command).
  auto w = start_worker(dir, "w");
  const int port = w.port;
  w.proc.reset();  // killed: its port is free again
  const auto unreachable = run_stampede(project + "127.0.0.1:" + std::to_string(port));
  CHECK(unreachable.exit_code == 1);
  CHECK_THAT(unreachable.err, Catch::Matchers::Contains("worker 127.0.0.1:" + std::to_string(port) +
                                                        " cannot be reached"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("a worker without TLS warns when it listens beyond loopback", "[cli][worker]") {
  const auto dir = temp_dir("worker-open");
  {
    auto w = start_worker(dir, "loopback");
    w.proc->signal(SIGTERM);
    CHECK(w.proc->wait(std::chrono::seconds(10)) == 0);
    CHECK(read_all(w.err).find("warning") == std::string::npos);
  }
  const auto err = dir / "open.err";
  child open({STAMPEDE_BINARY, "worker", "--listen", "0.0.0.0:0"}, err.string());
  CHECK(open.read_line(std::chrono::seconds(20)).rfind("listening on 0.0.0.0:", 0) == 0);
  CHECK_THAT(read_all(err),
             Catch::Matchers::StartsWith("warning: listening on 0.0.0.0:0 without TLS"));
  std::filesystem::remove_all(dir);
}

TEST_CASE(
    "with certificates, workers and coordinator talk TLS and refuse peers the CA did not sign",
    "[cli][worker]") {
  const auto dir = temp_dir("worker-tls");
  stampede::test::make_test_pki(dir);
  const std::string d = dir.string();
  const std::string tls =
      " --tls-cert " + d + "/server.pem --tls-key " + d + "/server.key --tls-ca " + d + "/ca.pem";
  auto w = start_worker(
      dir, "w",
      {"--tls-cert", d + "/server.pem", "--tls-key", d + "/server.key", "--tls-ca", d + "/ca.pem"});
  const std::string project =
      "project " + projection_file + " --members 4 --quiet --workers " + w.address() + " --out ";
  const auto one =
      run_stampede("project " + projection_file + " --members 4 --quiet --out " + d + "/one");
  REQUIRE(one.exit_code == 0);
  const auto ok = run_stampede(project + d + "/tls" + tls);
  INFO(ok.err);
  REQUIRE(ok.exit_code == 0);
  CHECK(digest_of(dir / "tls") == digest_of(dir / "one"));
  // Plain TCP to a TLS worker, and a certificate from a CA it does not trust.
  const auto plain = run_stampede(project + d + "/plain");
  CHECK(plain.exit_code == 1);
  CHECK_THAT(plain.err, Catch::Matchers::Contains("cannot be reached"));
  const auto stranger =
      run_stampede(project + d + "/stranger --tls-cert " + d + "/wrong-ca.pem --tls-key " + d +
                   "/wrong-ca.key --tls-ca " + d + "/ca.pem");
  CHECK(stranger.exit_code == 1);
  CHECK_THAT(stranger.err, Catch::Matchers::Contains("cannot be reached"));
  const auto half = run_stampede(project + d + "/half --tls-cert " + d + "/server.pem");
  CHECK(half.exit_code == 2);
  CHECK_THAT(half.err, Catch::Matchers::Contains("--tls-cert and --tls-key go together"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("loadtest on two workers sends the one schedule, and the report is the sum of the parts",
          "[cli][worker]") {
  const auto dir = temp_dir("worker-loadtest");
  const std::string steady = "tests/scenarios/good/loadtest-blocks.yaml";
  child serve({STAMPEDE_BINARY, "serve", steady, "--listen", "127.0.0.1:0"});
  const std::string target = url_of(serve);
  const std::vector<worker_process> workers = start_workers(dir, 2);

  // About 200 requests/s for 3 s against 8 servers of 1 ms: every request is
  // answered, so no response changes the schedule and both runs intend the
  // same. Three blocks: worker 0 sends blocks 0 and 2, worker 1 block 1.
  const std::string args =
      "loadtest " + steady + " --target " + target + " --duration 3s --quiet --out ";
  const auto one = run_stampede(args + (dir / "one").string());
  INFO(one.err);
  REQUIRE(one.exit_code == 0);
  const auto spread =
      run_stampede(args + (dir / "spread").string() + " --workers " + list_of(workers));
  INFO(spread.err);
  REQUIRE(spread.exit_code == 0);
  const auto endpoint = [&](const std::string& out) {
    return nlohmann::json::parse(
        read_all(dir / out / "summary.json"))["loadtest"]["endpoints"]["ping"];
  };
  const auto single = endpoint("one"), merged = endpoint("spread");
  CHECK(merged["intended"] == single["intended"]);
  CHECK(merged["intended"].get<std::uint64_t>() > 300);

  // Each worker's own counts, as it told its operator, add up to the report.
  const std::regex share_line(
      "load-test share ([01]) of 2: intended (\\d+), sent (\\d+), 2xx (\\d+), failed (\\d+), "
      "timed out (\\d+), in flight (\\d+), latencies (\\d+)");
  std::uint64_t sum[7] = {};
  std::set<std::string> shares;
  for (const auto& w : workers) {
    const std::string err = read_all(w.err);
    std::smatch m;
    REQUIRE(std::regex_search(err, m, share_line));
    shares.insert(m[1]);
    CHECK(std::stoull(m[3]) > 0);  // both generators sent
    for (int i = 0; i < 7; ++i) sum[i] += std::stoull(m[i + 2]);
  }
  CHECK(shares.size() == 2);
  CHECK(merged["intended"] == sum[0]);
  CHECK(merged["sent"] == sum[1]);
  CHECK(merged["completed"] == sum[2]);
  CHECK(merged["failed"] == sum[3]);
  CHECK(merged["timed_out"] == sum[4]);
  CHECK(merged["in_flight"] == sum[5]);
  CHECK(merged["latency_corrected"]["count"] == sum[6]);
  // Exact accounting of the merged report.
  CHECK(merged["sent"].get<std::uint64_t>() ==
        merged["completed"].get<std::uint64_t>() + merged["failed"].get<std::uint64_t>() +
            merged["timed_out"].get<std::uint64_t>() + merged["in_flight"].get<std::uint64_t>());
  // results.csv holds every finished request once: `report DIR` rebuilds the same counts.
  const auto rebuilt = run_stampede("report " + (dir / "spread").string());
  INFO(rebuilt.err);
  CHECK(rebuilt.exit_code == 0);
  CHECK(endpoint("spread")["completed"] == merged["completed"]);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a worker lost during a load test stops it; the report keeps the others' shares",
          "[cli][worker]") {
  const auto dir = temp_dir("worker-loadtest-lost");
  const std::string steady = "tests/scenarios/good/loadtest-blocks.yaml";
  child serve({STAMPEDE_BINARY, "serve", steady, "--listen", "127.0.0.1:0"});
  const std::string target = url_of(serve);
  const std::vector<worker_process> workers = start_workers(dir, 2);
  // A 20 s test; worker 1 (share 1 of 2) is killed a second after it joined.
  const auto r =
      run_killing("loadtest " + steady + " --target " + target + " --duration 20s --quiet --out " +
                      (dir / "spread").string() + " --workers " + list_of(workers),
                  workers[1], std::chrono::seconds(1));
  INFO(r.err);
  CHECK(r.exit_code == 1);
  const std::string reason = "worker " + workers[1].address() +
                             " was lost during the load test; the report holds the other "
                             "workers' shares (missing: share 1 of 2)";
  CHECK(r.err.find("error: " + reason) != std::string::npos);
  const auto j = nlohmann::json::parse(read_all(dir / "spread" / "summary.json"));
  CHECK(j["stop_reason"] == reason);
  CHECK(j["loadtest"]["interrupted"] == true);
  // Worker 0's share is what the target saw from it, as that worker counted it.
  const auto& ping = j["loadtest"]["endpoints"]["ping"];
  CHECK(ping["sent"].get<std::uint64_t>() > 0);
  const std::regex share_line("load-test share 0 of 2: intended (\\d+), sent (\\d+)");
  std::smatch m;
  const std::string w0 = read_all(workers[0].err);
  REQUIRE(std::regex_search(w0, m, share_line));
  CHECK(ping["intended"] == std::stoull(m[1]));
  CHECK(ping["sent"] == std::stoull(m[2]));
  CHECK(read_all(dir / "spread" / "summary.md").find("was lost during the load test") !=
        std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("loadtest --workers without a target every worker reaches is a usage error",
          "[cli][worker]") {
  const auto r = run_stampede(
      "loadtest tests/scenarios/good/loadtest-steady.yaml --out /tmp/unused --workers "
      "127.0.0.1:9");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Matchers::Contains("--workers needs a target"));
}

TEST_CASE("run on three workers gives the single process's digest and time series",
          "[cli][worker]") {
  const auto dir = temp_dir("worker-run");
  const std::vector<worker_process> workers = start_workers(dir, 3);
  const std::string args = "run tests/scenarios/good/small.yaml --set horizon=6h --quiet --out ";
  const auto one = run_stampede(args + (dir / "one").string() + " --threads 2");
  REQUIRE(one.exit_code == 0);
  const auto spread =
      run_stampede(args + (dir / "spread").string() + " --workers " + list_of(workers));
  INFO(spread.err);
  REQUIRE(spread.exit_code == 0);
  const auto summary = [&](const std::string& out) {
    return nlohmann::json::parse(read_all(dir / out / "summary.json"));
  };
  CHECK(summary("spread")["digest"] == summary("one")["digest"]);
  CHECK(read_all(dir / "spread" / "timeseries.csv") == read_all(dir / "one" / "timeseries.csv"));
  for (const auto& w : workers) CHECK_THAT(read_all(w.err), Catch::Matchers::Contains("joined"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("a worker lost during run ends it with exit 1, naming the worker and the time reached",
          "[cli][worker]") {
  const auto dir = temp_dir("worker-run-lost");
  const std::vector<worker_process> workers = start_workers(dir, 3);
  // 25,920 windows of 10 s: seconds of rounds between the nodes, so the
  // worker is killed mid-run.
  const auto r = run_killing("run tests/scenarios/good/small.yaml --set horizon=3d --quiet --out " +
                                 (dir / "spread").string() + " --workers " + list_of(workers),
                             workers[1], std::chrono::seconds(1));
  INFO(r.err);
  CHECK(r.exit_code == 1);
  const std::regex message("error: worker " + workers[1].address() +
                           " was lost at virtual time ([^;]+); the report covers the virtual "
                           "time reached\n");
  std::smatch m;
  REQUIRE(std::regex_search(r.err, m, message));
  // The partial report: up to the time reached, short of the horizon.
  const auto j = nlohmann::json::parse(read_all(dir / "spread" / "summary.json"));
  CHECK(j["simulated_s"].get<double>() < j["horizon_s"].get<double>());
  CHECK(j["simulated_s"].get<double>() > 0);
  // Worker 1 of 3 served pool 1, web: its figures died with it. The report
  // says so and lists neither the pool nor view_feed, the endpoint it serves.
  CHECK(j["stop_reason"] ==
        "worker " + workers[1].address() + " was lost at virtual time " + m[1].str());
  CHECK(j["pools_missing"] == nlohmann::json::array({"web"}));
  CHECK(j["pools"].size() == 1);
  CHECK(j["pools"].contains("gpu"));
  CHECK(j["endpoints"].size() == 1);
  CHECK(j["endpoints"].contains("generate_image"));
  const std::string md = read_all(dir / "spread" / "summary.md");
  CHECK(md.find("was lost at virtual time") != std::string::npos);
  CHECK(md.find("The figures of pool `web` and of the endpoints it serves are missing") !=
        std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("Ctrl-C on a projection over workers stops their members and keeps those finished",
          "[cli][worker]") {
  const auto dir = temp_dir("worker-interrupted");
  auto w = start_worker(dir, "w", {"--threads", "1"});
  // 12 members of about 0.4 s on one thread: still running a second after it joined.
  child coordinator({STAMPEDE_BINARY, "project", projection_file, "--members", "12", "--set",
                     "population.size=300000", "--set", "horizon=3d", "--out",
                     (dir / "out").string(), "--workers", w.address()},
                    (dir / "coordinator.err").string());
  REQUIRE(wait_for_text(w.err, "joined", std::chrono::seconds(30)));
  std::this_thread::sleep_for(std::chrono::seconds(1));
  coordinator.signal(SIGINT);
  const auto rc = coordinator.wait(std::chrono::seconds(60));
  const std::string err = read_all(dir / "coordinator.err");
  INFO(err);
  CHECK(rc == 1);
  CHECK_THAT(err, Catch::Matchers::Contains("stopped early"));
  // The worker stopped the running member and saw the coordinator leave.
  CHECK(wait_for_text(w.err, "left", std::chrono::seconds(10)));
  std::filesystem::remove_all(dir);
}
