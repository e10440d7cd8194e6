#pragma once
// A pool of identical servers behind one FIFO queue, with a capacity (arrivals
// that find it full are rejected) and patience (a request still waiting after
// its user's patience is abandoned).
//
// Two engines serve it:
//
// - Eager (no batching). FIFO with c servers lets every request's fate be
//   decided when it arrives: requests behind it cannot change it, and requests
//   ahead of it are already decided. So each arrival takes the earliest time any
//   server becomes free (after all earlier requests took theirs); if that is
//   later than its patience allows, it abandons at arrival + patience and leaves
//   the server untouched. This is exact for the M/M/c+G queue, costs a few
//   appends per request (the free times are on a radix heap: they only grow,
//   but for servers that join), and tells the user their outcome time at once.
//
// - Batched (batch.max > 1). A free server waits for a full batch or for the
//   oldest request's batch timeout, so a request's fate depends on who arrives
//   after it. The pool is simulated event by event (arrivals, batch ends,
//   server arrivals, batch timeouts, abandonments) and each outcome is emitted
//   when it is decided, possibly in a later window than the arrival.
//
// With batch.max == 1 the batched engine makes exactly the eager engine's
// decisions, with the same random draws (work is drawn in service-start order
// in both); tests/sim/platform/batching.test.cpp proves it.
//
// Servers change at window boundaries (events add_servers, remove_servers,
// outage; the autoscaler). A removed server finishes the work it has and then
// leaves; idle servers leave first. Servers already ordered (autoscaling, the
// end of an outage) are known ahead. The eager engine decides a request's
// server when it arrives, so a server joining a backlog could only take later
// arrivals, out of FIFO order, while the backlog waits: a pool whose servers
// can change (server events for it, or autoscaling) is therefore always served
// by the event-driven engine, which hands each freed or new server the oldest
// waiting request (tests/sim/platform/pool.test.cpp checks it against a reference).
//
// The autoscaler looks every `interval`: the servers busy on average since
// its last look, against the servers present plus those on order (minus those
// told to leave), above the target orders `step` more, below half of it lets
// `step` go.
//
// A pool with `dispatch` other than `shared` has no shared queue: a load
// balancer routes each arrival to one server with its own queue and batches
// (replica_pool, dispatch.hpp), which books its decisions here.
#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <span>
#include <utility>
#include <vector>

#include "sim/base/request.hpp"
#include "sim/base/rng.hpp"
#include "sim/observe/histogram.hpp"
#include "sim/observe/intervals.hpp"
#include "sim/observe/reservoir.hpp"
#include "sim/platform/dispatch.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/speed/radix_heap.hpp"

namespace stampede::sim {

/// A piecewise-constant level of time and its exact integral, stepped in time
/// order: what the two ledgers below share. The integral adds one term per
/// step, never one per reach: so it depends only on when the level stepped and
/// when it is read, not on how often time was moved on in between (a runner
/// that skips quiet windows gets the same bits as one that steps each).
class level_integral {
 public:
  /// The level at the last advance.
  double level() const { return level_; }
  /// ∫ level dt from 0 to the last advance, in level·seconds.
  double integral() const { return integral_ + level_ * to_seconds(reached_ - at_); }

 protected:
  /// The level steps by `delta` at `when` (not before the last step).
  void step(vtime when, double delta) {
    integral_ += level_ * to_seconds(when - at_);
    at_ = when;
    reached_ = std::max(reached_, when);
    level_ += delta;
  }
  /// Integrates on to t (not before the last step).
  void reach(vtime t) { reached_ = t; }
  /// The time of the last advance.
  vtime at() const { return reached_; }

 private:
  double level_ = 0;
  /// ∫ level dt up to the last step, at_.
  double integral_ = 0;
  vtime at_ = 0;
  vtime reached_ = 0;
};

/// A step function of time built from changes that may be announced ahead of
/// time (a server that joins after a delay), integrated exactly as time moves on.
class step_ledger : public level_integral {
 public:
  /// Adds `delta` to the level from time t on; t must not be before the last advance.
  void change(vtime t, double delta);
  /// Integrates up to t (non-decreasing) and applies the changes due by then.
  void advance(vtime t);
  /// The highest level reached so far.
  double peak() const { return peak_; }

