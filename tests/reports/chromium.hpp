#pragma once
// A report page rendered in headless Chromium: what the page itself recorded
// on <body> (data-charts, data-painted, data-errors) and its error list.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

namespace stampede::test {

/// What a page showed in Chromium.
struct rendered_page {
  /// Chromium's exit status (0 when it rendered).
  int status = -1;
  /// The serialized DOM, and Chromium's log for messages.
  std::string dom;
  std::string log;
  /// The page's own counts from <body>, -1 when missing.
  int charts = -1, painted = -1, errors = -1;
  /// The text of <pre id="errors">.
  std::string error_text;
};

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// A value of an attribute of <body> in a serialized DOM, or -1.
inline int body_attribute(const std::string& dom, const std::string& name) {
  std::smatch body;
  if (!std::regex_search(dom, body, std::regex("<body[^>]*>"))) return -1;
  const std::string tag = body.str();
  std::smatch value;
  if (!std::regex_search(tag, value, std::regex(name + "=\"([0-9]+)\""))) return -1;
  return std::stoi(value[1].str());
}

/// Renders `page` in /usr/bin/chromium (headless, 5 s of virtual time), with
/// its profile and output in `dir`.
inline rendered_page render_in_chromium(const std::filesystem::path& page,
                                        const std::filesystem::path& dir) {
  const std::filesystem::path dom = dir / "dom.html";
  const std::string command =
      "timeout 60 /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic "
      "--no-first-run --disable-background-networking --disable-component-update "
      "--disable-sync --user-data-dir=" +
      (dir / "profile").string() + " --virtual-time-budget=5000 --dump-dom 'file://" +
      page.string() + "' > '" + dom.string() + "' 2> '" + (dir / "chromium.log").string() + "'";
  rendered_page r;
  r.status = std::system(command.c_str());
  r.dom = read_file(dom);
  r.log = read_file(dir / "chromium.log");
  r.charts = body_attribute(r.dom, "data-charts");
  r.painted = body_attribute(r.dom, "data-painted");
  r.errors = body_attribute(r.dom, "data-errors");
  std::smatch errors;
  if (std::regex_search(r.dom, errors, std::regex("<pre id=\"errors\"[^>]*>([^<]*)</pre>"))) {
    r.error_text = errors[1].str();
  }
  return r;
}

}  // namespace stampede::test
