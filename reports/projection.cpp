// The outputs of `stampede project`. Every figure comes from the
// projection_result: quantile bands computed across members on gpu/, and the
// members' own headline figures.
#include "reports/projection.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "reports/analysis.hpp"
#include "reports/reports.hpp"
#include "reports/text.hpp"
#include "sim/results/capacity.hpp"

namespace stampede::reports {

namespace {

using namespace detail;

const char* const low_case_note =
    "P10 is the low case: the 10th percentile, a value 10% of the members fell below; P90 is "
    "the high case (90% fell below); P50 is the median.";

/// 1.23M, 45.6k, 789: the size of a figure at a glance.
std::string compact(double v) {
  if (!std::isfinite(v)) return shortest(v);
  const double a = std::fabs(v);
  const char* suffix = "";
  double scaled = v;
  if (a >= 1e9) {
    scaled = v / 1e9, suffix = "B";
  } else if (a >= 1e6) {
    scaled = v / 1e6, suffix = "M";
  } else if (a >= 1e4) {
    scaled = v / 1e3, suffix = "k";
  } else {
    return grouped(v);
  }
  return fixed(scaled, std::fabs(scaled) >= 100 ? 0 : std::fabs(scaled) >= 10 ? 1 : 2) + suffix;
}

std::string money(double v) {
  return v < 0 ? "-$" + compact(-v) : "$" + compact(v);
}

const sim::projection_band* band(const sim::projection_result& p, const std::string& outcome) {
  for (const auto& b : p.bands) {
    if (b.outcome == outcome) return &b;
  }
  return nullptr;
}

/// The intervals the leadership table reads: day 7, 30, 90 and 365 where the
/// horizon reaches them, and the horizon itself.
std::vector<std::pair<std::string, std::size_t>> table_points(const sim::projection_band& b) {
  std::vector<std::pair<std::string, std::size_t>> out;
  if (b.t_hours.empty()) return out;
  for (const int day : {7, 30, 90, 365}) {
    const double h = day * 24.0;
    const auto it =
        std::find_if(b.t_hours.begin(), b.t_hours.end(), [&](double t) { return t >= h - 1e-9; });
    if (it == b.t_hours.end() || *it > h + 1e-9) continue;
    out.emplace_back("day " + std::to_string(day),
                     static_cast<std::size_t>(it - b.t_hours.begin()));
  }
  const std::size_t last = b.t_hours.size() - 1;
  if (out.empty() || out.back().second != last) {
    out.emplace_back("horizon (" + hours_text(b.t_hours[last]) + ")", last);
  }
  return out;
}

nlohmann::ordered_json number_or_null(double v) {
  return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json sensitivity_json(const sim::projection_result& p) {
  auto out = nlohmann::ordered_json::array();
  for (const auto& s : p.sensitivity) {
    out.push_back(
        {{"input", s.input}, {"outcome", s.outcome}, {"spearman", number_or_null(s.rho)}});
  }
  return out;
}

nlohmann::ordered_json series_json(const sim::projection_result& p) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto& b : p.bands) {
    out[b.outcome] = {
        {"t_hours", b.t_hours}, {"p10", b.p10}, {"p50", b.p50}, {"p90", b.p90}, {"mean", b.mean}};
  }
  return out;
}

}  // namespace

std::string projection_json(const sim::projection_result& p) {
  nlohmann::ordered_json j;
  j["scenario"] = p.scenario;
  j["description"] = p.description;
  j["seed"] = p.seed;
  j["scale"] = p.scale;
  j["horizon_s"] = p.horizon_s;
  j["report_interval_s"] = p.report_interval_s;
  j["members_asked"] = p.members_asked;
  j["members"] = p.members.size();
  j["digest"] = p.digest;
  j["threads"] = p.threads;
  j["wall_seconds"] = p.wall_seconds;
  j["simulated_requests"] = p.simulated_requests;
  j["statistics_backend"] = p.backend;
  j["quantiles"] = low_case_note;
  auto inputs = nlohmann::ordered_json::array();
  for (const auto& in : p.inputs) {
    inputs.push_back({{"key", in.key}, {"distribution", in.distribution}, {"unit", in.unit}});
  }
  j["inputs"] = std::move(inputs);
  auto members = nlohmann::ordered_json::array();
  for (const auto& m : p.members) {
    nlohmann::ordered_json drawn = nlohmann::ordered_json::object();
    for (std::size_t k = 0; k < p.inputs.size() && k < m.inputs.size(); ++k) {
      drawn[p.inputs[k].key] = m.inputs[k];
    }
    members.push_back({{"index", m.index},
                       {"seed", m.seed},
                       {"digest", m.digest},
                       {"inputs", drawn},
                       {"set", m.overrides},
                       {"adopters", m.headline.adopters},
                       {"cost_usd", m.headline.cost_usd},
                       {"revenue_usd", m.headline.revenue_usd},
                       {"margin_usd", m.headline.margin_usd},
                       {"slo_held_share", m.headline.slo_held_share}});
  }
  j["member_results"] = std::move(members);
  j["sensitivity"] = sensitivity_json(p);
  j["series"] = series_json(p);
  return j.dump(2) + "\n";
}

