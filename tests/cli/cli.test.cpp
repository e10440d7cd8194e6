// End-to-end tests of the stampede binary: what a user types, what they get.
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>

#include "tests/cli/run_binary.hpp"

using stampede::test::read_all;
using stampede::test::run_stampede;
using stampede::test::temp_dir;

namespace {

/// A small scenario that runs in well under a second.
const char* small_scenario = "tests/scenarios/good/small.yaml";

}  // namespace

TEST_CASE("stampede --version prints the version", "[cli]") {
  const auto r = run_stampede("--version");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("stampede 0.") != std::string::npos);
}

TEST_CASE("stampede --help lists the commands and the exit codes", "[cli]") {
  const auto r = run_stampede("--help");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("validate") != std::string::npos);
  CHECK(r.out.find("run") != std::string::npos);
  CHECK(r.out.find("Exit codes") != std::string::npos);
}

TEST_CASE("stampede run --help teaches every flag", "[cli]") {
  const auto r = run_stampede("run --help");
  CHECK(r.exit_code == 0);
  for (const char* flag : {"--out", "--seed", "--threads", "--scale", "--set", "--progress"}) {
    CHECK(r.out.find(flag) != std::string::npos);
  }
}

TEST_CASE("a missing command, an unknown flag or a missing --out is a usage error", "[cli]") {
  CHECK(run_stampede("").exit_code == 2);
  CHECK(run_stampede("run scenarios/quickstart.yaml --out /tmp/x --frobnicate").exit_code == 2);
  const auto r = run_stampede("run scenarios/quickstart.yaml");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--out") != std::string::npos);
}

TEST_CASE("stampede validate describes a good scenario", "[cli]") {
  const auto r = run_stampede("validate scenarios/quickstart.yaml");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("quickstart") != std::string::npos);
  CHECK(r.out.find("generate_image") != std::string::npos);
}

TEST_CASE("stampede validate points at the file, line, column and key of an error", "[cli]") {
  const auto r = run_stampede("validate tests/scenarios/bad/03-zero-servers.yaml");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("03-zero-servers.yaml:") != std::string::npos);
  CHECK(r.err.find("platform.pools[0].servers") != std::string::npos);
}

TEST_CASE("stampede validate reports a missing file with exit code 2", "[cli]") {
  const auto r = run_stampede("validate no/such/file.yaml");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("no/such/file.yaml") != std::string::npos);
}

TEST_CASE("a --set override is validated like the file", "[cli]") {
  CHECK(
      run_stampede(std::string("validate ") + small_scenario + " --set platform.pools[0].servers=7")
          .exit_code == 0);
  const auto r = run_stampede(std::string("validate ") + small_scenario +
                              " --set platform.pools[0].servers=lots");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--set") != std::string::npos);
}

