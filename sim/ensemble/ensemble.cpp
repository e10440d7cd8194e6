#include "sim/ensemble/ensemble.hpp"

#include <chrono>
#include <cstdio>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "sim/ensemble/parallel.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "sim/world/world.hpp"

namespace stampede::sim {

std::string ensemble_digest(const std::vector<member_result>& members) {
  std::uint64_t h = 14695981039346656037ull;
  auto mix = [&](const void* data, std::size_t size) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < size; ++i) h = (h ^ p[i]) * 1099511628211ull;
  };
  for (const member_result& m : members) {
    mix(&m.draw.index, sizeof m.draw.index);
    mix(&m.draw.seed, sizeof m.draw.seed);
    mix(m.digest.data(), m.digest.size());
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

std::optional<member_result> run_member(const scenario& member, member_draw draw,
                                        const std::atomic<bool>* stop) {
  world_options world;
  world.stop = stop;
  const run_result r = run_world(member, world);
  if (r.simulated_s < r.horizon_s) return std::nullopt;
  member_result m{std::move(draw), r.digest, r.simulated_requests, outcomes_of(r, member), {}};
  m.headline = headline_of(m.paths);
  return m;
}

ensemble_result gather_members(std::vector<std::optional<member_result>> results) {
  ensemble_result e;
  e.asked = results.size();
  for (auto& m : results) {
    if (!m) continue;
    e.simulated_requests += m->simulated_requests;
    e.members.push_back(std::move(*m));
  }
  e.digest = ensemble_digest(e.members);
  return e;
}

ensemble_result run_ensemble(std::string_view yaml, const std::string& file,
                             const std::vector<std::string>& user_overrides, std::uint64_t members,
                             const ensemble_options& options) {
  const auto start = std::chrono::steady_clock::now();
  const scenario base = load_scenario_text(yaml, file, user_overrides);
  std::vector<member_draw> draws(members);
  std::vector<std::optional<scenario>> scenarios(members);
  parallel_for(members, options.threads, options.stop, [&](std::uint64_t i) {
    draws[i] = draw_member(base, i);
    scenarios[i] = load_member(yaml, file, user_overrides, base, draws[i]);
  });

  std::vector<std::optional<member_result>> results(members);
  std::mutex mutex;
  std::uint64_t done = 0, requests = 0;
  parallel_for(members, options.threads, options.stop, [&](std::uint64_t i) {
    std::optional<member_result> m = run_member(*scenarios[i], std::move(draws[i]), options.stop);
    scenarios[i].reset();
    if (!m) return;  // stopped: not a member of the ensemble
    const std::lock_guard lock(mutex);
    requests += m->simulated_requests;
    results[i] = std::move(m);
    ++done;
    if (options.on_member) options.on_member(done, requests);
  });

  ensemble_result e = gather_members(std::move(results));
  e.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return e;
}

}  // namespace stampede::sim
