#pragma once
// SLO verdicts: the one rule that judges a run (`run`, per interval and over
// the run) and a load test (`loadtest`, over the test).
//
// A latency objective "latency_pQ <= T" holds when the measured quantile is at
// most T *and* no more than (1 - Q) of the requests that waited for an answer
// got none in time (gave up, timed out, failed): those would have been slower
// than anything measured, so a quantile of the answered alone would flatter the
// service. Requests refused at once (queue full, rate limited) did not wait:
// they are max_rejected's business. "max_rejected <= S" holds when rejected /
// offered is at most S.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/results/result.hpp"
#include "sim/scenario/scenario.hpp"

namespace stampede::sim {

/// What a latency objective is judged on, over a run, a test or one interval.
struct latency_evidence {
  /// The measured quantile, seconds; negative when nothing was measured.
  double quantile_s = -1;
  /// Requests that waited for an answer (every finished one but the refused).
  std::uint64_t waited = 0;
  /// Of those, the ones that got no usable answer in time.
  std::uint64_t unanswered = 0;
};

/// unanswered / waited, 0 when none waited.
double unanswered_share(const latency_evidence& e);
/// Whether more than (1 - q) of the requests that waited went unanswered.
bool too_many_unanswered(const slo_spec& slo, const latency_evidence& e);
/// Whether a latency objective holds on `e` (see the top of this file).
bool latency_held(const slo_spec& slo, const latency_evidence& e);
/// rejected / offered, 0 when nothing was offered.
double rejected_share(std::uint64_t rejected, std::uint64_t offered);
/// Whether a max_rejected objective holds.
bool rejected_held(const slo_spec& slo, std::uint64_t rejected, std::uint64_t offered);

/// The objective as reports print it: "latency_p99 <= 2s", "max_rejected <= 0.020000".
std::string slo_objective(const slo_spec& slo);
/// The verdict of a latency objective over a whole run or test: measured, held,
/// and a note when too many went unanswered; `unanswered_words` says what
/// became of them ("gave up before being served").
slo_result judge_latency(const slo_spec& slo, std::string endpoint, const latency_evidence& e,
                         std::string_view unanswered_words);
/// The verdict of a max_rejected objective over a whole run or test.
slo_result judge_rejected(const slo_spec& slo, std::string endpoint, std::uint64_t rejected,
                          std::uint64_t offered);

/// SLO verdicts of a load test, by the rule of sim/results/slo.hpp: latency
/// objectives on the corrected latencies of 2xx responses, breached as well
/// when more than (1 - q) of the requests that waited (finished, less 503 and
/// 429) failed or timed out; max_rejected on (503 + 429) / sent.
std::vector<slo_result> loadtest_slos(const scenario& s,
                                      const std::vector<loadtest_endpoint_result>& endpoints);

}  // namespace stampede::sim
