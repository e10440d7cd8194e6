// `stampede fit adoption` end to end: a synthetic series of known Bass values
// in, fit.json and fit.yaml out; bad input is exit 2 with file:line:col.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

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

TEST_CASE("fit work fits each endpoint of a load test's results.csv", "[cli][fit]") {
  // A results.csv in the load generator's format (actors/loadtest/formats.hpp):
  // generate_image's service times lognormal (median 6 s, sigma 0.3),
  // view_feed's gamma (shape 2, scale 20 ms), drawn by the standard library;
  // every tenth request failed with a 503, which measured no service.
  const auto dir = test::temp_dir("fit-work");
  std::mt19937_64 g(5);
  std::lognormal_distribution<double> image(std::log(6.0), 0.3);
  std::gamma_distribution<double> feed(2.0, 0.02);
  std::ofstream csv(dir / "results.csv");
  csv << "intended_us,endpoint,outcome,status,corrected_us,uncorrected_us,lag_us\n";
  constexpr int n = 4000;
  for (int i = 0; i < 2 * n; ++i) {
    const bool is_image = i % 2 == 0;
    const auto us = std::llround((is_image ? image(g) : feed(g)) * 1e6);
    csv << i * 1000 << "," << (is_image ? "generate_image" : "view_feed") << ",2xx,200," << us + 7
        << "," << us << ",7\n";
    if (i % 10 == 0) csv << i * 1000 + 1 << ",generate_image,503,503,1000,1000,0\n";
  }
  csv.close();
  const auto r = test::run_stampede("fit work " + (dir / "results.csv").string() + " --out " +
                                    (dir / "out").string());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto j = nlohmann::json::parse(test::read_all(dir / "out" / "fit.json"));
  CHECK(j["column"] == "uncorrected_us");
  CHECK(j["rows_skipped_not_2xx"] == 2 * n / 10);
  const auto& image_fit = j["endpoints"]["generate_image"];
  CHECK(image_fit["n"] == n);
  // 5 standard errors of the MLE (sigma/sqrt(n) on ln median, sigma/sqrt(2n) on sigma).
  CHECK(std::abs(std::log(image_fit["lognormal"]["median_s"].get<double>() / 6)) <
        5 * 0.3 / std::sqrt(double(n)));
  CHECK(std::abs(image_fit["lognormal"]["sigma"].get<double>() - 0.3) <
        5 * 0.3 / std::sqrt(2.0 * n));
  CHECK(image_fit["closer"] == "lognormal");
  const auto& feed_fit = j["endpoints"]["view_feed"];
  // The gamma shape's standard error sqrt(k / (n (k psi'(k) - 1))), psi'(2) = pi^2/6 - 1.
  const double psi1 = 3.141592653589793 * 3.141592653589793 / 6 - 1;
  CHECK(std::abs(feed_fit["gamma"]["shape"].get<double>() - 2) <
        5 * std::sqrt(2 / (n * (2 * psi1 - 1))));
  CHECK(feed_fit["closer"] == "gamma");
  // fit.yaml: each endpoint's closer fit as its work, the other's in a comment.
  const std::string yaml = test::read_all(dir / "out" / "fit.yaml");
  CHECK(yaml.find("platform:\n  endpoints:\n    generate_image:\n") != std::string::npos);
  const auto median_at = yaml.find("      work: {dist: lognormal, median: ");
  REQUIRE(median_at != std::string::npos);
  // Written with 4 significant digits: within 1e-3 of fit.json's median.
  CHECK(std::stod(yaml.substr(median_at + 38)) ==
        Approx(image_fit["lognormal"]["median_s"].get<double>()).epsilon(1e-3));
  CHECK(yaml.find("the gamma is closer") != std::string::npos);
  const auto shape_at = yaml.find("      work: {dist: gamma, shape: ");
  REQUIRE(shape_at != std::string::npos);
  CHECK(std::stod(yaml.substr(shape_at + 33)) ==
        Approx(feed_fit["gamma"]["shape"].get<double>()).epsilon(1e-3));
  CHECK(feed_fit["written"] == "gamma");
  std::filesystem::remove_all(dir);
}

