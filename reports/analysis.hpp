#pragma once
// Private to reports/: what the writers read out of a run's time series —
// when a pool ran out of capacity, when an SLO was breached, and a first-order
// estimate of the servers that would have held. Everything is derived from the
// run_result; nothing here knows a particular scenario.
#include <optional>
#include <string>
#include <vector>

#include "sim/results/result.hpp"

namespace stampede::reports::detail {

/// The values of column `name` (empty when absent).
std::vector<double> column_values(const sim::run_result& r, const std::string& name);

/// Hours since the start at the end of row `row`: the "t_hours" column when
/// present, else (row + 1) reporting intervals.
double row_hours(const sim::run_result& r, int row);
/// Hours since the start at the beginning of row `row`.
double row_start_hours(const sim::run_result& r, int row);
/// "hour 37 (day 2, 13:00)".
std::string when_text(double hours);
/// A duration in hours for people: "45 min", "12 h", "2 days 4 h".
std::string hours_text(double hours);

/// How one pool fared, read from its columns.
struct pool_story {
  std::string pool;
  /// First row where the pool saturated (sim/results/capacity.hpp) or the queue grew beyond one
  /// request per server, -1 if none; and which of the two it was.
  int first_saturated_row = -1;
  std::string saturation_reason;
  /// Row of the longest queue, -1 without a queue column.
  int peak_queue_row = -1;
  double peak_queue = 0;
  /// Whether the pool counts as saturated (the above, a saturated peak utilization,
  /// or a breached SLO on one of its endpoints).
  bool saturated = false;
};

/// Consecutive rows in which an SLO did not hold (inclusive).
struct breach_episode {
  int first_row = 0;
  int last_row = 0;
};

/// One SLO's breaches over time.
struct slo_story {
  const sim::slo_result* slo = nullptr;
  /// Column the breach was read from ("latency_p99_s.generate_image"), "" if none.
  std::string column;
  std::vector<breach_episode> episodes;
};

/// Reads every pool's story from the series.
std::vector<pool_story> pool_stories(const sim::run_result& r);
/// Reads every SLO's breach episodes from the per-interval latency columns
/// where they exist; else one episode from first_breach_interval.
std::vector<slo_story> slo_stories(const sim::run_result& r);

/// A public figure's value for people: big counts grouped, small ones (hours,
/// seconds) to a tenth, "not reached" for NaN.
std::string figure_value_text(double v);

/// A public figure's verdict in words, without markup.
struct figure_verdict {
  /// Within its tolerance.
  bool ok = false;
  /// False for a reference: it gets no verdict, only the difference.
  bool judged = true;
  /// "matched (calibration target)", "not matched (calibration target)",
  /// "predicted", "not predicted", "reference".
  std::string word;
  /// ": +3.2%, ±15% allowed", ": +1.6%, at least the public value, up to 15% above",
  /// ": +19.1%, the effect of what this scenario changes".
  std::string detail;
};
figure_verdict verdict_of(const sim::figure_result& f);

/// What a reference figure is, for the sentence above a figures table.
inline constexpr const char* reference_note =
    "A reference figure is what the real launch showed; this scenario changes what "
    "produced it, so the difference is its effect, not a miss.";

/// "5 of 5 calibration targets matched; 1 of 2 predictions held; 2 reference
/// figures, shown as differences" (empty without figures).
std::string figures_tally(const sim::run_result& r);

/// Where an endpoint's run-wide quantiles come from, for people: "exact (all
/// 7,035,508)", "sampled (1,000,000 of 7,035,508)" or "histogram (within 1%)".
std::string quantile_source_text(const sim::endpoint_result& e);
/// The sentence under an endpoint table that says what those words mean.
std::string quantile_note();

}  // namespace stampede::reports::detail