std::string projection_csv(const sim::projection_result& p) {
  std::string out = "outcome,t_hours,p10,p50,p90,mean\n";
  for (const auto& b : p.bands) {
    for (std::size_t i = 0; i < b.t_hours.size(); ++i) {
      out += b.outcome + "," + shortest(b.t_hours[i]) + "," + shortest(b.p10[i]) + "," +
             shortest(b.p50[i]) + "," + shortest(b.p90[i]) + "," + shortest(b.mean[i]) + "\n";
    }
  }
  return out;
}

std::string projection_md(const sim::projection_result& p) {
  std::string md = "# " + md_cell(p.scenario) + ": projection\n\n";
  if (!p.description.empty()) md += p.description + "\n\n";
  md += grouped(static_cast<double>(p.members.size())) + " futures (members) of " +
        hours_text(p.horizon_s / 3600.0) + ", each a full simulation with its own seed";
  if (!p.inputs.empty()) {
    md += " and its own draw of";
    for (std::size_t k = 0; k < p.inputs.size(); ++k) {
      md += std::string(k ? ", " : " ") + "`" + p.inputs[k].key + "`";
    }
  }
  md += ".";
  if (p.members.size() < p.members_asked) {
    md += " **Stopped early:** " + grouped(static_cast<double>(p.members.size())) + " of " +
          grouped(static_cast<double>(p.members_asked)) + " members finished.";
  }
  md += "\n\n**How to read the ranges.** " + std::string(low_case_note) +
        " Each column is read across members at that time; a member's margin is its own "
        "revenue minus its own cost, so P10 margin is not P10 revenue minus P10 cost.\n\n";

  const sim::projection_band* users = band(p, "adopters");
  if (users != nullptr) {
    const auto points = table_points(*users);
    md += "## Leadership table (P10 / P50 / P90)\n\n| |";
    for (const auto& [label, i] : points) md += " " + label + " |";
    md += "\n|---|";
    for (std::size_t k = 0; k < points.size(); ++k) md += "---:|";
    md += "\n";
    auto row = [&](const std::string& label, const std::string& outcome, bool dollars) {
      const sim::projection_band* b = band(p, outcome);
      if (b == nullptr) return;
      md += "| " + md_cell(label) + " |";
      for (const auto& [name, i] : points) {
        const auto f = [&](double v) { return dollars ? money(v) : compact(v); };
        md += " " + f(b->p10[i]) + " / " + f(b->p50[i]) + " / " + f(b->p90[i]) + " |";
      }
      md += "\n";
    };
    row("users (adopters)", "adopters", false);
    row("active adopters (not churned)", "active_users", false);
    for (const auto& e : p.endpoints) row(e + " completed, to date", "completed." + e, false);
    for (const auto& pool : p.pools) {
      row(pool + " servers needed (first-order)", "servers_needed." + pool, false);
      row(pool + " servers present", "servers." + pool, false);
    }
    row("cost to date", "cost_usd", true);
    row("revenue to date", "revenue_usd", true);
    row("margin to date (revenue - cost)", "margin_usd", true);
    if (const sim::projection_band* held = band(p, "slo_held"); held != nullptr) {
      md += "| chance every SLO holds in that hour |";
      for (const auto& [name, i] : points) md += " " + percent(held->mean[i]) + " |";
      md += "\n";
    }
    for (const sim::milestone& m : p.milestones) {
      const sim::projection_band* reached = band(p, sim::milestone_path(m));
      if (reached == nullptr) continue;
      const bool dollars = m.outcome.find("_usd") != std::string::npos;
      md += "| chance " + md_cell(m.outcome) + " has reached " +
            (dollars ? money(m.value) : compact(m.value)) + " |";
      for (const auto& [name, i] : points) md += " " + percent(reached->mean[i]) + " |";
      md += "\n";
    }
    md += "\nCounts are real-world estimates (simulated × 1/scale, scale " + shortest(p.scale) +
          "). Servers present are the scenario's (events and autoscaling included). Servers "
          "needed are a first-order estimate on each member's path: the highest demand so "
          "far (first attempts that passed the rate limits × mean work, batching ignored) "
          "at " +
          std::to_string(static_cast<int>(std::lround(sim::target_utilization * 100))) +
          "% utilization; `stampede plan` searches the capacity that holds the SLOs.\n\n";
  }

  if (!p.sensitivity.empty()) {
    md +=
        "## What drives the outcome\n\nSpearman rank correlation of each uncertain input "
        "with the headline outcomes across members (+1: higher input, higher outcome; "
        "n/a: it did not vary).\n\n| input | adopters at the horizon | total cost | share of "
        "hours every SLO held |\n|---|---:|---:|---:|\n";
    for (const auto& in : p.inputs) {
      md += "| `" + in.key + "` |";
      for (const char* outcome : {"adopters", "cost_usd", "slo_held_share"}) {
        for (const auto& s : p.sensitivity) {
          if (s.input == in.key && s.outcome == outcome) {
            md += " " + (std::isfinite(s.rho) ? fixed(s.rho, 2) : std::string("n/a")) + " |";
          }
        }
      }
      md += "\n";
    }
    md += "\n";
  }
  md += "---\nSeed " + std::to_string(p.seed) + ", scale " + shortest(p.scale) +
        ", ensemble digest `" + p.digest + "` (the same for any --threads); statistics on " +
        p.backend +
        ". Each member is `stampede run` with the seed and inputs listed in "
        "projection.json (`set`).\n";
  return md;
}

