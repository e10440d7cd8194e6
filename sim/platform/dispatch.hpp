#pragma once
// Per-replica dispatch (`dispatch:` other than `shared`): a load balancer in
// front of the pool's servers, each server a replica with its own FIFO queue,
// its own batch formation (max, timeout, speed-up), patience and a share of the
// queue capacity. This is how most GPU fleets serve: the balancer picks a
// replica when a request arrives, and batches form from what that replica got.
//
// Why it matters for `scale`: at scale s the pool has s × servers replicas and
// s × the arrivals, so each replica sees the arrival rate it sees at full
// scale, and its batches fill as they would. A single shared queue feeding
// batches is not so: its batches fill from the arrivals of the whole pool,
// which thinning divides by 1/s (pool.hpp).
//
// The engine is event-driven (batch ends, batch timeouts, abandonments,
// replicas joining) like the shared batched engine, and hands what it decides
// to the pool through `replica_books`, which keeps every counter.
//
// Replicas come and go at the pool's server changes: one that joins takes
// arrivals from its join time; one told to leave takes no more arrivals,
// serves what it already holds (its queue included: those requests are in
// flight from the balancer's view, as under connection draining) and leaves
// when it is empty. The least loaded leave first; ordered replicas that have
// not joined yet count as empty and leave as they join.
//
// With no replica taking arrivals (all removed, none joined yet) an arrival is
// rejected, as a balancer with no healthy backend answers at once.
#include <climits>
#include <cstdint>
#include <deque>
#include <limits>
#include <queue>
#include <span>
#include <tuple>
#include <vector>

#include "sim/base/request.hpp"
#include "sim/base/rng.hpp"
#include "sim/scenario/scenario.hpp"

namespace stampede::sim {

/// A request waiting in a queue (the shared batched engine's and each replica's).
struct queued_request {
  vtime at;
  vtime deadline;
  std::uint32_t block;
  std::uint32_t session;
  std::uint16_t endpoint;
  bool gone;
  /// Seconds of work, or negative for "draw it at service start".
  double work;
};

/// What a pool books for its replicas: pool_model implements it, so both
/// engines share one set of counters.
class replica_books {
 public:
  virtual ~replica_books() = default;
  /// The request's work in seconds: its own, or drawn now.
  virtual double work_of(std::uint16_t endpoint, double given) = 0;
  /// A batch started at `start`; all of it completes at `end`.
  virtual void batch_served(vtime start, vtime end, std::span<const queued_request> batch) = 0;
  /// A waiting request gave up at `at` (its deadline).
  virtual void gave_up(const queued_request& q, vtime at) = 0;
  /// A replica told to leave has finished its work and left at `at`; it stood
  /// for `real` servers of the scenario.
  virtual void replica_left(vtime at, double real) = 0;
};

/// The replicas of one pool behind a load balancer.
class replica_pool {
 public:
  /// `replicas` replicas present from time 0, routed by the pool's `dispatch`.
  replica_pool(const scenario& s, int pool, std::int64_t replicas, replica_books& books);

  /// Routes an arrival (call run_until(r.at) first); false when it is rejected:
  /// its replica's queue is full, or no replica takes arrivals.
  bool arrive(const request& r);

  /// Decides everything that happens up to t (non-decreasing). At one instant:
  /// batches end and replicas join, batches start, then requests whose
  /// patience ends abandon; arrivals at the instant come after all of it (the
  /// shared engine's order).
  void run_until(vtime t);

  /// Requests waiting in all replicas' queues (not in service).
  std::int64_t waiting() const { return waiting_; }

  /// `n` replicas join at t (not before the last run_until).
  void add(vtime t, std::int64_t n);

  /// `n` replicas leave from t, each standing for `real_each` real servers.
  void remove(vtime t, std::int64_t n, double real_each);

  /// Calls f(queued_request) for each request still waiting.
  template <class F>
  void for_each_waiting(F&& f) const {
    for (const replica& x : replicas_) {
      for (const queued_request& q : x.queue) {
        if (!q.gone) f(q);
      }
    }
  }

