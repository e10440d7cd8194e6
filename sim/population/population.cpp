#include "sim/population/population.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace stampede::sim {

block_layout block_layout::of(const scenario& s) {
  block_layout l;
  l.users = static_cast<std::uint64_t>(s.simulated_users());
  l.initial_adopters = std::min<std::uint64_t>(
      l.users, static_cast<std::uint64_t>(std::llround(s.adoption.initial_adopters * s.scale)));
  // Groups of (region, tier) in proportion to their shares, with cumulative
  // rounding so that the group sizes add up to exactly `users`.
  const double groups_total = static_cast<double>(l.users);
  double cumulative = 0;
  std::uint64_t first = 0;
  for (std::size_t r = 0; r < s.regions.size(); ++r) {
    for (std::size_t t = 0; t < s.tiers.size(); ++t) {
      cumulative += s.regions[r].share * s.tiers[t].share;
      const bool last = r + 1 == s.regions.size() && t + 1 == s.tiers.size();
      const std::uint64_t end =
          last ? l.users
               : std::min<std::uint64_t>(
                     l.users, static_cast<std::uint64_t>(std::llround(cumulative * groups_total)));
      for (std::uint64_t u = first; u < end; u += block_size) {
        l.blocks.push_back(
            {u, static_cast<std::uint32_t>(std::min<std::uint64_t>(block_size, end - u)),
             static_cast<std::uint16_t>(r), static_cast<std::uint16_t>(t)});
      }
      first = std::max(first, end);
    }
  }
  return l;
}

std::uint32_t block_layout::initial_of(std::uint32_t block) const {
  // Cumulative rounding: the blocks' shares add up to exactly initial_adopters.
  const auto upto = [&](std::uint64_t first_user) {
    return users == 0 ? 0 : (initial_adopters * first_user) / users;
  };
  const block_info& b = blocks[block];
  return static_cast<std::uint32_t>(upto(b.first_user + b.size) - upto(b.first_user));
}

population_block::population_block(const scenario& s, const block_layout& layout,
                                   std::uint32_t block)
    : adoption_(layout.size_of(block), layout.initial_of(block),
                rng_stream(s.seed, stream::adoption, block), s.adoption.is_cascade()),
      scenario_(&s),
      session_rate_per_user_(s.tiers[layout.blocks[block].tier].sessions_per_day / 86400.0),
      utc_offset_(s.regions[layout.blocks[block].region].utc_offset),
      id_(block),
      tier_(layout.blocks[block].tier),
      sessions_rng_(s.seed, stream::sessions, block),
      starts_rng_(s.seed, stream::session_starts, block),
      requests_rng_(s.seed, stream::requests, block),
      sharing_rng_(s.seed, stream::sharing, block),
      first_user_(layout.blocks[block].first_user),
      limits_(s, layout.blocks[block].tier),
      daily_active_(static_cast<std::size_t>((s.horizon + day - 1) / day), 0) {
  double sum = 0;
  for (double share : s.behavior.mix) {
    sum += share;
    mix_cdf_.push_back(sum);
  }
  users_.assign(layout.size_of(block), limits_.slots());
  counts_ = edge_counts::zero(s.endpoints.size());
  totals_ = counts_;
  satisfaction_sum_ = std::uint64_t{full_satisfaction} * adoption_.adopted();
  clock_ = session_gap(starts_rng_.uniform());
  next_start_bits_ = starts_rng_.next_u64();
  always_step_ =
      s.business.churn > 0 || (s.business.conversion > 0 && s.business.convert_from == tier_);
  if (s.adoption.is_cascade()) {
    graph_.emplace(s.seed, layout.users, s.adoption.cascade.mean_degree,
                   s.adoption.cascade.exponent);
  }
}

void population_block::receive(const outcome& o) {
  answered_.push_back({o.session, o.what, o.at});
  has_answered_ = true;
}

namespace {

/// How many entries at the front of the due heap the prefetch stages look at:
/// its first four levels, four cache lines.
constexpr std::size_t due_prefetch = 15;

}  // namespace

void population_block::prefetch_arrays() const {
  for (std::size_t at = 0; at < answered_.size() * sizeof(answer); at += 64)
    __builtin_prefetch(reinterpret_cast<const char*>(answered_.data()) + at);
  __builtin_prefetch(limits_.slot_table());
  __builtin_prefetch(limits_.limit_table());
  __builtin_prefetch(mix_cdf_.data());
  const std::span<const due> front = due_.front(due_prefetch);
  for (std::size_t at = 0; at < front.size_bytes(); at += 64)
    __builtin_prefetch(reinterpret_cast<const char*>(front.data()) + at);
}

