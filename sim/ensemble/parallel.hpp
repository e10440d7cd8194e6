#pragma once
// Running independent pieces of work (ensemble members, fits) on worker
// threads that pull indices from one counter: results slotted by index depend
// on nothing but the index.
#include <atomic>
#include <cstdint>
#include <functional>

namespace stampede::sim {

/// Calls body(i) for i in [0, n) on `threads` threads pulling indices from one
/// counter; stops handing out indices after a throw (rethrown on the caller,
/// the lowest index's exception when several threw) or when *stop is set.
void parallel_for(std::uint64_t n, int threads, const std::atomic<bool>* stop,
                  const std::function<void(std::uint64_t)>& body);

}  // namespace stampede::sim