 private:
  double peak_ = 0;
  std::priority_queue<std::pair<vtime, double>, std::vector<std::pair<vtime, double>>,
                      std::greater<>>
      changes_;
};

/// A step_ledger whose level only steps by +1 and -1: requests in service, for
/// the autoscaler's busy time. The same steps in the same order (at equal times
/// the step down first), so the same integral bit for bit, but they wait on two
/// radix heaps instead of one binary heap of (time, delta) pairs: a served
/// request pushes two, and with thousands in service a heap's log n per push
/// lies on the pool's serial path.
class busy_ledger : public level_integral {
 public:
  /// One more in service from time t on (t >= 0); t before the last advance
  /// counts as at it, as in step_ledger.
  void up(vtime t) { ups_.push(std::max(t, at())); }
  /// One fewer from time t on.
  void down(vtime t) { downs_.push(std::max(t, at())); }
  void advance(vtime t);

 private:
  radix_heap<vtime> ups_;
  radix_heap<vtime> downs_;
};

/// One pool and the counters of its endpoints.
class pool_model : private replica_books {
 public:
  /// Which engine serves the pool: `automatic` is eager unless batch.max > 1
  /// or the servers can change; `batched` forces the event-driven engine
  /// (tests prove both agree where both apply).
  enum class engine { automatic, batched };

  pool_model(const scenario& s, int pool, engine e = engine::automatic);
  /// Its replicas book into it by address.
  pool_model(const pool_model&) = delete;
  pool_model& operator=(const pool_model&) = delete;

  /// Serves arrivals, which must be sorted by arrives_before and not earlier
  /// than any arrival served before. Eager engine: appends one outcome per
  /// arrival, in arrival order. Batched engine: appends the outcomes decided up
  /// to the last arrival (the others come with later calls).
  void serve(std::span<const request> arrivals, std::vector<outcome>& out);

  /// Decides everything that happens up to t and appends those outcomes (the
  /// batched engine; the eager one has decided everything already).
  void advance(vtime t, std::vector<outcome>& out);

  /// Serves the window [t0, t1) and ends it: applies the server changes due at
  /// t0, measures the queue at a uniformly random instant of the window (an
  /// unbiased sample of its time average, for Little's law), decides everything
  /// up to t1, lets the autoscaler look, and when `t1` closes a reporting
  /// interval returns that interval's figures.
  std::optional<pool_interval> serve_window(vtime t0, vtime t1, std::span<const request> arrivals,
                                            std::vector<outcome>& out);

  /// The pool changes nothing on its own before this time: a window [t0, t1)
  /// with t1 < idle_until() and no arrivals is idle (no server change, no
  /// queue movement, no autoscaler look, no interval closed). `t` is the end of
  /// the last window served; the result is t when the pool cannot tell (the
  /// event-driven engine, load-balanced replicas).
  vtime idle_until(vtime t);
  /// Ends `windows` idle windows, the last ending at `t1`, as that many calls
  /// of serve_window without arrivals would: the same state, bit for bit.
  void skip_idle(vtime t1, std::int64_t windows);

  /// A run stopped at `reached` (the end of the last window served), inside a
  /// reporting interval: that interval's figures up to `reached`. Nothing when
  /// `reached` closed an interval (serve_window reported it).
  std::optional<pool_interval> close_partial_interval(vtime reached);
  /// Everything at `reached` (the horizon, or where a stopped run ended):
  /// endpoint counters and histograms, pool figures, server-hours and cost up
  /// to then. Requests still undecided count as in flight.
  pool_final finish(vtime reached);
  pool_final finish() { return finish(horizon_); }

  /// Requests waiting at time t (call with non-decreasing t).
  std::int64_t queue_length(vtime t);

  /// Servers in the simulation as committed so far: present, plus ordered,
  /// minus those told to leave.
  std::int64_t committed_servers() const { return committed_sim_; }

  /// True when an event-driven engine serves this pool (batching, or per-replica
  /// dispatch): outcomes may be decided later than their arrival.
  bool batched() const { return batched_; }

 private:
  struct endpoint_state {
    endpoint_result total;
    histogram interval_latency;
    /// Per reporting interval.
    std::vector<endpoint_interval> intervals;
    /// Chooses total.latency_samples.
    reservoir samples{0};
  };

  /// A request waiting in the batched engine's queue.
  using waiting_request = queued_request;

  /// The request's work in seconds: its own, or drawn now from the pool's stream.
  double work_of(std::uint16_t endpoint, double given) override;
  // What the replicas decide (replica_books), booked like the shared engines'.
  void batch_served(vtime start, vtime end, std::span<const queued_request> batch) override;
  void gave_up(const queued_request& q, vtime at) override;
  void replica_left(vtime at, double real) override;

