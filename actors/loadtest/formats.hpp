#pragma once
// The load generator's own vocabulary: what became of a sent request (its
// outcome class) and the results file's line format (DIR/results.csv), which
// `stampede report DIR` reads back.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/base/request.hpp"

namespace stampede::actors {

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
sim::outcome::kind model_kind(outcome_class c);

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

}  // namespace stampede::actors
