// report.html: one self-contained page. Chart.js and the data are inlined so
// the file opens offline, and the page records its own health on <body>
// (data-charts, data-painted, data-errors) so that a headless browser can
// check that it really draws.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "reports/analysis.hpp"
#include "reports/loadtest.hpp"
#include "reports/reports.hpp"
#include "reports/text.hpp"

#ifndef STAMPEDE_CHARTJS_PATH
#define STAMPEDE_CHARTJS_PATH "/usr/share/javascript/chart.js/chart.min.js"
#endif

namespace stampede::reports {

namespace detail {

std::string read_chartjs(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || text.str().empty()) {
    throw std::runtime_error("cannot read Chart.js from " + path +
                             ": install the Debian package libjs-chart.js "
                             "(scripts/install-deps.sh does)");
  }
  // Inside <script> only "</script" ends the element; in JavaScript "<\/" is
  // the same text as "</" wherever such a sequence can occur (strings, regexes).
  std::string js = text.str();
  for (std::size_t at = 0; (at = js.find("</", at)) != std::string::npos; at += 3) {
    std::string tag = js.substr(at + 2, 6);
    std::transform(tag.begin(), tag.end(), tag.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (tag == "script") js.replace(at, 2, "<\\/");
  }
  return js;
}

}  // namespace detail

namespace {

using namespace detail;

std::string page_data(const sim::run_result& r) {
  nlohmann::ordered_json j;
  j["scenario"] = r.scenario;
  j["weight"] = r.weight;
  j["report_interval_s"] = r.report_interval_s;
  j["columns"] = r.series.columns;
  j["rows"] = r.series.rows;  // NaN is written as null: a gap in the chart.
  auto slos = nlohmann::ordered_json::array();
  for (const auto& s : r.slos) {
    slos.push_back({{"endpoint", s.endpoint},
                    {"key", s.objective.substr(0, s.objective.find(' '))},
                    {"objective", s.objective},
                    {"threshold", s.threshold},
                    {"held", s.held}});
  }
  j["slos"] = std::move(slos);
  return j.dump();
}

std::string td(const std::string& text, bool number = false) {
  return std::string(number ? "<td class=\"num\">" : "<td>") + html_escape(text) + "</td>";
}

std::string tables(const sim::run_result& r) {
  std::string h;
  h += "<h2>Endpoints</h2>\n<table><thead><tr><th>Endpoint</th><th>Pool</th>"
       "<th class=\"num\">Offered</th><th class=\"num\">Completed</th>"
       "<th class=\"num\">Rejected</th><th class=\"num\">Abandoned</th>"
       "<th class=\"num\">p50 latency</th><th class=\"num\">p99 latency</th>"
       "<th>Latency quantiles</th></tr></thead><tbody>\n";
  for (const auto& e : r.endpoints) {
    const double offered = static_cast<double>(e.offered);
    const auto share = [&](std::uint64_t n) {
      return offered > 0 ? percent(static_cast<double>(n) / offered) : std::string("-");
    };
    h += "<tr>" + td(e.name) + td(e.pool) + td(grouped(offered * r.weight), true) +
         td(grouped(static_cast<double>(e.completed) * r.weight), true) +
         td(share(e.rejected), true) + td(share(e.abandoned), true) +
         td(seconds_text(e.quantile(0.5)), true) + td(seconds_text(e.quantile(0.99)), true) +
         td(quantile_source_text(e)) + "</tr>\n";
  }
  h += "</tbody></table>\n<p class=\"note\">Counts are real-world estimates (simulated × " +
       html_escape(shortest(r.weight)) + "). " + html_escape(quantile_note()) + "</p>\n";

  h += "<h2>Pools</h2>\n<table><thead><tr><th>Pool</th><th class=\"num\">Servers</th>"
       "<th class=\"num\">Mean utilization</th><th class=\"num\">Peak utilization</th>"
       "<th class=\"num\">Peak queue</th><th class=\"num\">Server-hours</th>"
       "<th class=\"num\">Cost</th></tr></thead><tbody>\n";
  for (const auto& p : r.pools) {
    h += "<tr>" + td(p.name) + td(grouped(static_cast<double>(p.servers)), true) +
         td(percent(p.mean_utilization), true) + td(percent(p.peak_utilization), true) +
         td(grouped(static_cast<double>(p.peak_queue) * r.weight), true) +
         td(grouped(p.server_hours), true) + td(dollars(p.cost), true) + "</tr>\n";
  }
  h += "</tbody></table>\n";

  h += "<h2>SLOs</h2>\n";
  if (r.slos.empty()) return h + "<p>No SLOs were set.</p>\n";
  h += "<table><thead><tr><th>Endpoint</th><th>Objective</th><th class=\"num\">Measured</th>"
       "<th>Verdict</th><th class=\"num\">Intervals breached</th></tr></thead><tbody>\n";
  for (const auto& s : r.slos) {
    const bool latency = s.objective.rfind("latency", 0) == 0;
    h += "<tr>" + td(s.endpoint) + td(s.objective) +
         td((latency ? seconds_text(s.measured) : percent(s.measured)) +
                (s.note.empty() ? std::string() : " (" + s.note + ")"),
            true) +
         (s.held ? "<td><span class=\"slo-held\">held</span></td>"
                 : "<td><span class=\"slo-breached\">breached</span></td>") +
         td(std::to_string(s.breached_intervals), true) + "</tr>\n";
  }
  return h + "</tbody></table>\n";
}

constexpr const char* style = R"CSS(
:root { --ink: #1f2933; --muted: #616e7c; --line: #e4e7eb; --ok: #0e7a3e; --bad: #b42318; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); background: #f5f7fa; }
main { max-width: 1180px; margin: 0 auto; padding: 24px; }
header { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 20px 24px; }
h1 { margin: 0 0 4px; font-size: 26px; }
h2 { margin: 28px 0 10px; font-size: 19px; }
h3 { margin: 0 0 2px; font-size: 16px; }
.desc { margin: 0 0 8px; color: var(--muted); }
.meta { margin: 0; color: var(--muted); font-size: 13px; }
.meta code { font-size: 12px; }
.verdict { display: inline-block; margin-top: 10px; padding: 4px 12px; border-radius: 14px;
           font-weight: 600; color: #fff; }
.verdict.ok { background: var(--ok); } .verdict.bad { background: var(--bad); }
table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid var(--line); }
th, td { padding: 7px 10px; border-bottom: 1px solid var(--line); text-align: left; }
th { background: #f0f2f5; font-weight: 600; font-size: 13px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) { background: #fafbfc; }
.slo-held { color: var(--ok); font-weight: 600; } .slo-breached { color: var(--bad); font-weight: 600; }
.note { color: var(--muted); font-size: 13px; margin: 6px 0 0; }
#charts { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
figure { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px; }
figure p { margin: 0 0 8px; color: var(--muted); font-size: 13px; }
.chart { position: relative; height: 300px; }
@media (max-width: 900px) { #charts { grid-template-columns: 1fr; } }
)CSS";

// Installed before Chart.js so that errors while it loads are counted too.
constexpr const char* error_capture = R"JS(
(function () {
  var count = 0;
  function record(text) {
    count += 1;
    document.body.dataset.errors = String(count);
    var pre = document.getElementById('errors');
    if (pre) pre.textContent += text + '\n';
  }
  window.stampedeRecordError = record;
  window.addEventListener('error', function (e) {
    record('error: ' + (e.message || e.type) + (e.filename ? ' at ' + e.filename + ':' + e.lineno : ''));
  });
  window.addEventListener('unhandledrejection', function (e) { record('unhandled rejection: ' + e.reason); });
  var original = console.error;
  console.error = function () {
    record('console.error: ' + Array.prototype.map.call(arguments, String).join(' '));
    return original.apply(console, arguments);
  };
})();
)JS";

// Builds the charts from the inlined data, finding them by column prefix
// (the naming of sim::timeseries); runs in report_page's frame (app_head).
constexpr const char* app = R"JS(
  var columns = data.columns, rows = data.rows;
  var palette = ['#2563eb', '#db2777', '#059669', '#d97706', '#7c3aed', '#0891b2', '#dc2626', '#4b5563'];
  function column(name) {
    var i = columns.indexOf(name);
    if (i < 0) return null;
    return rows.map(function (r) { var v = r[i]; return typeof v === 'number' && isFinite(v) ? v : null; });
  }
  function suffixes(prefix) {
    return columns.filter(function (c) { return c.indexOf(prefix) === 0; })
                  .map(function (c) { return c.substring(prefix.length); });
  }
  var hours = column('t_hours') ||
      rows.map(function (r, i) { return (i + 1) * data.report_interval_s / 3600; });
  function points(values, factor) {
    return values.map(function (v, i) { return { x: hours[i], y: v === null ? null : v * factor }; });
  }
  function line(label, values, color, factor, dashed) {
    return { label: label, data: points(values, factor === undefined ? 1 : factor), borderColor: color,
             backgroundColor: color, borderWidth: 2, borderDash: dashed ? [6, 4] : [], pointRadius: 0,
             spanGaps: false };
  }
  function chart(title, note, yTitle, datasets, yOptions) {
    if (!datasets.length) return;
    var canvas = figure(title, note);
    var y = Object.assign({ beginAtZero: true, title: { display: true, text: yTitle } }, yOptions || {});
    charts.push(new Chart(canvas, {
      type: 'line',
      data: { datasets: datasets },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false, normalized: true,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        scales: { x: { type: 'linear', title: { display: true, text: 'hours since start' } }, y: y },
        plugins: { legend: { position: 'bottom', labels: { boxWidth: 14 } } }
      }
    }));
  }
  var adoption = [];
  ['adopters'].concat(columns.filter(function (c) { return c.indexOf('active') === 0; }))
    .forEach(function (name, i) {
      var v = column(name);
      if (v) adoption.push(line(name.replace(/_/g, ' '), v, palette[i % palette.length]));
    });
  chart('Adoption', 'People who have adopted the product, and active users, over time.', 'users', adoption);

