#include "actors/loadtest/recorder.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace stampede::actors {

namespace {

constexpr double missing = std::numeric_limits<double>::quiet_NaN();

double seconds_or_missing(const sim::histogram& h, double q) {
  return h.count() == 0 ? missing : static_cast<double>(h.quantile(q)) * 1e-6;
}

}  // namespace

loadtest_recorder::loadtest_recorder(std::vector<std::string> endpoints, double interval_s,
                                     double time_scale)
    : names_(std::move(endpoints)),
      interval_us_(std::max(1e3, interval_s * 1e6)),
      time_scale_(time_scale),
      endpoints_(names_.size()),
      cur_corrected_(names_.size()),
      cur_uncorrected_(names_.size()) {
  for (std::size_t i = 0; i < names_.size(); ++i) endpoints_[i].name = names_[i];
}

loadtest_recorder::row& loadtest_recorder::row_at(std::size_t i) {
  while (rows_.size() <= i) {
    row r;
    const std::size_t n = names_.size();
    r.offered = r.completed = r.rejected = r.abandoned = r.errors = std::vector<double>(n, 0.0);
    r.p50 = r.p99 = r.uncorrected_p99 = std::vector<double>(n, missing);
    rows_.push_back(std::move(r));
  }
  return rows_[i];
}

void loadtest_recorder::close_current() {
  row& r = row_at(current_);
  sim::histogram all;
  for (std::size_t e = 0; e < names_.size(); ++e) {
    r.p50[e] = seconds_or_missing(cur_corrected_[e], 0.5);
    r.p99[e] = seconds_or_missing(cur_corrected_[e], 0.99);
    r.uncorrected_p99[e] = seconds_or_missing(cur_uncorrected_[e], 0.99);
    all.merge(cur_corrected_[e]);
    cur_corrected_[e].clear();
    cur_uncorrected_[e].clear();
  }
  r.lag_p99 = seconds_or_missing(cur_lag_, 0.99);
  cur_lag_.clear();
  if (all.count() > 0) last_p99_s_ = static_cast<double>(all.quantile(0.99)) * 1e-6;
  ++current_;
}

void loadtest_recorder::advance(std::int64_t wall_us) {
  const auto until = static_cast<std::size_t>(std::max<double>(0, wall_us / interval_us_));
  while (current_ < until) close_current();
}

void loadtest_recorder::record(const loadtest_sample& s) {
  auto& e = endpoints_.at(static_cast<std::size_t>(s.endpoint));
  const auto ei = static_cast<std::size_t>(s.endpoint);
  // Rows by completion time; samples come in completion order, so a row is
  // complete once a later one starts.
  advance(s.intended_us + s.corrected_us);
  if (s.what == outcome_class::dropped) {
    // Never sent: not finished, no lag, no row of offered load.
    ++e.dropped;
    first_dropped_us_ = dropped_ == 0 ? s.intended_us : std::min(first_dropped_us_, s.intended_us);
    last_dropped_us_ = std::max(last_dropped_us_, s.intended_us);
    ++dropped_;
    return;
  }
  ++finished_;
  row& done = row_at(current_);
  row& offered =
      row_at(static_cast<std::size_t>(std::max<double>(0, s.intended_us / interval_us_)));
  offered.offered[ei] += 1;
  lag_.record(s.lag_us);
  cur_lag_.record(s.lag_us);
  switch (s.what) {
    case outcome_class::status_2xx:
      ++e.status_2xx;
      e.corrected.record(s.corrected_us);
      e.uncorrected.record(s.uncorrected_us);
      cur_corrected_[ei].record(s.corrected_us);
      cur_uncorrected_[ei].record(s.uncorrected_us);
      done.completed[ei] += 1;
      return;
    case outcome_class::status_503:
      ++e.status_503;
      done.rejected[ei] += 1;
      return;
    case outcome_class::status_429:
      ++e.status_429;
      done.rejected[ei] += 1;
      return;
    case outcome_class::timeout:
      ++e.timeout;
      done.abandoned[ei] += 1;
      ++errors_;
      return;
    case outcome_class::status_4xx:
      ++e.status_4xx;
      break;
    case outcome_class::status_5xx:
      ++e.status_5xx;
      break;
    case outcome_class::status_other:
      ++e.status_other;
      break;
    case outcome_class::connect_error:
      ++e.connect_error;
      break;
    case outcome_class::reset_closed:
      ++e.reset_closed;
      break;
    case outcome_class::tls_handshake:
      ++e.tls_handshake;
      break;
    case outcome_class::dropped:
      break;
  }
  done.errors[ei] += 1;
  ++errors_;
}

std::uint64_t loadtest_recorder::in_flight() const {
  std::uint64_t sent = 0;
  for (const auto& e : endpoints_) sent += e.sent;
  return sent >= finished_ ? sent - finished_ : 0;
}

std::vector<sim::loadtest_endpoint_result> loadtest_recorder::finish_endpoints() const {
  std::vector<sim::loadtest_endpoint_result> out = endpoints_;
  for (auto& e : out) {
    e.completed = e.status_2xx;
    e.timed_out = e.timeout;
    e.failed = e.status_503 + e.status_429 + e.status_4xx + e.status_5xx + e.status_other +
               e.connect_error + e.reset_closed + e.tls_handshake;
    const std::uint64_t finished = e.completed + e.failed + e.timed_out;
    if (finished > e.sent) {
      throw std::logic_error("load-test accounting: " + e.name + " has " +
                             std::to_string(finished) + " outcomes for " + std::to_string(e.sent) +
                             " sent requests");
    }
    e.in_flight = e.sent - finished;
    e.intended = e.sent + e.dropped + e.unsent_at_stop;
  }
  return out;
}

sim::timeseries loadtest_recorder::series() {
  // Close the row being filled so its quantiles are in the table.
  if (finished_ > 0 && current_ < rows_.size()) close_current();
  sim::timeseries ts;
  ts.columns = {"t_hours", "t_wall_s"};
  const char* per_endpoint[] = {"offered_rps.",   "completed_rps.",    "rejected_rps.",
                                "abandoned_rps.", "errors_rps.",       "latency_p50_s.",
                                "latency_p99_s.", "uncorrected_p99_s."};
  for (const char* prefix : per_endpoint) {
    for (const auto& n : names_) ts.columns.push_back(prefix + n);
  }
  ts.columns.push_back("lag_p99_s");
  const double interval_s = interval_us_ * 1e-6;
  for (std::size_t i = 0; i < rows_.size(); ++i) {
    const row& r = rows_[i];
    std::vector<double> v;
    v.reserve(ts.columns.size());
    const double end_s = static_cast<double>(i + 1) * interval_s;
    v.push_back(end_s * time_scale_ / 3600.0);
    v.push_back(end_s);
    for (const auto* col : {&r.offered, &r.completed, &r.rejected, &r.abandoned, &r.errors}) {
      for (double x : *col) v.push_back(x / interval_s);
    }
    for (const auto* col : {&r.p50, &r.p99, &r.uncorrected_p99}) {
      for (double x : *col) v.push_back(x);
    }
    v.push_back(r.lag_p99 < 0 ? missing : r.lag_p99);
    ts.rows.push_back(std::move(v));
  }
  return ts;
}

}  // namespace stampede::actors
