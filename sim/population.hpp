#pragma once
// The population: users in flat arrays, cut into fixed blocks.
//
// A block is the unit of randomness and of state: its users, its adoption, its
// sessions and its random streams. Blocks are fixed by the scenario (never by
// the number of threads or shards), so the same scenario, seed and scale give
// the same draws however the blocks are spread over actors.
//
// An adopted user starts sessions as a Poisson process whose rate follows the
// diurnal curve; the sessions of a block's adopted users are one Poisson process
// (superposition), each session belonging to a uniformly chosen adopted user. A
// session is a number of requests; after a response the user thinks and sends
// the next. A request that is rejected or abandoned ends the session.
#include <cstdint>
#include <queue>
#include <vector>

#include "sim/adoption.hpp"
#include "sim/request.hpp"
#include "sim/rng.hpp"
#include "sim/scenario.hpp"

namespace stampede::sim {

/// How the simulated users are cut into blocks.
struct block_layout {
  /// Users per block (the last block may be smaller).
  static constexpr std::uint32_t block_size = 1u << 16;

  std::uint64_t users = 0;
  std::uint32_t blocks = 0;
  /// Initial adopters (simulated users), spread over blocks in proportion to size.
  std::uint64_t initial_adopters = 0;

  static block_layout of(const scenario& s);
  std::uint32_t size_of(std::uint32_t block) const;
  std::uint32_t initial_of(std::uint32_t block) const;
};

/// One block of users and the sessions they are in.
class population_block {
 public:
  population_block(const scenario& s, const block_layout& layout, std::uint32_t block);

  /// Runs the window [t0, t1): first the outcomes received since the last
  /// window (think times are drawn here, in session order, so the draws never
  /// depend on the order outcome batches arrived in), then adoption up to the
  /// cumulative hazard `h`, new sessions, and every request due in the window,
  /// appended to `per_pool[pool]`.
  void step(vtime t0, vtime t1, double h, std::vector<std::vector<request>>& per_pool);

  /// Records what became of a request; takes effect in the next step().
  void receive(const outcome& o);

  std::uint32_t id() const { return id_; }
  std::uint32_t size() const { return adoption_.size(); }
  std::uint32_t adopted() const { return adoption_.adopted(); }
  /// Sessions in progress (waiting for a response or thinking).
  std::uint64_t active_sessions() const { return sessions_.size() - free_.size(); }
  std::uint64_t sessions_started() const { return sessions_started_; }
  std::uint64_t requests_sent() const { return request_counter_; }
  /// Users with at least one session on each day (index = day since the start).
  const std::vector<std::uint32_t>& daily_active() const { return daily_active_; }
  /// Bytes held by this block: per-user arrays plus session tables.
  std::size_t memory_bytes() const;

 private:
  struct session {
    std::uint32_t user = 0;
    /// Requests still to send after the one in flight.
    std::uint32_t remaining = 0;
    /// When the last outcome came (valid while `has_outcome`).
    vtime outcome_at = 0;
    outcome::kind last = outcome::kind::completed;
    bool has_outcome = false;
  };
  struct due {
    vtime at;
    std::uint32_t session;
    bool operator>(const due& o) const { return at != o.at ? at > o.at : session > o.session; }
  };

  void start_session(vtime at, std::vector<std::vector<request>>& per_pool);
  void send(std::uint32_t slot, vtime at, std::vector<std::vector<request>>& per_pool);
  void end_session(std::uint32_t slot);
  void mark_active(std::uint32_t user, vtime at);

  const scenario* scenario_;
  std::uint32_t id_;
  adoption_block adoption_;
  rng_stream sessions_rng_;
  rng_stream requests_rng_;
  /// Per user: 1 + the last day the user was active (0 = never). Two bytes a user.
  std::vector<std::uint16_t> last_active_day_;
  std::vector<std::uint32_t> daily_active_;
  std::vector<session> sessions_;
  std::vector<std::uint32_t> free_;
  /// Sessions with an outcome since the last step, in arrival order (sorted before use).
  std::vector<std::uint32_t> answered_;
  std::priority_queue<due, std::vector<due>, std::greater<>> due_;
  /// Cumulative mix shares, to pick an endpoint with one uniform draw.
  std::vector<double> mix_cdf_;
  double session_rate_per_user_ = 0;
  std::uint64_t sessions_started_ = 0;
  std::uint64_t request_counter_ = 0;
};

}  // namespace stampede::sim
