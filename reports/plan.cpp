// The outputs of `stampede plan`. Every figure comes from the plan_result:
// the candidates the search ran and their SLO verdicts.
#include "reports/plan.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "reports/analysis.hpp"
#include "reports/reports.hpp"
#include "reports/text.hpp"
#include "sim/base/units.hpp"

namespace stampede::reports {

namespace {

using namespace detail;

std::string duration_text(double seconds) {
  return sim::format_duration(sim::from_seconds(seconds));
}

/// When period k of a plan ends, seconds.
double period_end(const sim::plan_result& p, std::size_t k) {
  return k + 1 < p.period_starts_s.size() ? p.period_starts_s[k + 1] : p.horizon_s;
}

bool is_latency(const sim::slo_attainment& a) {
  return a.objective.starts_with("latency");
}

/// A measured SLO value in its unit: "95.7 s", "1.20%".
std::string measured_text(const sim::slo_attainment& a, double v) {
  if (is_latency(a)) return v < 0 ? "none measured" : seconds_text(v);
  return percent(v);
}

/// How far the measured value is inside its threshold, as a share of the threshold.
double margin(const sim::slo_attainment& a) {
  if (a.threshold <= 0) return 0;
  return (a.threshold - std::max(0.0, a.measured)) / a.threshold;
}

bool enough(const sim::plan_result& p, double share) {
  return share + 1e-12 >= p.hold;
}

/// "in this run" or "in 90% of 20 members".
std::string where_held(const sim::plan_result& p) {
  if (p.members == 1) return "in this run (the scenario's seed)";
  return "in at least " + percent(p.hold) + " of " + std::to_string(p.members) +
         " members (the same members for every candidate)";
}

/// Real servers of a pool that one step fewer than `servers` is.
std::int64_t one_step_fewer(const sim::plan_result& p, std::int64_t servers) {
  const auto simulated = std::llround(static_cast<double>(servers) * p.scale);
  return std::llround(static_cast<double>(simulated - 1) / p.scale);
}

/// A candidate tried that settles whether period k of the plan `servers` may
/// have one step fewer in pool `pool`: the same servers in every pool up to
/// period k but that one (later periods cannot change period k), or null.
const sim::plan_candidate* tried_with(const sim::plan_result& p,
                                      const std::vector<std::vector<std::int64_t>>& servers,
                                      std::size_t k) {
  for (const auto& c : p.tried) {
    bool same = true;
    for (std::size_t i = 0; i < servers.size() && same; ++i) {
      same = std::equal(servers[i].begin(), servers[i].begin() + static_cast<long>(k) + 1,
                        c.servers[i].begin());
    }
    if (same) return &c;
  }
  return nullptr;
}

/// The first SLO of pool `pool` that breaks in period k of candidate c, or null.
const sim::slo_attainment* broken(const sim::plan_result& p, const sim::plan_candidate& c,
                                  std::size_t pool, std::size_t k) {
  for (const auto& a : c.slos) {
    if (a.pool == static_cast<int>(pool) && !enough(p, a.period_held_share[k])) return &a;
  }
  return nullptr;
}

std::string servers_text(const sim::plan_result& p, const sim::plan_candidate& c) {
  std::string s;
  for (std::size_t i = 0; i < p.pools.size(); ++i) {
    if (!p.pools[i].planned) continue;
    if (!s.empty()) s += "; ";
    s += p.pools[i].name + " ";
    for (std::size_t k = 0; k < c.servers[i].size(); ++k) {
      s += (k ? ", " : "") + grouped(static_cast<double>(c.servers[i][k]));
    }
  }
  return s;
}

}  // namespace

double attainment(const sim::plan_candidate& c) {
  double sum = 0, n = 0;
  for (const auto& a : c.slos) {
    for (double share : a.period_held_share) {
      sum += share;
      n += 1;
    }
  }
  return n > 0 ? sum / n : 1;
}

std::vector<bool> pareto_front(const sim::plan_result& p) {
  // Only runs over the whole horizon: a cost to the end of one period is no cost of the plan.
  const auto whole = [&](const sim::plan_candidate& c) { return c.until_s >= p.horizon_s; };
  std::vector<bool> front(p.tried.size());
  for (std::size_t i = 0; i < p.tried.size(); ++i) front[i] = whole(p.tried[i]);
  for (std::size_t i = 0; i < p.tried.size(); ++i) {
    const double ci = p.tried[i].cost, ai = attainment(p.tried[i]);
    for (std::size_t j = 0; j < p.tried.size() && front[i]; ++j) {
      if (!whole(p.tried[j])) continue;
      const double cj = p.tried[j].cost, aj = attainment(p.tried[j]);
      if (cj <= ci && aj >= ai && (cj < ci || aj > ai)) front[i] = false;
    }
  }
  return front;
}

std::string plan_json(const sim::plan_result& p) {
  using json = nlohmann::ordered_json;
  const std::vector<bool> front = pareto_front(p);
  json j;
  j["scenario"] = p.scenario;
  j["description"] = p.description;
  j["seed"] = p.seed;
  j["scale"] = p.scale;
  j["resolution_servers"] = p.resolution;
  j["resolution"] =
      "one server of the search stands for resolution_servers real ones (1/scale); the plan "
      "is the fewest servers at that step";
  j["horizon_s"] = p.horizon_s;
  j["report_interval_s"] = p.report_interval_s;
  j["period_s"] = p.period_s > 0 ? json(p.period_s) : json(nullptr);
  j["period_starts_s"] = p.period_starts_s;
  j["members"] = p.members;
  j["hold"] = p.hold;
  j["found"] = p.chosen.has_value();
  j["stopped"] = p.stopped;
  j["failure"] = p.failure.empty() ? json(nullptr) : json(p.failure);
  j["wall_seconds"] = p.wall_seconds;
  auto pools = json::array();
  for (std::size_t i = 0; i < p.pools.size(); ++i) {
    const auto& pool = p.pools[i];
    json x;
    x["name"] = pool.name;
    x["planned"] = pool.planned;
    x["scenario_servers"] = pool.scenario_servers;
    x["autoscale_replaced"] = pool.had_autoscale;
    x["provisioning_delay_s"] = sim::to_seconds(pool.provisioning_delay);
    x["cost_per_server_hour"] = pool.cost_per_server_hour;
    if (p.chosen) {
      const auto& servers = p.tried[*p.chosen].servers[i];
      x["servers"] = servers;
      auto order = json::array(), cost = json::array();
      for (std::size_t k = 0; k < servers.size(); ++k) {
        order.push_back(p.period_starts_s[k] - sim::to_seconds(pool.provisioning_delay));
        cost.push_back(static_cast<double>(servers[k]) * pool.cost_per_server_hour *
                       (period_end(p, k) - p.period_starts_s[k]) / 3600);
      }
      x["order_by_s"] = std::move(order);
      x["cost_usd"] = std::move(cost);
    } else {
      x["servers"] = nullptr;
    }
    pools.push_back(std::move(x));
  }
  j["pools"] = std::move(pools);
  j["plan"] = p.chosen ? json(*p.chosen) : json(nullptr);
  auto candidates = json::array();
  for (std::size_t i = 0; i < p.tried.size(); ++i) {
    const auto& c = p.tried[i];
    json x;
    x["index"] = i;
    x["purpose"] = c.purpose;
    x["until_s"] = c.until_s;
    json servers = json::object();
    for (std::size_t k = 0; k < p.pools.size(); ++k) servers[p.pools[k].name] = c.servers[k];
    x["servers"] = std::move(servers);
    x["cost_usd"] = c.cost;
    x["holds"] = c.holds;
    x["attainment"] = attainment(c);
    x["pareto"] = static_cast<bool>(front[i]);
    x["digest"] = c.digest;
    x["simulated_requests"] = c.simulated_requests;
    x["wall_seconds"] = c.wall_seconds;
    auto slos = json::array();
    for (const auto& a : c.slos) {
      slos.push_back({{"endpoint", a.endpoint},
                      {"objective", a.objective},
                      {"pool", p.pools[a.pool].name},
                      {"threshold", a.threshold},
                      {"measured", a.measured},
                      {"note", a.note},
                      {"held_share", a.held_share},
                      {"period_held_share", a.period_held_share}});
    }
    x["slos"] = std::move(slos);
    candidates.push_back(std::move(x));
  }
  j["candidates"] = std::move(candidates);
  return j.dump(2) + "\n";
}

std::string plan_md(const sim::plan_result& p) {
  const std::size_t periods = p.period_starts_s.size();
  std::string md = "# Capacity plan: " + md_cell(p.scenario) + "\n\n";
  if (!p.description.empty()) md += md_cell(p.description) + "\n\n";

  md += "## What to buy\n\n";
  if (!p.chosen) {
    md += p.stopped
              ? "**No plan: the search was stopped** after " + std::to_string(p.tried.size()) +
                    " candidates. plan.json lists the candidates tried so far.\n\n"
              : "**No plan found**: " + md_cell(p.failure) + ".\n\n";
  } else {
    const auto& c = p.tried[*p.chosen];
    md += "The fewest servers that hold every SLO " + where_held(p) +
          ", at the search's resolution of " + grouped(p.resolution) + " server" +
          (p.resolution == 1 ? "" : "s") + " (scale " + shortest(p.scale) +
          ": one simulated server stands for " + shortest(p.resolution) + " real ones).\n\n";
    md += "| pool | period | from | servers | order by | cost of the period |\n";
    md += "| --- | --- | --- | ---: | --- | ---: |\n";
    for (std::size_t i = 0; i < p.pools.size(); ++i) {
      const auto& pool = p.pools[i];
      if (!pool.planned) continue;
      for (std::size_t k = 0; k < periods; ++k) {
        const double start = p.period_starts_s[k], end = period_end(p, k);
        const double order = start - sim::to_seconds(pool.provisioning_delay);
        const double cost =
            static_cast<double>(c.servers[i][k]) * pool.cost_per_server_hour * (end - start) / 3600;
        md += "| " + md_cell(pool.name) + " | " + std::to_string(k + 1) + " of " +
              std::to_string(periods) + " | " + duration_text(start) + " to " + duration_text(end) +
              " | " + grouped(static_cast<double>(c.servers[i][k])) + " | " +
              (order < 0 ? duration_text(-order) + " before the start"
                         : "at " + duration_text(order)) +
              " | " + dollars(cost) + " |\n";
      }
    }
    md += "\nTotal cost over " + duration_text(p.horizon_s) + ": **" + dollars(c.cost) +
          "** (every pool, servers billed while present" +
          (p.members > 1 ? ", mean over members" : "") + ").";
    bool delays = false;
    for (const auto& pool : p.pools)
      delays = delays || (pool.planned && pool.provisioning_delay > 0);
    md += delays ? " \"Order by\" is the period's start less the pool's provisioning delay.\n\n"
                 : " No pool has a provisioning delay (`autoscale.provisioning_delay`), so servers "
                   "are ordered for the start of their period.\n\n";
    for (const auto& pool : p.pools) {
      if (pool.planned && pool.had_autoscale) {
        md += "- " + md_cell(pool.name) +
              ": the plan replaces its autoscaler by the servers above (plan.yaml has no "
              "`autoscale:` for it).\n";
      }
      if (!pool.planned) {
        md += "- " + md_cell(pool.name) + ": kept at " +
              grouped(static_cast<double>(pool.scenario_servers)) +
              " servers as the scenario has them: no SLO names an endpoint it serves.\n";
      }
    }
    md += "\n`stampede run plan.yaml --out DIR` runs the plan";
    md += p.members == 1 ? " and gives the same run (digest `" + c.digest + "`).\n\n"
                         : " with the scenario's own seed, one future among many: the plan "
                           "holds in the share of members stated above, not in every one.\n\n";

    md += "## Why\n\n";
    md += "| SLO | threshold | with the plan | margin | held in |\n";
    md += "| --- | ---: | ---: | ---: | ---: |\n";
    for (const auto& a : c.slos) {
      md += "| " + md_cell(a.endpoint) + " " + md_cell(a.objective) + " | " +
            measured_text(a, a.threshold) + " | " + measured_text(a, a.measured) + " | " +
            percent(margin(a)) + " | " + percent(a.held_share) + " of members |\n";
    }
    md += "\nThe margin is how far the measured value";
    md += p.members > 1 ? " (the member's at the hold share: " + percent(p.hold) +
                              " of members measured at most this)"
                        : "";
    md +=
        " is inside its threshold. A latency SLO also breaks when more than (1 − q) of the "
        "requests that waited gave up, whatever the quantile.\n\n";
    for (std::size_t i = 0; i < p.pools.size(); ++i) {
      if (!p.pools[i].planned) continue;
      for (std::size_t k = 0; k < periods; ++k) {
        auto fewer = c.servers;
        fewer[i][k] = one_step_fewer(p, c.servers[i][k]);
        const std::string where =
            md_cell(p.pools[i].name) +
            (periods > 1 ? " in period " + std::to_string(k + 1) : std::string());
        if (fewer[i][k] <= 0) {
          md += "- " + where + ": already the smallest pool the scale can represent.\n";
          continue;
        }
        const sim::plan_candidate* less = tried_with(p, fewer, k);
        const sim::slo_attainment* b = less ? broken(p, *less, i, k) : nullptr;
        md += "- " + where + ": with " + grouped(static_cast<double>(fewer[i][k])) + " servers ";
        if (b && periods > 1) {
          md += md_cell(b->endpoint) + " " + md_cell(b->objective) +
                " breaks in an interval of the period (it held in every one in " +
                percent(b->period_held_share[k]) + " of members).\n";
        } else if (b) {
          md += md_cell(b->endpoint) + " " + md_cell(b->objective) + " breaks (" +
                measured_text(*b, b->measured) + (b->note.empty() ? "" : ", " + md_cell(b->note)) +
                "; held in " + percent(b->held_share) + " of members).\n";
        } else {
          md +=
              less
                  ? "the SLOs held here, but the plan needed more elsewhere (see the candidates).\n"
                  : "was not tried with the other pools as planned.\n";
        }
      }
    }
    md += "\n";
  }

  md += "## How it was searched\n\n";
  md += std::to_string(p.tried.size()) + " candidates in " + fixed(p.wall_seconds, 1) +
        " s. Each candidate is the scenario with its servers (plan.yaml's form), run " +
        (p.members == 1 ? std::string("once with the scenario's seed")
                        : "on the same " + std::to_string(p.members) +
                              " members (seeds and uncertain inputs from `projection:`): "
                              "common random numbers") +
        ". The search doubles the servers of each pool whose SLOs fail until all hold, then "
        "bisects each pool's servers" +
        (periods > 1 ? " period after period (capacity in a period cannot change an earlier one), "
                       "an SLO holding in a period when it holds in each reporting interval of it"
                     : " on its own SLOs over the run") +
        ", and runs the whole plan once more to check the pools together. It assumes more "
        "servers never break an SLO that fewer held.\n\n";

  md += "## Candidates: cost against SLOs\n\n";
  md +=
      "Sorted by cost; \"front\" marks the Pareto front (nothing cheaper holds as much). "
      "Attainment is the share of SLO verdicts (per SLO, period and member) that held. A "
      "candidate tried for a period ran to that period's end: its cost and attainment cover "
      "that much.\n\n";
  md += "| # | servers | cost | attainment | holds | front | tried for |\n";
  md += "| ---: | --- | ---: | ---: | --- | --- | --- |\n";
  const std::vector<bool> front = pareto_front(p);
  std::vector<std::size_t> order(p.tried.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return p.tried[a].cost < p.tried[b].cost; });
  for (std::size_t i : order) {
    const auto& c = p.tried[i];
    const bool whole = c.until_s >= p.horizon_s;
    md += "| " + std::to_string(i) + " | " + md_cell(servers_text(p, c)) + " | " + dollars(c.cost) +
          (whole ? "" : " to " + duration_text(c.until_s)) + " | " + percent(attainment(c)) +
          " | " + (whole ? (c.holds ? "yes" : "no") : "to " + duration_text(c.until_s)) +
          (p.chosen && *p.chosen == i ? " (the plan)" : "") + " | " + (front[i] ? "front" : "") +
          " | " + md_cell(c.purpose) + " |\n";
  }
  md += "\n---\nseed " + std::to_string(p.seed) + ", scale " + shortest(p.scale) + ", horizon " +
        duration_text(p.horizon_s) +
        (p.period_s > 0 ? ", period " + duration_text(p.period_s) : std::string()) + ".\n";
  return md;
}

