#include "actors/worker/coordinator.hpp"

#include <caf/all.hpp>
#include <chrono>

namespace stampede::actors {

namespace {

/// How long a worker may take to answer the handshake (it loads the scenario).
constexpr auto handshake_timeout = std::chrono::seconds(30);

}  // namespace

hello_msg make_hello(const std::string& version, const std::string& file, std::string_view yaml,
                     const std::vector<std::string>& overrides) {
  return hello_msg{version, scenario_id(yaml, overrides), file, std::string(yaml), overrides};
}

worker_group::worker_group(const remote_options& r, const hello_msg& hello) {
  configure_node(cfg_, r.tls);
  system_ = std::make_unique<caf::actor_system>(cfg_);
  self_ = std::make_unique<caf::scoped_actor>(*system_);
  for (const endpoint& where : r.workers) {
    auto actor = connect_node(*system_, where, r.tls);
    if (!actor) {
      throw worker_lost("worker " + where.text() +
                        " cannot be reached: " + system_->render(actor.error()));
    }
    welcome_msg welcome;
    std::string failure;
    (*self_)
        ->request(*actor, handshake_timeout, hello)
        .receive([&](welcome_msg& w) { welcome = std::move(w); },
                 [&](caf::error& e) { failure = system_->render(e); });
    if (!failure.empty()) {
      throw worker_lost("worker " + where.text() + " did not answer the handshake: " + failure);
    }
    if (!welcome.accepted)
      throw worker_refused("worker " + where.text() + " refused: " + welcome.why);
    (*self_)->monitor(*actor);
    links_.push_back(link{where, std::move(*actor), std::max(1, welcome.threads), true});
  }
}

worker_group::~worker_group() {
  // Leave the workers' sessions before the actor system goes: they see the
  // coordinator leave and stop what they still run for it.
  links_.clear();
  self_.reset();
}

worker_group::link* worker_group::find(const caf::actor_addr& who) {
  for (auto& l : links_) {
    if (l.actor.address() == who) return &l;
  }
  return nullptr;
}

bool worker_group::any_alive() const {
  for (const auto& l : links_) {
    if (l.alive) return true;
  }
  return false;
}

}  // namespace stampede::actors
