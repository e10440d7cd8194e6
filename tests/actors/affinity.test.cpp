#include "actors/affinity.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>
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

/// Where each player ran, by player.
struct ledger {
  std::mutex lock;
  std::map<int, std::set<std::thread::id>> threads;
  void note(int player) {
    std::lock_guard<std::mutex> guard(lock);
    threads[player].insert(std::this_thread::get_id());
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

/// Two players pass a ball 20,000 times on a 2-worker system; returns the
/// threads each ran on.
std::map<int, std::set<std::thread::id>> rally(bool pinned) {
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
  return where.threads;
}

}  // namespace

TEST_CASE("a pinned actor always runs on its worker, each on its own", "[actors][affinity]") {
  auto threads = rally(true);
  REQUIRE(threads[0].size() == 1);
  REQUIRE(threads[1].size() == 1);
  REQUIRE(*threads[0].begin() != *threads[1].begin());
}

TEST_CASE("without pins, CAF's stealing moves the same players between threads",
          "[actors][affinity]") {
  // The control for the test above: what pinning changes. CAF runs a woken
  // actor on the worker that sent to it, so the players share threads.
  auto threads = rally(false);
  std::set<std::thread::id> all(threads[0]);
  all.insert(threads[1].begin(), threads[1].end());
  REQUIRE((threads[0].size() > 1 || threads[1].size() > 1 || all.size() == 1));
}

TEST_CASE("pin says no when the scheduler is CAF's own", "[actors][affinity]") {
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", size_t{2});
  caf::actor_system system{cfg};
  auto a = system.spawn([] { return caf::behavior{[](int) {}}; });
  REQUIRE_FALSE(pin(system, a, 0));
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}
