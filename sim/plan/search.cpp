#include "sim/plan/search.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <mutex>

#include "sim/ensemble/members.hpp"
#include "sim/ensemble/parallel.hpp"
#include "sim/plan/document.hpp"
#include "sim/results/slo.hpp"
#include "sim/scenario/limits.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "sim/world/world.hpp"

namespace stampede::sim {

namespace {

/// Rounds of coordination between pools (step 3 of the search).
constexpr int max_rounds = 3;

/// What the planner keeps of one member's run of a candidate.
struct member_verdicts {
  /// Per SLO: held over the run; held in every interval of each period; measured.
  std::vector<bool> held;
  std::vector<std::vector<bool>> period_held;
  std::vector<double> measured;
  std::vector<std::string> notes;
  double cost = 0;
  std::string digest;
  std::uint64_t requests = 0;
};

/// Servers in simulated units, [pool][period]; pools the plan keeps stay empty.
using schedule = std::vector<std::vector<std::int64_t>>;

class planner {
 public:
  planner(std::string document, std::string header, const std::string& file, const scenario& base,
          const plan_options& options, plan_result& out)
      : document_(std::move(document)),
        header_(std::move(header)),
        file_(file),
        base_(base),
        options_(options),
        out_(out) {
    const vtime period = options.period > 0 ? options.period : base.horizon;
    for (vtime t = 0; t < base.horizon; t += period) starts_.push_back(t);
    if (options.members > 1) {
      for (std::uint64_t i = 0; i < options.members; ++i) draws_.push_back(draw_member(base, i));
    }
    max_simulated_ = std::max<std::int64_t>(1, std::llround(limits::max_servers * base.scale));
  }

  const std::vector<vtime>& starts() const { return starts_; }

  /// Runs the search of search.hpp; fills out_.
  void search() {
    schedule x(base_.pools.size());
    for (std::size_t p = 0; p < x.size(); ++p) {
      if (out_.pools[p].planned) {
        x[p].assign(starts_.size(), base_.simulated_servers(static_cast<int>(p)));
      }
    }
    if (!upper_bound(x)) return;
    for (int round = 0; round < max_rounds; ++round) {
      for (std::size_t k = 0; k < starts_.size(); ++k) {
        for (std::size_t p = 0; p < x.size(); ++p) {
          if (out_.pools[p].planned && !bisect(x, p, k)) return;
        }
      }
      const auto c = evaluate(x, "the plan, checked whole", base_.horizon);
      if (!c) return;
      if (out_.tried[*c].holds) {
        out_.chosen = *c;
        out_.yaml = text_of(x);
        return;
      }
    }
    out_.failure = "each pool held its own SLOs, but the pools together broke one after " +
                   std::to_string(max_rounds) + " rounds of the search";
  }

 private:
  /// Doubles every failing pool's servers until every SLO holds. False when
  /// stopped, or when a pool fails even at the engine's limit.
  bool upper_bound(schedule& x) {
    for (;;) {
      const auto c = evaluate(x, "upper bound", base_.horizon);
      if (!c) return false;
      bool all = true;
      for (std::size_t p = 0; p < x.size(); ++p) {
        if (!out_.pools[p].planned) continue;
        bool held = true;
        for (std::size_t k = 0; k < starts_.size(); ++k) held = held && holds(*c, p, k);
        if (held) continue;
        all = false;
        if (x[p].front() >= max_simulated_) {
          out_.failure = "pool " + out_.pools[p].name + " breaks its SLOs even with " +
                         std::to_string(real(p, max_simulated_)) +
                         " servers, the most a scenario may give it";
          return false;
        }
        for (auto& n : x[p]) n = std::min(max_simulated_, 2 * n);
      }
      if (all) return true;
    }
  }