namespace {

constexpr const char* projection_app = R"JS(
  function points(b, key) {
    return b.t_hours.map(function (t, i) { var v = b[key][i]; return { x: t / 24, y: typeof v === 'number' ? v : null }; });
  }
  // A fan: the P10-P90 band shaded, the median solid, the mean dashed.
  function fan(outcome, title, note, unit, color) {
    var b = data.series[outcome];
    if (!b || !b.t_hours.length) return;
    var sets = [
      { label: 'P10 (low case)', data: points(b, 'p10'), borderColor: color, borderWidth: 1, pointRadius: 0, fill: false },
      { label: 'P90 (high case)', data: points(b, 'p90'), borderColor: color, borderWidth: 1, pointRadius: 0,
        fill: '-1', backgroundColor: color + '33' },
      { label: 'P50 (median)', data: points(b, 'p50'), borderColor: color, borderWidth: 2.5, pointRadius: 0, fill: false },
      { label: 'mean', data: points(b, 'mean'), borderColor: '#4b5563', borderWidth: 1.5, borderDash: [6, 4], pointRadius: 0, fill: false }
    ];
    charts.push(new Chart(figure(title, note), {
      type: 'line', data: { datasets: sets },
      options: { animation: false, responsive: true, maintainAspectRatio: false, normalized: true,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        scales: { x: { type: 'linear', title: { display: true, text: 'days since start' } },
                  y: { beginAtZero: true, title: { display: true, text: unit } } },
        plugins: { legend: { position: 'bottom', labels: { boxWidth: 14 } } } }
    }));
  }
  var palette = ['#2563eb', '#db2777', '#059669', '#d97706', '#7c3aed', '#0891b2'];
  fan('adopters', 'Users', 'People who have adopted, across members: shaded from P10 (low case) to P90 (high case).', 'users', palette[0]);
  fan('active_users', 'Active users', 'Users active in each interval.', 'users', palette[1]);
  data.endpoints.forEach(function (e, i) {
    fan('completed.' + e, e + ' completed, to date', 'Requests completed since the start (real-world estimate).', 'requests', palette[(i + 2) % palette.length]);
  });
  data.pools.forEach(function (p, i) {
    fan('servers.' + p, p + ' servers', 'Servers present in the pool.', 'servers', palette[(i + 3) % palette.length]);
  });
  fan('cost_usd', 'Cost to date', 'Cost of the servers since the start, USD.', 'USD', '#dc2626');
  fan('revenue_usd', 'Revenue to date', 'Subscription revenue since the start, USD.', 'USD', '#059669');
  fan('margin_usd', 'Margin to date', 'Each member\u2019s revenue minus its own cost, USD.', 'USD', '#7c3aed');
  var held = data.series['slo_held'];
  if (held && data.has_slos) {
    charts.push(new Chart(figure('SLO risk', 'Share of members in which every SLO held in each interval.'), {
      type: 'line', data: { datasets: [{ label: 'chance every SLO holds', data: points(held, 'mean').map(function (p) { return { x: p.x, y: p.y * 100 }; }),
        borderColor: '#b42318', borderWidth: 2, pointRadius: 0 }] },
      options: { animation: false, responsive: true, maintainAspectRatio: false,
        scales: { x: { type: 'linear', title: { display: true, text: 'days since start' } },
                  y: { min: 0, max: 100, title: { display: true, text: '%' } } } }
    }));
  }
  if (data.sensitivity.length) {
    // Tornado: inputs sorted by the size of their correlation with adopters.
    var inputs = data.inputs.slice();
    function rho(input, outcome) {
      var s = data.sensitivity.filter(function (x) { return x.input === input && x.outcome === outcome; })[0];
      return s && typeof s.spearman === 'number' ? s.spearman : 0;
    }
    inputs.sort(function (a, b) { return Math.abs(rho(b, 'adopters')) - Math.abs(rho(a, 'adopters')); });
    var outcomes = [['adopters', 'adopters at the horizon', '#2563eb'], ['cost_usd', 'total cost', '#dc2626'],
                    ['slo_held_share', 'share of hours SLOs held', '#059669']];
    charts.push(new Chart(figure('What drives the outcome', 'Spearman rank correlation of each uncertain input with the headline outcomes, across members.'), {
      type: 'bar',
      data: { labels: inputs, datasets: outcomes.map(function (o) {
        return { label: o[1], data: inputs.map(function (k) { return rho(k, o[0]); }), backgroundColor: o[2] };
      }) },
      options: { indexAxis: 'y', animation: false, responsive: true, maintainAspectRatio: false,
        scales: { x: { min: -1, max: 1, title: { display: true, text: 'rank correlation' } } },
        plugins: { legend: { position: 'bottom' } } }
    }));
  }
)JS";

}  // namespace

