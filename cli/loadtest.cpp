// `stampede loadtest`: the scenario's population against an HTTP target in wall-clock time.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "actors/loadtest/loadtest.hpp"
#include "actors/service/http_service.hpp"
#include "actors/worker/loadtest.hpp"
#include "cli/commands.hpp"
#include "cli/resources.hpp"
#include "cli/worker.hpp"
#include "reports/reports.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "sim/scenario/wall_clock.hpp"

namespace stampede::cli {

namespace {

/// The progress line: virtual time, rate, p99, errors.
class loadtest_display {
 public:
  explicit loadtest_display(bool terminal) : terminal_(terminal) {}
  void update(const actors::loadtest_progress& p) {
    if (!terminal_ && p.wall_s - last_line_ < 5) return;
    last_line_ = p.wall_s;
    std::fprintf(
        stderr,
        "%svirtual %s  wall %.0f/%.0f s  %.0f req/s  p99 %.1f ms  errors %llu  in flight "
        "%llu  dropped %llu  lag p99 %.1f ms%s",
        terminal_ ? "\r\033[K" : "", sim::format_duration(sim::from_seconds(p.virtual_s)).c_str(),
        p.wall_s, p.duration_s, p.rate, p.p99_s * 1e3, static_cast<unsigned long long>(p.errors),
        static_cast<unsigned long long>(p.in_flight), static_cast<unsigned long long>(p.dropped),
        p.lag_p99_s * 1e3, terminal_ ? "" : "\n");
    std::fflush(stderr);
    drawn_ = true;
  }
  void finish() {
    if (terminal_ && drawn_) std::fputs("\n", stderr);
  }

 private:
  bool terminal_;
  double last_line_ = -1e9;
  bool drawn_ = false;
};

struct loadtest_args {
  std::string file;
  std::string out;
  std::optional<std::string> target;
  std::optional<std::string> duration;
  std::vector<std::string> sets;
  std::string metrics_listen;
  int threads = 0;
  bool progress = false;
  bool quiet = false;
  worker_flags workers;
};

int usage_error(const std::string& message) {
  std::cerr << "error: " << sim::one_line(message) << "\n";
  return exit_usage;
}

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// A loopback "host:port" for --metrics-listen, or an error message.
std::optional<std::string> check_metrics_listen(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) return "expected 127.0.0.1:PORT";
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  if (host != "127.0.0.1" && host != "::1" && host.rfind("127.", 0) != 0) {
    return "only loopback addresses (127.0.0.1, ::1) may serve metrics, got \"" + host + "\"";
  }
  const std::string port = text.substr(colon + 1);
  // At most 5 digits before converting: a longer number would overflow stoul.
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoul(port) > 65535) {
    return "port must be 0..65535, got \"" + port + "\"";
  }
  return std::nullopt;
}

/// A usage or scenario error found before anything starts (exit 2), or nothing.
using refusal = std::optional<std::string>;

/// What a load test needs of the scenario beyond the loader's checks: a
/// loadtest section, and a generator's population this machine can hold.
refusal check_scenario(const loadtest_args& a, const sim::scenario& s) {
  if (!s.loadtest) return a.file + ": no loadtest: section; add one (see scenarios/README.md)";
  // The generator's population is thinned by rate_scale (sim/scenario/wall_clock.hpp):
  // check what it will hold, before anything is allocated.
  const sim::scenario thinned = sim::wall_clock_model(s, sim::wall_clock_role::generator);
  if (const std::string why = refuse_on_this_machine(thinned, true); !why.empty()) {
    return a.file + ": " + why +
           " (a load test simulates scale × loadtest.rate_scale of the population)";
  }
  return std::nullopt;
}

