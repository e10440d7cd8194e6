#pragma once
// `stampede worker`: a process that hosts the work coordinators send it over
// CAF's io middleman. Each coordinator opens a session with a handshake
// (hello_msg: version and scenario), then hands out work within it.
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "actors/worker/node.hpp"

namespace stampede::actors {

/// How a worker listens and what it accepts.
struct worker_options {
  endpoint listen{"127.0.0.1", 0};
  tls_files tls;
  /// Work taken at once (ensemble members run side by side); at least 1.
  int threads = 1;
  /// This build's version: a coordinator of another is refused.
  std::string version;
  /// When set, only coordinators whose scenario_id() is this one are served
  /// (`stampede worker --scenario FILE`), named `pinned_file` in refusals.
  std::string pinned_id;
  std::string pinned_file;
  /// Serve until *stop is true (a signal handler sets it).
  const std::atomic<bool>* stop = nullptr;
  /// Called once with the address bound (the port chosen when 0 was asked).
  std::function<void(const endpoint&)> on_listening;
  /// Called with one line for the operator per session opened or refused.
  std::function<void(const std::string&)> on_event;
};

/// Serves coordinators until *options.stop; throws worker_refused when it
/// cannot listen where asked.
void serve_worker(const worker_options& options);

}  // namespace stampede::actors