void population_block::prefetch_sessions(vtime t1) const {
  for (const answer& a : answered_) __builtin_prefetch(&sessions_[a.session]);
  for (const due& d : due_.front(due_prefetch)) {
    if (d.at < t1) __builtin_prefetch(&sessions_[d.session]);
  }
}

void population_block::prefetch_users(vtime t1) const {
  for (const answer& a : answered_) users_.prefetch(sessions_[a.session].user);
  for (const due& d : due_.front(due_prefetch)) {
    if (d.at < t1) users_.prefetch(sessions_[d.session].user);
  }
  if (adoption_.adopted() > 0) users_.prefetch(next_start_user());
}

std::optional<std::uint32_t> population_block::pick_active_user(rng_stream& rng) {
  if (active_users() == 0) return std::nullopt;
  // Rejection: exact, and cheap while most adopters stay.
  for (int tries = 0; tries < 64; ++tries) {
    const auto u = static_cast<std::uint32_t>(rng.below(adoption_.adopted()));
    if (users_.satisfaction(u) > 0) return u;
  }
  return std::nullopt;
}

void population_block::churn_and_convert(vtime t0, vtime t1) {
  const business_spec& b = scenario_->business;
  const double dt = to_seconds(t1 - t0);
  if (b.churn > 0 && active_users() > 0) {
    const std::uint64_t leaving = sample_poisson(active_users() * b.churn * dt, sessions_rng_);
    for (std::uint64_t i = 0; i < leaving; ++i) {
      const auto u = pick_active_user(sessions_rng_);
      if (!u) break;
      // Conversions are a count, not a mark on a user: the one leaving was a
      // converted one with probability converted / active.
      if (converted_ > 0 && sessions_rng_.below(active_users()) < converted_) --converted_;
      satisfaction_sum_ -= users_.satisfaction(*u);
      users_.satisfaction(*u) = 0;
      ++departed_;
    }
  }
  if (b.conversion > 0 && b.convert_from == tier_ && active_users() > converted_) {
    const std::uint64_t n =
        sample_poisson((active_users() - converted_) * b.conversion * dt, sessions_rng_);
    converted_ +=
        static_cast<std::uint32_t>(std::min<std::uint64_t>(n, active_users() - converted_));
  }
}

bool population_block::step(vtime t0, vtime t1, double h,
                            std::vector<std::vector<request>>& per_pool) {
  if (const std::int64_t mass = window_mass(t0, t1); quiet(t1, h, mass)) {
    adoption_.advance_to(h);  // adopts nobody, notes h for expose()
    clock_ -= mass;
    return false;
  }
  take_answers(t1);
  limits_.advance_to(t0);  // rate limits that take effect by t0
  churn_and_convert(t0, t1);
  adopt(h);
  start_sessions(t0, t1, per_pool);
  send_due(t0, t1, per_pool);
  return true;
}

vtime population_block::diurnal_steady_until(vtime t) const {
  const auto& weight = scenario_->behavior.diurnal;
  const int now = hour_of_day(t, utc_offset_);
  // The start of the local hour after t, then on hour by hour for a day.
  vtime next = next_local_hour(t, utc_offset_);
  for (int h = 1; h < 24; ++h, next += hour) {
    if (weight[static_cast<std::size_t>((now + h) % 24)] != weight[static_cast<std::size_t>(now)]) {
      return next;
    }
  }
  return std::numeric_limits<vtime>::max();
}

void population_block::take_answers(vtime t1) {
  const behavior_spec& b = scenario_->behavior;
  // Outcomes of earlier windows, in session order. Their sessions and users'
  // records are fetched ahead, all at once: in a large population each is a
  // cache miss.
  std::sort(answered_.begin(), answered_.end(),
            [](const answer& a, const answer& b) { return a.session < b.session; });
  prefetch_sessions(t1);
  prefetch_users(t1);
  for (const answer& a : answered_) {
    const std::uint32_t slot = a.session;
    session& s = sessions_[slot];
    if (a.what != outcome::kind::completed) {
      if (s.attempt < b.retry.max) {
        // Back off and try the same endpoint again: retry storms come from here.
        const double backoff = to_seconds(b.retry.backoff) *
                               std::pow(b.retry.multiplier, s.attempt) *
                               (0.5 + sessions_rng_.uniform());
        s.retrying = true;
        due_.push({a.at + from_seconds(backoff), slot});
        continue;
      }
      satisfy(s.user, false);
      end_session(slot);
      continue;
    }
    satisfy(s.user, true);
    if (graph_ && s.endpoint == scenario_->adoption.cascade.share_endpoint) share(s.user, a.at);
    if (s.remaining == 0) {
      end_session(slot);
      continue;
    }
    const vtime think = from_seconds(b.think_time.sample(sessions_rng_));
    due_.push({a.at + think, slot});
  }
  if (!answered_.empty()) next_due_ = due_top();
  answered_.clear();
  has_answered_ = false;
}