  var traffic = [];
  suffixes('offered_rps.').forEach(function (e, i) {
    var color = palette[i % palette.length];
    traffic.push(line(e + ' offered', column('offered_rps.' + e), color, 1, true));
    var done = column('completed_rps.' + e);
    if (done) traffic.push(line(e + ' completed', done, color, 1, false));
  });
  chart('Traffic', 'Requests per second offered (dashed) and completed (solid) per endpoint; real-world estimates.', 'requests/s', traffic);

  var lost = [];
  suffixes('rejected_rps.').forEach(function (e, i) {
    var color = palette[i % palette.length];
    lost.push(line(e + ' rejected', column('rejected_rps.' + e), color, 1, false));
    var gaveUp = column('abandoned_rps.' + e);
    if (gaveUp) lost.push(line(e + ' abandoned', gaveUp, color, 1, true));
  });
  chart('Rejected and abandoned', 'Requests per second turned away by a full queue (solid) or given up by users (dashed).', 'requests/s', lost);

  chart('Queues', 'Requests waiting per pool at the end of each interval; real-world estimates.', 'waiting requests',
        suffixes('queue.').map(function (p, i) { return line(p, column('queue.' + p), palette[i % palette.length]); }));

  chart('Utilization', 'Share of the pool\u2019s servers busy in each interval.', '%',
        suffixes('utilization.').map(function (p, i) {
          return line(p, column('utilization.' + p), palette[i % palette.length], 100);
        }), { suggestedMax: 100 });

