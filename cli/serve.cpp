// `stampede serve`: the scenario's platform as an HTTP/1.1 service, in wall-clock time.
#include <chrono>
#include <iostream>
#include <thread>

#include "actors/service/http_service.hpp"
#include "cli/commands.hpp"
#include "sim/scenario/scenario_loader.hpp"

namespace stampede::cli {

namespace {

struct serve_args {
  std::string file;
  std::string listen = "127.0.0.1:8080";
  std::vector<std::string> sets;
  int threads = 2;
};

/// "127.0.0.1:8080" or "[::1]:8080" split into host and port; nullopt when malformed.
std::optional<std::pair<std::string, std::uint16_t>> split_listen(const std::string& text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  std::string host = text.substr(0, colon);
  const std::string port = text.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    return std::nullopt;  // IPv6 without brackets: the port is ambiguous
  }
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  const int p = std::stoi(port);
  if (p > 65535) return std::nullopt;
  return std::make_pair(host, static_cast<std::uint16_t>(p));
}

int serve_command(const serve_args& a) {
  const auto address = split_listen(a.listen);
  if (!address) {
    std::cerr << "error: --listen " << a.listen
              << ": expected HOST:PORT like 127.0.0.1:8080 ([::1]:8080 for IPv6; port 0 picks a "
                 "free one)\n";
    return exit_usage;
  }
  const sim::scenario s = sim::load_scenario_file(a.file, a.sets);
  if (!s.loadtest) {
    std::cerr << "error: " << a.file
              << " has no loadtest section: serve takes its routes from loadtest.requests "
                 "(see scenarios/README.md)\n";
    return exit_usage;
  }
  actors::service_options options;
  options.threads = a.threads;
  actors::modeled_service service(s, options);
  std::uint16_t port = 0;
  try {
    port = service.start(address->first, address->second);
  } catch (const std::exception& e) {
    std::cerr << "error: cannot listen on " << a.listen << ": " << e.what() << "\n";
    return exit_failure;
  }
  const std::string host =
      address->first.find(':') != std::string::npos ? "[" + address->first + "]" : address->first;
  // Tests and `loadtest` read the port from this line: flush it at once.
  std::cout << "listening on http://" << host << ":" << port << std::endl;
  std::cerr << "serving " << s.name << " (time scale " << s.loadtest->time_scale << ", rate scale "
            << s.loadtest->rate_scale << "); Ctrl-C stops\n";

  // The signal handler only sets a flag; polling it keeps every socket
  // operation on the io threads.
  while (!stop_requested.load()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  service.stop();

  const actors::service_counters c = service.counters();
  std::cerr << "stopped after " << c.connections << " connections\n";
  for (const auto& e : c.endpoints) {
    if (e.received == 0) continue;
    std::cerr << "  " << e.name << ": " << e.received << " received, " << e.served << " served, "
              << e.rejected << " rejected (503), " << e.abandoned << " abandoned (504), "
              << e.dropped << " dropped\n";
  }
  std::cerr << "  404: " << c.not_found << ", 405: " << c.method_not_allowed
            << ", 400: " << c.bad_request << ", 413: " << c.body_too_large
            << ", 431: " << c.headers_too_large << "\n";
  return exit_ok;
}

}  // namespace

command add_serve(CLI::App& app) {
  auto a = std::make_shared<serve_args>();
  auto* cmd = app.add_subcommand(
      "serve",
      "Serve the scenario's platform over HTTP/1.1 in wall-clock time: the routes of\n"
      "loadtest.requests, each request queued in its endpoint's pool and answered after\n"
      "the model's service time divided by loadtest.time_scale (503 when the queue is full,\n"
      "504 when the request's patience, X-Stampede-Patience or behavior.patience in scenario\n"
      "time, runs out in the queue; 429 over a rate limit of the user named by X-Stampede-User,\n"
      "counted on their local day: X-Stampede-Tier and X-Stampede-Region, else the first).");
  cmd->add_option("FILE", a->file, "Scenario YAML file (with a loadtest section)")->required();
  cmd->add_option("--listen", a->listen,
                  "HOST:PORT to listen on (default 127.0.0.1:8080; port 0 picks a free port "
                  "and prints it)");
  cmd->add_option("--set", a->sets, "Override any key: --set loadtest.time_scale=600 (repeatable)");
  cmd->add_option("--threads", a->threads, "I/O threads (default 2)")->check(CLI::Range(1, 256));
  return [a, cmd]() -> int { return *cmd ? serve_command(*a) : -1; };
}

}  // namespace stampede::cli
