#pragma once
// Private helpers of reports/: number formatting and escaping shared by the writers.
#include <cstdint>
#include <string>
#include <string_view>

#include "sim/results/result.hpp"

namespace stampede::reports::detail {

/// The shortest text that reads back as exactly `v` ("0.1", "1e+300", "nan", "inf").
std::string shortest(double v);
/// `v` with a fixed number of decimals ("12.35").
std::string fixed(double v, int decimals);
/// A whole number with thousands separators ("1,234,567"), rounded.
std::string grouped(double v);
/// A share in [0, 1] as a percentage with two decimals ("12.50%").
std::string percent(double share);
/// Seconds for people: "850 ms", "12.3 s", "4.5 min", "2.1 h".
std::string seconds_text(double s);
/// US dollars, rounded to the dollar: "$12,345".
std::string dollars(double usd);

/// A simulated count turned into a real-world estimate: round(count × weight).
std::uint64_t real_count(const sim::run_result& r, double simulated);

/// Text made safe inside HTML elements and quoted attributes.
std::string html_escape(std::string_view text);
/// Text made safe inside a Markdown table cell (pipes and newlines escaped).
std::string md_cell(std::string_view text);
/// A JSON text made safe inside <script>: '<', '>', '&', U+2028 and U+2029 become
/// \u escapes, which only occur inside JSON strings, so the value is unchanged.
std::string json_for_script(std::string_view json);

/// The text of Chart.js at `path`, ready to inline into <script>; throws
/// std::runtime_error naming the path and the Debian package when it cannot be read.
std::string read_chartjs(const std::string& path);

/// A whole report page (`run`, `project`, `plan`): the shared head (`title`,
/// style, error capture), `main` (its header, tables and a
/// <section id="charts">), then Chart.js, `data_json` as the page's
/// <script id="stampede-data">, and `app`, the page's charts. `app` runs in a
/// frame that gives it `data` (data_json, parsed), `charts` (each Chart it
/// makes goes there) and figure(title, note) (a new chart's canvas in the
/// section), and then records on <body> data-charts and data-painted (charts
/// with pixels), now and after `load`. `after`: further scripts, whole tags.
std::string report_page(std::string_view title, std::string_view main, std::string_view data_json,
                        std::string_view app, std::string_view after = {});

}  // namespace stampede::reports::detail
