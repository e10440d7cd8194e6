#pragma once
// The flags every command that can spread its work over `stampede worker`
// nodes shares: --workers and the TLS files.
#include <CLI/CLI.hpp>
#include <string>

#include "actors/worker/coordinator.hpp"

namespace stampede::cli {

/// --workers h1:p1,h2:p2 and --tls-cert/--tls-key/--tls-ca, as given.
struct worker_flags {
  std::string workers;
  actors::tls_files tls;
  bool any() const { return !workers.empty(); }
};

/// Adds --workers and the TLS flags to `cmd`.
void add_worker_flags(CLI::App* cmd, worker_flags& f);
/// The remote options of `f` (which must name workers); a worker lost is
/// told on stderr. Throws std::invalid_argument when --workers is malformed.
actors::remote_options remote_of(const worker_flags& f);
/// Adds the TLS flags alone (what `stampede worker` takes besides --listen).
void add_tls_flags(CLI::App* cmd, actors::tls_files& tls);

}  // namespace stampede::cli