namespace {

constexpr const char* plan_app = R"JS(
  var front = data.candidates.filter(function (c) { return c.pareto; })
    .sort(function (a, b) { return a.cost_usd - b.cost_usd; });
  var whole = data.candidates.filter(function (c) { return c.until_s >= data.horizon_s; });
  var sets = [
    { label: 'candidates', data: whole.map(function (c) { return { x: c.cost_usd, y: c.attainment * 100 }; }),
      backgroundColor: '#94a3b8', pointRadius: 4 },
    { label: 'Pareto front', data: front.map(function (c) { return { x: c.cost_usd, y: c.attainment * 100 }; }),
      showLine: true, borderColor: '#2563eb', backgroundColor: '#2563eb', borderWidth: 2, pointRadius: 5, stepped: 'before' }
  ];
  if (data.plan !== null) {
    var c = data.candidates[data.plan];
    sets.push({ label: 'the plan', data: [{ x: c.cost_usd, y: c.attainment * 100 }],
      backgroundColor: '#059669', pointRadius: 9, pointStyle: 'rectRot' });
  }
  charts.push(new Chart(figure('Cost against SLOs', 'Every candidate the search ran over the whole horizon: its cost and the share of SLO verdicts (per SLO, period and member) that held.'), {
    type: 'scatter', data: { datasets: sets },
    options: { animation: false, responsive: true, maintainAspectRatio: false,
      scales: { x: { type: 'linear', title: { display: true, text: 'cost over the horizon, USD' } },
                y: { min: 0, max: 100, title: { display: true, text: 'SLO verdicts held, %' } } },
      plugins: { legend: { position: 'bottom' } } }
  }));
  if (data.plan !== null && data.period_starts_days.length > 1) {
    var palette = ['#2563eb', '#db2777', '#059669', '#d97706', '#7c3aed'];
    var plan = data.candidates[data.plan];
    var lines = data.pools.filter(function (p) { return p.planned; }).map(function (p, i) {
      var pts = plan.servers[p.name].map(function (n, k) { return { x: data.period_starts_days[k], y: n }; });
      pts.push({ x: data.horizon_days, y: plan.servers[p.name][plan.servers[p.name].length - 1] });
      return { label: p.name, data: pts, stepped: 'before', borderColor: palette[i % palette.length], borderWidth: 2, pointRadius: 0 };
    });
    charts.push(new Chart(figure('Servers per period', 'The plan\u2019s servers per pool over the horizon.'), {
      type: 'line', data: { datasets: lines },
      options: { animation: false, responsive: true, maintainAspectRatio: false,
        scales: { x: { type: 'linear', title: { display: true, text: 'days since start' } },
                  y: { beginAtZero: true, title: { display: true, text: 'servers' } } } }
    }));
  }
)JS";

}  // namespace