  var latencyEndpoints = [];
  suffixes('latency_p').forEach(function (s) {
    var e = s.substring(s.indexOf('.') + 1);
    if (s.indexOf('.') > 0 && latencyEndpoints.indexOf(e) < 0) latencyEndpoints.push(e);
  });
  latencyEndpoints.forEach(function (e) {
    var sets = [];
    var slos = data.slos.filter(function (s) { return s.endpoint === e && s.key.indexOf('latency_') === 0; });
    // p50 and p99, and any other quantile an SLO is set on.
    var wanted = ['p50', 'p99'].concat(slos.map(function (s) { return s.key.substring(8); }));
    columns.filter(function (c) {
      return c.indexOf('latency_p') === 0 && c.substring(c.indexOf('.') + 1) === e &&
             wanted.indexOf(c.substring(8, c.indexOf('_s.'))) >= 0;
    }).forEach(function (c, i) { sets.push(line(c.substring(8, c.indexOf('_s.')), column(c), palette[i % palette.length])); });
    slos.forEach(function (s) {
        // The band above the threshold is where the SLO does not hold.
        var band = line('SLO ' + s.objective, hours.map(function () { return s.threshold; }), '#b42318', 1, true);
        band.fill = 'end';
        band.backgroundColor = 'rgba(180, 35, 24, 0.08)';
        band.borderWidth = 1.5;
        sets.push(band);
      });
    // Log scale: waits of hours and service times of seconds both stay readable.
    sets.forEach(function (set) {
      set.data.forEach(function (point) { if (point.y !== null && point.y <= 0) point.y = null; });
    });
    chart('Latency: ' + e, 'Latency quantiles per interval from each interval\'s histogram (within 1%), seconds (log scale); the shaded band lies beyond the SLO.',
          'seconds', sets, { type: 'logarithmic', beginAtZero: false });
  });

