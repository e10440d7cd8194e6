#include "sim/fit/csv.hpp"

#include <algorithm>

#include "sim/base/units.hpp"

namespace stampede::sim {

std::vector<csv_line> csv_lines(std::string_view text) {
  std::vector<csv_line> out;
  std::size_t start = 0, number = 0;
  while (start <= text.size()) {
    const std::size_t end = text.find('\n', start);
    std::string_view line = text.substr(start, end == std::string_view::npos ? end : end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // CRLF files
    ++number;
    if (!trim(line).empty()) {
      csv_line l{number, {}};
      std::size_t from = 0;
      while (true) {
        const std::size_t comma = line.find(',', from);
        const std::string_view raw = line.substr(from, comma - from);
        const std::size_t lead = std::min(raw.size(), raw.find_first_not_of(" \t"));
        l.fields.push_back({trim(raw), from + lead + 1});
        if (comma == std::string_view::npos) break;
        from = comma + 1;
      }
      out.push_back(std::move(l));
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

void csv_fail(const std::string& file, std::size_t line, std::size_t column,
              const std::string& what) {
  throw fit_error(file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + what);
}

std::vector<csv_line> csv_table(std::string_view text, const std::string& file,
                                const std::string& header_hint) {
  std::vector<csv_line> lines = csv_lines(text);
  if (lines.empty()) csv_fail(file, 1, 1, "empty file: expected a header " + header_hint);
  const std::size_t columns = lines[0].fields.size();
  for (const csv_line& l : lines) {
    if (l.fields.size() != columns) {
      csv_fail(file, l.number, 1,
               "expected " + std::to_string(columns) + " fields like the header, got " +
                   std::to_string(l.fields.size()));
    }
  }
  return lines;
}

}  // namespace stampede::sim
