#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "reports/reports.hpp"
#include "tests/reports/sample_result.hpp"

namespace fs = std::filesystem;

namespace {

fs::path fresh_dir() {
  std::string pattern = (fs::temp_directory_path() / "stampede-reports-XXXXXX").string();
  REQUIRE(::mkdtemp(pattern.data()) != nullptr);
  return pattern;
}

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::size_t temporaries(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.path().filename().string().find(".tmp.") != std::string::npos) ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("an atomic write leaves the whole file and no temporary behind", "[reports]") {
  const fs::path dir = fresh_dir();
  const fs::path file = dir / "out.txt";
  const std::string big(3 << 20, 'x');  // several write() calls' worth
  stampede::reports::write_file_atomically(file, "old");
  stampede::reports::write_file_atomically(file, big);
  CHECK(read(file) == big);
  CHECK(temporaries(dir) == 0);
  fs::remove_all(dir);
}

TEST_CASE("an atomic write into a missing folder throws with the path", "[reports]") {
  const fs::path dir = fresh_dir();
  const fs::path missing = dir / "no-such-folder" / "summary.json";
  try {
    stampede::reports::write_file_atomically(missing, "{}");
    FAIL("no exception");
  } catch (const std::runtime_error& e) {
    CHECK_THAT(e.what(), Catch::Contains(missing.string()));
    CHECK_THAT(e.what(), Catch::Contains("No such file or directory"));
  }
  // A regular file where a folder should be (fails even for root).
  stampede::reports::write_file_atomically(dir / "plain", "x");
  CHECK_THROWS_WITH(stampede::reports::write_file_atomically(dir / "plain" / "a.csv", "x"),
                    Catch::Contains((dir / "plain" / "a.csv").string()));
  CHECK(temporaries(dir) == 0);
  fs::remove_all(dir);
}

TEST_CASE("write_all creates the folder and writes the four files", "[reports]") {
  const fs::path dir = fresh_dir();
  const fs::path out = dir / "runs" / "first";
  const auto r = stampede::test::sample_result();
  stampede::reports::write_all(r, out);
  CHECK(read(out / "summary.json") == stampede::reports::summary_json(r));
  CHECK(read(out / "timeseries.csv") == stampede::reports::timeseries_csv(r));
  CHECK(read(out / "summary.md") == stampede::reports::summary_md(r));
  CHECK(read(out / "report.html") == stampede::reports::report_html(r));
  CHECK(temporaries(dir) == 0);
  CHECK_THROWS_WITH(stampede::reports::write_all(r, out / "summary.json" / "x"),
                    Catch::Contains("summary.json"));
  fs::remove_all(dir);
}

TEST_CASE("an empty result still renders every file", "[reports]") {
  stampede::sim::run_result r;  // no rows, endpoints, pools or SLOs
  r.scenario = "empty";
  CHECK(stampede::reports::summary_json(r).find("\"slo_held\": true") != std::string::npos);
  CHECK(stampede::reports::timeseries_csv(r) == "\n");
  const std::string md = stampede::reports::summary_md(r);
  CHECK(md.find("No SLOs were set") != std::string::npos);
  // Without pools nothing is known of capacity: the section is left out.
  CHECK(md.find("## When capacity ran out") == std::string::npos);
  CHECK(md.find("## Pools") == std::string::npos);
  CHECK(stampede::reports::report_html(r).find("no SLOs set") != std::string::npos);
}
