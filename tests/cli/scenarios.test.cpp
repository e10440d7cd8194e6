// The shipped scenarios (scenarios/*.yaml), through the binary as a user runs
// them: each validates, each gives the same digest whatever the threads, and
// ghibli-launch reproduces its public figures.
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/cli/run_binary.hpp"

using stampede::test::read_all;
using stampede::test::run_stampede;
using stampede::test::temp_dir;

namespace {

/// Every scenarios/*.yaml, sorted, as paths relative to the repository root.
std::vector<std::string> shipped_scenarios() {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(
           std::filesystem::path(STAMPEDE_SOURCE_DIR) / "scenarios")) {
    if (e.path().extension() == ".yaml")
      files.push_back("scenarios/" + e.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

/// Extra flags that keep a scenario's two runs of the digest test short: the
/// test runs every shipped scenario twice, and the whole file should stay under
/// about a minute on the 2-core machine. ghibli-autoscaled simulates ~21M
/// requests at its default scale (~11 s a run), so it runs at a quarter of it;
/// the digest's independence from threads does not depend on the scale.
std::string reduced(const std::string& file) {
  static const std::map<std::string, std::string> flags = {
      {"scenarios/ghibli-autoscaled.yaml", " --scale 0.0025"},
      {"scenarios/ghibli-projection.yaml", " --scale 0.00004"},
      {"scenarios/viral-cascade.yaml", " --scale 0.1"},
  };
  const auto it = flags.find(file);
  return it == flags.end() ? std::string() : it->second;
}

/// summary.json of `stampede run FILE FLAGS` (empty when the run failed).
nlohmann::json run_summary(const std::string& file, const std::string& flags,
                           const std::string& tag) {
  const auto dir = temp_dir("scenarios-" + tag);
  const auto r = run_stampede("run " + file + " --out " + dir.string() + " --quiet" + flags);
  INFO(file << flags << ": " << r.err);
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(read_all(dir / "summary.json"));
  std::filesystem::remove_all(dir);
  return j;
}

}  // namespace

TEST_CASE("the shipped scenarios include the launch, its autoscaled variant and a steady day",
          "[cli][scenarios]") {
  const auto files = shipped_scenarios();
  for (const char* name : {"scenarios/quickstart.yaml", "scenarios/ghibli-launch.yaml",
                           "scenarios/ghibli-autoscaled.yaml", "scenarios/steady-state.yaml",
                           "scenarios/viral-cascade.yaml"}) {
    CHECK(std::find(files.begin(), files.end(), name) != files.end());
  }
}

TEST_CASE("every shipped scenario validates", "[cli][scenarios]") {
  const auto files = shipped_scenarios();
  REQUIRE(files.size() >= 4);
  for (const auto& file : files) {
    const auto r = run_stampede("validate " + file);
    INFO(file << ": " << r.err);
    CHECK(r.exit_code == 0);
  }
}

TEST_CASE("every shipped scenario gives the same digest with 1 and 2 threads",
          "[cli][scenarios][slow]") {
  for (const auto& file : shipped_scenarios()) {
    const std::string flags = reduced(file);
    const auto one = run_summary(file, flags + " --threads 1", "t1");
    const auto two = run_summary(file, flags + " --threads 2", "t2");
    INFO(file << flags);
    CHECK(one["threads"] == 1);
    CHECK(two["threads"] == 2);
    CHECK(one["digest"].get<std::string>().size() == 16);
    CHECK(one["digest"] == two["digest"]);
  }
}

TEST_CASE("ghibli-launch matches its calibration targets and says they are targets",
          "[cli][scenarios][slow]") {
  // The default scale (0.01) runs in ~3 s; the figures are checked where the
  // scenario is calibrated, not at a reduced scale.
  const auto j = run_summary("scenarios/ghibli-launch.yaml", "", "figures");
  REQUIRE(j["figures"].is_array());
  REQUIRE(j["figures"].size() == 5);
  for (const auto& f : j["figures"]) {
    INFO(f.dump());
    CHECK(f["simulated"].is_number());
    CHECK(f["within"] == true);
    // Every figure had a value tuned to it (the scenario's comments say which).
    CHECK(f["role"] == "target");
  }
  // "More than 130M users" and "more than 700M images" are floors.
  CHECK(j["figures"][1]["compare"] == "at_least");
  CHECK(j["figures"][2]["compare"] == "at_least");
  CHECK(j["tuned"].size() == 6);
  // The table reaches summary.md and report.html too.
  const auto dir = temp_dir("scenarios-md");
  REQUIRE(run_stampede("run scenarios/ghibli-launch.yaml --out " + dir.string() + " --quiet")
              .exit_code == 0);
  const std::string md = read_all(dir / "summary.md");
  const std::string html = read_all(dir / "report.html");
  std::filesystem::remove_all(dir);
  INFO(md);
  CHECK(html.find("<h2>Public figures</h2>") != std::string::npos);
  CHECK(html.find("matched (calibration target)") != std::string::npos);
  CHECK(md.find("| Public figure | Public | Simulated | Verdict |") != std::string::npos);
  // Its recorded leave-one-out errors (`stampede fit figures`) beside the in-sample ones.
  CHECK(md.find("| Verdict | In-sample | Leave-one-out |") != std::string::npos);
  CHECK(md.find("5 of 5 calibration targets matched; no figure is an independent prediction") !=
        std::string::npos);
  CHECK(md.find("`adoption.imitation`") != std::string::npos);
  CHECK(md.find("reproduced") == std::string::npos);
  // The bottom line shows the share of image requests the fitted week rejected,
  // next to the fit.
  const std::string bottom = md.substr(0, md.find("## Public figures"));
  char share[64];
  std::snprintf(share, sizeof share, "**%.2f%% of generate_image requests rejected**",
                100.0 * j["endpoints"]["generate_image"]["rejected_share"].get<double>());
  CHECK(bottom.find(share) != std::string::npos);
  CHECK(bottom.find("This run is fitted to public figures") != std::string::npos);
}

TEST_CASE("ghibli-autoscaled shows the real launch's figures as references, with differences",
          "[cli][scenarios][slow]") {
  // A counterfactual: the real launch's figures are what it changes, so each is
  // shown as a difference, never as matched or not. One run at the default scale.
  const auto dir = temp_dir("scenarios-reference");
  const auto r =
      run_stampede("run scenarios/ghibli-autoscaled.yaml --out " + dir.string() + " --quiet");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto j = nlohmann::json::parse(read_all(dir / "summary.json"));
  const std::string md = read_all(dir / "summary.md");
  const std::string html = read_all(dir / "report.html");
  std::filesystem::remove_all(dir);
  REQUIRE(j["figures"].size() == 2);
  for (const auto& f : j["figures"]) {
    INFO(f.dump());
    CHECK(f["role"] == "reference");
    CHECK(f["within"].is_null());
    CHECK(f["simulated"].is_number());
  }
  // Better service raises word of mouth (behavior.feedback): more new users in
  // the peak hour than the real, rationed launch had.
  CHECK(j["figures"][0]["simulated"].get<double>() > j["figures"][0]["value"].get<double>());
  INFO(md);
  CHECK(md.find("2 reference figures, shown as differences") != std::string::npos);
  CHECK(md.find("| new users in the peak hour | 1,000,000 | ") != std::string::npos);
  CHECK(md.find("reference: +") != std::string::npos);
  CHECK(md.find("not matched") == std::string::npos);
  CHECK(md.find("(calibration target)") == std::string::npos);
  CHECK(md.find("This run is compared with public figures") != std::string::npos);
  CHECK(html.find("figure-reference") != std::string::npos);
}

TEST_CASE("viral-cascade spreads through shared images and says so in every output",
          "[cli][scenarios][cascade]") {
  const auto v = run_stampede("validate scenarios/viral-cascade.yaml");
  CHECK(v.exit_code == 0);
  CHECK(v.out.find("cascade: scale-free graph, mean 30 followers, exponent 2.3") !=
        std::string::npos);
  const auto dir = temp_dir("scenarios-cascade");
  REQUIRE(run_stampede("run scenarios/viral-cascade.yaml --scale 0.1 --quiet --out " + dir.string())
              .exit_code == 0);
  const auto j = nlohmann::json::parse(read_all(dir / "summary.json"));
  const std::string md = read_all(dir / "summary.md");
  std::filesystem::remove_all(dir);
  const auto& a = j["adoption"];
  CHECK(a["model"] == "cascade");
  CHECK(a["shares"].get<double>() > 10'000);
  // Nearly everyone adopted from a share (innovation is tiny).
  CHECK(a["adopted_by_share"].get<double>() > 0.8 * a["adopters_at_end"].get<double>());
  CHECK(a["adopted_by_share"].get<double>() <= a["adopters_at_end"].get<double>());
  CHECK(md.find("because they saw one of the") != std::string::npos);
}

TEST_CASE("steady-state shows the same queueing at scales 0.01, 0.03 and 0.1",
          "[cli][scenarios][slow][dispatch]") {
  // scenarios/README.md promises that a thinned run queues as the full one.
  // The GPU pool batches per replica behind a balancer, so each GPU sees the
  // same arrival rate at every scale. The full day is run (the regional peaks
  // are the point of the scenario): ~1 s, ~3 s and ~10 s of CPU. The runs
  // differ by sampling alone (80 to 800 GPUs, 0.9 to 8.9 million images); 3%
  // is the bound, well above that noise.
  const auto figures = [](const std::string& scale) {
    const auto j = run_summary("scenarios/steady-state.yaml", " --scale " + scale, "scale" + scale);
    const auto& latency = j["endpoints"]["generate_image"]["latency"]["quantiles"];
    return std::array<double, 3>{j["pools"]["gpu"]["mean_utilization"].get<double>(),
                                 latency["p50"].get<double>(), latency["p99"].get<double>()};
  };
  const auto reference = figures("0.1");
  for (const char* scale : {"0.01", "0.03"}) {
    const auto f = figures(scale);
    INFO("scale " << scale);
    CHECK(f[0] == Approx(reference[0]).epsilon(0.03));
    CHECK(f[1] == Approx(reference[1]).epsilon(0.03));
    CHECK(f[2] == Approx(reference[2]).epsilon(0.03));
  }
}

TEST_CASE("validate and summary.md say when a shared batching queue runs below its faithful scale",
          "[cli][scenarios][dispatch]") {
  // steady-state with one shared queue: ~1,050 requests/s offered (validate's
  // estimate: 36M adopters × 1.2 sessions a day × 3 requests × 0.7 / 86,400 s,
  // plus the trickle of newcomers), 0.694 of it in the quietest hour (06:00 UTC),
  // batches of up to 4 within 100 ms: 3 more requests join with probability 0.99
  // at a Poisson mean of 8.406, so the smallest faithful scale is
  // 8.406 / (1,050 × 0.694 × 0.1) = 0.115..., 0.116 rounded up.
  const std::string shared = " --set platform.pools[0].dispatch=shared";
  const auto warned = run_stampede("validate scenarios/steady-state.yaml" + shared);
  CHECK(warned.exit_code == 0);
  CHECK(warned.err.find("warning: platform.pools[0] (gpu): at scale 0.01") != std::string::npos);
  CHECK(warned.err.find("the smallest faithful scale is 0.116") != std::string::npos);
  // At or above it, and with per-replica dispatch (the shipped pool), no warning.
  CHECK(run_stampede("validate scenarios/steady-state.yaml --set scale=0.2" + shared).err.empty());
  CHECK(run_stampede("validate scenarios/steady-state.yaml").err.empty());

  const auto dir = temp_dir("scenarios-faithful");
  REQUIRE(run_stampede("run scenarios/steady-state.yaml --quiet --out " + dir.string() + shared)
              .exit_code == 0);
  const std::string md = read_all(dir / "summary.md");
  const auto j = nlohmann::json::parse(read_all(dir / "summary.json"));
  std::filesystem::remove_all(dir);
  CHECK(md.find("**Scale too small for pool gpu**") != std::string::npos);
  // From the run's own offered rate (a little under validate's estimate).
  const double faithful = j["pools"]["gpu"]["faithful_scale"].get<double>();
  CHECK(faithful > 0.11);
  CHECK(faithful < 0.13);
  CHECK(md.find("The smallest faithful scale for it is " + std::to_string(faithful).substr(0, 5)) !=
        std::string::npos);
  CHECK(j["pools"]["web"]["faithful_scale"] == 0);
}
