#pragma once
// Writers of a projection's outputs (`stampede project`): projection.json,
// projection.csv, summary.md and report.html, from a sim::projection_result.
#include <filesystem>
#include <string>

#include "sim/ensemble/projection.hpp"

namespace stampede::reports {

/// projection.json: digest, inputs, per-member headline and draws, the bands.
std::string projection_json(const sim::projection_result& p);
/// projection.csv: long form, `outcome,t_hours,p10,p50,p90,mean`.
std::string projection_csv(const sim::projection_result& p);
/// summary.md: the leadership table (P10/P50/P90 at day 7, 30, 90, 365 or the horizon).
std::string projection_md(const sim::projection_result& p);
/// report.html: fan charts of the bands and a tornado chart of the sensitivities.
std::string projection_html(const sim::projection_result& p);

/// Creates `dir` if needed and writes the four files into it (atomically).
void write_projection(const sim::projection_result& p, const std::filesystem::path& dir);

}  // namespace stampede::reports