void population_block::adopt(double h) {
  const std::uint32_t before = adoption_.adopted();
  adoption_.advance_to(h);
  satisfaction_sum_ += std::uint64_t{full_satisfaction} * (adoption_.adopted() - before);
}

void population_block::start_sessions(vtime t0, vtime t1,
                                      std::vector<std::vector<request>>& per_pool) {
  // One Poisson process for all adopted users of the block, with
  // the rate of the local diurnal hour the window starts in. Run on its own
  // clock: the next start comes when the integrated rate has grown by an Exp(1)
  // draw since the last one (`clock_` is what is left of it, in fixed point), so a
  // window without a start costs a comparison, and the process stays exact
  // across windows of different rates (memoryless).
  const double rate = session_rate(t0);
  const std::int64_t mass = window_mass(t0, t1);
  // The window's starts are drawn first and started after, so that the users'
  // records can be fetched meanwhile (the draws keep their order).
  starting_.clear();
  while (clock_ <= mass) {
    const vtime at = t0 + from_seconds(static_cast<double>(clock_) / clock_unit / rate);
    starting_.push_back(draw_start(std::min(at, t1 - 1)));
    users_.prefetch(starting_.back().user);
    clock_ += session_gap(starts_rng_.uniform());
  }
  clock_ -= mass;
  for (const session_start& start : starting_) start_session(start, per_pool);
}

void population_block::send_due(vtime t0, vtime t1, std::vector<std::vector<request>>& per_pool) {
  // Requests whose think time or backoff ends in this window. One that ended
  // before the window started (the response came late in the previous window)
  // is sent at the window's start: feedback never reaches into the past.
  while (next_due_ < t1) {
    const due d = due_.top();
    due_.pop();
    next_due_ = due_top();
    send(d.session, std::max(d.at, t0), per_pool);
  }
}

population_block::session_start population_block::draw_start(vtime at) {
  session_start s;
  s.at = at;
  s.user = next_start_user();
  next_start_bits_ = starts_rng_.next_u64();
  // The next start's user is known already: fetch their record until then.
  users_.prefetch(next_start_user());
  s.keep = starts_rng_.uniform();
  s.requests = static_cast<std::uint32_t>(
      std::max(1.0, std::round(scenario_->behavior.requests_per_session.sample(starts_rng_))));
  return s;
}

void population_block::start_session(const session_start& start,
                                     std::vector<std::vector<request>>& per_pool) {
  const std::uint32_t user = start.user;
  const vtime at = start.at;
  // Thinning: a user starts the session with probability = satisfaction, so an
  // unhappy user comes back less often and one who left never does.
  if (start.keep * full_satisfaction >= users_.satisfaction(user)) return;
  std::uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(sessions_.size());
    sessions_.emplace_back();
  }
  sessions_[slot] = session{};
  sessions_[slot].user = user;
  sessions_[slot].remaining = start.requests;
  ++sessions_started_;
  mark_active(user, at);
  send(slot, at, per_pool);
}

void population_block::send(std::uint32_t slot, vtime at,
                            std::vector<std::vector<request>>& per_pool) {
  const behavior_spec& b = scenario_->behavior;
  session& s = sessions_[slot];
  const bool first_attempt = !s.retrying;
  if (s.retrying) {
    s.retrying = false;
    ++s.attempt;
    ++counts_.retried[s.endpoint];
    ++totals_.retried[s.endpoint];
  } else {
    --s.remaining;
    s.attempt = 0;
    const double u = requests_rng_.uniform();
    s.endpoint = static_cast<std::uint16_t>(std::min<std::size_t>(
        std::upper_bound(mix_cdf_.begin(), mix_cdf_.end(), u * mix_cdf_.back()) - mix_cdf_.begin(),
        mix_cdf_.size() - 1));
  }
  // Its answer comes in the next window and changes the user's record: fetch it
  // now, while the work until then hides the miss (a hint, no effect on results).
  users_.prefetch(s.user);
  const vtime patience = from_seconds(b.patience.sample(requests_rng_));

  // The rate limit is enforced at the edge: the user gets a 429 and gives up.
  if (const int slot_index = limits_.slot(s.endpoint); slot_index >= 0) {
    const auto k = static_cast<std::size_t>(slot_index);
    const std::uint16_t today = users_.today(s.user, k);
    if (!limits_.allows(k, today)) {
      ++counts_.rate_limited[s.endpoint];
      ++totals_.rate_limited[s.endpoint];
      ++request_counter_;
      satisfy(s.user, false);
      end_session(slot);
      return;
    }
    users_.set_today(s.user, k, static_cast<std::uint16_t>(today + 1));
  }
  if (first_attempt) {
    ++counts_.first_attempts[s.endpoint];
    ++totals_.first_attempts[s.endpoint];
  }

  request r;
  r.at = at;
  r.id = request::make_id(id_, request_counter_++);
  r.patience = patience;
  r.work = scenario_->endpoints[s.endpoint].work.sample(requests_rng_);
  r.session = slot;
  r.endpoint = s.endpoint;
  per_pool[static_cast<std::size_t>(scenario_->endpoints[s.endpoint].pool)].push_back(r);
}

