#include "sim/ensemble/parallel.hpp"

#include <algorithm>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace stampede::sim {

void parallel_for(std::uint64_t n, int threads, const std::atomic<bool>* stop,
                  const std::function<void(std::uint64_t)>& body) {
  std::atomic<std::uint64_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  std::optional<std::uint64_t> failed_at;
  std::exception_ptr error;
  auto work = [&] {
    for (;;) {
      if (failed.load() || (stop != nullptr && stop->load())) return;
      const std::uint64_t i = next.fetch_add(1);
      if (i >= n) return;
      try {
        body(i);
      } catch (...) {
        const std::lock_guard lock(mutex);
        if (!failed_at || i < *failed_at) {
          failed_at = i;
          error = std::current_exception();
        }
        failed.store(true);
      }
    }
  };
  const auto count = static_cast<std::uint64_t>(std::max(1, threads));
  std::vector<std::thread> pool;
  for (std::uint64_t t = 1; t < std::min(count, n); ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace stampede::sim
