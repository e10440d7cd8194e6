#pragma once
// Reading a scenario from YAML, with errors that say where and what.
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sim/scenario/scenario.hpp"

namespace stampede::sim {

/// A scenario that cannot be used. what() is the full message:
/// "quickstart.yaml:12:5: platform.pools[0].servers: expected a positive integer, got \"lots\"".
class scenario_error : public std::runtime_error {
 public:
  scenario_error(std::string file, int line, int column, std::string key_path, std::string message);
  const std::string& file() const { return file_; }
  /// 1-based; 0 when there is no position (a missing file).
  int line() const { return line_; }
  int column() const { return column_; }
  /// "platform.pools[0].servers"; empty for whole-file errors.
  const std::string& key_path() const { return key_path_; }
  /// The message without the position and key path.
  const std::string& message() const { return message_; }

 private:
  std::string file_;
  int line_;
  int column_;
  std::string key_path_;
  std::string message_;
};

/// `text` safe to print as (part of) one line on a terminal: control bytes
/// (newlines, ANSI escapes, ...) are written as \n, \t, \r or \xHH. Every
/// error message that may carry text from a scenario or a command line goes
/// through it.
std::string one_line(std::string_view text);

/// The largest scenario file read (bytes): a scenario is a page of YAML, and
/// `validate /dev/zero` must end.
inline constexpr std::size_t max_scenario_bytes = 16 * 1024 * 1024;

/// Loads and validates the scenario in `path`, after applying `overrides`
/// ("key.path=value", as given to --set). Throws scenario_error.
scenario load_scenario_file(const std::string& path,
                            const std::vector<std::string>& overrides = {});

/// The same from YAML text; `name` stands for the file name in messages.
scenario load_scenario_text(std::string_view yaml, const std::string& name,
                            const std::vector<std::string>& overrides = {});

/// The document `yaml` with `overrides` applied, as YAML text (its comments
/// dropped): what --set makes of a file, written out as a scenario of its own
/// (the plan of `stampede plan`). Throws scenario_error as load_scenario_text.
std::string scenario_yaml_with(std::string_view yaml, const std::string& name,
                               const std::vector<std::string>& overrides);

}  // namespace stampede::sim
