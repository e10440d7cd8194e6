#pragma once
// A pool of identical servers behind one FIFO queue, with a capacity (arrivals
// that find it full are rejected) and patience (a request still waiting after
// its user's patience is abandoned).
//
// FIFO with c servers lets every request's fate be decided when it arrives:
// requests behind it cannot change it, and requests ahead of it are already
// decided. So each arrival takes the earliest time any server becomes free
// (after all earlier requests took theirs); if that is later than its patience
// allows, it abandons at arrival + patience and leaves the server untouched.
// This is exact for the M/M/c+G queue, costs O(log c) per request, and tells the
// user their outcome time at once, even when it lies in a later window.
#include <cstdint>
#include <functional>
#include <queue>
#include <span>
#include <vector>

#include "sim/histogram.hpp"
#include "sim/metrics.hpp"
#include "sim/request.hpp"
#include "sim/rng.hpp"
#include "sim/scenario.hpp"

namespace stampede::sim {

/// One pool and the counters of its endpoints.
class pool_model {
 public:
  pool_model(const scenario& s, int pool);

  /// Serves the arrivals of one window, which must be sorted by arrives_before
  /// and not earlier than any arrival served before. Appends one outcome per
  /// arrival to `out`, in arrival order.
  void serve(std::span<const request> arrivals, std::vector<outcome>& out);

  /// Serves the window [t0, t1) and ends it: measures the queue at a uniformly
  /// random instant of the window (an unbiased sample of its time average, for
  /// Little's law) and, when `t1` closes a reporting interval, returns that
  /// interval's figures.
  std::optional<pool_interval> serve_window(vtime t0, vtime t1, std::span<const request> arrivals,
                                            std::vector<outcome>& out);

  /// Everything at the horizon: endpoint counters and histograms, pool figures.
  pool_final finish();

  /// Requests waiting at time t (call with non-decreasing t).
  std::int64_t queue_length(vtime t);

 private:
  struct endpoint_state {
    endpoint_result total;
    histogram interval_latency;
    /// Per reporting interval.
    std::vector<endpoint_interval> intervals;
  };

  void add_busy(vtime start, vtime end);
  void keep_sample(endpoint_state& e, double seconds);
  int interval_of(vtime t) const { return static_cast<int>(t / report_interval_); }

  const scenario* scenario_;
  int pool_;
  vtime horizon_;
  vtime report_interval_;
  std::int64_t servers_;
  std::int64_t capacity_;
  rng_stream service_rng_;
  rng_stream reservoir_rng_;
  rng_stream sampling_rng_;
  /// When each server is next free.
  std::priority_queue<vtime, std::vector<vtime>, std::greater<>> free_at_;
  /// When each waiting request leaves the queue (service start or abandonment).
  std::priority_queue<vtime, std::vector<vtime>, std::greater<>> leaves_at_;
  /// Indexed like scenario::endpoints (only this pool's are used).
  std::vector<endpoint_state> endpoints_;
  std::vector<double> busy_seconds_;
  int next_interval_ = 0;
  // Little's law: queue samples at a random instant of each window, and the queueing of accepted
  // requests.
  double queue_samples_sum_ = 0;
  std::uint64_t queue_samples_ = 0;
  std::int64_t peak_queue_ = 0;
  std::uint64_t accepted_ = 0;
  double time_in_queue_seconds_ = 0;
};

}  // namespace stampede::sim
