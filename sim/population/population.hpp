#pragma once
// The population: users in flat arrays, cut into fixed blocks.
//
// A block is the unit of randomness and of state: its users, its adoption, its
// sessions and its random streams. Blocks are fixed by the scenario (never by
// the number of threads or shards), so the same scenario, seed and scale give
// the same draws however the blocks are spread over actors. Every block holds
// users of one region and one tier.
//
// An adopted user starts sessions as a Poisson process whose rate follows the
// diurnal curve in the user's local time; the sessions of a block's adopted
// users are one Poisson process (superposition), each session belonging to a
// uniformly chosen adopted user, kept with probability equal to that user's
// satisfaction (thinning). A session is a number of requests; after a response
// the user thinks and sends the next. A rejected or abandoned request is
// retried with backoff (behavior.retry); when the retries are spent the session
// ends and the user's satisfaction drops (behavior.feedback). A request over
// the user's daily rate limit is refused at the edge (HTTP 429) and never
// reaches a pool.
//
// In the cascade model (adoption.model: cascade) a completed request of the
// share endpoint shares an image: the sharer shares with probability equal to
// their satisfaction (so a melting platform slows its own virality), and each
// follower in the social graph (social_graph.hpp) adopts with probability
// share_exposure (times any imitation boost). The block only names the users
// who adopt; they may live in any block, and adopt at the start of the next
// window (exposures()/expose()).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <queue>
#include <span>
#include <utility>
#include <vector>

#include "sim/base/request.hpp"
#include "sim/base/rng.hpp"
#include "sim/population/adoption.hpp"
#include "sim/population/rate_limit.hpp"
#include "sim/population/social_graph.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/speed/huge_pages.hpp"

namespace stampede::sim {

/// How the simulated users are cut into blocks: users are grouped by region
/// and tier (in proportion to their shares), and each group is cut into blocks
/// of at most block_size users.
struct block_layout {
  static constexpr std::uint32_t block_size = 1u << 16;

  struct block_info {
    std::uint64_t first_user = 0;
    std::uint32_t size = 0;
    std::uint16_t region = 0;
    std::uint16_t tier = 0;
  };

  std::uint64_t users = 0;
  /// Initial adopters (simulated users), spread over blocks in proportion to size.
  std::uint64_t initial_adopters = 0;
  std::vector<block_info> blocks;

  static block_layout of(const scenario& s);
  std::uint32_t count() const { return static_cast<std::uint32_t>(blocks.size()); }
  std::uint32_t size_of(std::uint32_t block) const { return blocks[block].size; }
  std::uint32_t initial_of(std::uint32_t block) const;
  /// The block holding the simulated user with global index `user` (< users),
  /// found by walking on from block `from`, which must not be past it: for
  /// users in increasing order, pass the block of the one before (0 at first),
  /// and the walk over all of them is one pass along the blocks.
  std::uint32_t block_of(std::uint64_t user, std::uint32_t from) const {
    while (from + 1 < count() && blocks[from + 1].first_user <= user) ++from;
    return from;
  }
};

/// What a block counted since the last time it was asked, per endpoint.
struct edge_counts {
  /// Requests refused by a rate limit (offered and rejected, never queued).
  std::vector<std::uint64_t> rate_limited;
  /// Requests that were retries of a rejected or abandoned one.
  std::vector<std::uint64_t> retried;
  /// First attempts (not retries) that passed the rate limits and went to a
  /// pool: the demand a pool would see if it held.
  std::vector<std::uint64_t> first_attempts;

  /// Zero counts for `endpoints` endpoints.
  static edge_counts zero(std::size_t endpoints);
};

/// One block of users and the sessions they are in.
class alignas(64) population_block {
 public:
  population_block(const scenario& s, const block_layout& layout, std::uint32_t block);

