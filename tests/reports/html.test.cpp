#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "reports/reports.hpp"
#include "reports/text.hpp"
#include "tests/reports/chromium.hpp"
#include "tests/reports/sample_result.hpp"

namespace fs = std::filesystem;
using stampede::reports::report_html;

namespace {

std::size_t occurrences(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("report.html is self-contained: Chart.js inlined and nothing fetched", "[reports]") {
  const std::string html = report_html(stampede::test::sample_result());
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.find("Chart.js v3.9.1") != std::string::npos);
  // No external script, stylesheet or image: every <script> is inline.
  CHECK_FALSE(std::regex_search(html, std::regex("<script[^>]*\\ssrc\\s*=", std::regex::icase)));
  CHECK_FALSE(std::regex_search(
      html, std::regex("<(link|img|iframe)[^>]*(src|href)\\s*=\\s*[\"']?(https?:)?//",
                       std::regex::icase)));
  // The key tables are in the HTML itself, readable without JavaScript.
  CHECK(html.find("<h2>Endpoints</h2>") != std::string::npos);
  CHECK(html.find("<h2>Pools</h2>") != std::string::npos);
  CHECK(html.find("<span class=\"slo-breached\">breached</span>") != std::string::npos);
  CHECK(html.find("<span class=\"slo-held\">held</span>") != std::string::npos);
}

TEST_CASE("report.html escapes a scenario name that closes the script", "[reports]") {
  auto r = stampede::test::sample_result();
  r.scenario = "</script><script>alert('x')</script>";
  r.description = "a <b>bold</b> & \"quoted\" launch";
  const std::string html = report_html(r);
  CHECK(html.find("alert('x')</script>") == std::string::npos);
  CHECK(html.find("&lt;/script&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;") !=
        std::string::npos);
  CHECK(html.find("a &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot; launch") !=
        std::string::npos);
  // In the inline JSON the name is there with < as \u003c.
  CHECK(html.find("\\u003c/script\\u003e\\u003cscript\\u003ealert('x')") != std::string::npos);
  // Every <script> element is closed exactly once: the page's own four.
  CHECK(occurrences(html, "<script") == 4);
  CHECK(occurrences(html, "</script>") == 4);
}

TEST_CASE("report.html draws every chart without errors in headless Chromium", "[reports]") {
  const fs::path chromium = "/usr/bin/chromium";
  if (!fs::exists(chromium)) {
    FAIL("/usr/bin/chromium is missing: run scripts/install-deps.sh --test to install it");
  }
  std::string pattern = (fs::temp_directory_path() / "stampede-html-XXXXXX").string();
  REQUIRE(::mkdtemp(pattern.data()) != nullptr);
  const fs::path dir = pattern;
  auto r = stampede::test::sample_result();
  // A hostile name must not break the page either.
  r.scenario = "viral </script> launch";
  stampede::reports::write_all(r, dir / "out");
  const auto page = stampede::test::render_in_chromium(dir / "out" / "report.html", dir);
  INFO("chromium exit status " << page.status << "; log:\n" << page.log);
  REQUIRE(page.status == 0);
  REQUIRE(page.dom.find("<body") != std::string::npos);
  INFO("errors recorded by the page:\n" << page.error_text);
  const int charts = page.charts;
  // adoption, traffic, rejected/abandoned, queues, utilization, 2 latency, servers, cost.
  CHECK(charts >= 5);
  CHECK(charts == 9);
  CHECK(page.painted == charts);
  CHECK(page.errors == 0);
  fs::remove_all(dir);
}

TEST_CASE("a missing Chart.js is an error naming the path and the package", "[reports]") {
  const std::string path = "/nonexistent/chart.min.js";
  CHECK_THROWS_WITH(stampede::reports::detail::read_chartjs(path),
                    Catch::Contains(path) && Catch::Contains("libjs-chart.js"));
  // The installed one reads, with nothing in it that would close the <script>.
  const std::string js = stampede::reports::detail::read_chartjs(
      "/usr/share/javascript/chart.js/chart.min.js");  // Debian's libjs-chart.js
  CHECK(js.size() > 100000);                           // the minified 3.9.1 is about 200 kB
  CHECK(js.find("</script") == std::string::npos);
}
