#pragma once
// The coordinator's side of a distributed run: the workers named by
// `--workers`, connected and greeted (version and scenario checked) before any
// work is handed out. Each mode (project.hpp, ...) drives the links it gets.
#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/worker/messages.hpp"
#include "actors/worker/node.hpp"

namespace stampede::actors {

/// Where the workers are and how to reach them.
struct remote_options {
  std::vector<endpoint> workers;
  tls_files tls;
  /// This build's version, sent in the handshake.
  std::string version;
  /// Called with one line for the operator when a worker is lost.
  std::function<void(const std::string&)> on_event;
};

/// The hello of a run of scenario text `yaml` (named `file`) under `overrides`.
hello_msg make_hello(const std::string& version, const std::string& file, std::string_view yaml,
                     const std::vector<std::string>& overrides);

/// The workers of one run, each connected and greeted.
class worker_group {
 public:
  /// One worker as the coordinator sees it.
  struct link {
    endpoint where;
    caf::actor actor;
    /// Work it takes at once.
    int threads = 1;
    bool alive = true;
  };

  /// Connects to every worker of `r` and greets it with `hello`; throws
  /// worker_refused when one refuses, worker_lost when one cannot be reached.
  worker_group(const remote_options& r, const hello_msg& hello);
  ~worker_group();
  worker_group(const worker_group&) = delete;
  worker_group& operator=(const worker_group&) = delete;

  caf::scoped_actor& self() { return *self_; }
  std::vector<link>& links() { return links_; }
  /// The link of the worker actor `who`, or nullptr.
  link* find(const caf::actor_addr& who);
  bool any_alive() const;

 private:
  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> system_;
  std::unique_ptr<caf::scoped_actor> self_;
  std::vector<link> links_;
};

}  // namespace stampede::actors
