#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "reports/reports.hpp"
#include "reports/text.hpp"
#include "tests/reports/sample_result.hpp"

namespace fs = std::filesystem;
using stampede::reports::report_html;

namespace {

std::size_t occurrences(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A value of an attribute of <body> in a serialized DOM, or -1.
int body_attribute(const std::string& dom, const std::string& name) {
  std::smatch body;
  if (!std::regex_search(dom, body, std::regex("<body[^>]*>"))) return -1;
  const std::string tag = body.str();
  std::smatch value;
  if (!std::regex_search(tag, value, std::regex(name + "=\"([0-9]+)\""))) return -1;
  return std::stoi(value[1].str());
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
  const fs::path page = dir / "out" / "report.html";
  const fs::path dom = dir / "dom.html";
  const std::string command =
      "timeout 60 " + chromium.string() +
      " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
      " --disable-background-networking --disable-component-update --disable-sync"
      " --user-data-dir=" +
      (dir / "profile").string() + " --virtual-time-budget=5000 --dump-dom 'file://" +
      page.string() + "' > '" + dom.string() + "' 2> '" + (dir / "chromium.log").string() + "'";
  const int status = std::system(command.c_str());
  const std::string text = read(dom);
  INFO("chromium exit status " << status << "; log:\n" << read(dir / "chromium.log"));
  REQUIRE(status == 0);
  REQUIRE(text.find("<body") != std::string::npos);
  std::smatch errors;
  if (std::regex_search(text, errors, std::regex("<pre id=\"errors\"[^>]*>([^<]*)</pre>"))) {
    INFO("errors recorded by the page:\n" << errors[1].str());
  }
  const int charts = body_attribute(text, "data-charts");
  // adoption, traffic, rejected/abandoned, queues, utilization, 2 latency, servers, cost.
  CHECK(charts >= 5);
  CHECK(charts == 9);
  CHECK(body_attribute(text, "data-painted") == charts);
  CHECK(body_attribute(text, "data-errors") == 0);
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