TEST_CASE("fit work gives a time-compressed load test's durations in scenario time", "[cli][fit]") {
  // A load test at time_scale 60 saw service times lognormal around 100 ms of
  // wall time: 6 s of the scenario's. Its loadtest.json beside results.csv
  // (the fields `stampede report` reads) says the time scale; --time-scale 1
  // keeps wall times.
  const auto dir = test::temp_dir("fit-work-scaled");
  std::mt19937_64 g(11);
  std::lognormal_distribution<double> wall(std::log(0.1), 0.3);
  std::ofstream csv(dir / "results.csv");
  csv << "intended_us,endpoint,outcome,status,corrected_us,uncorrected_us,lag_us\n";
  constexpr int n = 2000;
  for (int i = 0; i < n; ++i) {
    const auto us = std::llround(wall(g) * 1e6);
    csv << i * 1000 << ",generate_image,2xx,200," << us << "," << us << ",0\n";
  }
  csv.close();
  std::ofstream(dir / "loadtest.json") << R"({"target": "http://127.0.0.1:8080/", "embedded": true,
    "time_scale": 60, "rate_scale": 1, "connections": 4, "duration_s": 10, "interval_s": 1,
    "timeout_s": 60, "max_lag_s": 1})";
  const auto median = [&](const std::string& flags) {
    const auto r = test::run_stampede("fit work " + (dir / "results.csv").string() + " --out " +
                                      (dir / "out").string() + flags);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto j = nlohmann::json::parse(test::read_all(dir / "out" / "fit.json"));
    return std::make_pair(j["endpoints"]["generate_image"]["lognormal"]["median_s"].get<double>(),
                          j["time_scale"].get<double>());
  };
  // 5 standard errors of the MLE's ln median (sigma / sqrt(n)).
  const double tolerance = 5 * 0.3 / std::sqrt(double(n));
  const auto [scaled, scale] = median("");
  CHECK(scale == 60);
  CHECK(std::abs(std::log(scaled / 6)) < tolerance);
  CHECK(test::read_all(dir / "out" / "fit.yaml").find("time_scale 60") != std::string::npos);
  const auto [kept, one] = median(" --time-scale 1");
  CHECK(one == 1);
  CHECK(std::abs(std::log(kept / 0.1)) < tolerance);
  CHECK(median(" --time-scale 10").first == Approx(kept * 10).epsilon(1e-9));
  // Without a loadtest.json it stays at 1.
  std::filesystem::remove(dir / "loadtest.json");
  CHECK(median("").second == 1);
  CHECK(test::run_stampede("fit work " + (dir / "results.csv").string() + " --out " +
                           (dir / "out").string() + " --time-scale 0")
            .exit_code == 2);
  std::filesystem::remove_all(dir);
}

TEST_CASE("fit work refuses a bad durations file with file:line:col and exit 2", "[cli][fit]") {
  const auto dir = test::temp_dir("fit-work-bad");
  std::ofstream(dir / "bad.csv") << "endpoint,duration_ms\napi,12\napi,x9\n";
  const auto r = test::run_stampede("fit work " + (dir / "bad.csv").string() + " --out " +
                                    (dir / "out").string() + " --column duration_ms");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find((dir / "bad.csv").string() +
                   ":3:5: duration_ms: expected a positive duration") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "out" / "fit.json"));
  CHECK(test::run_stampede("fit --help").out.find("work") != std::string::npos);
  std::filesystem::remove_all(dir);
}

namespace {

/// quickstart with no feedback and no initial adopters (Bass with p 0.01/day,
/// q 0.8/day, 2M users, as in the fit adoption test above), a figure of its
/// adopters at day 5 from the closed form, and a tune section for q.
std::string bass_figure_scenario(double adopters, const std::string& tune) {
  return test::read_all(std::filesystem::path(STAMPEDE_SOURCE_DIR) / "scenarios" /
                        "quickstart.yaml") +
         "figures:\n  - {name: adopters at day 5, metric: adopters_at, at: 5d, value: " +
         std::to_string(adopters) + ", role: target}\n" + tune;
}

double bass_adopters(double q, double day) {
  const double p = 0.01, m = 2e6;
  const double e = std::exp(-(p + q) * day);
  return m * (1 - e) / (1 + (q / p) * e);
}

}  // namespace

