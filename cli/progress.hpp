#pragma once
// The progress line of long runs, on stderr.
#include <string>

#include "actors/engine/engine.hpp"

namespace stampede::cli {

/// Prints progress to stderr: a line redrawn in place on a terminal, or a
/// plain line every few seconds when stderr is a file or pipe (with --progress).
class progress_display {
 public:
  explicit progress_display(bool terminal) : terminal_(terminal) {}
  void update(const actors::progress& p);
  /// The line of an ensemble: members finished of `total`, with an ETA.
  void update_members(std::uint64_t done, std::uint64_t total, std::uint64_t requests,
                      double wall_seconds);
  /// A line of the caller's own (throttled as the others off a terminal).
  void update_line(const std::string& text, double wall_seconds);
  /// The line of a capacity search (`plan`): candidates tried so far and the
  /// last one in words ("gpu 290 servers: holds").
  void update_plan(std::size_t tried, const std::string& last, double wall_seconds);
  /// Ends the line on a terminal.
  void finish();

 private:
  bool terminal_;
  double last_line_ = -1e9;
  bool drawn_ = false;
};

}  // namespace stampede::cli
