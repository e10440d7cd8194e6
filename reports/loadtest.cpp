#include "reports/loadtest.hpp"

#include "reports/analysis.hpp"
#include "reports/text.hpp"

namespace stampede::reports::detail {

namespace {

using json = nlohmann::ordered_json;

json latency_json(const sim::histogram& h) {
  const auto s = [&](double q) { return static_cast<double>(h.quantile(q)) * 1e-6; };
  return {{"p50", s(0.5)},
          {"p90", s(0.9)},
          {"p99", s(0.99)},
          {"p999", s(0.999)},
          {"max", static_cast<double>(h.max()) * 1e-6},
          {"mean", h.mean() * 1e-6},
          {"count", h.count()}};
}

std::string ms(const sim::histogram& h, double q) {
  return h.count() ? seconds_text(static_cast<double>(h.quantile(q)) * 1e-6) : "-";
}

/// A quantile of `h` as latency_text below, "-" when it is empty.
std::string quantile_text(const sim::histogram& h, double q, double time_scale) {
  return h.count() ? latency_text(static_cast<double>(h.quantile(q)) * 1e-6, time_scale) : "-";
}

std::uint64_t intended(const sim::loadtest_result& l) {
  std::uint64_t n = 0;
  for (const auto& e : l.endpoints) n += e.intended;
  return n;
}

/// "12 to 48 connections (30 held at most, 12 at the end)".
std::string connections_text(const sim::loadtest_result& l) {
  std::string t = std::to_string(l.connections);
  if (l.max_connections > l.connections) t += " to " + std::to_string(l.max_connections);
  t += " connections";
  if (l.peak_connections > 0) {
    t += " (" + std::to_string(l.peak_connections) + " held at most, " +
         std::to_string(l.connections_at_end) + " at the end)";
  }
  if (l.threads > 0)
    t += " on " + std::to_string(l.threads) + (l.threads == 1 ? " thread" : " threads");
  return t;
}

}  // namespace

std::string latency_text(double wall_s, double time_scale) {
  if (time_scale == 1) return seconds_text(wall_s);
  return seconds_text(wall_s) + " (" + seconds_text(wall_s * time_scale) + ")";
}

json loadtest_json(const sim::loadtest_result& l) {
  json j;
  j["target"] = l.target;
  j["embedded"] = l.embedded;
  j["tls_insecure"] = l.tls_insecure;
  j["time_scale"] = l.time_scale;
  j["rate_scale"] = l.rate_scale;
  j["connections"] = l.connections;
  j["max_connections"] = l.max_connections;
  j["peak_connections"] = l.peak_connections;
  j["connections_at_end"] = l.connections_at_end;
  j["threads"] = l.threads;
  j["duration_s"] = l.duration_s;
  j["wall_s"] = l.wall_s;
  j["interval_s"] = l.interval_s;
  j["timeout_s"] = l.timeout_s;
  j["reliable"] = l.reliable;
  j["max_lag_s"] = l.max_lag_s;
  j["max_dropped"] = l.max_dropped;
  j["dropped"] = l.dropped;
  j["dropped_share"] = sim::dropped_share(l.endpoints);
  j["first_dropped_s"] = l.first_dropped_s;
  j["last_dropped_s"] = l.last_dropped_s;
  j["lag"] = latency_json(l.lag);
  j["interrupted"] = l.interrupted;
  j["rebuilt"] = l.rebuilt;
  j["accounting"] =
      "intended = sent + dropped + unsent_at_stop; sent = completed + failed + timed_out + "
      "in_flight; failed = 503 + 429 + 4xx + 5xx + other + connect_error + reset_closed + "
      "tls_handshake; "
      "latencies of 2xx responses, in seconds";
  json endpoints = json::object();
  for (const auto& e : l.endpoints) {
    json ej;
    ej["intended"] = e.intended;
    ej["dropped"] = e.dropped;
    ej["sent"] = e.sent;
    ej["completed"] = e.completed;
    ej["failed"] = e.failed;
    ej["timed_out"] = e.timed_out;
    ej["in_flight"] = e.in_flight;
    ej["not_sent"] = e.not_sent;
    ej["unsent_at_stop"] = e.unsent_at_stop;
    ej["outcomes"] = {{"2xx", e.status_2xx},
                      {"503", e.status_503},
                      {"429", e.status_429},
                      {"4xx", e.status_4xx},
                      {"5xx", e.status_5xx},
                      {"other", e.status_other},
                      {"timeout", e.timeout},
                      {"connect_error", e.connect_error},
                      {"reset_closed", e.reset_closed},
                      {"tls_handshake", e.tls_handshake}};
    ej["latency_corrected"] = latency_json(e.corrected);
    ej["latency_uncorrected"] = latency_json(e.uncorrected);
    endpoints[e.name] = std::move(ej);
  }
  j["endpoints"] = std::move(endpoints);
  return j;
}

std::string loadtest_md(const sim::run_result& r) {
  if (!r.loadtest) return "";
  const auto& l = *r.loadtest;
  std::string md = "## Load test\n\n";
  md += "Target " + l.target + (l.embedded ? " (the embedded modeled service)" : "") + ", " +
        connections_text(l) + ", time_scale " + shortest(l.time_scale) + " (" +
        hours_text(l.wall_s * l.time_scale / 3600.0) + " of the scenario in " + fixed(l.wall_s, 1) +
        " s), rate_scale " + shortest(l.rate_scale) + ".";
  if (l.tls_insecure) {
    md +=
        " **TLS verification was off** (loadtest.tls.insecure): the target's certificate was "
        "not checked.";
  }
  if (l.interrupted) md += " The test was stopped before its end.";
  if (l.rebuilt) {
    md += " Rebuilt from the results file: requests in flight at the end are not known.";
  }
  md += "\n\n";
  md += l.reliable ? "The generator kept its schedule: " + grouped(static_cast<double>(l.dropped)) +
                         " of " + grouped(static_cast<double>(intended(l))) +
                         " intended requests dropped, lag p99 " + ms(l.lag, 0.99) + ".\n\n"
                   : "**Unreliable:** the generator fell behind its schedule (" +
                         grouped(static_cast<double>(l.dropped)) + " of " +
                         grouped(static_cast<double>(intended(l))) +
                         " intended requests dropped, lag p99 " + ms(l.lag, 0.99) +
                         "; see the bottom line).\n\n";
  md +=
      "Latency is measured from each request's intended send time (corrected, free of "
      "coordinated omission); the uncorrected column is what a closed-loop tester would "
      "report.";
  if (l.time_scale != 1) {
    md += " Latencies are wall time, with scenario time (× time_scale " + shortest(l.time_scale) +
          ") in brackets.";
  }
  md += "\n\n";
  md +=
      "| endpoint | sent | 2xx | 503 | 429 | 4xx | 5xx | timeout | connect error | "
      "reset/closed | TLS handshake | in flight | p50 | p99 corrected | p99 uncorrected |\n";
  md +=
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
      "| ---: | ---: |\n";
  for (const auto& e : l.endpoints) {
    md += "| " + md_cell(e.name) + " | " + grouped(static_cast<double>(e.sent)) + " | " +
          grouped(static_cast<double>(e.status_2xx)) + " | " +
          grouped(static_cast<double>(e.status_503)) + " | " +
          grouped(static_cast<double>(e.status_429)) + " | " +
          grouped(static_cast<double>(e.status_4xx)) + " | " +
          grouped(static_cast<double>(e.status_5xx)) + " | " +
          grouped(static_cast<double>(e.timeout)) + " | " +
          grouped(static_cast<double>(e.connect_error)) + " | " +
          grouped(static_cast<double>(e.reset_closed)) + " | " +
          grouped(static_cast<double>(e.tls_handshake)) + " | " +
          grouped(static_cast<double>(e.in_flight)) + " | " +
          quantile_text(e.corrected, 0.5, l.time_scale) + " | " +
          quantile_text(e.corrected, 0.99, l.time_scale) + " | " +
          quantile_text(e.uncorrected, 0.99, l.time_scale) + " |\n";
  }
  md += "\n";
  return md;
}

std::string loadtest_bottom_line(const sim::run_result& r) {
  if (!r.loadtest || r.loadtest->reliable) return "";
  const auto& l = *r.loadtest;
  std::string md = "> **Unreliable: the load generator fell behind its schedule.** ";
  if (l.dropped > 0) {
    md += "It dropped " + grouped(static_cast<double>(l.dropped)) + " of " +
          grouped(static_cast<double>(intended(l))) + " intended requests (" +
          percent(sim::dropped_share(l.endpoints)) + " of those due, over loadtest.max_dropped " +
          percent(l.max_dropped) + "), due from " + fixed(l.first_dropped_s, 1) + " s to " +
          fixed(l.last_dropped_s, 1) + " s of wall time: no connection was free within " +
          "loadtest.max_lag " + seconds_text(l.max_lag_s) + " of their intended send time";
    // A report rebuilt from the results file does not know the connections.
    if (l.peak_connections > 0) {
      md += " (" + std::to_string(l.peak_connections) + " of at most " +
            std::to_string(l.max_connections) + " connections were open)";
    }
    md += ". ";
  }
  md += "Lag p99 of the sent requests " + ms(l.lag, 0.99) + " (loadtest.max_lag " +
        seconds_text(l.max_lag_s) +
        "). The target saw less load than the scenario asks for; raise "
        "loadtest.max_connections, or lower rate_scale.\n\n";
  return md;
}

std::string loadtest_html_tables(const sim::run_result& r) {
  if (!r.loadtest) return "";
  const auto& l = *r.loadtest;
  std::string h = "<h2>Load test</h2>\n<p class=\"meta\">Target <code>" + html_escape(l.target) +
                  "</code>" + (l.embedded ? " (embedded modeled service)" : "") + ", " +
                  html_escape(connections_text(l)) + ", time_scale " +
                  html_escape(shortest(l.time_scale)) + ", rate_scale " +
                  html_escape(shortest(l.rate_scale)) + ", " + html_escape(fixed(l.wall_s, 1)) +
                  " s of wall time. ";
  if (l.tls_insecure) {
    h += "<strong>TLS verification was off</strong> (loadtest.tls.insecure): the target's "
         "certificate was not checked. ";
  }
  h += l.reliable ? "<span class=\"verdict ok\">schedule kept</span>"
                  : "<span class=\"verdict bad\">unreliable: generator fell behind</span>";
  h += " " + html_escape(grouped(static_cast<double>(l.dropped))) + " dropped, lag p99 " +
       html_escape(ms(l.lag, 0.99)) + "</p>\n";
  h += "<table id=\"loadtest\"><thead><tr><th>endpoint</th><th>sent</th><th>2xx</th><th>503</"
       "th><th>429</th><th>4xx</th><th>5xx</th><th>timeout</th><th>connect error</"
       "th><th>reset/closed</th><th>TLS handshake</th><th>in flight</th><th>p99 corrected</"
       "th><th>p99 uncorrected</th></tr></thead><tbody>\n";
  const auto num = [](std::uint64_t v) {
    return "<td class=\"num\">" + grouped(static_cast<double>(v)) + "</td>";
  };
  for (const auto& e : l.endpoints) {
    h += "<tr><td>" + html_escape(e.name) + "</td>" + num(e.sent) + num(e.status_2xx) +
         num(e.status_503) + num(e.status_429) + num(e.status_4xx) + num(e.status_5xx) +
         num(e.timeout) + num(e.connect_error) + num(e.reset_closed) + num(e.tls_handshake) +
         num(e.in_flight) + "<td class=\"num\">" +
         html_escape(quantile_text(e.corrected, 0.99, l.time_scale)) + "</td><td class=\"num\">" +
         html_escape(quantile_text(e.uncorrected, 0.99, l.time_scale)) + "</td></tr>\n";
  }
  h += "</tbody></table>\n<section id=\"loadtest-charts\"></section>\n";
  return h;
}

std::string loadtest_html_script(const sim::run_result& r) {
  if (!r.loadtest) return "";
  // Reads the page's data like the main charts, by column name: the corrected
  // p99 (latency_p99_s.E) against the uncorrected one, and the lag; its figure
  // is the page's (stampedeFigure, reports/html.cpp).
  return R"JS(<script>
(function () {
  var data = JSON.parse(document.getElementById('stampede-data').textContent);
  var columns = data.columns, rows = data.rows;
  var palette = ['#2563eb', '#db2777', '#059669', '#d97706', '#7c3aed', '#0891b2'];
  function column(name) {
    var i = columns.indexOf(name);
    if (i < 0) return null;
    return rows.map(function (r) { var v = r[i]; return typeof v === 'number' && isFinite(v) ? v : null; });
  }
  var wall = column('t_wall_s');
  if (!wall) return;
  function line(label, values, color, dashed) {
    return { label: label, data: values.map(function (v, i) { return { x: wall[i], y: v === null ? null : v * 1000 }; }),
             borderColor: color, backgroundColor: color, borderWidth: 2, borderDash: dashed ? [6, 4] : [],
             pointRadius: 0, spanGaps: false };
  }
  var sets = [];
  columns.filter(function (c) { return c.indexOf('latency_p99_s.') === 0; }).forEach(function (c, i) {
    var e = c.substring('latency_p99_s.'.length);
    sets.push(line(e + ' p99 corrected', column(c), palette[i % palette.length], false));
    var u = column('uncorrected_p99_s.' + e);
    if (u) sets.push(line(e + ' p99 uncorrected', u, palette[i % palette.length], true));
  });
  var lag = column('lag_p99_s');
  if (lag) sets.push(line('generator lag p99', lag, '#4b5563', true));
  var canvas = stampedeFigure(document.getElementById('loadtest-charts'),
      'Corrected vs uncorrected p99, and the generator lag',
      'Corrected: from the intended send time; uncorrected (dashed): from the actual send. A gap means the target stalled and a closed-loop tester would have hidden it.');
  new Chart(canvas, {
    type: 'line', data: { datasets: sets },
    options: { animation: false, responsive: true, maintainAspectRatio: false,
               scales: { x: { type: 'linear', title: { display: true, text: 'wall seconds since start' } },
                         y: { beginAtZero: true, title: { display: true, text: 'ms' } } },
               plugins: { legend: { position: 'bottom', labels: { boxWidth: 14 } } } }
  });
  document.body.dataset.loadtestCharts = '1';
})();
</script>
)JS";
}

}  // namespace stampede::reports::detail
