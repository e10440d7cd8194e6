// `stampede worker`: hosts the members, shares or slices that coordinators
// (`run`, `project`, `loadtest` with --workers) send it, over CAF's io
// middleman (actors/worker/).
#include "cli/worker.hpp"

#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "actors/worker/worker.hpp"
#include "cli/commands.hpp"
#include "sim/scenario/scenario_loader.hpp"

namespace stampede::cli {

namespace {

struct worker_args {
  std::string listen = "127.0.0.1:4242";
  int threads = 0;
  std::string scenario;
  std::vector<std::string> sets;
  actors::tls_files tls;
};

int worker_command(const worker_args& a) {
  actors::worker_options o;
  try {
    o.listen = actors::parse_endpoint(a.listen, true);
  } catch (const std::invalid_argument& e) {
    std::cerr << "error: --listen " << e.what() << "\n";
    return exit_usage;
  }
  if (const std::string why = a.tls.missing(); !why.empty()) {
    std::cerr << "error: " << why << "\n";
    return exit_usage;
  }
  if (!actors::is_loopback(o.listen.host) && !a.tls.enabled()) {
    std::cerr << "warning: listening on " << o.listen.text()
              << " without TLS: anyone who reaches this port can hand this worker work and "
                 "read what it sends back; give --tls-cert, --tls-key and --tls-ca\n";
  }
  if (!a.scenario.empty()) {
    // Loaded here so that a bad scenario is refused now, not at the first coordinator.
    sim::load_scenario_file(a.scenario, a.sets);
    std::ifstream in(a.scenario, std::ios::binary);
    std::ostringstream yaml;
    yaml << in.rdbuf();
    o.pinned_id = actors::scenario_id(yaml.str(), a.sets);
    o.pinned_file = a.scenario;
  }
  o.tls = a.tls;
  o.threads = a.threads > 0 ? a.threads
                            : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  o.version = STAMPEDE_VERSION;
  o.stop = &stop_requested;
  o.on_listening = [](const actors::endpoint& e) {
    // Tests and scripts read the port from this line: flush it at once.
    std::cout << "listening on " << e.text() << std::endl;
  };
  o.on_event = [](const std::string& line) { std::cerr << line << "\n"; };
  try {
    actors::serve_worker(o);
  } catch (const actors::worker_refused& e) {
    std::cerr << "error: " << e.what() << "\n";
    return exit_failure;
  }
  return exit_ok;
}

}  // namespace

void add_tls_flags(CLI::App* cmd, actors::tls_files& tls) {
  cmd->add_option("--tls-cert", tls.cert, "This node's certificate (PEM) for TLS between nodes")
      ->check(CLI::ExistingFile);
  cmd->add_option("--tls-key", tls.key, "The private key of --tls-cert (PEM)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--tls-ca", tls.ca,
                  "CA certificate (PEM): peers must present a certificate it signed")
      ->check(CLI::ExistingFile);
}

void add_worker_flags(CLI::App* cmd, worker_flags& f) {
  cmd->add_option("--workers", f.workers,
                  "Spread the work over `stampede worker` nodes: HOST:PORT,HOST:PORT,...\n"
                  "(never changes the result)")
      ->check(CLI::Validator(
          [](std::string& list) {
            try {
              actors::parse_endpoints(list);
              return std::string();
            } catch (const std::invalid_argument& e) {
              return std::string(e.what());
            }
          },
          "HOST:PORT,..."));
  add_tls_flags(cmd, f.tls);
}

actors::remote_options remote_of(const worker_flags& f) {
  if (const std::string why = f.tls.missing(); !why.empty()) throw actors::worker_refused(why);
  actors::remote_options r;
  r.workers = actors::parse_endpoints(f.workers);
  r.tls = f.tls;
  r.version = STAMPEDE_VERSION;
  r.on_event = [](const std::string& line) { std::cerr << "warning: " << line << "\n"; };
  return r;
}

command add_worker(CLI::App& app) {
  auto a = std::make_shared<worker_args>();
  auto* cmd = app.add_subcommand(
      "worker",
      "Host work for coordinators on other machines: `stampede run|project|loadtest FILE\n"
      "--workers HOST:PORT,...` hands this process population slices, ensemble members or\n"
      "load-generator shares over CAF's network layer. Prints `listening on HOST:PORT`;\n"
      "Ctrl-C stops. Without TLS it should listen on loopback only.");
  cmd->add_option("--listen", a->listen,
                  "HOST:PORT to listen on (default 127.0.0.1:4242; port 0 picks a free one;\n"
                  "0.0.0.0:PORT listens on every interface, with a warning unless TLS is on)");
  cmd->add_option("--threads", a->threads,
                  "Work taken at once, e.g. ensemble members side by side (default: all cores)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--scenario", a->scenario,
                  "Serve only coordinators that run this scenario file (with these --set)");
  cmd->add_option("--set", a->sets, "Overrides of --scenario, as the coordinator gives them");
  add_tls_flags(cmd, a->tls);
  return [a, cmd]() -> int { return *cmd ? worker_command(*a) : -1; };
}

}  // namespace stampede::cli