std::string projection_html(const sim::projection_result& p) {
  nlohmann::ordered_json data;
  data["endpoints"] = p.endpoints;
  data["pools"] = p.pools;
  data["has_slos"] = std::any_of(p.bands.begin(), p.bands.end(),
                                 [](const auto& b) { return b.outcome.starts_with("slo_held."); });
  data["series"] = series_json(p);
  auto inputs = nlohmann::ordered_json::array();
  for (const auto& in : p.inputs) inputs.push_back(in.key);
  data["inputs"] = std::move(inputs);
  data["sensitivity"] = sensitivity_json(p);

  std::string h = "<header>\n<h1>" + html_escape(p.scenario) + ": projection</h1>\n";
  if (!p.description.empty()) h += "<p class=\"desc\">" + html_escape(p.description) + "</p>\n";
  h += "<p class=\"meta\">" + grouped(static_cast<double>(p.members.size())) + " members of " +
       html_escape(hours_text(p.horizon_s / 3600.0)) + ", seed " + std::to_string(p.seed) +
       ", scale " + html_escape(shortest(p.scale)) + ", ensemble digest <code>" +
       html_escape(p.digest) + "</code></p>\n</header>\n";
  h += "<p>" + html_escape(low_case_note) + "</p>\n";
  h += "<h2>Futures</h2>\n<section id=\"charts\"></section>\n";
  return report_page(p.scenario + " \xE2\x80\x94 stampede projection", h, data.dump(),
                     projection_app);
}

void write_projection(const sim::projection_result& p, const std::filesystem::path& dir) {
  const std::string json = projection_json(p);
  const std::string csv = projection_csv(p);
  const std::string md = projection_md(p);
  const std::string html = projection_html(p);
  write_files(dir, {{"projection.json", json},
                    {"projection.csv", csv},
                    {"summary.md", md},
                    {"report.html", html}});
}

}  // namespace stampede::reports
