#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "reports/reports.hpp"
#include "sim/scenario/scenario_loader.hpp"

using Catch::Matchers::Contains;
using stampede::reports::describe;
using stampede::sim::load_scenario_file;

namespace {

std::string quickstart_path() {
  return (std::filesystem::path(STAMPEDE_SOURCE_DIR) / "scenarios" / "quickstart.yaml").string();
}

}  // namespace

TEST_CASE("describe says what the scenario is in a few lines", "[reports]") {
  const std::string text = describe(load_scenario_file(quickstart_path()));
  const auto lines = std::count(text.begin(), text.end(), '\n');
  CHECK(lines >= 5);
  CHECK(lines <= 8);
  CHECK_THAT(text, Contains("quickstart: An image-generation feature"));
  CHECK_THAT(text, Contains("horizon 7d, tick 1s"));
  CHECK_THAT(text, Contains("p 0.01/day, q 0.8/day"));
  CHECK_THAT(text, Contains("generate_image -> gpu"));
  CHECK_THAT(text, Contains("gpu 300 servers, queue 200000"));
  CHECK_THAT(text, Contains("generate_image latency_p99 <= 2m"));
  CHECK_THAT(text, Contains("generate_image max_rejected <= 2%"));
}