/// The generator's options from the flags and the environment: metrics
/// address, ${env:NAME} values, duration, and the target (parsed and on the
/// allow list), all refused before anything is started or connected.
refusal make_options(const loadtest_args& a, const sim::loadtest_spec& spec,
                     actors::loadtest_options& o) {
  if (!a.metrics_listen.empty()) {
    if (auto err = check_metrics_listen(a.metrics_listen)) {
      return "--metrics-listen " + a.metrics_listen + ": " + *err;
    }
  }
  o.metrics_listen = a.metrics_listen;
  // Resolved here, so that loadtest.json's plan names it; workers resolve
  // their own (their CPUs).
  o.threads = a.threads > 0 || a.workers.any() ? a.threads : actors::default_http_threads();
  // Read once, here: an unset one fails before anything starts, and the values
  // go only into the requests on the wire (the scenario keeps ${env:NAME}).
  for (const auto& ref : spec.env) {
    const char* value = std::getenv(ref.name.c_str());
    if (value == nullptr) return ref.unset_error;
    const bool seen =
        std::any_of(o.env.begin(), o.env.end(), [&](const auto& e) { return e.first == ref.name; });
    if (!seen) o.env.emplace_back(ref.name, value);
  }
  if (a.duration) {
    const auto d = sim::parse_duration(*a.duration);
    if (!d || *d <= 0)
      return "--duration " + *a.duration + ": expected a positive duration like 20s";
    o.duration_s = sim::to_seconds(*d);
  }
  const std::string target_text = a.target ? *a.target : spec.target;
  o.embedded = target_text.empty();
  if (o.embedded) return std::nullopt;
  try {
    o.target = sim::parse_target_url(target_text);
  } catch (const sim::target_error& e) {
    return std::string(e.what());
  }
  if (!sim::host_allowed(o.target.host, spec.allow_hosts)) {
    return "target host \"" + o.target.host +
           "\" is not in loadtest.allow_hosts; nothing was sent. To allow it, add it to the "
           "scenario's loadtest.allow_hosts list (allow_hosts: [" +
           o.target.host + ", ...])";
  }
  return std::nullopt;
}

/// Saves the scenario, its prompts and the overrides into DIR first, so that
/// `stampede report DIR` can rebuild from DIR alone.
void save_inputs(const loadtest_args& a, const sim::loadtest_spec& spec,
                 const std::filesystem::path& out) {
  std::filesystem::create_directories(out);
  reports::write_file_atomically(out / "scenario.yaml", read_text(a.file));
  std::string overrides;
  for (const auto& set : a.sets) overrides += set + "\n";
  if (!spec.prompts_file.empty()) {
    reports::write_file_atomically(out / "prompts.txt", read_text(spec.prompts_file));
    overrides += "loadtest.prompts_file=prompts.txt\n";
  }
  reports::write_file_atomically(out / "overrides.txt", overrides);
}

/// What the test is set to do, as loadtest.json records it before it starts.
sim::loadtest_result test_plan(const actors::loadtest_options& o, const sim::loadtest_spec& spec,
                               double duration_s) {
  sim::loadtest_result meta;
  meta.target = o.target.text();
  meta.embedded = o.embedded;
  meta.tls_insecure = o.target.tls && spec.tls.insecure;
  meta.time_scale = spec.time_scale;
  meta.rate_scale = spec.rate_scale;
  meta.connections = spec.connections;
  meta.max_connections = spec.max_connections;
  meta.threads = std::min(o.threads, spec.connections);
  meta.duration_s = duration_s;
  meta.interval_s = o.interval_s;
  meta.timeout_s = sim::to_seconds(spec.timeout);
  meta.max_lag_s = sim::to_seconds(spec.max_lag);
  meta.max_dropped = spec.max_dropped;
  return meta;
}

/// Runs the generator, appending to DIR/results.csv and showing progress. An
/// error that echoes a request is redacted: it must not show a secret.
/// actors::loadtest_refused passes through for the caller to report.
sim::run_result run_generator(const sim::scenario& s, actors::loadtest_options& o,
                              const loadtest_args& a, const std::filesystem::path& out,
                              double duration_s) {
  const auto results_path = out / "results.csv";
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> results(
      std::fopen(results_path.c_str(), "w"), &std::fclose);
  if (!results) throw std::runtime_error("cannot write " + results_path.string());
  static char buffer[1 << 16];
  std::setvbuf(results.get(), buffer, _IOFBF, sizeof buffer);
  o.results = results.get();
  o.stop = &stop_requested;

  const bool terminal = ::isatty(STDERR_FILENO) != 0;
  loadtest_display display(terminal);
  if (!a.quiet && (terminal || a.progress)) {
    o.on_progress = [&](const actors::loadtest_progress& p) { display.update(p); };
  }
  const sim::loadtest_spec& spec = *s.loadtest;
  if (!a.quiet) {
    std::cerr << "load-testing " << o.target.text()
              << (o.embedded ? " (embedded modeled service)" : "") << " for " << duration_s
              << " s, " << spec.connections << " to " << spec.max_connections
              << " connections, time_scale " << spec.time_scale << ", rate_scale "
              << spec.rate_scale << "\n";
  }
  sim::run_result r;
  try {
    r = a.workers.any() ? actors::run_loadtest_on_workers(remote_of(a.workers), read_text(a.file),
                                                          a.file, a.sets, s, o)
                        : actors::run_loadtest(s, o);
  } catch (const actors::loadtest_refused&) {
    throw;
  } catch (const actors::worker_refused&) {
    throw;
  } catch (const std::exception& e) {
    throw std::runtime_error(sim::redact(e.what(), o.env));
  }
  o.results = nullptr;
  o.on_progress = nullptr;
  display.finish();
  return r;
}