void population_block::end_session(std::uint32_t slot) {
  free_.push_back(slot);
}

void population_block::satisfy(std::uint32_t user, bool served) {
  const feedback_spec& f = scenario_->behavior.feedback;
  std::uint8_t& s = users_.satisfaction(user);
  if (s == 0) return;  // left already
  // Rounded down after a failure, so that repeated failures reach 0 (the user
  // leaves) instead of sticking at 1.
  const double now = served
                         ? std::min<double>(full_satisfaction, s + f.recovery * full_satisfaction)
                         : std::floor(s * (1 - f.penalty));
  const auto next = static_cast<std::uint8_t>(now + 0.5);  // now >= 0: rounds half up
  satisfaction_sum_ = satisfaction_sum_ - s + next;
  s = next;
  if (s == 0) ++departed_;
}

void population_block::share(std::uint32_t user, vtime at) {
  // The coupling to quality: a user shares with probability = satisfaction.
  if (sharing_rng_.uniform() * full_satisfaction >= users_.satisfaction(user)) return;
  ++shares_;
  const double p =
      std::min(1.0, scenario_->adoption.cascade.share_exposure * imitation_boost(*scenario_, at));
  if (p <= 0) return;
  const std::uint64_t sharer = first_user_ + adoption_.node_of(user);
  const std::uint64_t followers = graph_->followers(sharer);
  // The followers who adopt are a Bernoulli(p) subset: jump from one to the
  // next with geometric gaps, so a hub with a million followers costs one draw
  // per adopter, not one per follower.
  const double log_miss = std::log1p(-p);
  for (std::uint64_t j = 0;; ++j) {
    if (p < 1) {
      const double gap = geometric_failures(sharing_rng_.uniform(), log_miss);
      if (gap >= static_cast<double>(followers - j)) break;
      j += static_cast<std::uint64_t>(gap);
    }
    if (j >= followers) break;
    exposures_.push_back(graph_->follower(sharer, j));
  }
}

void population_block::take_exposures(std::vector<std::uint64_t>& into) {
  into.insert(into.end(), exposures_.begin(), exposures_.end());
  exposures_.clear();
}

void population_block::expose(std::uint32_t node) {
  if (!adoption_.adopt_node(node)) return;
  ++adopted_by_share_;
  satisfaction_sum_ += full_satisfaction;
}

void population_block::mark_active(std::uint32_t user, vtime at) {
  // Days are local (rate_limit.hpp): the first local day may start up to 14 h
  // before t = 0, so day k is stored as k + 2 (0 stays "never").
  const vtime today = local_day(at, utc_offset_);
  const auto stored = static_cast<std::uint16_t>(today + 2);
  if (users_.last_active_day(user) == stored) return;
  users_.set_last_active_day(user, stored);
  // A new local day: the user's rate-limit counters start again.
  for (std::size_t k = 0; k < limits_.slots(); ++k) users_.set_today(user, k, 0);
  const auto d = static_cast<std::size_t>(std::max<vtime>(0, today));
  if (d < daily_active_.size()) ++daily_active_[d];
}

edge_counts edge_counts::zero(std::size_t endpoints) {
  const std::vector<std::uint64_t> none(endpoints, 0);
  return {none, none, none};
}

void population_block::take_edge_counts(edge_counts& into) {
  for (std::size_t e = 0; e < counts_.rate_limited.size(); ++e) {
    into.rate_limited[e] += counts_.rate_limited[e];
    into.retried[e] += counts_.retried[e];
    into.first_attempts[e] += counts_.first_attempts[e];
    counts_.rate_limited[e] = 0;
    counts_.retried[e] = 0;
    counts_.first_attempts[e] = 0;
  }
}

std::size_t population_block::memory_bytes() const {
  return sizeof(*this) + adoption_.memory_bytes() + exposures_.capacity() * sizeof(std::uint64_t) +
         users_.memory_bytes() + starting_.capacity() * sizeof(session_start) +
         daily_active_.capacity() * sizeof(std::uint32_t) + sessions_.capacity() * sizeof(session) +
         free_.capacity() * sizeof(std::uint32_t) + answered_.capacity() * sizeof(answered_[0]) +
         due_.size() * sizeof(due) + mix_cdf_.capacity() * sizeof(double);
}

}  // namespace stampede::sim
