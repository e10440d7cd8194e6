#pragma once
// What both ends of a distributed run share: where a node listens, TLS, the
// CAF configuration (io middleman, OpenSSL when certificates are given, the
// message types), and the identity of a run (version and scenario id).
#include <caf/actor.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/expected.hpp>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace stampede::actors {

/// HOST:PORT of a node.
struct endpoint {
  std::string host;
  std::uint16_t port = 0;
  std::string text() const { return host + ":" + std::to_string(port); }
};

/// "h:p" -> endpoint; throws std::invalid_argument saying what was expected.
/// A port of 0 is allowed only with `allow_any_port` (a listener's ephemeral port).
endpoint parse_endpoint(std::string_view text, bool allow_any_port = false);
/// "h1:p1,h2:p2,..." -> endpoints, in order; at least one.
std::vector<endpoint> parse_endpoints(std::string_view list);
/// Whether `host` names this machine's loopback interface only.
bool is_loopback(std::string_view host);

/// Certificates for TLS between nodes (PEM files); all empty: plain TCP.
struct tls_files {
  std::string cert;
  std::string key;
  /// The CA that signed the peers' certificates: with it, a node accepts only
  /// peers that present a certificate it signed.
  std::string ca;
  bool enabled() const { return !cert.empty() || !key.empty() || !ca.empty(); }
  /// What is missing for TLS as given ("" when nothing): a certificate goes
  /// with its key, and a CA needs both (the peer checks this node in turn).
  std::string missing() const;
};

/// Loads the io middleman (and the OpenSSL manager with `tls`) and registers
/// the messages of actors/worker/messages.hpp.
void configure_node(caf::actor_system_config& cfg, const tls_files& tls);

/// Connects to the worker published at `where` (over TLS when `tls.enabled()`).
caf::expected<caf::actor> connect_node(caf::actor_system& system, const endpoint& where,
                                       const tls_files& tls);
/// Publishes `worker` at `where`; returns the port bound.
caf::expected<std::uint16_t> publish_node(caf::actor_system& system, const caf::actor& worker,
                                          const endpoint& where, const tls_files& tls);

/// Names a run's inputs: hex FNV-1a over the scenario text and each override
/// (seed and scale among them), so that two nodes agree on what they run.
std::string scenario_id(std::string_view yaml, const std::vector<std::string>& overrides);

/// A worker refused to join (another version or scenario), or cannot be used
/// as given: a usage error (exit 2).
class worker_refused : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A worker could not be reached or was lost during a run (exit 1).
class worker_lost : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace stampede::actors
