#pragma once
// The model-free side of load testing: target URLs and the allow list, request
// templates, outcome classes, the results file's line format, and the exact
// accounting of what was sent and what came back. No sockets here, so every
// rule can be tested without a network.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sim/base/request.hpp"
#include "sim/results/result.hpp"
#include "sim/scenario/scenario.hpp"

namespace stampede::sim {

/// What became of one sent request, as the generator sees it.
enum class outcome_class : std::uint8_t {
  status_2xx,
  status_503,
  status_429,
  status_4xx,
  status_5xx,
  status_other,
  timeout,
  connect_error,
  reset_closed,
  /// The TLS handshake failed: the certificate was not trusted or not for the
  /// target's host, or the two sides agreed on no protocol.
  tls_handshake,
  /// Never sent: it could not go out within max_lag of its intended time.
  dropped,
};
/// The classes of a sent request: every one but `dropped`.
inline constexpr int outcome_classes = 10;

/// "2xx", "503", "429", "4xx", "5xx", "other", "timeout", "connect_error",
/// "reset_closed", "tls_handshake", "dropped".
const char* outcome_class_name(outcome_class c);
/// The class named by outcome_class_name, or nothing.
std::optional<outcome_class> outcome_class_of(std::string_view name);
/// The class of an HTTP response status.
outcome_class classify_status(int status);
/// The model's view of a class: 2xx completed, timeout abandoned (the user's
/// patience ran out), dropped completed (the target never saw it: the session
/// goes on, so the load the model asks for stays what it was), anything else
/// rejected (the session ends, as in `run`).
outcome::kind model_kind(outcome_class c);

/// A load-test target, "http://host[:port]" or "https://host[:port]".
struct target_url {
  std::string host;
  std::uint16_t port = 80;
  /// https: the requests go over TLS.
  bool tls = false;
  /// "host:port" (IPv6 in brackets): the Host header.
  std::string authority() const;
  /// "http://host:port" or "https://host:port", normalised.
  std::string text() const;
};

/// A target that cannot be used: malformed, or neither http nor https.
class target_error : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// Parses "http://host[:port][/]" or "https://..." (port 80 or 443 by
/// default); host is an IPv4/IPv6 literal ("[::1]") or a name. Throws
/// target_error saying what is wrong.
target_url parse_target_url(std::string_view url);

/// True when `host` is listed in `allow_hosts` (case-insensitive; "[::1]" and
/// "::1" are the same host).
bool host_allowed(std::string_view host, const std::vector<std::string>& allow_hosts);

/// Values of ${env:NAME} variables, read from the environment once at the start:
/// (NAME, value) pairs.
using env_values = std::vector<std::pair<std::string, std::string>>;

/// The template variables ${user_id} ${seq} ${prompt} ${tier} and ${env:NAME}.
struct template_values {
  std::uint64_t user_id = 0;
  std::uint64_t seq = 0;
  std::string_view prompt;
  std::string_view tier = "default";
  /// ${env:NAME} is replaced by NAME's value here; one not listed stays as written.
  const env_values* env = nullptr;
};
/// The NAME of "env:NAME" (letters, digits and _, not starting with a digit);
/// empty when `variable` is not one.
std::string_view env_variable_name(std::string_view variable);
/// Names between ${ and } that are not template variables (empty: the text is usable).
std::vector<std::string> unknown_template_variables(std::string_view text);
/// `text` with every non-empty value of `env` replaced by its ${env:NAME}: what
/// is printed or written never shows a secret, even where a request is echoed.
std::string redact(std::string text, const env_values& env);
/// The text with every ${...} variable replaced.
std::string expand_template(std::string_view text, const template_values& v);
/// Appends to `out` like expand_template, without allocating a new string.
void expand_template_into(std::string& out, std::string_view text, const template_values& v);

/// One finished or dropped request, as appended to DIR/results.csv.
struct loadtest_sample {
  /// Intended send time, microseconds of wall time since the start of the test.
  std::int64_t intended_us = 0;
  int endpoint = 0;
  outcome_class what = outcome_class::status_2xx;
  /// HTTP status, 0 when there was no response.
  int status = 0;
  /// Response time from the intended and from the actual send, microseconds;
  /// for a dropped request, when it was given up (from the intended time) and 0.
  std::int64_t corrected_us = 0;
  std::int64_t uncorrected_us = 0;
  /// Actual send minus intended send, microseconds (0 when dropped).
  std::int64_t lag_us = 0;
};

/// The results file's first line.
std::string results_header();
/// One line (with its '\n') for a sample; endpoints are written by name.
std::string format_sample(const loadtest_sample& s, const std::vector<std::string>& endpoints);
/// Appends the line of format_sample to `out` (no allocation once `out` has grown).
void append_sample(std::string& out, const loadtest_sample& s,
                   const std::vector<std::string>& endpoints);
/// Parses a line written by format_sample; nothing for the header, a torn last
/// line or an unknown endpoint.
std::optional<loadtest_sample> parse_sample(std::string_view line,
                                            const std::vector<std::string>& endpoints);

/// True when a sample read back from a results file fits a test of
/// `duration_s` wall seconds with request timeout `timeout_s`: sent between its
/// start and its end, every time non-negative and ending no later than twice
/// the duration plus the timeout after the start (a generator that fell behind
/// still sent everything before the end), and an HTTP status below 1000. A
/// results file is data from disk: one absurd row must not allocate a row per
/// interval up to it, nor overflow the sums of its times.
bool sample_fits(const loadtest_sample& s, double duration_s, double timeout_s);

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
  const std::vector<loadtest_endpoint_result>& endpoints() const { return endpoints_; }
  const histogram& lag() const { return lag_; }
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
  std::vector<loadtest_endpoint_result> finish_endpoints() const;
  /// The time series (rows up to the last sample): t_hours (virtual), t_wall_s,
  /// offered_rps.E (requests by intended send time), completed_rps.E,
  /// rejected_rps.E (503 and 429), abandoned_rps.E (timeouts), errors_rps.E,
  /// latency_p50_s.E and latency_p99_s.E (corrected), uncorrected_p99_s.E and
  /// lag_p99_s; rates per wall second, latencies by completion time.
  timeseries series();

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
  std::vector<loadtest_endpoint_result> endpoints_;
  histogram lag_;
  std::vector<row> rows_;
  /// Histograms of the row being filled (by completion time).
  std::size_t current_ = 0;
  std::vector<histogram> cur_corrected_, cur_uncorrected_;
  histogram cur_lag_;
  std::uint64_t finished_ = 0;
  std::uint64_t errors_ = 0;
  std::uint64_t dropped_ = 0;
  std::int64_t first_dropped_us_ = 0, last_dropped_us_ = 0;
  double last_p99_s_ = 0;
};

/// The share of the requests the generator tried to send that it dropped:
/// dropped / (sent + dropped), 0 when it dropped none.
double dropped_share(const std::vector<loadtest_endpoint_result>& endpoints);

/// True when the generator kept its schedule: at most max_dropped of its
/// requests dropped, and the lag p99 of the sent ones within max_lag.
bool kept_schedule(const loadtest_result& lt);

/// SLO verdicts of a load test: latency objectives on the corrected latencies
/// of 2xx responses, and breached as well when more than (1 - q) of the
/// finished requests failed or timed out (they were slower than anything
/// measured); max_rejected on (503 + 429) / sent.
std::vector<slo_result> loadtest_slos(const scenario& s,
                                      const std::vector<loadtest_endpoint_result>& endpoints);

}  // namespace stampede::sim
