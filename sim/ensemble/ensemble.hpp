#pragma once
// The ensemble runner of `stampede project`: the members of a scenario
// (members.hpp), each a sequential sim::run_world, on N worker threads that
// pull member indices. Results are slotted by index, so nothing but the wall
// time depends on the number of threads.
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/ensemble/members.hpp"
#include "sim/ensemble/outcomes.hpp"

namespace stampede::sim {

/// How to run an ensemble (none of it changes a member's result).
struct ensemble_options {
  /// Worker threads, each running one member at a time (at least 1).
  int threads = 1;
  /// When set to true, no member starts and the running ones stop; only the
  /// members that reached the horizon are kept.
  const std::atomic<bool>* stop = nullptr;
  /// Called (under a lock, from the worker) after each member with the members
  /// finished so far and the simulated requests they sent.
  std::function<void(std::uint64_t done, std::uint64_t requests)> on_member;
};

/// One finished member: what the ensemble keeps of its run (not the whole
/// result, whose time series and latency samples a thousand members could
/// not hold).
struct member_result {
  member_draw draw;
  /// The run's digest: `stampede run` of this member gives the same.
  std::string digest;
  std::uint64_t simulated_requests = 0;
  outcome_paths paths;
  member_headline headline;
};

/// What an ensemble produced.
struct ensemble_result {
  /// The members that reached the horizon, in index order.
  std::vector<member_result> members;
  /// Members asked for; members.size() is less when the run was stopped.
  std::uint64_t asked = 0;
  /// Hex FNV-1a over each kept member's index, seed and run digest, in index
  /// order: the same whatever the threads.
  std::string digest;
  double wall_seconds = 0;
  std::uint64_t simulated_requests = 0;
};

/// Runs `members` members of the scenario text `yaml` (named `file` in
/// messages) under `user_overrides`. Every member is loaded (and its draws
/// checked) before any runs: a refused draw throws scenario_error first.
ensemble_result run_ensemble(std::string_view yaml, const std::string& file,
                             const std::vector<std::string>& user_overrides, std::uint64_t members,
                             const ensemble_options& options);

/// The member of `draw` (its scenario `member`, as load_member loads it) run
/// to the horizon on this thread; nothing when *stop ended it before. What
/// run_ensemble keeps of each member, and what a remote worker sends back.
std::optional<member_result> run_member(const scenario& member, member_draw draw,
                                        const std::atomic<bool>* stop = nullptr);

/// The ensemble of `results` (slot i: member i, empty when it did not finish),
/// `asked` = results.size(); wall_seconds is left to the caller.
ensemble_result gather_members(std::vector<std::optional<member_result>> results);

/// The digest of a list of members, as ensemble_result::digest.
std::string ensemble_digest(const std::vector<member_result>& members);

}  // namespace stampede::sim
