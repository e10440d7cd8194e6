// `stampede fit adoption` end to end: a synthetic series of known Bass values
// in, fit.json and fit.yaml out; bad input is exit 2 with file:line:col.
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/cli/run_binary.hpp"

using namespace stampede;

namespace {

/// Daily cumulative adopters of a Bass launch (p 0.01, q 0.4 per day, 2M users),
/// rounded: the closed form written here, not the code under test.
std::string cumulative_csv() {
  const double p = 0.01, q = 0.4, m = 2e6;
  std::string csv = "date,adopters\n";
  for (int day = 1; day <= 40; ++day) {
    const double e = std::exp(-(p + q) * day);
    const double adopters = m * (1 - e) / (1 + (q / p) * e);
    char date[32];
    std::snprintf(date, sizeof date, "2025-%02d-%02d", day <= 31 ? 3 : 4,
                  day <= 31 ? day : day - 31);
    csv += std::string(date) + "," + std::to_string(std::llround(adopters)) + "\n";
  }
  return csv;
}

}  // namespace

TEST_CASE("fit adoption recovers a launch's Bass values from cumulative adopters", "[cli][fit]") {
  const auto dir = test::temp_dir("fit");
  std::ofstream(dir / "adopters.csv") << cumulative_csv();
  const auto r = test::run_stampede("fit adoption " + (dir / "adopters.csv").string() + " --out " +
                                    (dir / "out").string() + " --resamples 100");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto j = nlohmann::json::parse(test::read_all(dir / "out" / "fit.json"));
  CHECK(j["innovation_per_day"]["value"].get<double>() == Approx(0.01).epsilon(0.01));
  CHECK(j["imitation_per_day"]["value"].get<double>() == Approx(0.4).epsilon(0.01));
  CHECK(j["market_size"]["value"].get<double>() == Approx(2e6).epsilon(0.01));
  CHECK(j["periods"] == 40);
  CHECK(j["interval"]["level"] == 0.8);
  const std::string yaml = test::read_all(dir / "out" / "fit.yaml");
  CHECK(yaml.find("model: bass") != std::string::npos);
  CHECK(yaml.find("innovation: 0.01/day") != std::string::npos);
  CHECK(yaml.find("imitation: 0.4/day") != std::string::npos);
  CHECK(yaml.find("size: 2000000") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("fit adoption refuses a bad series with file:line:col and exit 2", "[cli][fit]") {
  const auto dir = test::temp_dir("fit-bad");
  std::ofstream(dir / "bad.csv") << "date,signups\n2025-03-25,5\n2025-13-01,7\n";
  const auto r = test::run_stampede("fit adoption " + (dir / "bad.csv").string() + " --out " +
                                    (dir / "out").string());
  CHECK(r.exit_code == 2);
  CHECK(r.err.find((dir / "bad.csv").string() + ":3:1: date: expected an ISO 8601 date") !=
        std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "out" / "fit.json"));
  const auto missing = test::run_stampede("fit adoption " + (dir / "none.csv").string() +
                                          " --out " + (dir / "out").string());
  CHECK(missing.exit_code == 2);
  CHECK(test::run_stampede("fit --help").out.find("adoption") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("fit adoption gets back the Bass values a stampede run was given", "[cli][fit]") {
  // The simulator as the peer: quickstart with no feedback (every adopter
  // fully satisfied) and no initial adopters is Bass with p 0.01/day,
  // q 0.8/day and 2M users, sampled at 1 in 10. Its hourly adopters, fitted.
  const auto dir = test::temp_dir("fit-run");
  const auto run = test::run_stampede(
      "run scenarios/quickstart.yaml --out " + (dir / "run").string() +
      " --scale 0.1 --set behavior.feedback.penalty=0 --set adoption.initial_adopters=0 --quiet");
  REQUIRE(run.exit_code == 0);
  std::ifstream series(dir / "run" / "timeseries.csv");
  std::string line;
  std::getline(series, line);
  REQUIRE(line.rfind("t_hours,adopters,", 0) == 0);
  std::ofstream csv(dir / "adopters.csv");
  csv << "date,adopters\n";
  while (std::getline(series, line)) {
    // t_hours (1, 2, ...) from the launch at 2025-03-01T00:00Z.
    const double hours = std::stod(line.substr(0, line.find(',')));
    const std::string rest = line.substr(line.find(',') + 1);
    const auto h = static_cast<int>(hours);
    char date[40];
    std::snprintf(date, sizeof date, "2025-03-%02dT%02d:00:00Z", 1 + h / 24, h % 24);
    csv << date << "," << rest.substr(0, rest.find(',')) << "\n";
  }
  csv.close();
  const auto r = test::run_stampede("fit adoption " + (dir / "adopters.csv").string() + " --out " +
                                    (dir / "fit").string() + " --resamples 50");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto j = nlohmann::json::parse(test::read_all(dir / "fit" / "fit.json"));
  // 200k simulated users adopting at random: a few percent of noise.
  CHECK(j["innovation_per_day"]["value"].get<double>() == Approx(0.01).epsilon(0.05));
  CHECK(j["imitation_per_day"]["value"].get<double>() == Approx(0.8).epsilon(0.05));
  CHECK(j["market_size"]["value"].get<double>() == Approx(2e6).epsilon(0.05));

  // fit.yaml's projection section: each value lognormal with its 10th and
  // 90th percentiles at the 80% interval's ends (z = 1.2815515655).
  const std::string yaml = test::read_all(dir / "fit" / "fit.yaml");
  const auto& q = j["imitation_per_day"];
  const double sigma =
      std::log(q["high"].get<double>() / q["low"].get<double>()) / (2 * 1.2815515655);
  const auto at = yaml.find("adoption.imitation: {dist: lognormal, median: ");
  REQUIRE(at != std::string::npos);
  const auto s_at = yaml.find("sigma: ", at);
  CHECK(std::stod(yaml.substr(s_at + 7)) == Approx(sigma).epsilon(1e-4));
  // The section as written is one `stampede project` takes.
  std::ofstream scenario(dir / "projected.yaml");
  scenario << test::read_all(std::filesystem::path(STAMPEDE_SOURCE_DIR) / "scenarios" /
                             "quickstart.yaml")
           << yaml.substr(yaml.find("projection:"));
  scenario.close();
  const auto p =
      test::run_stampede("project " + (dir / "projected.yaml").string() + " --out " +
                         (dir / "proj").string() + " --members 2 --set scale=0.01 --quiet");
  INFO(p.err);
  CHECK(p.exit_code == 0);
  std::filesystem::remove_all(dir);
}
