#pragma once
// The comma-separated text the fit commands read: lines cut at commas, each
// field trimmed and kept with its line and column, so a bad value is reported
// as "FILE:LINE:COL". No quoting: the files fitted are plain numbers and names.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace stampede::sim {

/// Data that cannot be used: "FILE:LINE:COL: what was expected".
class fit_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One field of a CSV line and its 1-based column.
struct csv_field {
  std::string_view text;
  std::size_t column = 1;
};

/// One non-blank line, its 1-based number and its fields.
struct csv_line {
  std::size_t number = 0;
  std::vector<csv_field> fields;
};

/// The non-blank lines of `text` (LF or CRLF), each cut into trimmed fields;
/// the views point into `text`.
std::vector<csv_line> csv_lines(std::string_view text);

/// Throws fit_error "FILE:LINE:COL: what".
[[noreturn]] void csv_fail(const std::string& file, std::size_t line, std::size_t column,
                           const std::string& what);

/// csv_lines, checked: a header first (`header_hint` says what it should
/// name when the file is empty), then rows of as many fields as it has.
std::vector<csv_line> csv_table(std::string_view text, const std::string& file,
                                const std::string& header_hint);

}  // namespace stampede::sim