  /// The fewest servers of pool p in period k that hold its SLOs there, the
  /// rest of x as it is; x[p][k] is set to it. False when stopped.
  bool bisect(schedule& x, std::size_t p, std::size_t k) {
    const std::string purpose =
        out_.pools[p].name + (starts_.size() > 1 ? ", period " + std::to_string(k + 1) + " (from " +
                                                       format_duration(starts_[k]) + ")"
                                                 : "");
    // Period k cannot depend on later ones: its runs stop at its end.
    const vtime until = k + 1 < starts_.size() ? starts_[k + 1] : base_.horizon;
    // From a count that holds (more may be needed once earlier periods shrank).
    for (;;) {
      const auto c = evaluate(x, purpose, until);
      if (!c) return false;
      if (holds(*c, p, k)) break;
      if (x[p][k] >= max_simulated_) {
        out_.failure = "pool " + out_.pools[p].name + " breaks its SLOs in period " +
                       std::to_string(k + 1) + " even with the most servers a scenario may give";
        return false;
      }
      x[p][k] = std::min(max_simulated_, 2 * x[p][k]);
    }
    std::int64_t fails = 0, held = x[p][k];
    while (held - fails > 1) {
      x[p][k] = fails + (held - fails) / 2;
      const auto c = evaluate(x, purpose, until);
      if (!c) return false;
      (holds(*c, p, k) ? held : fails) = x[p][k];
    }
    x[p][k] = held;
    return true;
  }

  /// Whether every SLO of pool p held in period k (over the run without periods).
  bool holds(std::size_t candidate, std::size_t p, std::size_t k) const {
    for (const slo_attainment& a : out_.tried[candidate].slos) {
      if (a.pool != static_cast<int>(p)) continue;
      if (k >= a.period_held_share.size() || !enough(a.period_held_share[k])) return false;
    }
    return true;
  }

  bool enough(double share) const { return share + 1e-12 >= out_.hold; }

  /// Real servers for n simulated ones of pool p: each simulated server stands for 1/scale.
  std::int64_t real(std::size_t p, std::int64_t n) const {
    if (!out_.pools[p].planned) return out_.pools[p].scenario_servers;
    return std::llround(static_cast<double>(n) / base_.scale);
  }

  std::vector<pool_schedule> real_schedule(const schedule& x) const {
    std::vector<pool_schedule> s;
    for (std::size_t p = 0; p < x.size(); ++p) {
      if (!out_.pools[p].planned) continue;
      pool_schedule ps{static_cast<int>(p), out_.pools[p].name, {}};
      for (std::int64_t n : x[p]) ps.servers.push_back(real(p, n));
      s.push_back(std::move(ps));
    }
    return s;
  }

  /// plan.yaml for x. Checks that the scenario's scaling gives back x: the
  /// initial servers and every change (events scale each count on its own).
  std::string text_of(const schedule& x) const {
    for (const pool_schedule& ps : real_schedule(x)) {
      for (std::size_t k = 0; k < ps.servers.size(); ++k) {
        const std::int64_t change = k == 0 ? ps.servers[0] : ps.servers[k] - ps.servers[k - 1];
        const std::int64_t want = k == 0 ? x[ps.pool][0] : x[ps.pool][k] - x[ps.pool][k - 1];
        const std::int64_t scaled =
            change == 0 ? 0
                        : std::max<std::int64_t>(1, std::llround(std::fabs(change) * base_.scale));
        if ((change < 0 ? -scaled : scaled) != want) {
          throw scenario_error(
              file_, 0, 0, "scale",
              "at scale " + number_text(base_.scale) + " the planned servers of " + ps.name +
                  " do not scale back to whole simulated servers; use a scale whose inverse is a "
                  "whole number (0.1, 0.05, 0.01)");
        }
      }
    }
    return apply_schedule(document_, real_schedule(x), starts_, header_);
  }

