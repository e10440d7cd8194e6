#include "sim/world/population_slice.hpp"

#include <algorithm>

#include "sim/speed/block_prefetch.hpp"

namespace stampede::sim {

population_slice::population_slice(const scenario& s, const block_layout& layout,
                                   std::uint32_t first, std::uint32_t stride)
    : s_(&s), layout_(&layout), first_(first), stride_(stride) {
  for (std::uint32_t b = first; b < layout.count(); b += stride) blocks_.emplace_back(s, layout, b);
  staged_prefetch_ = layout.count() >= staged_prefetch_from_blocks;
}

void population_slice::expose(const std::vector<std::uint64_t>& exposures) {
  // The users come sorted, so their blocks come in order: one walk along the
  // layout finds them. Each is a cache miss in a large population: the
  // slice's own are listed first, fetched as they are, and adopted after.
  exposed_.clear();
  std::uint32_t block = 0;
  for (std::uint64_t user : exposures) {
    block = layout_->block_of(user, block);
    if (auto* b = held(block)) {
      const auto node = static_cast<std::uint32_t>(user - layout_->blocks[block].first_user);
      b->prefetch_exposed(node);
      exposed_.emplace_back(b, node);
    }
  }
  for (const auto& [b, node] : exposed_) b->expose(node);
}

void population_slice::receive(std::span<const outcome> outcomes) {
  // Outcomes come in the pools' order, each for any block: what receive()
  // touches of the block a few outcomes ahead is fetched meanwhile.
  constexpr std::size_t ahead = 8;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    if (i + ahead < outcomes.size()) held(outcomes[i + ahead].block)->prefetch_receive();
    held(outcomes[i].block)->receive(outcomes[i]);
  }
}

void population_slice::step_blocks(const window& w, double h,
                                   std::vector<std::vector<request>>& per_pool,
                                   slice_report& report) {
  // What the close step needs, summed while each block is in cache.
  const auto step_one = [&](population_block& b) {
    if (b.step(w.t0, w.t1, h, per_pool)) {
      b.take_exposures(report.exposures);
      report.quiet = false;
    }
    report.satisfaction += b.satisfaction_sum();
    report.requests_sent += b.requests_sent();
  };
  if (!staged_prefetch_) {
    for (auto& b : blocks_) step_one(b);
    return;
  }
  block_prefetcher prefetcher(blocks_, w.t0, w.t1, h);
  for (std::size_t i = 0; i < blocks_.size(); ++i) {
    prefetcher.ahead(i);
    step_one(blocks_[i]);
  }
}

slice_report population_slice::step(const window& w, double h,
                                    std::vector<std::vector<request>>& per_pool) {
  slice_report report;
  step_blocks(w, h, per_pool, report);
  // The blocks sent in order, so the ids increase in the order sent.
  for (auto& batch : per_pool) sorter_.sort(batch);
  return report;
}

std::int64_t population_slice::quiet_windows(vtime t0, vtime tick, std::int64_t most,
                                             const adoption_clock& adoption) const {
  const auto hazard_at = [&](vtime t) { return adoption.hazard_at(t); };
  for (const auto& b : blocks_) {
    if (most <= 0) break;
    most = std::min(most, b.quiet_windows(t0, tick, most, hazard_at));
  }
  return std::max<std::int64_t>(most, 0);
}

void population_slice::skip_quiet(vtime t0, vtime tick, std::int64_t windows, double h) {
  for (auto& b : blocks_) b.skip_quiet(t0, tick, windows, h);
}

std::optional<population_interval> population_slice::interval_row(vtime t0, vtime t1,
                                                                  bool partial) {
  const vtime interval = s_->report_interval;
  const vtime interval_end = std::min(s_->horizon, (t0 / interval + 1) * interval);
  if (t1 < interval_end && !partial) return std::nullopt;
  population_interval row;
  row.interval = static_cast<int>(t0 / interval);
  row.active_by_tier.assign(s_->tiers.size(), 0);
  edge_counts edge = edge_counts::zero(s_->endpoints.size());
  std::uint64_t started = 0;
  for (auto& b : blocks_) {
    row.adopters += b.adopted();
    row.active_users += b.active_users();
    row.active_by_tier[b.tier()] += b.active_users();
    row.converted += b.converted();
    row.active_sessions += b.active_sessions();
    started += b.sessions_started();
    b.take_edge_counts(edge);
  }
  row.rate_limited = std::move(edge.rate_limited);
  row.retried = std::move(edge.retried);
  row.first_attempts = std::move(edge.first_attempts);
  row.sessions_started = started - sessions_started_reported_;
  sessions_started_reported_ = started;
  return row;
}

std::optional<population_interval> population_slice::stopped_row(vtime reached) {
  if (reached % s_->report_interval == 0 || reached >= s_->horizon) return std::nullopt;
  return interval_row(reached - 1, reached, true);
}

std::uint64_t population_slice::adopted() const {
  std::uint64_t n = 0;
  for (const auto& b : blocks_) n += b.adopted();
  return n;
}

population_final population_slice::final_figures() const {
  population_final f;
  for (const auto& b : blocks_) {
    f.users += b.size();
    f.requests_sent += b.requests_sent();
    f.memory_bytes += b.memory_bytes();
    f.shares += b.shares();
    f.adopted_by_share += b.adopted_by_share();
    if (f.daily_active.size() < b.daily_active().size()) {
      f.daily_active.resize(b.daily_active().size());
    }
    for (std::size_t d = 0; d < b.daily_active().size(); ++d) {
      f.daily_active[d] += b.daily_active()[d];
    }
    f.rate_limited.resize(b.edge_totals().rate_limited.size(), 0);
    f.retried.resize(b.edge_totals().retried.size(), 0);
    for (std::size_t e = 0; e < f.rate_limited.size(); ++e) {
      f.rate_limited[e] += b.edge_totals().rate_limited[e];
      f.retried[e] += b.edge_totals().retried[e];
    }
  }
  return f;
}

}  // namespace stampede::sim
