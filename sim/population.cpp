#include "sim/population.hpp"

#include <algorithm>
#include <cmath>

namespace stampede::sim {

block_layout block_layout::of(const scenario& s) {
  block_layout l;
  l.users = static_cast<std::uint64_t>(s.simulated_users());
  l.blocks = static_cast<std::uint32_t>((l.users + block_size - 1) / block_size);
  l.initial_adopters = std::min<std::uint64_t>(
      l.users, static_cast<std::uint64_t>(std::llround(s.adoption.initial_adopters * s.scale)));
  return l;
}

std::uint32_t block_layout::size_of(std::uint32_t block) const {
  const std::uint64_t first = std::uint64_t{block} * block_size;
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(block_size, users - first));
}

std::uint32_t block_layout::initial_of(std::uint32_t block) const {
  // Cumulative rounding: the blocks' shares add up to exactly initial_adopters.
  const auto upto = [&](std::uint64_t first_user) {
    return users == 0 ? 0 : (initial_adopters * first_user) / users;
  };
  const std::uint64_t first = std::uint64_t{block} * block_size;
  return static_cast<std::uint32_t>(upto(first + size_of(block)) - upto(first));
}

population_block::population_block(const scenario& s, const block_layout& layout,
                                   std::uint32_t block)
    : scenario_(&s),
      id_(block),
      adoption_(layout.size_of(block), layout.initial_of(block),
                rng_stream(s.seed, stream::adoption, block)),
      sessions_rng_(s.seed, stream::sessions, block),
      requests_rng_(s.seed, stream::requests, block),
      last_active_day_(layout.size_of(block), 0),
      daily_active_(static_cast<std::size_t>((s.horizon + day - 1) / day), 0),
      session_rate_per_user_(s.behavior.sessions_per_day / 86400.0) {
  double sum = 0;
  for (double share : s.behavior.mix) {
    sum += share;
    mix_cdf_.push_back(sum);
  }
}

void population_block::receive(const outcome& o) {
  session& s = sessions_[o.session];
  s.outcome_at = o.at;
  s.last = o.what;
  s.has_outcome = true;
  answered_.push_back(o.session);
}

void population_block::step(vtime t0, vtime t1, double h,
                            std::vector<std::vector<request>>& per_pool) {
  const behavior_spec& b = scenario_->behavior;

  // Outcomes of earlier windows, in session order.
  std::sort(answered_.begin(), answered_.end());
  for (std::uint32_t slot : answered_) {
    session& s = sessions_[slot];
    s.has_outcome = false;
    if (s.last != outcome::kind::completed || s.remaining == 0) {
      end_session(slot);
      continue;
    }
    const vtime think = from_seconds(b.think_time.sample(sessions_rng_));
    due_.push({s.outcome_at + think, slot});
  }
  answered_.clear();

  adoption_.advance_to(h);

  // New sessions: one Poisson process for all adopted users of the block, with
  // the rate of the diurnal hour the window starts in.
  const int hour_of_day = static_cast<int>((t0 / hour) % 24);
  const double rate = adoption_.adopted() * session_rate_per_user_ * b.diurnal[hour_of_day];
  const std::uint64_t starts = sample_poisson(rate * to_seconds(t1 - t0), sessions_rng_);
  for (std::uint64_t i = 0; i < starts; ++i) {
    start_session(t0 + static_cast<vtime>(sessions_rng_.below(static_cast<std::uint64_t>(t1 - t0))),
                  per_pool);
  }

  // Requests whose think time ends in this window. One whose think time ended
  // before the window started (the response came late in the previous window)
  // is sent at the window's start: feedback never reaches into the past.
  while (!due_.empty() && due_.top().at < t1) {
    const due d = due_.top();
    due_.pop();
    send(d.session, std::max(d.at, t0), per_pool);
  }
}

void population_block::start_session(vtime at, std::vector<std::vector<request>>& per_pool) {
  const behavior_spec& b = scenario_->behavior;
  const auto user = static_cast<std::uint32_t>(sessions_rng_.below(adoption_.adopted()));
  const double n = std::max(1.0, std::round(b.requests_per_session.sample(sessions_rng_)));
  std::uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(sessions_.size());
    sessions_.emplace_back();
  }
  sessions_[slot] =
      session{user, static_cast<std::uint32_t>(n), 0, outcome::kind::completed, false};
  ++sessions_started_;
  mark_active(user, at);
  send(slot, at, per_pool);
}

void population_block::send(std::uint32_t slot, vtime at,
                            std::vector<std::vector<request>>& per_pool) {
  const behavior_spec& b = scenario_->behavior;
  session& s = sessions_[slot];
  --s.remaining;
  const double u = requests_rng_.uniform();
  const auto endpoint = static_cast<std::uint16_t>(std::min<std::size_t>(
      std::upper_bound(mix_cdf_.begin(), mix_cdf_.end(), u * mix_cdf_.back()) - mix_cdf_.begin(),
      mix_cdf_.size() - 1));
  request r;
  r.at = at;
  r.id = request::make_id(id_, request_counter_++);
  r.patience = from_seconds(b.patience.sample(requests_rng_));
  r.session = slot;
  r.endpoint = endpoint;
  per_pool[static_cast<std::size_t>(scenario_->endpoints[endpoint].pool)].push_back(r);
}

void population_block::end_session(std::uint32_t slot) {
  free_.push_back(slot);
}

void population_block::mark_active(std::uint32_t user, vtime at) {
  const auto today = static_cast<std::uint16_t>(at / day + 1);
  if (last_active_day_[user] != today) {
    last_active_day_[user] = today;
    const auto d = static_cast<std::size_t>(today - 1);
    if (d < daily_active_.size()) ++daily_active_[d];
  }
}

std::size_t population_block::memory_bytes() const {
  return sizeof(*this) + last_active_day_.capacity() * sizeof(std::uint16_t) +
         daily_active_.capacity() * sizeof(std::uint32_t) + sessions_.capacity() * sizeof(session) +
         free_.capacity() * sizeof(std::uint32_t) + answered_.capacity() * sizeof(std::uint32_t) +
         due_.size() * sizeof(due) + mix_cdf_.capacity() * sizeof(double);
}

}  // namespace stampede::sim
