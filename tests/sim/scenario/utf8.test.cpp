#include <catch2/catch.hpp>
#include <string>

#include "sim/scenario/scenario_loader.hpp"

using namespace stampede::sim;

namespace {

std::string with_description(const std::string& description) {
  return "scenario: s\ndescription: " + description +
         "\nhorizon: 1h\npopulation: {size: 100}\n"
         "adoption: {innovation: 0.5/day, imitation: 1/day, initial_adopters: 10}\n"
         "behavior: {sessions_per_day: 4, mix: {api: 1}}\n"
         "platform:\n  endpoints: {api: {pool: web, work: 1s}}\n"
         "  pools: [{name: web, servers: 2}]\n";
}

}  // namespace

TEST_CASE("a scenario that is not UTF-8 text is refused where its first bad byte is",
          "[sim][loader]") {
  // Every report writes the scenario's text into JSON, which must be UTF-8:
  // 0xC3 opens a two-byte character that '(' (0x28) cannot continue.
  CHECK_THROWS_WITH(load_scenario_text(with_description("caf\xc3\x28 launch"), "bad.yaml"),
                    "bad.yaml:2:17: not UTF-8 text: byte 0xC3 starts no valid character");
  CHECK_THROWS_WITH(load_scenario_text(with_description("ok"), "bad.yaml", {"description=\xff"}),
                    "--set description=\\xff: not UTF-8 text: byte 0xFF starts no valid "
                    "character");
  // Overlong forms and surrogates are not UTF-8 either.
  CHECK_THROWS(load_scenario_text(with_description("\xc0\xaf"), "bad.yaml"));
  CHECK_THROWS(load_scenario_text(with_description("\xed\xa0\x80"), "bad.yaml"));
  // Valid text of every length loads: é, €, 𝄞.
  CHECK(load_scenario_text(with_description("caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e"), "ok.yaml")
            .description == "caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e");
}