  /// Runs the window [t0, t1): first the outcomes received since the last
  /// window (think times are drawn here, in session order, so the draws never
  /// depend on the order outcome batches arrived in), then events, churn,
  /// conversion, adoption up to the cumulative hazard `h`, new sessions, and
  /// every request due in the window, appended to `per_pool[pool]`. Returns
  /// false when the window was quiet (nothing happened but the session clock).
  bool step(vtime t0, vtime t1, double h, std::vector<std::vector<request>>& per_pool);
  /// Whether the window [t0, t1) has nothing for this block: no outcome to
  /// handle, no request due, nobody adopting, no session starting, no churn or
  /// conversion. Such a window only advances the session clock and notes the
  /// hazard, so step() touches the block's first two cache lines and nothing else;
  /// events (rate limits) take effect at the next window that is not quiet,
  /// before any request it sends.
  bool quiet(vtime t0, vtime t1, double h) const { return quiet(t1, h, window_mass(t0, t1)); }
  /// How many of the windows [t0 + j·tick, t0 + (j+1)·tick), j = 0, 1, ...,
  /// at most `most`, are quiet one after another, if the cumulative hazard at
  /// the start of a window at time t is hazard_at(t) (non-decreasing).
  template <class Hazard>
  std::int64_t quiet_windows(vtime t0, vtime tick, std::int64_t most, Hazard hazard_at) const;
  /// Ends `windows` quiet windows of length `tick` (those quiet_windows
  /// counted), the last one stepped at hazard `h`: the same state as that many
  /// quiet step() calls.
  void skip_quiet(vtime t0, vtime tick, std::int64_t windows, double h) {
    clock_ -= windows * session_mass(session_rate(t0), tick);
    adoption_.advance_to(h);
  }

  /// Records what became of a request; takes effect in the next step().
  void receive(const outcome& o);
  /// Hint (no effect on results): receive() comes soon.
  void prefetch_receive() const {
    prefetch_lines(64);
    __builtin_prefetch(&answered_);
  }

  /// Cascade: the users (global indices) who adopted from this block's shares
  /// in the last step, to be delivered with expose() before the next step.
  /// Appends to `into` and forgets them.
  void take_exposures(std::vector<std::uint64_t>& into);
  /// Cascade: the user who is node `node` of this block saw a share and adopts
  /// (if they had not).
  void expose(std::uint32_t node);
  /// Hint (no effect on results): expose(node) comes soon.
  void prefetch_exposed(std::uint32_t node) const { adoption_.prefetch_node(node); }
  /// Cascade: users of this block who adopted from a share, and shares made.
  std::uint64_t adopted_by_share() const { return adopted_by_share_; }
  std::uint64_t shares() const { return shares_; }

  std::uint32_t id() const { return id_; }
  /// The user (index within the block) of a session in progress.
  std::uint32_t user_of(std::uint32_t session) const { return sessions_[session].user; }
  std::uint32_t size() const { return adoption_.size(); }
  std::uint16_t tier() const { return tier_; }
  std::uint32_t adopted() const { return adoption_.adopted(); }
  /// Adopted users who have not left (satisfaction above zero).
  std::uint32_t active_users() const { return adoption_.adopted() - departed_; }
  /// Users of this block who converted to the business conversion's target tier.
  std::uint32_t converted() const { return converted_; }
  /// The adopters' pull on others: the sum of their satisfaction (an adopter at
  /// full satisfaction counts full_satisfaction). An integer, so sums over
  /// blocks are exact in any order.
  std::uint64_t satisfaction_sum() const { return satisfaction_sum_; }
  /// Sessions in progress (waiting for a response or thinking).
  std::uint64_t active_sessions() const { return sessions_.size() - free_.size(); }
  std::uint64_t sessions_started() const { return sessions_started_; }
  std::uint64_t requests_sent() const { return request_counter_; }
  /// Users with at least one session on each local day (index = day since the start).
  const std::vector<std::uint32_t>& daily_active() const { return daily_active_; }
  /// Adds what was counted at the edge since the last call and resets it.
  void take_edge_counts(edge_counts& into);
  const edge_counts& edge_totals() const { return totals_; }
  /// Asks the CPU to bring this block's object into cache (hints, no effect on
  /// results): all of it, or the two lines quiet() reads.
  void prefetch() const { prefetch_lines(sizeof(*this)); }
  void prefetch_head() const { prefetch_lines(128); }
  /// More hints for a block that is not quiet, each once what it reads is in
  /// cache: the arrays the object points to; the sessions of its outcomes and of
  /// the requests due before t1 near the top of the due heap (reads the
  /// arrays); those sessions' users (reads the sessions) and the next session's
  /// user.
  void prefetch_arrays() const;
  void prefetch_sessions(vtime t1) const;
  void prefetch_users(vtime t1) const;
  /// Bytes held by this block: per-user arrays plus session tables.
  std::size_t memory_bytes() const;