std::string plan_html(const sim::plan_result& p) {
  nlohmann::ordered_json data = nlohmann::ordered_json::parse(plan_json(p));
  std::vector<double> starts_days;
  for (double s : p.period_starts_s) starts_days.push_back(s / 86400);
  data["period_starts_days"] = starts_days;
  data["horizon_days"] = p.horizon_s / 86400;

  std::string h;
  h += "<header>\n<h1>" + html_escape(p.scenario) + ": capacity plan</h1>\n";
  if (!p.description.empty()) h += "<p class=\"desc\">" + html_escape(p.description) + "</p>\n";
  h += "<p class=\"meta\">" + std::to_string(p.tried.size()) + " candidates, " +
       std::to_string(p.members) + (p.members == 1 ? " member" : " members") + ", seed " +
       std::to_string(p.seed) + ", scale " + html_escape(shortest(p.scale)) + ", resolution " +
       html_escape(shortest(p.resolution)) + " servers</p>\n";
  h += p.chosen ? "<span class=\"verdict ok\">plan found</span>\n"
                : "<span class=\"verdict bad\">no plan</span>\n";
  h += "</header>\n";
  if (p.chosen) {
    const auto& c = p.tried[*p.chosen];
    h += "<h2>What to buy</h2>\n<table>\n<tr><th>pool</th><th>from</th><th>to</th><th>servers</th>"
         "<th>order by</th></tr>\n";
    for (std::size_t i = 0; i < p.pools.size(); ++i) {
      if (!p.pools[i].planned) continue;
      for (std::size_t k = 0; k < p.period_starts_s.size(); ++k) {
        const double order = p.period_starts_s[k] - sim::to_seconds(p.pools[i].provisioning_delay);
        h += "<tr><td>" + html_escape(p.pools[i].name) + "</td><td>" +
             html_escape(duration_text(p.period_starts_s[k])) + "</td><td>" +
             html_escape(duration_text(period_end(p, k))) + "</td><td>" +
             grouped(static_cast<double>(c.servers[i][k])) + "</td><td>" +
             html_escape(order < 0 ? duration_text(-order) + " before the start"
                                   : duration_text(order)) +
             "</td></tr>\n";
      }
    }
    h += "</table>\n<p>Total cost over the horizon: " + html_escape(dollars(c.cost)) + ".</p>\n";
    h += "<table>\n<tr><th>SLO</th><th>threshold</th><th>with the plan</th><th>margin</th></tr>\n";
    for (const auto& a : c.slos) {
      h += "<tr><td>" + html_escape(a.endpoint + " " + a.objective) + "</td><td>" +
           html_escape(measured_text(a, a.threshold)) + "</td><td>" +
           html_escape(measured_text(a, a.measured)) + "</td><td>" + percent(margin(a)) +
           "</td></tr>\n";
    }
    h += "</table>\n";
  } else {
    h += "<p>" + html_escape(p.stopped ? "The search was stopped." : p.failure) + "</p>\n";
  }
  h += "<h2>Candidates</h2>\n<section id=\"charts\"></section>\n";
  return report_page(p.scenario + " \xE2\x80\x94 stampede plan", h, data.dump(), plan_app);
}

void write_plan(const sim::plan_result& p, const std::filesystem::path& dir) {
  std::vector<std::pair<std::string, std::string>> files{
      {"plan.json", plan_json(p)}, {"summary.md", plan_md(p)}, {"report.html", plan_html(p)}};
  if (p.chosen) files.emplace_back("plan.yaml", p.yaml);
  write_files(dir, files);
  // No plan.yaml from an earlier search may pass for this one's.
  if (!p.chosen) std::filesystem::remove(dir / "plan.yaml");
}

}  // namespace stampede::reports