 private:
  struct replica {
    /// FIFO; abandoned requests stay (marked gone) until they reach the front.
    std::deque<queued_request> queue;
    /// Absolute index of queue.front(), so that deadlines can name their request.
    std::uint64_t base = 0;
    std::int64_t waiting = 0;
    /// Requests in the running batch (0: idle) and when it ends.
    std::int64_t in_service = 0;
    vtime busy_until = 0;
    /// When its pending wake-up fires (the largest vtime: none).
    vtime timer = std::numeric_limits<vtime>::max();
    std::int64_t capacity = 1;
    vtime joins_at = 0;
    bool joined = false;
    bool leaving = false;
    bool left = false;
    /// Real servers it stands for, once told to leave.
    double real = 0;
  };

  /// Minimum over replica loads with its leftmost index: join_shortest_queue's choice.
  class min_tree {
   public:
    void resize(std::size_t n);
    void set(std::size_t i, std::int64_t load);
    /// The leftmost replica of least load (undefined when empty).
    std::size_t argmin() const;
    std::int64_t min() const { return node_.empty() ? LLONG_MAX : node_[1]; }

   private:
    std::size_t leaves_ = 0;
    std::vector<std::int64_t> node_;
  };

  std::int64_t load(const replica& x) const { return x.waiting + x.in_service; }
  /// The replica for the next arrival, or -1 when none takes arrivals.
  std::int64_t choose();
  void enlist(std::uint32_t r);
  void delist(std::uint32_t r);
  /// The load of r changed: the join_shortest_queue tree follows it.
  void touch(std::uint32_t r);
  void wake(std::uint32_t r);
  void try_start(std::uint32_t r);
  /// Leaves when told to and empty; otherwise sets its next wake-up.
  void settle(std::uint32_t r);
  queued_request& front_live(replica& x);
  /// A replica that joins at `joins_at`, in a vacant slot or a new one.
  std::uint32_t new_replica(vtime joins_at);

  const scenario* scenario_;
  const pool_spec* spec_;
  replica_books* books_;
  dispatch_policy policy_;
  int batch_max_;
  vtime batch_timeout_;
  rng_stream rng_;
  vtime now_ = 0;
  std::int64_t waiting_ = 0;

  std::vector<replica> replicas_;
  /// Replicas that have left: their slots are reused by the next to join.
  std::vector<std::uint32_t> vacant_;
  /// Replicas that take arrivals, and each one's place in it (-1: none).
  std::vector<std::uint32_t> up_;
  std::vector<std::int64_t> up_at_;
  std::size_t next_up_ = 0;
  min_tree shortest_;

  using timer = std::pair<vtime, std::uint32_t>;
  std::priority_queue<timer, std::vector<timer>, std::greater<>> timers_;
  /// (deadline, replica, absolute queue index).
  using deadline = std::tuple<vtime, std::uint32_t, std::uint64_t>;
  std::priority_queue<deadline, std::vector<deadline>, std::greater<>> deadlines_;
  /// The batch being started (reused).
  std::vector<queued_request> batch_;
};

}  // namespace stampede::sim

namespace stampede::sim {

/// The scale below which a pool that feeds batches from one shared queue
/// (`dispatch: shared`, batch.max > 1, batch.timeout > 0) no longer fills its
/// batches as the full pool does; 0 when the pool has no such limit.
///
/// An idle server's batch closes at `max` requests or `timeout` after its
/// first. A run at scale s sees s × the pool's arrivals, so the requests that
/// join a first one within the timeout are Poisson with mean s·λ·τ. The batch
/// fills when they reach max - 1: the smallest faithful scale is the s at which
/// that happens with probability 0.99 in the quietest hour of the day
/// (λ = `offered_per_s`, the full-scale mean rate, times the lowest hourly
/// share of the regions' diurnal curves). It is at most 1: when even the full
/// pool's batches do not fill so, any thinning changes them. Rounded up to
/// three significant digits.
double faithful_scale(const scenario& s, int pool, double offered_per_s);

/// The full-scale rate of requests (per second) offered to `pool`, averaged
/// over the run, as the scenario implies it before any run: mean adopters (the
/// Bass curve from the initial adopters, without events, churn or shares) ×
/// sessions a day (by tier) × requests a session × the pool's endpoints' mix.
double expected_offered_rate(const scenario& s, int pool);

}  // namespace stampede::sim
