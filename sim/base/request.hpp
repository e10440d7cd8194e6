#pragma once
// What travels between the population and the platform in one window.
#include <cstdint>

#include "sim/base/units.hpp"

namespace stampede::sim {

/// One request of one user, offered to the pool of its endpoint.
struct request {
  /// When it arrives at the platform.
  vtime at = 0;
  /// Unique and totally ordered: (block << 40) | the block's request counter. Ties
  /// in `at` are broken by id, so a pool's order never depends on who sent first.
  std::uint64_t id = 0;
  /// How long the user waits in the queue before abandoning.
  vtime patience = 0;
  /// The session slot in the block that sent it.
  std::uint32_t session = 0;
  /// Index into scenario::endpoints.
  std::uint16_t endpoint = 0;
  /// Seconds of server time it needs (the endpoint's work distribution), drawn
  /// by the population, which runs in parallel, rather than by the pool, which
  /// cannot; negative: the pool draws it (the modeled service, tests).
  double work = -1;

  /// The population block that sent it.
  std::uint32_t block() const { return static_cast<std::uint32_t>(id >> 40); }
  static constexpr std::uint64_t make_id(std::uint32_t block, std::uint64_t counter) {
    return (std::uint64_t{block} << 40) | counter;
  }
};

/// Total order of arrivals at a pool: time, then id.
inline bool arrives_before(const request& a, const request& b) {
  return a.at != b.at ? a.at < b.at : a.id < b.id;
}
/// The same order as a function object: std::sort inlines it, where a function
/// pointer costs an indirect call per comparison.
struct by_arrival {
  bool operator()(const request& a, const request& b) const { return arrives_before(a, b); }
};

/// What became of a request, sent back to the block that sent it.
struct outcome {
  enum class kind : std::uint8_t { completed, rejected, abandoned };
  /// When the user learns it: completion, rejection (= arrival) or abandonment.
  vtime at = 0;
  std::uint32_t block = 0;
  std::uint32_t session = 0;
  kind what = kind::completed;
};

}  // namespace stampede::sim