TEST_CASE("fit figures recovers the imitation rate a figure pins", "[cli][fit]") {
  const auto dir = test::temp_dir("fit-figures");
  std::ofstream(dir / "bass.yaml") << bass_figure_scenario(
      bass_adopters(0.8, 5), "tune:\n  adoption.imitation: {min: 0.2/day, max: 3/day}\n");
  const auto r = test::run_stampede(
      "fit figures " + (dir / "bass.yaml").string() + " --out " + (dir / "out").string() +
      " --set scale=0.01 --set horizon=5d --set tick=10s --set behavior.feedback.penalty=0"
      " --set adoption.initial_adopters=0 --set adoption.imitation=0.4/day --max-runs 60");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto j = nlohmann::json::parse(test::read_all(dir / "out" / "fit.json"));
  const double q = j["tunables"][0]["value"].get<double>() * 86400;
  // 20,000 simulated users of whom a share F ~ 0.41 adopted by day 5: the
  // count's binomial standard deviation sqrt(N F (1 - F)), doubled for the
  // contagion's extra variance, 4 of them; turned into q through the closed
  // form's slope dF/dq (a central difference).
  const double users = 20000, share = bass_adopters(0.8, 5) / 2e6;
  const double sd = 2 * std::sqrt(users * share * (1 - share)) / users;
  const double slope = (bass_adopters(0.81, 5) - bass_adopters(0.79, 5)) / 2e6 / 0.02;
  CHECK(std::abs(q - 0.8) < 4 * sd / slope);
  CHECK(j["identifiable"] == false);
  CHECK(j["figures"][0]["leave_one_out"]["identifiable"] == false);
  const std::string md = test::read_all(dir / "out" / "summary.md");
  CHECK(md.find("not identifiable") != std::string::npos);
  const std::string yaml = test::read_all(dir / "out" / "fit.yaml");
  CHECK(yaml.find("adoption.imitation: 0.") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a stopped fit figures writes the best values found so far", "[cli][fit]") {
  // A 5-day launch at scale 0.3 takes 1.5-5 s a run (quiet or loaded
  // machine), and the fit needs dozens: SIGTERM (as Ctrl-C) after 10 s comes
  // mid-search, after a few runs.
  const auto dir = test::temp_dir("fit-figures-stopped");
  std::ofstream(dir / "bass.yaml") << bass_figure_scenario(
      bass_adopters(0.8, 5), "tune:\n  adoption.imitation: {min: 0.2/day, max: 3/day}\n");
  const auto r = test::run_stampede(
      "fit figures " + (dir / "bass.yaml").string() + " --out " + (dir / "out").string() +
          " --set scale=0.3 --set horizon=5d --set behavior.feedback.penalty=0"
          " --set adoption.initial_adopters=0 --threads 1 --quiet",
      10);
  CHECK(r.exit_code == 124);  // timeout's code: SIGTERM after 10 s, then a clean exit
  CHECK(r.err.find("stopped early") != std::string::npos);
  REQUIRE(std::filesystem::exists(dir / "out" / "fit.json"));
  const auto j = nlohmann::json::parse(test::read_all(dir / "out" / "fit.json"));
  CHECK(j["stopped"] == true);
  const double q = j["tunables"][0]["value"].get<double>() * 86400;
  CHECK(q >= 0.2);
  CHECK(q <= 3);
  CHECK(test::read_all(dir / "out" / "summary.md").find("stopped early") != std::string::npos);
  CHECK(std::filesystem::exists(dir / "out" / "fit.yaml"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("fit figures refuses a bad tune section with file:line:col and exit 2", "[cli][fit]") {
  const auto dir = test::temp_dir("fit-figures-bad");
  const std::string yaml =
      bass_figure_scenario(1e5, "tune:\n  adoption.imitation: {min: 0.2/day, max: 0.1/day}\n");
  std::ofstream(dir / "bad.yaml") << yaml;
  const auto r = test::run_stampede("fit figures " + (dir / "bad.yaml").string() + " --out " +
                                    (dir / "out").string());
  CHECK(r.exit_code == 2);
  // The line of the tune entry: the last line of the file.
  const auto lines = std::count(yaml.begin(), yaml.end(), '\n');
  CHECK(r.err.find((dir / "bad.yaml").string() + ":" + std::to_string(lines) +
                   ":43: tune.adoption.imitation.max: expected max > min") != std::string::npos);
  // A key path the scenario does not have: refused at the tune entry when its
  // first value is tried.
  std::ofstream(dir / "typo.yaml")
      << bass_figure_scenario(1e5, "tune:\n  adoption.imitaton: {min: 0.2/day, max: 3/day}\n");
  const auto t = test::run_stampede("fit figures " + (dir / "typo.yaml").string() + " --out " +
                                    (dir / "out").string() + " --max-runs 2");
  CHECK(t.exit_code == 2);
  CHECK(t.err.find(":" + std::to_string(lines) + ":22: tune.adoption.imitaton: the value") !=
        std::string::npos);
  // Without a tune section there is nothing to fit.
  std::ofstream(dir / "none.yaml") << bass_figure_scenario(1e5, "");
  const auto none = test::run_stampede("fit figures " + (dir / "none.yaml").string() + " --out " +
                                       (dir / "out").string());
  CHECK(none.exit_code == 2);
  CHECK(none.err.find("no tune: section") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "out" / "fit.json"));
  std::filesystem::remove_all(dir);
}