/// The closing lines: what was sent and the verdict, then the report's path.
void print_summary(const sim::run_result& r, bool held, const std::filesystem::path& out) {
  std::uint64_t sent = 0, completed = 0;
  for (const auto& e : r.loadtest->endpoints) {
    sent += e.sent;
    completed += e.completed;
  }
  std::cerr << "sent " << sent << " requests, " << completed << " completed (2xx) in "
            << r.wall_seconds << " s; SLOs " << (held ? "held" : "BREACHED")
            << (r.loadtest->reliable ? "" : "; results UNRELIABLE (the generator fell behind)")
            << "\n";
  if (stop_requested.load()) std::cerr << "stopped early: the report covers the time reached\n";
  std::cout << (out / "report.html").string() << "\n";
}

int loadtest_command(const loadtest_args& a) {
  if (a.file.empty()) return usage_error("no scenario file given");
  const sim::scenario s = sim::load_scenario_file(a.file, a.sets);
  if (const refusal why = check_scenario(a, s)) return usage_error(*why);
  const sim::loadtest_spec& spec = *s.loadtest;
  actors::loadtest_options o;
  if (const refusal why = make_options(a, spec, o)) return usage_error(*why);
  if (a.workers.any() && o.embedded) {
    return usage_error(
        "--workers needs a target every worker reaches (--target or loadtest.target): the "
        "embedded modeled service runs in this process only; start `stampede serve` for one");
  }

  const std::filesystem::path out(a.out);
  save_inputs(a, spec, out);
  std::unique_ptr<actors::modeled_service> service;
  if (o.embedded) {
    service = std::make_unique<actors::modeled_service>(s);
    o.target.host = "127.0.0.1";
    o.target.port = service->start("127.0.0.1", 0);
  }
  const double duration_s = actors::loadtest_duration_s(s, o);
  o.interval_s = actors::loadtest_interval_s(duration_s);
  reports::write_file_atomically(out / "loadtest.json",
                                 loadtest_meta_json(test_plan(o, spec, duration_s)));

  sim::run_result r;
  try {
    r = run_generator(s, o, a, out, duration_s);
  } catch (const actors::loadtest_refused& e) {
    return usage_error(sim::redact(e.what(), o.env));
  }
  if (service) {
    // The embedded service knows its pools: the report shows what they did.
    service->stop();
    r.pools = service->finish_pools();
    r.digest = sim::compute_digest(r);
  }
  reports::write_all(r, out);
  reports::write_file_atomically(out / "loadtest.json", loadtest_meta_json(*r.loadtest));

  const bool held = std::all_of(r.slos.begin(), r.slos.end(), [](const auto& v) { return v.held; });
  if (!a.quiet) print_summary(r, held, out);
  // A worker lost: the report holds the others' shares, and it is no verdict.
  if (!r.stop_reason.empty()) {
    std::cerr << "error: " << r.stop_reason << "\n";
    return exit_failure;
  }
  // A stopped test is no verdict: a cancelled CI job must not read as a pass.
  if (stop_requested.load()) return exit_failure;
  // A generator that fell behind did not test what the scenario asks for.
  return held && r.loadtest->reliable ? exit_ok : exit_slo_breached;
}

}  // namespace