  chart('Servers', 'Servers per pool.', 'servers',
        suffixes('servers.').map(function (p, i) { return line(p, column('servers.' + p), palette[i % palette.length]); }));
  var cost = column('cost_usd');
  if (cost) chart('Cost', 'Cost of the servers so far, USD.', 'USD', [line('cost', cost, palette[0])]);
)JS";

// Shared by every report page: a chart's figure (title, note, canvas), and
// a record on <body> of how many charts there are and how many have pixels.
constexpr const char* paint_check = R"JS(
function stampedeFigure(container, title, note) {
  var figure = document.createElement('figure');
  var h = document.createElement('h3'); h.textContent = title; figure.appendChild(h);
  var p = document.createElement('p'); p.textContent = note; figure.appendChild(p);
  var box = document.createElement('div'); box.className = 'chart'; figure.appendChild(box);
  var canvas = document.createElement('canvas'); box.appendChild(canvas);
  container.appendChild(figure);
  return canvas;
}
function stampedeCheckPainted(charts) {
  document.body.dataset.charts = String(charts.length);
  function painted() {
    var n = 0;
    charts.forEach(function (c) {
      var canvas = c.canvas;
      if (!canvas.width || !canvas.height) return;
      var pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      for (var i = 3; i < pixels.length; i += 4) {
        if (pixels[i] > 0) { n += 1; return; }
      }
    });
    document.body.dataset.painted = String(n);
  }
  painted();
  // Responsive charts redraw once they are laid out; check again after that.
  window.addEventListener('load', function () { requestAnimationFrame(function () { setTimeout(painted, 0); }); });
}
)JS";

// The frame every page's app runs in (report_page): `data`, the page's data;
// `charts`, where the app puts each Chart it makes, for the paint check that
// runs when the app is done; figure(title, note), a new chart's canvas in
// <section id="charts">.
constexpr const char* app_head = R"JS(
(function () {
  var data = JSON.parse(document.getElementById('stampede-data').textContent);
  var charts = [];
  var container = document.getElementById('charts');
  function figure(title, note) { return stampedeFigure(container, title, note); }
)JS";
constexpr const char* app_tail = R"JS(
  stampedeCheckPainted(charts);
})();
)JS";

