#include "sim/ensemble/outcomes.hpp"

#include <algorithm>
#include <charconv>

#include "sim/results/capacity.hpp"

namespace stampede::sim {

namespace {

const std::vector<double>& path(const outcome_paths& p, const std::string& name) {
  static const std::vector<double> none;
  const auto it = std::find(p.names.begin(), p.names.end(), name);
  return it == p.names.end() ? none : p.values[static_cast<std::size_t>(it - p.names.begin())];
}

double last(const std::vector<double>& v, double otherwise = 0) {
  return v.empty() ? otherwise : v.back();
}

}  // namespace

std::string milestone_path(const milestone& m) {
  char buf[400];
  // Fixed notation: "reached.adopters.1000000", not "1e+06".
  const auto end = std::to_chars(buf, buf + sizeof buf, m.value, std::chars_format::fixed).ptr;
  return "reached." + m.outcome + "." + std::string(buf, end);
}

outcome_paths outcomes_of(const run_result& r, const scenario& s) {
  outcome_paths p;
  const timeseries& ts = r.series;
  const std::size_t rows = ts.rows.size();
  auto column = [&](const std::string& name) {
    std::vector<double> v(rows, 0.0);
    const int c = ts.column(name);
    for (std::size_t i = 0; c >= 0 && i < rows; ++i) v[i] = ts.rows[i][static_cast<std::size_t>(c)];
    return v;
  };
  auto add = [&](std::string name, std::vector<double> v) {
    p.names.push_back(std::move(name));
    p.values.push_back(std::move(v));
  };
  // What an interval adds to a running total of a rate (per second or per day).
  p.t_hours = column("t_hours");
  auto cumulative = [&](const std::vector<double>& rate, double per_seconds) {
    std::vector<double> total(rows);
    double sum = 0, previous_h = 0;
    for (std::size_t i = 0; i < rows; ++i) {
      sum += rate[i] * (p.t_hours[i] - previous_h) * 3600.0 / per_seconds;
      previous_h = p.t_hours[i];
      total[i] = sum;
    }
    return total;
  };

  add("adopters", column("adopters"));
  add("active_users", column("active_users"));
  for (const endpoint_result& e : r.endpoints) {
    for (const char* what : {"offered_rps.", "completed_rps.", "rejected_rps."}) {
      add(what + e.name, column(what + e.name));
    }
    add("completed." + e.name, cumulative(column("completed_rps." + e.name), 1.0));
  }
  for (const pool_result& pool : r.pools) {
    add("queue." + pool.name, column("queue." + pool.name));
    add("servers." + pool.name, column("servers." + pool.name));
  }
  for (std::size_t k = 0; k < s.pools.size(); ++k) {
    std::vector<double> busy(rows, 0.0);  // servers the first attempts keep busy
    for (const endpoint_spec& e : s.endpoints) {
      if (e.pool != static_cast<int>(k)) continue;
      const std::vector<double> rate = column("first_attempts_rps." + e.name);
      for (std::size_t i = 0; i < rows; ++i) busy[i] += rate[i] * e.work.mean();
    }
    std::vector<double> needed(rows);
    double peak = 0;
    for (std::size_t i = 0; i < rows; ++i) {
      peak = std::max(peak, servers_needed(busy[i]));
      needed[i] = peak;
    }
    add("servers_needed." + s.pools[k].name, std::move(needed));
  }
  const std::vector<double> cost = column("cost_usd");
  const std::vector<double> revenue = cumulative(column("revenue_per_day_usd"), 86400.0);
  std::vector<double> margin(rows);
  for (std::size_t i = 0; i < rows; ++i) margin[i] = revenue[i] - cost[i];
  add("cost_usd", cost);
  add("revenue_per_day_usd", column("revenue_per_day_usd"));
  add("revenue_usd", revenue);
  add("margin_usd", margin);

  std::vector<double> all_held(rows, 1.0);
  for (const slo_result& s : r.slos) {
    std::vector<double> held(rows, 1.0);
    for (std::size_t i = 0; i < rows && i < s.held_by_interval.size(); ++i) {
      held[i] = s.held_by_interval[i] ? 1.0 : 0.0;
      all_held[i] = std::min(all_held[i], held[i]);
    }
    add("slo_held." + s.endpoint + "." + s.objective.substr(0, s.objective.find(' ')), held);
  }
  add("slo_held", all_held);
  for (const milestone& m : s.projection.milestones) {
    const std::vector<double> outcome = path(p, m.outcome);
    std::vector<double> reached(rows, 0.0);
    for (std::size_t i = 0; i < rows && i < outcome.size(); ++i) {
      reached[i] = outcome[i] >= m.value || (i > 0 && reached[i - 1] > 0) ? 1.0 : 0.0;
    }
    add(milestone_path(m), std::move(reached));
  }
  return p;
}

member_headline headline_of(const outcome_paths& p) {
  member_headline h;
  h.adopters = last(path(p, "adopters"));
  h.cost_usd = last(path(p, "cost_usd"));
  h.revenue_usd = last(path(p, "revenue_usd"));
  h.margin_usd = last(path(p, "margin_usd"));
  const std::vector<double>& held = path(p, "slo_held");
  if (!held.empty()) {
    double sum = 0;
    for (double v : held) sum += v;
    h.slo_held_share = sum / static_cast<double>(held.size());
  }
  return h;
}

}  // namespace stampede::sim