std::string loadtest_meta_json(const sim::loadtest_result& m) {
  nlohmann::ordered_json j;
  j["target"] = m.target;
  j["embedded"] = m.embedded;
  j["tls_insecure"] = m.tls_insecure;
  j["time_scale"] = m.time_scale;
  j["rate_scale"] = m.rate_scale;
  j["connections"] = m.connections;
  j["max_connections"] = m.max_connections;
  j["duration_s"] = m.duration_s;
  j["interval_s"] = m.interval_s;
  j["timeout_s"] = m.timeout_s;
  j["max_lag_s"] = m.max_lag_s;
  j["max_dropped"] = m.max_dropped;
  j["threads"] = m.threads;
  // Written again when the test ends: a file without them is from a test that
  // was killed.
  if (m.wall_s > 0) {
    j["wall_s"] = m.wall_s;
    j["interrupted"] = m.interrupted;
  }
  return j.dump(2) + "\n";
}

sim::loadtest_result parse_loadtest_meta(const std::string& text) {
  const auto j = nlohmann::json::parse(text);
  sim::loadtest_result m;
  m.target = j.at("target").get<std::string>();
  m.embedded = j.at("embedded").get<bool>();
  m.time_scale = j.at("time_scale").get<double>();
  m.rate_scale = j.at("rate_scale").get<double>();
  m.connections = j.at("connections").get<int>();
  m.duration_s = j.at("duration_s").get<double>();
  m.interval_s = j.at("interval_s").get<double>();
  m.timeout_s = j.at("timeout_s").get<double>();
  m.max_lag_s = j.at("max_lag_s").get<double>();
  // Absent from folders written before connections could grow.
  m.max_connections = j.value("max_connections", m.connections);
  m.max_dropped = j.value("max_dropped", m.max_dropped);
  m.tls_insecure = j.value("tls_insecure", false);
  if (j.contains("wall_s")) {
    m.wall_s = j.at("wall_s").get<double>();
    m.interrupted = j.at("interrupted").get<bool>();
  }
  m.threads = j.value("threads", 0);
  return m;
}

command add_loadtest(CLI::App& app) {
  auto a = std::make_shared<loadtest_args>();
  auto* cmd = app.add_subcommand(
      "loadtest",
      "Play the scenario's users against an HTTP target in wall-clock time (open model,\n"
      "latency from the intended send time) and write the reports into --out. Without\n"
      "--target or loadtest.target, the modeled service is started on loopback and tested.\n"
      "Exit 0: SLOs held; 99: an SLO breached, or the generator fell behind its schedule\n"
      "(more than loadtest.max_dropped of the requests dropped); 2: usage or scenario\n"
      "error; 1: tool failure or stopped by Ctrl-C.");
  cmd->add_option("FILE", a->file, "Scenario YAML file with a loadtest: section")->required();
  cmd->add_option("--out", a->out, "Output folder (created if missing)")
      ->required()
      ->check(non_empty_path);
  cmd->add_option(
      "--target", a->target,
      "http://host:port or https://host:port (overrides loadtest.target); the host must be in "
      "loadtest.allow_hosts");
  cmd->add_option("--duration", a->duration,
                  "Wall-clock length, e.g. 30s (default loadtest.duration or horizon/time_scale)");
  cmd->add_option("--set", a->sets, "Override any key: --set loadtest.time_scale=60 (repeatable)");
  cmd->add_option("--metrics-listen", a->metrics_listen,
                  "Serve Prometheus metrics on a loopback address, e.g. 127.0.0.1:9464");
  cmd->add_option("--threads", a->threads,
                  "HTTP threads, each with its share of the connections (at most\n"
                  "loadtest.connections). Default: half the CPUs this process may use that\n"
                  "were idle over 100 ms at start, at least 1; the other half is for the\n"
                  "kernel's side of each request and a target on the same machine. With\n"
                  "--workers, each worker's count (default: half of its free CPUs)")
      ->check(CLI::Range(1, 1024));
  cmd->add_flag("--progress", a->progress, "Show progress even when stderr is not a terminal");
  cmd->add_flag("--quiet", a->quiet, "No progress and no closing lines");
  add_worker_flags(cmd, a->workers);
  return [a, cmd]() -> int { return *cmd ? loadtest_command(*a) : -1; };
}

}  // namespace stampede::cli
