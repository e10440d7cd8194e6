#pragma once
// The load generator's exact accounting: every sent and finished request,
// counted, in histograms and in the time series.
#include <cstdint>
#include <string>
#include <vector>

#include "actors/loadtest/formats.hpp"
#include "sim/observe/histogram.hpp"
#include "sim/results/result.hpp"

namespace stampede::actors {

/// Counts, histograms and the time series of a load test, fed with every sent
/// and finished request. The same code runs live and in `stampede report DIR`,
/// so a rebuilt report holds what the live one would have.
class loadtest_recorder {
 public:
  /// `interval_s`: wall seconds per time-series row; `time_scale` turns wall
  /// time into the virtual time of the t_hours column.
  loadtest_recorder(std::vector<std::string> endpoints, double interval_s, double time_scale);

  /// A request of endpoint `e` is sent (or its connection is attempted).
  void sent(int e) { ++endpoints_.at(static_cast<std::size_t>(e)).sent; }
  /// A request of the model for an endpoint that is not load-tested.
  void not_sent(int e) { ++endpoints_.at(static_cast<std::size_t>(e)).not_sent; }
  /// A request still waiting for a connection when the test stopped.
  void unsent_at_stop(int e) { ++endpoints_.at(static_cast<std::size_t>(e)).unsent_at_stop; }
  /// A finished or dropped request; samples must come in the order they
  /// finished (or were dropped).
  void record(const loadtest_sample& s);
  /// Closes the time-series rows that end before `wall_us` (for a live display).
  void advance(std::int64_t wall_us);

  /// Sent minus finished, over all endpoints.
  std::uint64_t in_flight() const;
  std::uint64_t finished() const { return finished_; }
  std::uint64_t errors() const { return errors_; }
  const std::vector<sim::loadtest_endpoint_result>& endpoints() const { return endpoints_; }
  const sim::histogram& lag() const { return lag_; }
  /// Dropped requests over all endpoints, and the intended send times
  /// (microseconds since the start) of the first and last.
  std::uint64_t dropped() const { return dropped_; }
  std::int64_t first_dropped_us() const { return first_dropped_us_; }
  std::int64_t last_dropped_us() const { return last_dropped_us_; }
  /// Corrected p99 (seconds) of the last closed row over all endpoints, or 0.
  double last_p99_s() const { return last_p99_s_; }

  /// The per-endpoint results, with in_flight = sent - finished and intended =
  /// sent + dropped + unsent_at_stop; throws std::logic_error if the accounting
  /// does not add up.
  std::vector<sim::loadtest_endpoint_result> finish_endpoints() const;
  /// The time series (rows up to the last sample): t_hours (virtual), t_wall_s,
  /// offered_rps.E (requests by intended send time), completed_rps.E,
  /// rejected_rps.E (503 and 429), abandoned_rps.E (timeouts), errors_rps.E,
  /// latency_p50_s.E and latency_p99_s.E (corrected), uncorrected_p99_s.E and
  /// lag_p99_s; rates per wall second, latencies by completion time.
  sim::timeseries series();

 private:
  struct row {
    std::vector<double> offered, completed, rejected, abandoned, errors;
    std::vector<double> p50, p99, uncorrected_p99;
    double lag_p99 = -1;
  };
  row& row_at(std::size_t i);
  void close_current();

  std::vector<std::string> names_;
  double interval_us_;
  double time_scale_;
  std::vector<sim::loadtest_endpoint_result> endpoints_;
  sim::histogram lag_;
  std::vector<row> rows_;
  /// Histograms of the row being filled (by completion time).
  std::size_t current_ = 0;
  std::vector<sim::histogram> cur_corrected_, cur_uncorrected_;
  sim::histogram cur_lag_;
  std::uint64_t finished_ = 0;
  std::uint64_t errors_ = 0;
  std::uint64_t dropped_ = 0;
  std::int64_t first_dropped_us_ = 0, last_dropped_us_ = 0;
  double last_p99_s_ = 0;
};

}  // namespace stampede::actors