// The public figures next to the run's, each marked a calibration target or a
// prediction, with the parameters tuned to the targets.
std::string figures_html(const sim::run_result& r) {
  if (r.figures.empty()) return {};
  std::string h = "<h2>Public figures</h2>\n<p>" + html_escape(detail::figures_tally(r)) +
                  ". A calibration target is a figure the scenario's parameters were tuned to "
                  "reproduce: matching it shows the fit, not that the model predicts.";
  if (std::any_of(r.figures.begin(), r.figures.end(),
                  [](auto& f) { return f.role == sim::figure_role::reference; })) {
    h += std::string(" ") + html_escape(detail::reference_note);
  }
  if (!r.tuned.empty()) {
    h += " Tuned to the targets:";
    for (std::size_t i = 0; i < r.tuned.size(); ++i) {
      h += std::string(i ? ", " : " ") + "<code>" + html_escape(r.tuned[i]) + "</code>";
    }
    h += ".";
  }
  h += "</p>\n<table><thead><tr><th>Public figure</th>"
       "<th class=\"num\">Public</th><th class=\"num\">Simulated</th>"
       "<th>Verdict</th><th>Metric</th><th>Source</th></tr></thead><tbody>\n";
  for (const auto& f : r.figures) {
    const detail::figure_verdict v = detail::verdict_of(f);
    h += "<tr>" + td(f.name) +
         td((f.at_least ? "at least " : "") + detail::figure_value_text(f.value), true) +
         td(detail::figure_value_text(f.simulated), true) + "<td><span class=\"" +
         (!v.judged ? "figure-reference"
          : v.ok    ? "slo-held"
                    : "slo-breached") +
         "\">" + html_escape(v.word) + "</span>" + html_escape(v.detail) + "</td>" + td(f.metric) +
         td(f.source) + "</tr>\n";
  }
  return h + "</tbody></table>\n";
}

}  // namespace

std::string report_html(const sim::run_result& r) {
  const bool all_held = std::all_of(r.slos.begin(), r.slos.end(), [](auto& s) { return s.held; });
  std::string h = "<header>\n<h1>" + html_escape(r.scenario) + "</h1>\n";
  if (!r.description.empty()) h += "<p class=\"desc\">" + html_escape(r.description) + "</p>\n";
  h += "<p class=\"meta\">" + html_escape(hours_text(r.horizon_s / 3600.0)) + " simulated, seed " +
       std::to_string(r.seed) + ", scale " + html_escape(shortest(r.scale)) +
       " (each simulated user weighs " + html_escape(shortest(r.weight)) + "), digest <code>" +
       html_escape(r.digest) + "</code></p>\n";
  if (r.slos.empty()) {
    h += "<span class=\"verdict ok\">no SLOs set</span>\n";
  } else {
    h += all_held ? "<span class=\"verdict ok\">SLOs held</span>\n"
                  : "<span class=\"verdict bad\">SLOs breached</span>\n";
  }
  h += "</header>\n";
  h += figures_html(r);
  h += tables(r);
  h += loadtest_html_tables(r);
  h += "<h2>Over time</h2>\n<section id=\"charts\"></section>\n";
  return report_page(r.scenario + " \xE2\x80\x94 stampede report", h, page_data(r), app,
                     loadtest_html_script(r));
}

}  // namespace stampede::reports

namespace stampede::reports::detail {

std::string report_page(std::string_view title, std::string_view main, std::string_view data_json,
                        std::string_view app, std::string_view after) {
  const std::string chartjs = read_chartjs(STAMPEDE_CHARTJS_PATH);
  std::string h;
  h.reserve(chartjs.size() + main.size() + data_json.size() + 16 * 1024);
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
  h += html_escape(title);
  h += "</title>\n<style>" + std::string(style) + "</style>\n</head>\n";
  h += "<body data-charts=\"0\" data-painted=\"0\" data-errors=\"0\">\n";
  h += "<pre id=\"errors\" hidden></pre>\n<script>" + std::string(error_capture) + "</script>\n";
  h += "<main>\n";
  h += main;
  h += "</main>\n<script>" + chartjs + "</script>\n";
  h += "<script type=\"application/json\" id=\"stampede-data\">" + json_for_script(data_json) +
       "</script>\n";
  h += "<script>" + std::string(paint_check) + app_head + std::string(app) + app_tail +
       "</script>\n";
  h += after;
  h += "</body>\n</html>\n";
  return h;
}

}  // namespace stampede::reports::detail
