#include "actors/worker/node.hpp"

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>
#include <caf/openssl/remote_actor.hpp>
#include <charconv>
#include <cstdio>

#include "actors/worker/messages.hpp"

namespace stampede::actors {

endpoint parse_endpoint(std::string_view text, bool allow_any_port) {
  const auto colon = text.rfind(':');
  const auto bad = [&](const std::string& what) {
    return std::invalid_argument("\"" + std::string(text) + "\": expected HOST:PORT, " + what);
  };
  if (colon == std::string_view::npos || colon == 0) throw bad("with a host and a port");
  endpoint e;
  e.host = std::string(text.substr(0, colon));
  const std::string_view port = text.substr(colon + 1);
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value > 65535 ||
      (value == 0 && !allow_any_port)) {
    throw bad(allow_any_port ? "the port a number in [0, 65535]"
                             : "the port a number in [1, 65535]");
  }
  e.port = static_cast<std::uint16_t>(value);
  return e;
}

std::vector<endpoint> parse_endpoints(std::string_view list) {
  std::vector<endpoint> all;
  std::size_t at = 0;
  for (;;) {
    const auto comma = list.find(',', at);
    all.push_back(parse_endpoint(list.substr(at, comma - at)));
    if (comma == std::string_view::npos) break;
    at = comma + 1;
  }
  return all;
}

bool is_loopback(std::string_view host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

std::string tls_files::missing() const {
  if (!enabled() || (!cert.empty() && !key.empty())) return {};
  return "--tls-cert and --tls-key go together (and --tls-ca needs both)";
}

void configure_node(caf::actor_system_config& cfg, const tls_files& tls) {
  cfg.load<caf::io::middleman>();
  if (tls.enabled()) {
    cfg.load<caf::openssl::manager>();
    cfg.openssl_certificate = tls.cert;
    cfg.openssl_key = tls.key;
    cfg.openssl_cafile = tls.ca;
  }
  add_worker_types(cfg);
}

caf::expected<caf::actor> connect_node(caf::actor_system& system, const endpoint& where,
                                       const tls_files& tls) {
  if (tls.enabled()) return caf::openssl::remote_actor(system, where.host, where.port);
  return system.middleman().remote_actor(where.host, where.port);
}

caf::expected<std::uint16_t> publish_node(caf::actor_system& system, const caf::actor& worker,
                                          const endpoint& where, const tls_files& tls) {
  // reuse_addr: a worker restarted on its port need not wait for TIME_WAIT.
  if (tls.enabled()) return caf::openssl::publish(worker, where.port, where.host.c_str(), true);
  return system.middleman().publish(worker, where.port, where.host.c_str(), true);
}

std::string scenario_id(std::string_view yaml, const std::vector<std::string>& overrides) {
  std::uint64_t h = 14695981039346656037ull;
  const auto mix = [&](std::string_view s) {
    for (const unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    h = (h ^ 0xffu) * 1099511628211ull;  // a separator no text holds, so "a","b" != "ab"
  };
  mix(yaml);
  for (const auto& o : overrides) mix(o);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

void add_worker_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<hello_msg>("stampede::hello_msg");
  cfg.add_message_type<welcome_msg>("stampede::welcome_msg");
  cfg.add_message_type<member_task>("stampede::member_task");
  cfg.add_message_type<member_done>("stampede::member_done");
  cfg.add_message_type<stop_task>("stampede::stop_task");
  cfg.add_message_type<loadtest_task>("stampede::loadtest_task");
  cfg.add_message_type<loadtest_ready>("stampede::loadtest_ready");
  cfg.add_message_type<loadtest_go>("stampede::loadtest_go");
  cfg.add_message_type<loadtest_done>("stampede::loadtest_done");
  cfg.add_message_type<run_setup>("stampede::run_setup");
  cfg.add_message_type<run_ready>("stampede::run_ready");
  cfg.add_message_type<step_task>("stampede::step_task");
  cfg.add_message_type<step_done>("stampede::step_done");
  cfg.add_message_type<serve_task>("stampede::serve_task");
  cfg.add_message_type<serve_done>("stampede::serve_done");
  cfg.add_message_type<finish_task>("stampede::finish_task");
  cfg.add_message_type<finish_done>("stampede::finish_done");
}

}  // namespace stampede::actors
