#pragma once
// Actor affinity for CAF's scheduler: a shard (and the pools it serves) runs on
// the same worker thread window after window, so that its state stays in that
// core's caches.
//
// CAF's work stealing runs an actor that a message wakes on the worker that sent
// the message, and idle workers steal from the others. A run hands each window
// from shard to shard and back, so every actor changed threads (and its blocks
// changed caches) about every other window. `pinned_stealing` is that
// policy with one rule more: an actor pinned to a worker is queued there, in a
// queue the others leave alone while that worker is around. A worker that has
// not looked for work for a while (the kernel gave its core to another program,
// or it runs something long) lends its pinned jobs to whoever is idle: waiting
// for it would stall every other worker for a scheduler time slice each window.
// Actors not pinned are scheduled as before.
#include <algorithm>
#include <array>
#include <atomic>
#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/policy/work_stealing.hpp>
#include <caf/scheduler/coordinator.hpp>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <thread>

namespace stampede::actors {

class pinned_stealing : public caf::policy::work_stealing {
 public:
  using super = caf::policy::work_stealing;

  using clock = std::chrono::steady_clock;

  /// The pins: job i runs on worker homes[i] (modulo the number of workers).
  struct coordinator_data : super::coordinator_data {
    explicit coordinator_data(caf::scheduler::abstract_coordinator* p)
        : super::coordinator_data(p) {}
    static constexpr std::size_t capacity = 64;
    /// How long a worker may go without looking for work before idle workers
    /// take its pinned jobs: far longer than a window's hand-over between
    /// cores (about a microsecond), far shorter than the time slice the kernel
    /// gives another program on that core (milliseconds).
    std::atomic<clock::duration> lend_after{std::chrono::microseconds{50}};
    std::atomic<std::size_t> count{0};
    std::array<std::atomic<caf::resumable*>, capacity> jobs{};
    std::array<std::size_t, capacity> homes{};

    /// Pins `job` to worker `worker`; false when the table is full.
    bool pin(caf::resumable* job, std::size_t worker) {
      const std::size_t i = count.fetch_add(1);
      if (i >= capacity) return false;
      homes[i] = worker;
      jobs[i].store(job, std::memory_order_release);
      return true;
    }
  };

  struct worker_data : super::worker_data {
    explicit worker_data(caf::scheduler::abstract_coordinator* p) : super::worker_data(p) {}
    worker_data(const worker_data& other) : super::worker_data(other) {}
    /// Jobs pinned to this worker: taken by others only while it is away.
    queue_type pinned;
    /// When this worker last looked for work; a line of its own, as other
    /// workers queue jobs in `pinned` while this one writes it.
    alignas(64) std::atomic<clock::time_point> polled_at{clock::now()};
  };

  template <class Coordinator>
  void central_enqueue(Coordinator* self, caf::resumable* job) {
    if (auto* home = home_of(self, job)) return enqueue_pinned(home, job);
    super::central_enqueue(self, job);
  }

  template <class Worker>
  void external_enqueue(Worker* self, caf::resumable* job) {
    if (auto* home = home_of(self->parent(), job)) return enqueue_pinned(home, job);
    super::external_enqueue(self, job);
  }

  template <class Worker>
  void internal_enqueue(Worker* self, caf::resumable* job) {
    if (auto* home = home_of(self->parent(), job)) {
      if (home == self) {
        d(self).pinned.prepend(job);
      } else {
        enqueue_pinned(home, job);
      }
      return;
    }
    super::internal_enqueue(self, job);
  }

  template <class Worker>
  void resume_job_later(Worker* self, caf::resumable* job) {
    if (auto* home = home_of(self->parent(), job)) return enqueue_pinned(home, job);
    super::resume_job_later(self, job);
  }

  /// An idle worker polls its queues (and steals) for `spin`, then polls and
  /// yields its core to any other runnable thread between polls until
  /// `yield_for` has passed, then blocks until a job is queued for it.
  ///
  /// A window hands work from core to core in about a microsecond, far less
  /// than a futex wake-up: a worker that soon gets work should not sleep. But
  /// when other processes share the cores, a worker that only polls holds the
  /// CPU that the worker which would send it work is waiting for (two runs at
  /// once on the same cores: bench/oversubscribed.sh). Yielding hands the core
  /// over within a few microseconds instead of a scheduler time slice.
  static constexpr std::chrono::microseconds spin{5};
  static constexpr std::chrono::microseconds yield_for{2000};

