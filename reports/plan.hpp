#pragma once
// Writers of a capacity plan's outputs (`stampede plan`): plan.json,
// plan.yaml, summary.md and report.html, from a sim::plan_result.
#include <filesystem>
#include <string>
#include <vector>

#include "sim/plan/search.hpp"

namespace stampede::reports {

/// Whether each candidate tried is on the cost-versus-SLO Pareto front: no
/// other costs less and attains as much, or costs as much and attains more.
std::vector<bool> pareto_front(const sim::plan_result& p);
/// A candidate's SLO attainment: the share of (SLO, period, member) verdicts
/// that held, 1 when every SLO held everywhere.
double attainment(const sim::plan_candidate& c);

/// plan.json: the plan per pool and period, and every candidate tried.
std::string plan_json(const sim::plan_result& p);
/// summary.md: what to buy (servers per pool and period, cost, when to order),
/// why (the SLO margins, what one step fewer breaks), how it was searched, and
/// the table of candidates.
std::string plan_md(const sim::plan_result& p);
/// report.html: the plan, and the candidates' cost against SLO attainment.
std::string plan_html(const sim::plan_result& p);

/// Creates `dir` if needed and writes plan.json, summary.md, report.html and,
/// when a plan was found, plan.yaml (atomically).
void write_plan(const sim::plan_result& p, const std::filesystem::path& dir);

}  // namespace stampede::reports