  static constexpr std::uint8_t full_satisfaction = 255;

 private:
  struct session {
    std::uint32_t user = 0;
    /// Requests still to send after the one in flight.
    std::uint32_t remaining = 0;
    std::uint16_t endpoint = 0;
    /// Retries of the request in flight so far.
    std::uint8_t attempt = 0;
    /// The next send is a retry of the same endpoint.
    bool retrying = false;
  };
  struct due {
    vtime at;
    std::uint32_t session;
    bool operator>(const due& o) const { return at != o.at ? at > o.at : session > o.session; }
  };

  void prefetch_lines(std::size_t bytes) const {
    const char* p = reinterpret_cast<const char*>(this);
    for (std::size_t at = 0; at < bytes; at += 64) __builtin_prefetch(p + at);
  }
  /// Sessions per second starting in the window that opens at t0: every adopter's
  /// rate at the local diurnal hour.
  double session_rate(vtime t0) const {
    return adoption_.adopted() * session_rate_per_user_ *
           scenario_->behavior.diurnal[static_cast<std::size_t>(hour_of_day(t0, utc_offset_))];
  }
  /// session_mass(session_rate(t0), t1 - t0), which depends on t0 only through
  /// the local hour: kept from one window to the next, as every window
  /// computes it for every block, and most blocks have nothing else to do.
  std::int64_t window_mass(vtime t0, vtime t1) const {
    const vtime dt = t1 - t0;
    // Unsigned: a t0 before the hour wraps around and fails too.
    if (static_cast<std::uint64_t>(t0 - (mass_until_ - hour)) >= std::uint64_t{hour} ||
        dt != mass_dt_ || adoption_.adopted() != mass_adopted_) {
      mass_ = session_mass(session_rate(t0), dt);
      mass_until_ = next_local_hour(t0, utc_offset_);
      mass_dt_ = dt;
      mass_adopted_ = adoption_.adopted();
    }
    return mass_;
  }
  bool quiet(vtime t1, double h, std::int64_t session_mass) const {
    return !always_step_ && !has_answered_ && next_due_ >= t1 && h < adoption_.next_threshold() &&
           clock_ > session_mass;
  }
  /// The session clock counts integrated session rate in fixed point, units of
  /// 2^-32 sessions: in integers a run of quiet windows takes off the same
  /// amount whether they are stepped one by one or skipped together.
  static constexpr double clock_unit = 0x1.0p32;
  static std::int64_t session_mass(double rate, vtime dt) {
    return round_nonnegative(rate * to_seconds(dt) * clock_unit);
  }
  /// The Exp(1) gap to the next session start for the uniform draw `u`, in
  /// clock units, at least one (so the clock stays above zero after a start).
  static std::int64_t session_gap(double u) {
    return std::max<std::int64_t>(1, round_nonnegative(-std::log(u) * clock_unit));
  }
  /// The first time after t at which the block's diurnal weight changes (never
  /// if it is the same all day).
  vtime diurnal_steady_until(vtime t) const;
  // The parts of a step that is not quiet, in the order step() calls them.
  /// Outcomes of earlier windows: a retry after a backoff, the next request
  /// after a think time, or the session's end; satisfaction and shares.
  void take_answers(vtime t1);
  void churn_and_convert(vtime t0, vtime t1);
  /// Adopts the users whose thresholds the hazard `h` has passed.
  void adopt(double h);
  /// The window's new sessions, each sending its first request.
  void start_sessions(vtime t0, vtime t1, std::vector<std::vector<request>>& per_pool);
  /// Requests whose think time or backoff ends before t1.
  void send_due(vtime t0, vtime t1, std::vector<std::vector<request>>& per_pool);
  /// A session about to start: its time, its user (a uniform adopter), the
  /// thinning draw and its number of requests.
  struct session_start {
    vtime at = 0;
    std::uint32_t user = 0;
    std::uint32_t requests = 1;
    double keep = 0;
  };
  session_start draw_start(vtime at);
  void start_session(const session_start& start, std::vector<std::vector<request>>& per_pool);
  void send(std::uint32_t slot, vtime at, std::vector<std::vector<request>>& per_pool);
  void end_session(std::uint32_t slot);
  void mark_active(std::uint32_t user, vtime at);
  void satisfy(std::uint32_t user, bool served);
  void share(std::uint32_t user, vtime at);
  /// A uniformly chosen adopted user who has not left, or none after a few tries.
  std::optional<std::uint32_t> pick_active_user(rng_stream& rng);