  /// CAF's own policy polls for as many attempts as configured, then naps
  /// 50 us at a time (longer than a window), waking for nothing. Here blocking
  /// waits on the worker's condition variable, which enqueue_pinned and CAF's
  /// external_enqueue signal; a blocked worker tries to steal whenever CAF's
  /// relaxed sleep duration passes without a job. With more workers than cores
  /// it does not spin at all. Whenever it checks the clock it notes that it
  /// is here and takes the pinned jobs of workers that are not
  /// (take_from_absent).
  template <class Worker>
  caf::resumable* dequeue(Worker* self) {
    auto& data = d(self);
    const auto take = [&]() -> caf::resumable* {
      if (auto* job = data.pinned.take_head()) return job;
      if (auto* job = data.queue.take_head()) return job;
      return try_steal(self);
    };
    // Read once: glibc reads /sys for it on every call.
    static const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
    const auto started = clock::now();
    const auto check_in = [&](clock::time_point now) -> caf::resumable* {
      data.polled_at.store(now, std::memory_order_relaxed);
      return take_from_absent(self, now);
    };
    if (self->parent()->num_workers() <= cores) {
      for (std::size_t i = 1;; ++i) {
        if (auto* job = take()) return job;
        if (i % 16 == 0) {
          const auto now = clock::now();
          if (auto* job = check_in(now)) return job;
          if (now - started >= spin) break;
        }
      }
    }
    for (auto now = clock::now(); now - started < yield_for; now = clock::now()) {
      if (auto* job = take()) return job;
      if (auto* job = check_in(now)) return job;
      std::this_thread::yield();
    }
    const poll_strategy& relaxed = data.strategies[2];
    auto& wait = data.waitdata;
    for (;;) {
      if (auto* job = take()) return job;
      if (auto* job = check_in(clock::now())) return job;
      std::unique_lock<std::mutex> guard(wait.lock);
      wait.sleeping = true;
      wait.cv.wait_for(guard, relaxed.sleep_duration,
                       [&] { return !data.pinned.empty() || !data.queue.empty(); });
      wait.sleeping = false;
    }
  }

  template <class Worker, class UnaryFunction>
  void foreach_resumable(Worker* self, UnaryFunction f) {
    for (auto* job = d(self).pinned.take_head(); job != nullptr; job = d(self).pinned.take_head())
      f(job);
    super::foreach_resumable(self, f);
  }

 private:
  /// A job pinned to another worker that has not looked for work since
  /// `lend_after` before `now`: one that the kernel took off its core for
  /// another program, that runs a long job or that sleeps.
  template <class Worker>
  static caf::resumable* take_from_absent(Worker* self, clock::time_point now) {
    auto* parent = self->parent();
    const clock::time_point since = now - d(parent).lend_after.load(std::memory_order_relaxed);
    for (std::size_t w = 0; w < parent->num_workers(); ++w) {
      if (w == self->id()) continue;
      auto& other = d(parent->worker_by_id(w));
      if (other.polled_at.load(std::memory_order_relaxed) >= since) continue;
      if (auto* job = other.pinned.take_tail()) return job;
    }
    return nullptr;
  }

  /// The worker `job` is pinned to, or null.
  template <class Coordinator>
  static auto home_of(Coordinator* coordinator, caf::resumable* job)
      -> decltype(coordinator->worker_by_id(0)) {
    const coordinator_data& data = d(coordinator);
    const std::size_t n =
        std::min(data.count.load(std::memory_order_acquire), coordinator_data::capacity);
    for (std::size_t i = 0; i < n; ++i) {
      if (data.jobs[i].load(std::memory_order_acquire) == job) {
        return coordinator->worker_by_id(data.homes[i] % coordinator->num_workers());
      }
    }
    return nullptr;
  }

  /// Queues `job` on `home`'s pinned queue and wakes it if it sleeps. A
  /// worker woken counts as here from now on: the others give it `lend_after`
  /// to wake up before they take the job (a shard builds its state on its
  /// first message, where it should stay).
  template <class Worker>
  static void enqueue_pinned(Worker* home, caf::resumable* job) {
    auto& data = d(home);
    data.pinned.append(job);
    std::unique_lock<std::mutex> guard(data.waitdata.lock);
    if (data.waitdata.sleeping) {
      data.polled_at.store(clock::now(), std::memory_order_relaxed);
      data.waitdata.cv.notify_one();
    }
  }
};

using pinned_coordinator = caf::scheduler::coordinator<pinned_stealing>;

/// Sets how long a worker of `system` may go without looking for work before
/// idle workers take its pinned jobs (50 us unless set); false when the
/// scheduler is not a pinned_coordinator.
inline bool lend_pinned_after(caf::actor_system& system, std::chrono::nanoseconds after) {
  auto* coordinator = dynamic_cast<pinned_coordinator*>(&system.scheduler());
  if (coordinator == nullptr) return false;
  coordinator->data().lend_after.store(
      std::chrono::duration_cast<pinned_stealing::clock::duration>(after));
  return true;
}

/// Pins `actor` to worker `worker` (modulo the number of workers) when the
/// system's scheduler is a pinned_coordinator (cfg.load<pinned_coordinator>());
/// returns whether it did. Pin before the actor gets its first message.
inline bool pin(caf::actor_system& system, const caf::actor& actor, std::size_t worker) {
  auto* coordinator = dynamic_cast<pinned_coordinator*>(&system.scheduler());
  auto* job = dynamic_cast<caf::resumable*>(caf::actor_cast<caf::abstract_actor*>(actor));
  return coordinator != nullptr && job != nullptr && coordinator->data().pin(job, worker);
}

}  // namespace stampede::actors
