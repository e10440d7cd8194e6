#pragma once
// Writers of a run's outputs, and the words for a scenario that `validate` prints. Each file is
// written to a temporary name in the output folder and renamed into place, so a crash never leaves
// a half-written file.
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "sim/results/result.hpp"
#include "sim/scenario/scenario.hpp"

namespace stampede::reports {

/// summary.json: the machine-readable result (see scenario-format.md).
std::string summary_json(const sim::run_result& r);
/// timeseries.csv: one row per reporting interval, the columns of r.series.
std::string timeseries_csv(const sim::run_result& r);
/// summary.md: the page leadership reads, in plain words.
std::string summary_md(const sim::run_result& r);
/// report.html: one self-contained page with Chart.js inlined and the charts.
std::string report_html(const sim::run_result& r);

/// A few lines that say what a scenario describes (what `stampede validate` prints).
std::string describe(const sim::scenario& s);

/// Writes `content` to `path` atomically (temporary file in the same folder, then rename).
void write_file_atomically(const std::filesystem::path& path, const std::string& content);

/// Creates `dir` if needed and writes each (name, content) into it atomically, in order.
void write_files(const std::filesystem::path& dir,
                 const std::vector<std::pair<std::string, std::string>>& files);

/// Creates `dir` if needed and writes the four files into it.
void write_all(const sim::run_result& r, const std::filesystem::path& dir);

}  // namespace stampede::reports