  // Shared bookkeeping of both engines.
  void count_offered(const request& r);
  void complete(std::uint16_t endpoint, vtime arrived, vtime end, std::uint32_t block,
                std::uint32_t session, std::vector<outcome>& out);
  void abandon(std::uint16_t endpoint, vtime arrived, vtime at, std::uint32_t block,
               std::uint32_t session, std::vector<outcome>& out);
  void add_busy(vtime start, vtime end);
  void keep_sample(endpoint_state& e, vtime latency);
  /// The reporting interval holding time t, clamped to the run's intervals.
  /// The figures of interval next_interval_, ending now with `queue` waiting.
  pool_interval close_interval(std::int64_t queue);
  std::size_t clamp_interval(vtime t) const;

  // The eager engine.
  void serve_eager(const request& r, std::vector<outcome>& out);

  // The batched engine.
  void serve_batched(const request& r);
  /// Processes every event up to t; the outcomes decided go to decided_.
  void run_until(vtime t);
  void try_start(vtime now);
  void start_batch(vtime now);
  void server_free(vtime now);
  waiting_request& front_live();

  // Server changes: `real` servers of the scenario, `sim` in the simulation.
  void apply_events(vtime t);
  void add_servers(vtime t, std::int64_t sim, double real);
  /// Returns the servers actually removed (no more than there are).
  std::pair<std::int64_t, double> remove_servers(vtime t, std::int64_t sim, double real);
  void autoscale(vtime t);
  std::int64_t scaled(std::int64_t real) const;

  const scenario* scenario_;
  int pool_;
  const pool_spec* spec_;
  bool batched_;
  vtime horizon_;
  vtime report_interval_;
  std::int64_t capacity_;
  int batch_max_;
  vtime batch_timeout_;
  rng_stream service_rng_;
  rng_stream reservoir_rng_;
  /// Keys the queue sampling instant of each window (keyed_draw).
  std::uint64_t sampling_key_;

  // Eager engine.
  /// When each server is next free (servers still to join: when they join).
  radix_heap<vtime> free_at_;
  /// When each waiting request leaves the queue (service start or abandonment).
  radix_heap<vtime> leaves_at_;
  /// The same, for leave times that came in non-decreasing order (service
  /// starts, in FIFO, nearly always do): O(1) instead of a heap's O(log n).
  std::deque<vtime> leaves_in_order_;
  /// Records that a waiting request leaves the queue at `t`.
  void leave_at(vtime t);

  // Batched engine.
  /// FIFO of waiting requests; abandoned ones stay (marked gone) until they reach the front.
  std::deque<waiting_request> waiting_;
  /// Absolute index of waiting_.front(), so that deadlines can name their request.
  std::uint64_t waiting_base_ = 0;
  std::int64_t waiting_count_ = 0;
  std::priority_queue<std::pair<vtime, std::uint64_t>, std::vector<std::pair<vtime, std::uint64_t>>,
                      std::greater<>>
      deadlines_;
  std::int64_t idle_ = 0;
  std::priority_queue<vtime, std::vector<vtime>, std::greater<>> batch_ends_;
  /// Servers ordered and not yet joined: when they join.
  std::priority_queue<vtime, std::vector<vtime>, std::greater<>> joining_;
  /// Real servers each pending retirement stands for, oldest first.
  std::deque<double> retiring_;
  vtime now_ = 0;
  /// Outcomes decided and not yet handed out.
  std::vector<outcome> decided_;
  /// The batch being started (reused).
  std::vector<waiting_request> batch_;
  /// Per-replica dispatch: the replicas, instead of the shared queue above.
  std::unique_ptr<replica_pool> replicas_;

  // Servers over time.
  step_ledger sim_servers_;
  step_ledger real_servers_;
  std::int64_t initial_sim_ = 0;
  double initial_real_ = 0;
  std::int64_t committed_sim_ = 0;
  double committed_real_ = 0;
  std::size_t next_event_ = 0;
  // Autoscaling: busy servers over time, and the span since the last look.
  busy_ledger busy_;
  vtime next_look_ = 0;
  vtime look_at_ = 0;
  double busy_at_look_ = 0;

  /// Indexed like scenario::endpoints (only this pool's are used).
  std::vector<endpoint_state> endpoints_;
  std::vector<double> busy_seconds_;
  /// Server-seconds present in each closed reporting interval (simulation).
  std::vector<double> available_seconds_;
  int next_interval_ = 0;
  double available_at_interval_ = 0;
  double real_at_interval_ = 0;
  // Little's law: queue samples at a random instant of each window, and the queueing of accepted
  // requests (integer microseconds, so that both engines sum it exactly alike).
  double queue_samples_sum_ = 0;
  std::uint64_t queue_samples_ = 0;
  std::int64_t peak_queue_ = 0;
  std::uint64_t accepted_ = 0;
  std::int64_t time_in_queue_us_ = 0;
};

}  // namespace stampede::sim
