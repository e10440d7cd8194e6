#pragma once
// Counter-based random streams: every draw is a pure function of
// (seed, stream, entity, counter), so no draw depends on which thread or actor
// made it, or in which order unrelated entities were processed.
#include <array>
#include <cstdint>

namespace stampede::sim {

/// The independent random streams of the model. Each entity (a population block,
/// a pool) owns one stream per purpose, so adding draws to one purpose never
/// shifts the draws of another.
enum class stream : std::uint16_t {
  adoption = 1,
  sessions = 2,
  requests = 3,
  service = 4,
  reservoir = 5,
  sampling = 6,
  sharing = 7,
  graph_degree = 8,
  graph_edges = 9,
  session_starts = 10,
  dispatch = 11,
  /// The modeled service's patience draws, for requests that do not carry one.
  service_patience = 12,
  /// An ensemble member's seed and uncertain inputs (entity: the member index).
  ensemble = 13,
  /// `stampede fit`: the bootstrap resamples of a fit.
  fit_bootstrap = 14,
  test = 100,
};

/// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11).
inline std::array<std::uint32_t, 4> philox4x32(std::array<std::uint32_t, 4> ctr,
                                               std::array<std::uint32_t, 2> key) {
  constexpr std::uint32_t m0 = 0xD2511F53u, m1 = 0xCD9E8D57u;
  constexpr std::uint32_t w0 = 0x9E3779B9u, w1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    const std::uint64_t p0 = std::uint64_t{m0} * ctr[0];
    const std::uint64_t p1 = std::uint64_t{m1} * ctr[2];
    ctr = {static_cast<std::uint32_t>(p1 >> 32) ^ ctr[1] ^ key[0], static_cast<std::uint32_t>(p1),
           static_cast<std::uint32_t>(p0 >> 32) ^ ctr[3] ^ key[1], static_cast<std::uint32_t>(p0)};
    key[0] += w0;
    key[1] += w1;
  }
  return ctr;
}

/// Draws keyed by a counter without a stream, for a draw made in every window
/// whatever happens in it (a pool's queue sampling instant, the window being
/// the counter): splitmix64's finalizer, weaker than Philox but a few cycles.
/// keyed_draw(draw_key(seed, purpose, entity), counter).
inline std::uint64_t splitmix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
inline std::uint64_t draw_key(std::uint64_t seed, stream purpose, std::uint64_t entity) {
  constexpr std::uint64_t golden = 0x9e3779b97f4a7c15ULL;
  const std::uint64_t z = splitmix64(seed + golden * (static_cast<std::uint64_t>(purpose) + 1));
  return splitmix64(z + golden * (entity + 1));
}
inline std::uint64_t keyed_draw(std::uint64_t key, std::uint64_t counter) {
  return splitmix64(key + 0x9e3779b97f4a7c15ULL * (counter + 1));
}

/// One random stream of one entity: a counter that walks through Philox blocks.
/// Copying a stream copies its position; two streams with the same key and
/// counter yield the same numbers.
class rng_stream {
 public:
  rng_stream() = default;
  rng_stream(std::uint64_t seed, stream purpose, std::uint64_t entity, std::uint64_t counter = 0)
      : key_{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)},
        entity_(entity),
        purpose_(static_cast<std::uint16_t>(purpose)),
        counter_(counter) {}

  /// The next 64 random bits.
  std::uint64_t next_u64() {
    if (have_ == 0) refill();
    return buffer_[--have_];
  }
  /// The bits the next next_u64() will return, left in the stream: a look
  /// ahead that changes no draw.
  std::uint64_t peek_u64() {
    if (have_ == 0) refill();
    return buffer_[have_ - 1];
  }

  /// A uniform double in the open interval (0, 1): never 0, never 1, so that
  /// log(u) and inverse CDFs are always finite.
  double uniform() { return to_uniform(next_u64()); }
  /// The uniform double that 64 random bits stand for (their top 53).
  static double to_uniform(std::uint64_t bits) {
    return (static_cast<double>(bits >> 11) + 0.5) * 0x1.0p-53;
  }

  /// A uniform integer in [0, n), n > 0 (Lemire's multiply-shift, bias < 2^-64 * n).
  std::uint64_t below(std::uint64_t n) { return scale(next_u64(), n); }
  /// The integer in [0, n) that 64 random bits stand for in below(n).
  static std::uint64_t scale(std::uint64_t bits, std::uint64_t n) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(bits) * n) >> 64);
  }

  /// How many Philox blocks this stream has consumed.
  std::uint64_t counter() const { return counter_; }

 private:
  void refill() {
    const std::array<std::uint32_t, 4> ctr{
        static_cast<std::uint32_t>(counter_), static_cast<std::uint32_t>(counter_ >> 32),
        static_cast<std::uint32_t>(entity_),
        static_cast<std::uint32_t>((entity_ >> 32) << 16) ^ purpose_};
    const auto out = philox4x32(ctr, key_);
    buffer_[0] = (std::uint64_t{out[0]} << 32) | out[1];
    buffer_[1] = (std::uint64_t{out[2]} << 32) | out[3];
    ++counter_;
    have_ = 2;
  }

  std::array<std::uint32_t, 2> key_{};
  std::uint64_t entity_ = 0;
  std::uint16_t purpose_ = 0;
  std::uint64_t counter_ = 0;
  std::array<std::uint64_t, 2> buffer_{};
  int have_ = 0;
};

}  // namespace stampede::sim