  // The first cache line: everything a window with nothing to do for this
  // block reads and writes (quiet(), and the sums the shard reports every
  // window), so that a quiet block costs one line. The adoption state that
  // quiet() reads opens the second line.
  /// due_.top().at, or never: kept here so that a block with nothing due
  /// does not touch its heap (cold, at full scale) every window.
  vtime next_due_ = std::numeric_limits<vtime>::max();
  /// Integrated session rate still to go until the next session starts, in
  /// clock units (session_mass).
  std::int64_t clock_ = 0;
  std::uint64_t satisfaction_sum_ = 0;
  std::uint64_t request_counter_ = 0;
  /// window_mass()'s last answer and what it depends on: windows of length
  /// mass_dt_ starting in the local hour that ends at mass_until_, with
  /// mass_adopted_ adopters.
  mutable std::int64_t mass_ = 0;
  mutable vtime mass_until_ = 0;
  mutable vtime mass_dt_ = 0;
  mutable std::uint32_t mass_adopted_ = 0;
  /// An outcome arrived since the last step (answered_ is not empty).
  bool has_answered_ = false;
  /// Churn and conversion draw every window: never quiet.
  bool always_step_ = false;

  alignas(64) adoption_block adoption_;
  const scenario* scenario_;
  double session_rate_per_user_ = 0;
  vtime utc_offset_;
  std::uint32_t id_;
  std::uint16_t tier_;
  /// Draws within sessions (think times, backoffs) and churn.
  rng_stream sessions_rng_;
  /// Draws of session starts only (when, who, how many requests): so the next
  /// start's user can be drawn one start ahead, and fetched before it starts.
  rng_stream starts_rng_;
  /// The random bits that choose the next session's user among the adopters
  /// (rng_stream::scale), drawn at the start before.
  std::uint64_t next_start_bits_ = 0;
  /// The next session's user among the adopters counted now.
  std::uint32_t next_start_user() const {
    return static_cast<std::uint32_t>(rng_stream::scale(next_start_bits_, adoption_.adopted()));
  }
  rng_stream requests_rng_;
  rng_stream sharing_rng_;
  /// The global index of the block's node 0.
  std::uint64_t first_user_;
  /// Cascade only (see social_graph.hpp; it holds no per-user state).
  std::optional<social_graph> graph_;
  /// Users who adopt from this block's shares, not yet taken.
  std::vector<std::uint64_t> exposures_;
  std::uint64_t adopted_by_share_ = 0;
  std::uint64_t shares_ = 0;
  /// Every user's state, one record after the other in one flat byte array:
  /// [1 + the last local day the user was active (0 = never): u16]
  /// [satisfaction, 0 (left) .. 255: u8] [requests today: u16 per limit slot].
  /// 3 bytes a user plus 2 per rate-limited endpoint; what a session start, a
  /// send and an outcome touch of a user is one cache line, not one per array.
  class user_records {
   public:
    void assign(std::uint32_t users, std::size_t limit_slots) {
      stride_ = 3 + 2 * limit_slots;
      bytes_ = huge_page_buffer(users * stride_);
      for (std::uint32_t u = 0; u < users; ++u) bytes_.data()[u * stride_ + 2] = full_satisfaction;
    }
    std::uint16_t last_active_day(std::uint32_t u) const { return load(u * stride_); }
    void set_last_active_day(std::uint32_t u, std::uint16_t v) { store(u * stride_, v); }
    std::uint8_t& satisfaction(std::uint32_t u) { return bytes_.data()[u * stride_ + 2]; }
    std::uint16_t today(std::uint32_t u, std::size_t slot) const {
      return load(u * stride_ + 3 + 2 * slot);
    }
    void set_today(std::uint32_t u, std::size_t slot, std::uint16_t v) {
      store(u * stride_ + 3 + 2 * slot, v);
    }
    void prefetch(std::uint32_t u) const { __builtin_prefetch(bytes_.data() + u * stride_); }
    std::size_t memory_bytes() const { return bytes_.size(); }