  /// The candidate x run on every member up to `until` (index into out_.tried);
  /// nothing when stopped. A run cut short judges the periods that ended by then.
  std::optional<std::size_t> evaluate(const schedule& x, const std::string& purpose, vtime until) {
    // A longer run of the same candidate judges everything a shorter one does.
    if (const auto it = seen_.lower_bound({x, until}); it != seen_.end() && it->first.first == x) {
      return it->second;
    }
    const auto start = std::chrono::steady_clock::now();
    const std::string text = text_of(x);
    const std::uint64_t members = std::max<std::uint64_t>(1, options_.members);
    std::vector<std::optional<member_verdicts>> runs(members);
    parallel_for(members, options_.threads, options_.stop, [&](std::uint64_t i) {
      scenario s = draws_.empty() ? load_scenario_text(text, file_)
                                  : load_member(text, file_, {}, base_, draws_[i]);
      if (s.sample_memory == 0) s.sample_memory = options_.sample_memory;
      // Stops after the window that reaches `until` (or when the user stops).
      std::atomic<bool> cut{false};
      world_options world;
      world.stop = &cut;
      world.on_window = [&](vtime reached, std::uint64_t) {
        if (reached >= until || (options_.stop && options_.stop->load())) cut.store(true);
      };
      run_result r = run_world(s, world);
      if (r.simulated_s < to_seconds(until)) return;  // stopped by the user
      if (options_.settle) options_.settle(r);
      runs[i] = verdicts_of(s, r, until);
    });
    for (const auto& m : runs) {
      if (!m) {
        out_.stopped = true;
        return std::nullopt;
      }
    }

    plan_candidate c;
    for (std::size_t p = 0; p < x.size(); ++p) {
      c.servers.emplace_back();
      for (std::size_t k = 0; k < starts_.size(); ++k) {
        c.servers.back().push_back(real(p, out_.pools[p].planned ? x[p][k] : 0));
      }
    }
    c.purpose = purpose;
    c.until_s = to_seconds(until);
    c.digest = runs.front()->digest;
    const double n = static_cast<double>(members);
    for (const auto& m : runs) {
      c.cost += m->cost / n;
      c.simulated_requests += m->requests;
    }
    c.holds = true;
    for (std::size_t j = 0; j < base_.slos.size(); ++j) {
      const slo_spec& spec = base_.slos[j];
      slo_attainment a;
      a.endpoint = base_.endpoints[spec.endpoint].name;
      a.objective = slo_objective(spec);
      a.pool = base_.endpoints[spec.endpoint].pool;
      a.threshold = spec.threshold;
      std::vector<double> measured;
      std::uint64_t held = 0;
      a.period_held_share.assign(runs.front()->period_held[j].size(), 0);
      for (const auto& m : runs) {
        held += m->held[j] ? 1 : 0;
        if (a.note.empty()) a.note = m->notes[j];
        measured.push_back(m->measured[j]);
        for (std::size_t k = 0; k < a.period_held_share.size(); ++k) {
          a.period_held_share[k] += m->period_held[j][k] ? 1 / n : 0;
        }
      }
      a.held_share = static_cast<double>(held) / n;
      if (starts_.size() == 1) a.period_held_share[0] = a.held_share;
      // The value that held in the hold share of members: the smallest value
      // at or above which at least that share of members measured.
      std::sort(measured.begin(), measured.end());
      const auto at = static_cast<std::size_t>(std::max(0.0, std::ceil(out_.hold * n - 1e-9) - 1));
      a.measured = measured[std::min(at, measured.size() - 1)];
      c.holds = c.holds && until >= base_.horizon && enough(a.held_share);
      for (double share : a.period_held_share) c.holds = c.holds && enough(share);
      c.slos.push_back(std::move(a));
    }
    c.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    out_.tried.push_back(std::move(c));
    seen_[{x, until}] = out_.tried.size() - 1;
    if (options_.on_candidate) options_.on_candidate(out_);
    return out_.tried.size() - 1;
  }