TEST_CASE("stampede run writes the four outputs and tells where the report is", "[cli]") {
  const auto dir = temp_dir("run");
  const auto r = run_stampede(std::string("run ") + small_scenario + " --out " + dir.string());
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find((dir / "report.html").string()) != std::string::npos);
  for (const char* f : {"summary.json", "timeseries.csv", "summary.md", "report.html"}) {
    CHECK(std::filesystem::file_size(dir / f) > 100);
  }
  const auto j = nlohmann::json::parse(read_all(dir / "summary.json"));
  CHECK(j["scenario"] == "small");
  CHECK(j["digest"].get<std::string>().size() == 16);
  // Progress is silent when stderr is not a terminal and --progress is not given.
  CHECK(r.err.find("virtual time") == std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("stampede run gives the same digest for --threads 1, 2 and 4", "[cli][determinism]") {
  std::string digests[3];
  int i = 0;
  for (const char* threads : {"1", "2", "4"}) {
    const auto dir = temp_dir(std::string("threads") + threads);
    const auto r = run_stampede(std::string("run ") + small_scenario + " --quiet --threads " +
                                threads + " --out " + dir.string());
    REQUIRE(r.exit_code == 0);
    digests[i++] = nlohmann::json::parse(read_all(dir / "summary.json"))["digest"];
    std::filesystem::remove_all(dir);
  }
  CHECK(digests[0] == digests[1]);
  CHECK(digests[0] == digests[2]);
}

TEST_CASE("stampede run without --threads uses no more threads than the CPUs it may run on",
          "[cli]") {
  // taskset leaves the run one CPU of the machine: whatever else the machine
  // does, the default is then 1 thread (a count of all the cores made it 2).
  if (std::system("taskset -c 0 true >/dev/null 2>&1") != 0) {
    WARN("skipped: no taskset, or CPU 0 cannot be chosen");
    return;
  }
  const auto dir = temp_dir("default-threads");
  const std::string cmd = std::string("cd ") + STAMPEDE_SOURCE_DIR + " && taskset -c 0 " +
                          STAMPEDE_BINARY + " run " + small_scenario + " --out " + dir.string() +
                          " 2>" + (dir / "err").string() + " >/dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
  CHECK(nlohmann::json::parse(read_all(dir / "summary.json"))["threads"] == 1);
  CHECK(read_all(dir / "err").find(" s on 1 thread; digest ") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("stampede run --threads beyond the CPUs free says so, and runs as asked", "[cli]") {
  // taskset leaves the run one CPU: --threads 2 is more than it is offered.
  if (std::system("taskset -c 0 true >/dev/null 2>&1") != 0) {
    WARN("skipped: no taskset, or CPU 0 cannot be chosen");
    return;
  }
  const auto dir = temp_dir("forced-threads");
  const auto run = [&](const std::string& threads) {
    const std::string cmd = std::string("cd ") + STAMPEDE_SOURCE_DIR + " && taskset -c 0 " +
                            STAMPEDE_BINARY + " run " + small_scenario + " --threads " + threads +
                            " --out " + dir.string() + " 2>" + (dir / "err").string() +
                            " >/dev/null";
    REQUIRE(std::system(cmd.c_str()) == 0);
    return read_all(dir / "err");
  };
  CHECK(run("2").find("note: --threads 2 with 1 CPU free now") != std::string::npos);
  CHECK(nlohmann::json::parse(read_all(dir / "summary.json"))["threads"] == 2);
  CHECK(run("1").find("note:") == std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("stampede run --help says how the default thread count is chosen", "[cli]") {
  const auto r = run_stampede("run --help");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("idle") != std::string::npos);
  CHECK(r.out.find("cgroup") != std::string::npos);
}

TEST_CASE("the flags --seed and --scale change the run and are written in the summary", "[cli]") {
  const auto dir = temp_dir("seed");
  const auto r = run_stampede(std::string("run ") + small_scenario +
                              " --quiet --seed 77 --scale 0.5 --out " + dir.string());
  REQUIRE(r.exit_code == 0);
  const auto j = nlohmann::json::parse(read_all(dir / "summary.json"));
  CHECK(j["seed"] == 77);
  CHECK(j["scale"] == 0.5);
  CHECK(j["weight"] == 2.0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("the flag --progress shows virtual time and simulated requests per second", "[cli]") {
  const auto dir = temp_dir("progress");
  const auto r =
      run_stampede(std::string("run ") + small_scenario + " --progress --out " + dir.string());
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("virtual time") != std::string::npos);
  CHECK(r.err.find("simulated requests/s") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a bad --scale is a scenario error with exit code 2", "[cli]") {
  const auto r = run_stampede(std::string("run ") + small_scenario + " --scale 3 --out /tmp/never");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("scale") != std::string::npos);
}

TEST_CASE("an output folder that cannot be written is a run failure with exit code 1", "[cli]") {
  const auto r =
      run_stampede(std::string("run ") + small_scenario + " --quiet --out /proc/stampede");
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("/proc/stampede") != std::string::npos);
}

namespace {

/// The last line of timeseries.csv as numbers, by column name.
std::map<std::string, double> last_row(const std::filesystem::path& csv) {
  std::istringstream in(read_all(csv));
  std::string header, line, last;
  std::getline(in, header);
  while (std::getline(in, line)) {
    if (!line.empty()) last = line;
  }
  std::map<std::string, double> row;
  std::istringstream names(header), values(last);
  for (std::string name, value; std::getline(names, name, ',') && std::getline(values, value, ',');)
    row[name] = value.empty() ? -1 : std::stod(value);
  return row;
}

}  // namespace

TEST_CASE("Ctrl-C stops a run early and writes the report of the virtual time reached", "[cli]") {
  const auto dir = temp_dir("interrupt");
  // The quickstart takes many seconds; interrupt it after one.
  const std::string cmd = std::string("cd ") + STAMPEDE_SOURCE_DIR + " && (" + STAMPEDE_BINARY +
                          " run scenarios/quickstart.yaml --quiet --out " + dir.string() +
                          " & pid=$!; sleep 1; kill -INT $pid; wait $pid; echo $? > " +
                          (dir / "rc").string() + ")";
  REQUIRE(std::system(cmd.c_str()) == 0);
  CHECK(read_all(dir / "rc") == "1\n");
  const auto j = nlohmann::json::parse(read_all(dir / "summary.json"));
  const double reached = j["simulated_s"].get<double>();
  CHECK(reached > 0);
  CHECK(reached < j["horizon_s"].get<double>());
  const std::string md = read_all(dir / "summary.md");
  CHECK(md.find("Stopped early") != std::string::npos);
  // The adoption sentence speaks of the days reached (to 0.1 day), not the 7-day horizon.
  std::ostringstream days;
  days << "After " << std::round(reached / 86400 * 10) / 10 << " simulated days, ";
  CHECK(md.find(days.str()) != std::string::npos);
  // The series ends where the run stopped. The CSV holds shortest round-trip
  // doubles; 1e-12 allows for the division by 3600 done in another order.
  const auto row = last_row(dir / "timeseries.csv");
  CHECK(row.at("t_hours") == Approx(reached / 3600).epsilon(1e-12));
  // The quickstart starts with 1000 adopters: the final figure is the last
  // state reached, never an empty row.
  const double adopters = j["adoption"]["adopters_at_end"].get<double>();
  CHECK(adopters >= 1000);
  CHECK(row.at("adopters") == Approx(adopters).epsilon(1e-12));
  // Constant servers (300 GPUs at $2.5/h, 20 web at $0.1/h): billed for the
  // time reached only, not the 7-day horizon. 1e-9: sums of a few hundred
  // per-interval doubles, rounded in another order than this product.
  CHECK(j["pools"]["gpu"]["server_hours"].get<double>() ==
        Approx(300 * reached / 3600).epsilon(1e-9));
  CHECK(j["pools"]["web"]["server_hours"].get<double>() ==
        Approx(20 * reached / 3600).epsilon(1e-9));
  const double cost = (300 * 2.5 + 20 * 0.1) * reached / 3600;
  CHECK(j["pools"]["gpu"]["cost"].get<double>() + j["pools"]["web"]["cost"].get<double>() ==
        Approx(cost).epsilon(1e-9));
  CHECK(row.at("cost_usd") == Approx(cost).epsilon(1e-9));
  CHECK(std::filesystem::exists(dir / "report.html"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("stampede run counts rate limits on the user's local day", "[cli][rate_limit]") {
  // tests/scenarios/good/local-day.yaml: 1,000 users at UTC+12h, 48 one-request
  // sessions a day each, 1 request a day allowed. The one UTC day of the run
  // holds two local days (midnight at 12:00 UTC), so each user gets exactly 2
  // requests through: a user without a session in 12 h has probability
  // e^-24 (4e-11). Counted on UTC days it would be 1,000.
  const auto dir = temp_dir("local-day-run");
  const auto r =
      run_stampede("run tests/scenarios/good/local-day.yaml --quiet --out " + dir.string());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto j = nlohmann::json::parse(read_all(dir / "summary.json"));
  const auto& echo = j["endpoints"]["echo"];
  CHECK(echo["completed"].get<double>() == 2000);
  CHECK(echo["rate_limited"].get<double>() > 20'000);  // ~46,000 sessions refused
  std::filesystem::remove_all(dir);
}

TEST_CASE(
    "first attempts count the requests that passed the rate limit; a short pool points "
    "to stampede plan",
    "[cli][estimate]") {
  // tests/scenarios/good/demand.yaml: 1 first attempt a second passes the limit
  // (10,000 plus users × 8.64 sessions a day / 86,400 s); the free users'
  // refused requests (another 1/s) and the retries are not first attempts.
  const auto run = [](const std::string& flags, const std::string& tag) {
    const auto dir = temp_dir("demand-" + tag);
    const auto r =
        run_stampede("run tests/scenarios/good/demand.yaml --quiet --out " + dir.string() + flags);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    const std::string md = read_all(dir / "summary.md");
    const std::string csv = read_all(dir / "timeseries.csv");
    std::filesystem::remove_all(dir);
    return std::pair{md, csv};
  };
  const auto [md, csv] = run("", "retries-2");
  INFO(md);

  // The column the estimate reads: its mean over 86,400 s of Poisson(1/s)
  // arrivals is 1 within 4 sd (sd = 1/sqrt(86400) = 0.0034).
  std::istringstream lines(csv);
  std::string header, line;
  std::getline(lines, header);
  int column = -1, index = 0;
  std::istringstream names(header);
  for (std::string name; std::getline(names, name, ','); ++index) {
    if (name == "first_attempts_rps.generate_image") column = index;
  }
  REQUIRE(column >= 0);
  double sum = 0;
  int rows = 0;
  while (std::getline(lines, line)) {
    std::istringstream cells(line);
    std::string cell;
    for (int i = 0; i <= column; ++i) std::getline(cells, cell, ',');
    sum += std::stod(cell);
    ++rows;
  }
  REQUIRE(rows == 24);
  CHECK(sum / rows == Approx(1.0).margin(4 * 0.0034));

  // 50 servers for 100 s of work a second: the SLO breaks, and summary.md
  // sends the reader to the planner at the run's scale.
  CHECK(md.find("Short of capacity: **gpu**.") != std::string::npos);
  CHECK(md.find("    stampede plan SCENARIO.yaml --out plan --set scale=") != std::string::npos);
}

TEST_CASE(
    "an empty --out or DIR, and a --metrics-listen port too long for a number, are usage "
    "errors",
    "[cli]") {
  for (const std::string args :
       {std::string("run ") + small_scenario + " --out ''",
        std::string("loadtest tests/scenarios/good/loadtest-steady.yaml --out ''"),
        std::string("report ''")}) {
    INFO(args);
    const auto r = run_stampede(args);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("must not be empty") != std::string::npos);
  }
  const auto r = run_stampede(
      "loadtest tests/scenarios/good/loadtest-steady.yaml --out /tmp/never --metrics-listen "
      "127.0.0.1:99999999999999999999999");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("port must be 0..65535") != std::string::npos);
}

TEST_CASE("validate gives up on an endless file with exit 2", "[cli]") {
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = run_stampede("validate /dev/zero");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("larger than 16 MiB") != std::string::npos);
  // Reading 16 MiB takes milliseconds; 10 s leaves room for a loaded machine.
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
}

TEST_CASE("an error quoting scenario text stays one line with no terminal escapes", "[cli]") {
  const auto dir = temp_dir("one-line");
  {
    // A key with a newline and an ANSI colour escape in it (YAML escapes).
    std::ofstream f(dir / "bad.yaml");
    f << "scenario: x\nhorizon: 1d\n\"evil\\nkey\\e[31m\": 1\n";
  }
  const auto r = run_stampede("validate " + (dir / "bad.yaml").string());
  CHECK(r.exit_code == 2);
  INFO(r.err);
  CHECK(r.err.find('\x1b') == std::string::npos);
  CHECK(r.err.find('\n') == r.err.size() - 1);  // one line, ended by its newline
  CHECK(r.err.find("evil\\nkey\\x1b[31m") != std::string::npos);
  std::filesystem::remove_all(dir);
}
