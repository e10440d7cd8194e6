#include "actors/engine/affinity.hpp"

#include <atomic>
#include <caf/all.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

using namespace stampede::actors;

namespace {

struct ball {
  int left = 0;
};

}  // namespace

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ball)

namespace {

/// Where each player ran, by player, and how many passes of the ball were
/// played on the thread that played the pass before.
struct ledger {
  std::mutex lock;
  std::map<int, std::set<std::thread::id>> threads;
  int plays = 0;
  int stayed = 0;
  std::thread::id previous;
  void note(int player) {
    std::lock_guard<std::mutex> guard(lock);
    const std::thread::id here = std::this_thread::get_id();
    threads[player].insert(here);
    if (plays++ > 0 && here == previous) ++stayed;
    previous = here;
  }
};

/// Sends the ball to the other player until it has been played `left` times.
caf::behavior player(caf::event_based_actor* self, int index, ledger* where, caf::actor done) {
  return {
      [=](caf::actor other) {
        self->become([=](ball b) {
          where->note(index);
          if (b.left == 0) {
            self->send(done, b);
          } else {
            self->send(other, ball{b.left - 1});
          }
        });
      },
  };
}

/// What a rally saw: the threads each player ran on, the passes, and those
/// played on the thread of the pass before.
struct rally_result {
  std::map<int, std::set<std::thread::id>> threads;
  int passes = 0;
  int stayed = 0;
};

/// Two players pass a ball 20,000 times on a 2-worker system.
rally_result rally(bool pinned) {
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", size_t{2});
  if (pinned) cfg.load<pinned_coordinator>();
  ledger where;
  {
    caf::actor_system system{cfg};
    caf::scoped_actor client{system};
    // lazy_init: not scheduled before its first message, which comes after the pin.
    auto a = system.spawn<caf::lazy_init>(player, 0, &where, caf::actor_cast<caf::actor>(client));
    auto b = system.spawn<caf::lazy_init>(player, 1, &where, caf::actor_cast<caf::actor>(client));
    if (pinned) {
      // Never lent: a worker the kernel preempts on a loaded machine would
      // otherwise lend its player to the other worker.
      REQUIRE(lend_pinned_after(system, std::chrono::hours{1}));
      REQUIRE(pin(system, a, 0));
      REQUIRE(pin(system, b, 1));
    }
    client->send(a, b);
    client->send(b, a);
    client->send(a, ball{20'000});
    client->receive([](ball) {});
    client->send_exit(a, caf::exit_reason::user_shutdown);
    client->send_exit(b, caf::exit_reason::user_shutdown);
  }
  return {where.threads, where.plays - 1, where.stayed};
}

}  // namespace

TEST_CASE("a pinned actor always runs on its worker, each on its own", "[actors][affinity]") {
  const rally_result r = rally(true);
  REQUIRE(r.passes == 20'000);
  REQUIRE(r.threads.at(0).size() == 1);
  REQUIRE(r.threads.at(1).size() == 1);
  REQUIRE(*r.threads.at(0).begin() != *r.threads.at(1).begin());
  CHECK(r.stayed == 0);  // so every pass crosses to the other thread
}

TEST_CASE("without pins, CAF runs a woken player on the thread that woke it",
          "[actors][affinity]") {
  // The control for the test above: what pinning changes. CAF's work stealing
  // queues an actor that a message wakes on the worker that sent the message,
  // and only an idle worker's steal moves it: the ball stays on one thread
  // pass after pass, all but the few a steal moves. Were woken actors spread
  // over the two workers (a shared queue, round robin), about half the passes
  // or none would stay; pinned, none does. More than 90% tells them apart with
  // room for the steals of a loaded machine (a worker the OS preempts has its
  // queue stolen).
  const rally_result r = rally(false);
  REQUIRE(r.passes == 20'000);
  INFO(r.stayed << " of " << r.passes << " passes stayed on their thread");
  CHECK(r.stayed > 0.9 * r.passes);
}

TEST_CASE("an idle worker runs an actor pinned to a worker that is busy elsewhere",
          "[actors][affinity]") {
  // Worker 1 runs a job that does not return for 1 s (as a worker whose core
  // the kernel gave to another program does not); an actor pinned to it gets
  // a message meanwhile. Worker 0 must take it long before the second is over:
  // pins that were never lent (as on main) left it waiting for worker 1.
  using namespace std::chrono;
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", size_t{2});
  cfg.load<pinned_coordinator>();
  caf::actor_system system{cfg};
  caf::scoped_actor client{system};
  std::atomic<bool> hog_started{false};
  std::thread::id hog_thread;
  const auto hog = system.spawn<caf::lazy_init>([&](caf::event_based_actor* self) {
    return caf::behavior{[&, self](int) {
      hog_thread = std::this_thread::get_id();
      hog_started = true;
      std::this_thread::sleep_for(seconds{1});
      return self->id();
    }};
  });
  std::thread::id ran_on;
  const auto waiting = system.spawn<caf::lazy_init>([&](caf::event_based_actor*) {
    return caf::behavior{[&](int x) {
      ran_on = std::this_thread::get_id();
      return x;
    }};
  });
  REQUIRE(pin(system, hog, 1));
  REQUIRE(pin(system, waiting, 1));
  client->send(hog, 0);
  while (!hog_started) std::this_thread::yield();
  const auto sent = steady_clock::now();
  client->request(waiting, seconds{10}, 1)
      .receive([](int) {}, [](caf::error&) { FAIL("no answer"); });
  const double waited = duration<double>(steady_clock::now() - sent).count();
  // Worker 0 notices within CAF's relaxed sleep (10 ms) once it blocks: 0.5 s
  // leaves room for a loaded machine and is half the hog's second.
  CHECK(waited < 0.5);
  CHECK(ran_on != hog_thread);
  client->receive([](caf::actor_id) {});
}

TEST_CASE("pin says no when the scheduler is CAF's own", "[actors][affinity]") {
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", size_t{2});
  caf::actor_system system{cfg};
  auto a = system.spawn([] { return caf::behavior{[](int) {}}; });
  REQUIRE_FALSE(pin(system, a, 0));
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}
