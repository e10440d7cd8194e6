// timeseries.csv: one row per reporting interval. Numbers are written in their
// shortest round-trip form, so reading the file back gives the exact doubles
// the run produced (and the digest can be recomputed from it).
#include "reports/reports.hpp"
#include "reports/text.hpp"

namespace stampede::reports {

namespace {

// RFC 4180: a field with a comma, a quote or a line break is quoted, quotes doubled.
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string timeseries_csv(const sim::run_result& r) {
  std::string out;
  const auto& columns = r.series.columns;
  for (std::size_t c = 0; c < columns.size(); ++c) {
    if (c > 0) out += ',';
    out += csv_field(columns[c]);
  }
  out += '\n';
  for (const auto& row : r.series.rows) {
    // A short row still gets every column, so that the file stays rectangular.
    for (std::size_t c = 0; c < columns.size(); ++c) {
      if (c > 0) out += ',';
      if (c < row.size()) out += detail::shortest(row[c]);
    }
    out += '\n';
  }
  return out;
}

}  // namespace stampede::reports
