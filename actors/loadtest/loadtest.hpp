#pragma once
// `stampede loadtest`: plays a scenario's population against an HTTP target in
// wall-clock time, as an open model (wrk2's discipline): every request has an
// intended send time, latency is measured from it, and a slow target cannot
// slow the load down: more connections are opened while every one is busy,
// and a request that cannot go out within max_lag is dropped and counted.
#include <atomic>
#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "actors/loadtest/formats.hpp"
#include "sim/observe/intervals.hpp"
#include "sim/results/result.hpp"
#include "sim/scenario/loadtest_spec.hpp"
#include "sim/scenario/scenario.hpp"

namespace stampede::actors {

/// Where a load test stands, for the progress line.
struct loadtest_progress {
  double wall_s = 0;
  double duration_s = 0;
  double virtual_s = 0;
  /// Requests finished per wall second since the last report.
  double rate = 0;
  /// Corrected p99 of the last time-series row, seconds.
  double p99_s = 0;
  std::uint64_t sent = 0;
  std::uint64_t errors = 0;
  /// Requests never sent: no connection within max_lag of their intended time.
  std::uint64_t dropped = 0;
  std::uint64_t in_flight = 0;
  double lag_p99_s = 0;
};

/// One generator's part of a load test spread over several (k6's execution
/// segments): what it counted and measured, for merge_loadtest.
struct loadtest_part {
  /// Per endpoint: requests sent, of the model but not load-tested, and still
  /// waiting for a connection when the test stopped.
  std::vector<std::uint64_t> sent, not_sent, unsent_at_stop;
  /// Finished and dropped requests, in the order they finished.
  std::vector<loadtest_sample> samples;
  /// Requests of this part's users the model asked for.
  std::uint64_t model_requests = 0;
  std::uint64_t peak_connections = 0;
  std::uint64_t connections_at_end = 0;
  /// HTTP threads this generator sent from.
  int threads = 0;
  double wall_s = 0;
  bool interrupted = false;
  /// The population's figures (every part models the whole population).
  sim::population_final population;
  double adopters = 0;
};

/// How to run a load test (the scenario's `loadtest:` section says what to send).
struct loadtest_options {
  /// Where to send; its host must be in allow_hosts (checked again here).
  sim::target_url target;
  /// True when the target is the embedded modeled service.
  bool embedded = false;
  /// Wall seconds; 0 = horizon / time_scale.
  double duration_s = 0;
  /// HTTP threads (each with its share of the connections); 0: half the CPUs
  /// free at the start, at least 1 (default_http_threads). Never more than
  /// loadtest.connections.
  int threads = 0;
  /// Wall seconds per time-series row.
  double interval_s = 1;
  /// Every finished request is appended here as a line (format_sample),
  /// flushed at least twice a second; nullptr: no file.
  std::FILE* results = nullptr;
  /// "127.0.0.1:PORT": serve Prometheus text there while the test runs.
  std::string metrics_listen;
  /// Called about every progress_every_s of wall time.
  std::function<void(const loadtest_progress&)> on_progress;
  double progress_every_s = 0.5;
  /// Set by a signal handler: stop new requests, wait for in-flight ones up to
  /// the timeout, and return the result so far.
  const std::atomic<bool>* stop = nullptr;
  /// Values of the templates' ${env:NAME} variables; they go on the wire only.
  sim::env_values env;
  /// Called with the port of the metrics server once it listens (tests).
  std::function<void(unsigned short)> on_metrics_port;
  /// This generator's share of the one schedule, of `shares`: every generator
  /// steps the whole population and sends the requests of blocks b with
  /// b % shares == share only (the others' users are taken as served at once).
  std::uint32_t share = 0;
  std::uint32_t shares = 1;
  /// When set, filled with this generator's part at the end (merge_loadtest).
  loadtest_part* part = nullptr;
  /// Called once the generator is set up, just before its clock starts: a
  /// distributed test waits here at its start barrier.
  std::function<void()> on_ready;
};

/// The target may not be loaded (not in allow_hosts, or a name other than localhost).
class loadtest_refused : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The wall-clock length of the test: options.duration_s, or horizon / time_scale.
double loadtest_duration_s(const sim::scenario& s, const loadtest_options& o);

/// HTTP threads by default, of `offered` threads the machine offers a run
/// (free_cores.hpp): half of them, at least 1. The other half is for the
/// kernel's share of each request (most of its cost: send, receive, epoll),
/// the scheduler thread, and a target on the same machine. A thread more than
/// the CPUs can run at once costs more than it gives: every send and receive
/// then waits for a core (bench/README.md, "Issue 16 part 5, round 3").
int http_threads_for(int offered);

/// http_threads_for(measure_machine().threads): samples the CPUs for 100 ms.
int default_http_threads();

/// Wall seconds per time-series row for a test of `duration_s`: 1 s, or longer
/// so that a long test keeps at most about 600 rows.
double loadtest_interval_s(double duration_s);

/// Runs the load test and returns its result: endpoints (sent as offered,
/// 2xx as completed, 503/429 as rejected, timeouts as abandoned, corrected
/// latency), SLO verdicts on the corrected latency, the time series, and
/// `loadtest` with every count. `s` must have a `loadtest:` section.
/// Throws loadtest_refused before any connection when the target is not allowed.
sim::run_result run_loadtest(const sim::scenario& s, const loadtest_options& o);

/// The result of a load test spread over generators, from their parts (any
/// order of parts; share k's figures of the population are parts[0]'s): the
/// counts summed, the samples merged in the order they finished and recorded
/// once, so histograms and the time series are those of one recorder. Throws
/// std::logic_error if the parts' accounting does not add up.
sim::run_result merge_loadtest(const sim::scenario& s, const loadtest_options& o,
                               std::vector<loadtest_part> parts);

/// Builds the result of a load test from its finished samples alone (the
/// results file), for `stampede report DIR`.
sim::run_result rebuild_loadtest(const sim::scenario& s, const sim::loadtest_result& meta,
                                 const std::vector<loadtest_sample>& samples);

}  // namespace stampede::actors
