#include "sim/results/slo.hpp"

#include <algorithm>
#include <cstdio>

#include "sim/base/units.hpp"

namespace stampede::sim {

double unanswered_share(const latency_evidence& e) {
  return e.waited > 0 ? static_cast<double>(e.unanswered) / static_cast<double>(e.waited) : 0;
}

bool too_many_unanswered(const slo_spec& slo, const latency_evidence& e) {
  return unanswered_share(e) > 1 - slo.quantile;
}

bool latency_held(const slo_spec& slo, const latency_evidence& e) {
  const bool fast_enough = e.quantile_s < 0 || e.quantile_s <= slo.threshold;
  return fast_enough && !too_many_unanswered(slo, e);
}

double rejected_share(std::uint64_t rejected, std::uint64_t offered) {
  return offered > 0 ? static_cast<double>(rejected) / static_cast<double>(offered) : 0;
}

bool rejected_held(const slo_spec& slo, std::uint64_t rejected, std::uint64_t offered) {
  return rejected_share(rejected, offered) <= slo.threshold;
}

std::string slo_objective(const slo_spec& slo) {
  if (slo.what == slo_spec::kind::latency_quantile)
    return slo.key + " <= " + format_duration(from_seconds(slo.threshold));
  return slo.key + " <= " + std::to_string(slo.threshold);
}

slo_result judge_latency(const slo_spec& slo, std::string endpoint, const latency_evidence& e,
                         std::string_view unanswered_words) {
  slo_result v;
  v.endpoint = std::move(endpoint);
  v.objective = slo_objective(slo);
  v.threshold = slo.threshold;
  v.quantile = slo.quantile;
  v.measured = e.quantile_s;
  v.held = latency_held(slo, e);
  if (too_many_unanswered(slo, e)) {
    char note[200];
    std::snprintf(note, sizeof note, "%.1f%% of the requests that waited %.*s; a %s allows %.1f%%",
                  100.0 * unanswered_share(e), static_cast<int>(unanswered_words.size()),
                  unanswered_words.data(), slo.key.c_str(), 100.0 * (1 - slo.quantile));
    v.note = note;
  }
  return v;
}

slo_result judge_rejected(const slo_spec& slo, std::string endpoint, std::uint64_t rejected,
                          std::uint64_t offered) {
  slo_result v;
  v.endpoint = std::move(endpoint);
  v.objective = slo_objective(slo);
  v.threshold = slo.threshold;
  v.measured = rejected_share(rejected, offered);
  v.held = rejected_held(slo, rejected, offered);
  return v;
}

std::vector<slo_result> loadtest_slos(const scenario& s,
                                      const std::vector<loadtest_endpoint_result>& endpoints) {
  std::vector<slo_result> out;
  for (const slo_spec& slo : s.slos) {
    const auto& spec = s.endpoints.at(static_cast<std::size_t>(slo.endpoint));
    const auto it = std::find_if(endpoints.begin(), endpoints.end(),
                                 [&](const auto& e) { return e.name == spec.name; });
    if (it == endpoints.end()) {
      slo_result v;
      v.endpoint = spec.name;
      v.threshold = slo.threshold;
      v.objective = slo.key;
      v.note = "not load-tested: no loadtest.requests entry";
      out.push_back(std::move(v));
      continue;
    }
    const loadtest_endpoint_result& e = *it;
    // 503 and 429 are refusals (max_rejected's business); every other failure
    // and every timeout is a request that waited and got no usable answer.
    const std::uint64_t rejected = e.status_503 + e.status_429;
    slo_result v;
    if (slo.what == slo_spec::kind::latency_quantile) {
      const latency_evidence evidence{
          static_cast<double>(e.corrected.quantile(slo.quantile)) * 1e-6,
          e.completed + e.failed + e.timed_out - rejected, e.failed - rejected + e.timed_out};
      v = judge_latency(slo, spec.name, evidence, "failed or timed out");
    } else {
      v = judge_rejected(slo, spec.name, rejected, e.sent);
    }
    v.breached_intervals = v.held ? 0 : 1;
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace stampede::sim