  /// One member's SLO verdicts: over the run, and per period that ended by
  /// `until` over its intervals.
  member_verdicts verdicts_of(const scenario& s, const run_result& r, vtime until) const {
    member_verdicts m;
    m.digest = r.digest;
    m.requests = r.simulated_requests;
    for (const pool_result& p : r.pools) m.cost += p.cost;
    for (const slo_result& v : r.slos) {
      m.held.push_back(v.held);
      m.measured.push_back(v.measured);
      m.notes.push_back(v.held ? std::string() : v.note);
      const auto judged = static_cast<std::size_t>(
          std::lower_bound(starts_.begin(), starts_.end(), until) - starts_.begin());
      std::vector<bool> period(judged, true);
      for (std::size_t i = 0; i < v.held_by_interval.size(); ++i) {
        const vtime t = static_cast<vtime>(i) * s.report_interval;
        if (t >= until) break;  // the interval after the cut, partial
        const auto k = static_cast<std::size_t>(
            std::upper_bound(starts_.begin(), starts_.end(), t) - starts_.begin() - 1);
        if (!v.held_by_interval[i]) period[k] = false;
      }
      m.period_held.push_back(std::move(period));
    }
    return m;
  }

  std::string document_;
  std::string header_;
  const std::string& file_;
  const scenario& base_;
  const plan_options& options_;
  plan_result& out_;
  std::vector<vtime> starts_;
  std::vector<member_draw> draws_;
  std::int64_t max_simulated_ = 1;
  /// Candidates run, by servers and the time their runs reached.
  std::map<std::pair<schedule, vtime>, std::size_t> seen_;
};

}  // namespace

plan_result plan_capacity(std::string_view yaml, const std::string& file,
                          const std::vector<std::string>& user_overrides,
                          const plan_options& options) {
  const auto start = std::chrono::steady_clock::now();
  const scenario base = load_scenario_text(yaml, file, user_overrides);
  plan_result out;
  out.scenario = base.name;
  out.description = base.description;
  out.seed = base.seed;
  out.scale = base.scale;
  out.resolution = 1 / base.scale;
  out.horizon_s = to_seconds(base.horizon);
  out.report_interval_s = to_seconds(base.report_interval);
  out.period_s = to_seconds(options.period);
  out.members = std::max<std::uint64_t>(1, options.members);
  out.hold = out.members == 1 ? 1.0 : options.hold;
  for (const pool_spec& p : base.pools) {
    plan_pool pp;
    pp.name = p.name;
    pp.scenario_servers = p.servers;
    pp.had_autoscale = p.autoscale.enabled;
    pp.provisioning_delay = p.autoscale.enabled ? p.autoscale.provisioning_delay : 0;
    pp.cost_per_server_hour = p.cost_per_server_hour;
    out.pools.push_back(pp);
  }
  for (const slo_spec& slo : base.slos) out.pools[base.endpoints[slo.endpoint].pool].planned = true;
  if (base.slos.empty()) {
    throw scenario_error(file, 0, 0, "slo",
                         "stampede plan sizes the pools that serve an SLO's endpoint; the "
                         "scenario has no slo: section");
  }
  if (out.members > 1) {
    for (const uncertain_input& in : base.projection.uncertain) {
      for (std::size_t p = 0; p < base.pools.size(); ++p) {
        if (out.pools[p].planned && in.key == "platform.pools[" + std::to_string(p) + "].servers") {
          throw scenario_error(file, in.line, in.column, "projection.uncertain." + in.key,
                               "stampede plan sizes this pool; an uncertain server count would "
                               "override the plan");
        }
      }
    }
  }

  const std::string header = "plan.yaml: " + base.name + " (" + file +
                             ") with the servers `stampede plan` found;\n"
                             "one server of the search stands for " +
                             number_text(out.resolution) + " real ones (scale " +
                             number_text(base.scale) + "): the plan's resolution.";
  planner search(scenario_yaml_with(yaml, file, user_overrides), header, file, base, options, out);
  for (vtime t : search.starts()) out.period_starts_s.push_back(to_seconds(t));
  search.search();
  out.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace stampede::sim