   private:
    std::uint16_t load(std::size_t at) const {
      std::uint16_t v;
      std::memcpy(&v, bytes_.data() + at, sizeof v);
      return v;
    }
    void store(std::size_t at, std::uint16_t v) { std::memcpy(bytes_.data() + at, &v, sizeof v); }

    huge_page_buffer bytes_;
    std::size_t stride_ = 3;
  };
  user_records users_;
  /// The tier's daily limits; a slot is a counter in the user records.
  daily_limits limits_;

  std::vector<std::uint32_t> daily_active_;
  std::vector<session> sessions_;
  std::vector<std::uint32_t> free_;
  /// An outcome received since the last step; receive() only appends it, so
  /// that the shard's pass over a pool's outcomes touches no session.
  struct answer {
    std::uint32_t session;
    outcome::kind what;
    vtime at;
  };
  /// Outcomes since the last step, in arrival order (sorted by session before use).
  /// At the start of a cache line: receive(), once per outcome, touches this
  /// vector and the first line, and a vector across two lines costs a miss more.
  alignas(64) std::vector<answer> answered_;
  /// The current window's session starts (reused).
  std::vector<session_start> starting_;
  /// Requests due later (think time or backoff running), earliest first.
  struct due_heap : std::priority_queue<due, std::vector<due>, std::greater<>> {
    /// The heap's first entries in its array: every entry due before some time
    /// has all its parents due before it too, so the window's are at the front.
    std::span<const due> front(std::size_t n) const { return {c.data(), std::min(n, c.size())}; }
  };
  due_heap due_;
  vtime due_top() const { return due_.empty() ? std::numeric_limits<vtime>::max() : due_.top().at; }
  /// Cumulative mix shares, to pick an endpoint with one uniform draw.
  std::vector<double> mix_cdf_;
  edge_counts counts_;
  edge_counts totals_;
  std::uint32_t departed_ = 0;
  std::uint32_t converted_ = 0;
  std::uint64_t sessions_started_ = 0;
};

template <class Hazard>
std::int64_t population_block::quiet_windows(vtime t0, vtime tick, std::int64_t most,
                                             Hazard hazard_at) const {
  if (always_step_ || has_answered_ || most <= 0) return 0;
  // Windows that end by the next request due, start before the diurnal
  // weight changes, and leave the session clock above zero.
  std::int64_t n = most;
  if (next_due_ != std::numeric_limits<vtime>::max()) n = std::min(n, (next_due_ - t0) / tick);
  const vtime steady = diurnal_steady_until(t0);
  if (steady != std::numeric_limits<vtime>::max()) n = std::min(n, (steady - t0 + tick - 1) / tick);
  const std::int64_t mass = session_mass(session_rate(t0), tick);
  if (clock_ <= 0) return 0;
  if (mass > 0) n = std::min(n, (clock_ - 1) / mass);
  // Nobody adopts: the hazard at each window's start stays below the next
  // threshold. The hazard does not decrease, so the windows where it does form
  // a prefix: the answer is the first window where it does not.
  const double threshold = adoption_.next_threshold();
  std::int64_t lo = 0, hi = std::max<std::int64_t>(n, 0);
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    if (hazard_at(t0 + mid * tick) < threshold) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

}  // namespace stampede::sim
