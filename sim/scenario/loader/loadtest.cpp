// loadtest: how `stampede loadtest` drives a real service with the scenario's traffic.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>

#include "sim/scenario/loader/loader.hpp"
#include "sim/scenario/loadtest_spec.hpp"

namespace stampede::sim::loading {

loadtest_spec loader::load_loadtest(const node_ref& at, const scenario& s) const {
  const auto items = entries(at);
  check_keys(items, {"target", "allow_hosts", "time_scale", "rate_scale", "connections",
                     "max_connections", "timeout", "duration", "max_lag", "max_dropped", "prompts",
                     "prompts_file", "requests", "tls"});
  loadtest_spec l;
  if (auto n = optional(items, "tls")) {
    const auto fields = entries(*n, "a map with ca_file, insecure and server_name");
    check_keys(fields, {"ca_file", "insecure", "server_name"});
    if (auto f = optional(fields, "ca_file")) l.tls.ca_file = text(*f, "a path to a PEM file");
    if (auto f = optional(fields, "insecure")) l.tls.insecure = boolean(*f);
    if (auto f = optional(fields, "server_name")) {
      l.tls.server_name = text(*f, "a DNS name like staging.example.com");
      if (!valid_server_name(l.tls.server_name)) {
        expected(*f, "a DNS name like staging.example.com (not an address)");
      }
      std::transform(l.tls.server_name.begin(), l.tls.server_name.end(), l.tls.server_name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    }
  }
  if (auto n = optional(items, "target")) l.target = target_url(*n);
  if (auto n = optional(items, "allow_hosts")) {
    if (!n->node.IsSequence()) expected(*n, "a list of host names like [127.0.0.1, localhost]");
    l.allow_hosts.clear();
    for (std::size_t i = 0; i < n->node.size(); ++i) {
      const YAML::Node item = n->node[i];
      const node_ref host{item, n->path + "[" + std::to_string(i) + "]", item.Mark()};
      std::string name = text(host, "a host name");
      // "[::1]" is how a URL writes it; the list holds the bare address.
      if (name.size() > 2 && name.front() == '[' && name.back() == ']') {
        name = name.substr(1, name.size() - 2);
      }
      if (!valid_host(name)) expected(host, "a host name or address without scheme, port or path");
      l.allow_hosts.push_back(name);
    }
  }
  if (auto n = optional(items, "time_scale")) {
    l.time_scale = number(*n, "a positive number (virtual seconds per wall second)",
                          [](double v) { return v > 0 && std::isfinite(v); });
  }
  if (auto n = optional(items, "rate_scale")) {
    l.rate_scale = number(*n, "a number in (0, 1]", [](double v) { return v > 0 && v <= 1; });
  }
  if (auto n = optional(items, "connections")) {
    l.connections = static_cast<int>(number(*n, "a positive integer up to 100000", [](double v) {
      return v >= 1 && v <= 100'000 && v == std::floor(v);
    }));
  }
  l.max_connections = std::min(100'000, 4 * l.connections);
  if (auto n = optional(items, "max_connections")) {
    const int least = l.connections;
    l.max_connections = static_cast<int>(
        number(*n, "an integer from connections (" + std::to_string(least) + ") up to 100000",
               [least](double v) { return v >= least && v <= 100'000 && v == std::floor(v); }));
  }
  if (auto n = optional(items, "timeout")) l.timeout = positive_duration(*n);
  if (auto n = optional(items, "duration")) l.duration = positive_duration(*n);
  if (auto n = optional(items, "max_lag")) l.max_lag = positive_duration(*n);
  if (auto n = optional(items, "max_dropped")) {
    l.max_dropped =
        number(*n, "a share in [0, 1], like 0.001", [](double v) { return v >= 0 && v <= 1; });
  }
  if (auto n = optional(items, "prompts")) {
    if (!n->node.IsSequence()) expected(*n, "a list of prompt strings");
    for (std::size_t i = 0; i < n->node.size(); ++i) {
      const YAML::Node item = n->node[i];
      l.prompts.push_back(
          text({item, n->path + "[" + std::to_string(i) + "]", item.Mark()}, "a prompt string"));
    }
  }
  if (auto n = optional(items, "prompts_file")) {
    if (optional(items, "prompts")) fail(*n, "give prompts or prompts_file, not both");
    l.prompts_file = text(*n, "a file name (relative to the scenario file)");
    // Relative to the scenario, as a team keeps its prompts next to it.
    if (!l.prompts_file.starts_with("/")) {
      l.prompts_file = file_.substr(0, file_.rfind('/') + 1) + l.prompts_file;
    }
    std::string error;
    std::istringstream lines(read_capped(l.prompts_file, error));
    if (!error.empty()) fail(*n, error);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) l.prompts.push_back(line);
    }
    if (l.prompts.empty()) fail(*n, l.prompts_file + " has no prompts (one a line)");
  }

  const node_ref requests = required(at, items, "requests");
  const auto named = entries(requests, "a map of endpoint name to {method, path, body, headers}");
  if (named.empty()) fail(requests, "expected at least one endpoint, got an empty map");
  l.requests.assign(s.endpoints.size(), request_template{});
  std::vector<std::string> route_paths(s.endpoints.size());
  for (const auto& e : named) {
    const int index = endpoint_of(key_of(e), s);
    request_template r = load_request(e.value, l);
    // `serve` routes on method and path without the query: two endpoints
    // there would be one route, and the second could never be reached.
    const std::string route = r.path.substr(0, r.path.find('?'));
    for (std::size_t k = 0; k < l.requests.size(); ++k) {
      if (!l.requests[k].path.empty() && l.requests[k].method == r.method &&
          route_paths[k] == route) {
        fail(e.value, "same method and path as loadtest.requests." + s.endpoints[k].name + " (" +
                          r.method + " " + route + "); each endpoint needs its own route");
      }
    }
    route_paths[static_cast<std::size_t>(index)] = route;
    l.requests[static_cast<std::size_t>(index)] = std::move(r);
  }
  return l;
}

// The target URL by the one rule of sim/scenario/loadtest_spec.hpp, which
// --target follows too; kept as written, less a trailing '/'.
std::string loader::target_url(const node_ref& at) const {
  const std::string what = "a URL like http://127.0.0.1:8080 or https://127.0.0.1:8443";
  std::string url = text(at, what);
  try {
    parse_target_url(url);
  } catch (const target_error& e) {
    expected(at, what + " (" + e.reason() + ")");
  }
  if (url.ends_with("/")) url.pop_back();
  return url;
}

request_template loader::load_request(const node_ref& at, loadtest_spec& l) const {
  const auto fields = entries(at, "a map with method, path, body and headers");
  check_keys(fields, {"method", "path", "body", "headers"});
  request_template r;
  if (auto n = optional(fields, "method")) {
    static const std::vector<std::string> methods = {"GET", "POST", "PUT", "DELETE", "PATCH"};
    r.method = text(*n, "an HTTP method");
    if (std::find(methods.begin(), methods.end(), r.method) == methods.end()) {
      std::string upper = r.method;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      const auto hint = std::find(methods.begin(), methods.end(), upper) != methods.end()
                            ? "; did you mean " + quoted(upper) + "?"
                            : did_you_mean_or_list(r.method, methods, "methods are");
      fail(*n, "unknown HTTP method " + quoted(r.method) + hint);
    }
  }
  const node_ref path = required(at, fields, "path");
  r.path = text(path, "a path starting with /");
  if (!r.path.starts_with("/")) expected(path, "a path starting with /");
  for (char c : r.path) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '#' || c == 0x7f) {
      fail(path, "a path may not contain spaces, control characters or '#' (percent-encode them)");
    }
  }
  check_template(path, r.path, l);
  if (auto n = optional(fields, "body")) {
    r.body = text(*n, "a body string");
    check_template(*n, r.body, l);
  }
  if (auto n = optional(fields, "headers")) {
    // Framing headers are the client's: a wrong Content-Length would desynchronise
    // the connection and turn every later response into an error.
    static const std::vector<std::string> reserved = {"host", "content-length", "connection",
                                                      "transfer-encoding"};
    for (const auto& h : entries(*n, "a map of header name to value")) {
      if (h.key.empty() || !std::all_of(h.key.begin(), h.key.end(), is_token_char)) {
        fail(h.key_mark, h.value.path,
             "expected a header name (letters, digits, -), got " + quoted(h.key));
      }
      std::string lower = h.key;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (std::find(reserved.begin(), reserved.end(), lower) != reserved.end()) {
        fail(h.key_mark, h.value.path, "header " + quoted(h.key) + " is set by stampede itself");
      }
      const std::string value = text(h.value, "a header value");
      if (value.find_first_of("\r\n") != std::string::npos) {
        fail(h.value, "a header value may not contain line breaks");
      }
      check_template(h.value, value, l);
      r.headers.emplace_back(h.key, value);
    }
  }
  return r;
}

// Template variables are checked here so a typo fails before any request is
// sent, not as thousands of odd requests.
// Each ${env:NAME} is recorded with where it is used, for the load test to
// read it from the environment.
void loader::check_template(const node_ref& at, const std::string& text_value,
                            loadtest_spec& l) const {
  // The one list of variables and the one syntax: sim/scenario/loadtest_spec.hpp.
  const std::vector<std::string> variables(template_variables.begin(), template_variables.end());
  const auto variable = [&](std::string_view found) {
    const std::string name(found);
    if (name.starts_with("env:")) {
      const auto env = env_variable_name(name);
      if (env.empty()) {
        fail(at, "expected ${env:NAME} with NAME of letters, digits and _, got ${" + name + "}");
      }
      l.env.push_back(
          {std::string(env),
           error_at(at.mark, at.path, "${" + name + "} is not set in the environment").what()});
      return;
    }
    if (!is_template_variable(name)) {
      std::string hint = "; variables are " + template_variables_text();
      // "${user}" means ${user_id} rather than the nearer ${seq}: a prefix wins.
      const auto prefix = std::find_if(variables.begin(), variables.end(), [&](const auto& v) {
        return !name.empty() && (v.starts_with(name) || name.starts_with(v));
      });
      if (prefix != variables.end()) {
        hint = "; did you mean ${" + *prefix + "}?";
      } else if (auto guess = closest(name, variables)) {
        hint = "; did you mean ${" + *guess + "}?";
      }
      fail(at, "unknown template variable ${" + name + "}" + hint);
    }
    if (name == "prompt" && l.prompts.empty()) {
      fail(at, "${prompt} needs a list of prompts in loadtest.prompts or loadtest.prompts_file");
    }
  };
  const auto unclosed = [&](std::string_view rest) {
    fail(at, "unclosed template variable at " + quoted(std::string(rest.substr(0, 20))) +
                 "; variables are " + template_variables_text());
  };
  scan_template(
      text_value, [](std::string_view) {}, variable, unclosed);
}

}  // namespace stampede::sim::loading
