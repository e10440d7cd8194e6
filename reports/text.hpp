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

/// The CSS of the report pages, and the script that counts the page's errors on
/// <body data-errors> (installed before Chart.js): shared by every report.html.
std::string_view page_style();
std::string_view page_error_capture();
/// Defines stampedeFigure(container, title, note), a chart's figure that
/// returns its canvas, and stampedeCheckPainted(charts): the page's
/// data-charts and data-painted (charts with pixels), now and after `load`.
std::string_view page_paint_check();

/// A whole report page of a command's results (`project`, `plan`): the shared
/// head (`title`, style, error capture), `main` (its header, tables and a
/// <section id="charts">), then Chart.js, `data_json` as the page's
/// <script id="stampede-data"> and the paint check followed by `app`.
std::string report_page(std::string_view title, std::string_view main, std::string_view data_json,
                        std::string_view app);

}  // namespace stampede::reports::detail
