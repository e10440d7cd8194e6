#include "sim/scenario/loadtest_spec.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

namespace stampede::sim {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string unbracket(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return lower(host);
}

}  // namespace

std::string target_url::authority() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string target_url::text() const {
  return (tls ? "https://" : "http://") + authority();
}

bool valid_host(std::string_view host) {
  if (host.empty()) return false;
  if (host.find(':') != std::string_view::npos) {
    return std::all_of(host.begin(), host.end(), [](char c) {
      return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
    });
  }
  return std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
  });
}

bool valid_server_name(std::string_view name) {
  const bool letter = std::any_of(name.begin(), name.end(), [](char c) {
    return std::isalpha(static_cast<unsigned char>(c)) != 0;
  });
  return letter && name.find(':') == std::string_view::npos && valid_host(name);
}

target_error::target_error(std::string_view url, std::string reason)
    : std::invalid_argument("malformed target URL \"" + std::string(url) +
                            "\": expected http://host[:port] or https://host[:port] (" + reason +
                            ")"),
      reason_(std::move(reason)) {}

target_url parse_target_url(std::string_view url) {
  const auto fail = [&](std::string reason) { throw target_error(url, std::move(reason)); };
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) fail("no http:// or https://");
  const std::string scheme = lower(url.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") {
    fail("only http:// and https://, not " + scheme + "://");
  }
  std::string_view rest = url.substr(scheme_end + 3);
  if (rest.ends_with('/')) rest.remove_suffix(1);
  // The requests' paths come from loadtest.requests: a path here would be
  // silently ignored, so it is refused.
  if (rest.find_first_of("/?#@") != std::string_view::npos) {
    fail("a host and an optional port, no path");
  }
  target_url t;
  t.tls = scheme == "https";
  t.port = t.tls ? 443 : 80;
  std::string_view host = rest;
  std::optional<std::string_view> port;
  if (rest.starts_with('[')) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) fail("an unclosed [ in the host");
    host = rest.substr(1, close - 1);
    const auto after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') fail("a host and an optional port, no path");
      port = after.substr(1);
    }
    if (host.find(':') == std::string_view::npos || !valid_host(host)) {
      fail("brackets hold an IPv6 address only");
    }
  } else {
    if (const auto colon = rest.find(':'); colon != std::string_view::npos) {
      host = rest.substr(0, colon);
      port = rest.substr(colon + 1);
    }
    if (host.empty()) fail("no host");
    if (!valid_host(host)) fail("a host of letters, digits, '.', '-' and '_'");
  }
  if (port) {
    const bool digits =
        !port->empty() && port->size() <= 5 &&
        std::all_of(port->begin(), port->end(), [](char c) { return c >= '0' && c <= '9'; });
    unsigned value = 0;
    for (const char c : digits ? *port : std::string_view()) value = value * 10 + (c - '0');
    if (value < 1 || value > 65535) fail("a port in 1..65535");
    t.port = static_cast<std::uint16_t>(value);
  }
  t.host = lower(host);
  return t;
}

bool host_allowed(std::string_view host, const std::vector<std::string>& allow_hosts) {
  const std::string h = unbracket(host);
  return std::any_of(allow_hosts.begin(), allow_hosts.end(),
                     [&](const std::string& a) { return unbracket(a) == h; });
}

std::string_view env_variable_name(std::string_view variable) {
  if (!variable.starts_with("env:")) return {};
  const auto name = variable.substr(4);
  const auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front())) ||
      !std::all_of(name.begin(), name.end(), word)) {
    return {};
  }
  return name;
}

namespace {

/// The value of ${env:NAME} for `variable` "env:NAME"; nullptr when it is not listed.
const std::string* env_value(const env_values* env, std::string_view variable) {
  const auto name = env_variable_name(variable);
  if (env == nullptr || name.empty()) return nullptr;
  for (const auto& [n, value] : *env) {
    if (n == name) return &value;
  }
  return nullptr;
}

}  // namespace

std::string redact(std::string text, const env_values& env) {
  for (const auto& [name, value] : env) {
    if (value.empty()) continue;
    const std::string placeholder = "${env:" + name + "}";
    for (auto i = text.find(value); i != std::string::npos; i = text.find(value, i)) {
      text.replace(i, value.size(), placeholder);
      i += placeholder.size();
    }
  }
  return text;
}

std::string template_variables_text() {
  std::string text;
  for (const std::string_view v : template_variables) text += "${" + std::string(v) + "}, ";
  return text + "${env:NAME}";
}

bool is_template_variable(std::string_view name) {
  return std::find(template_variables.begin(), template_variables.end(), name) !=
             template_variables.end() ||
         !env_variable_name(name).empty();
}

std::vector<std::string> unknown_template_variables(std::string_view text) {
  std::vector<std::string> unknown;
  scan_template(
      text, [](std::string_view) {},
      [&](std::string_view name) {
        if (!is_template_variable(name)) unknown.emplace_back(name);
      },
      [&](std::string_view rest) { unknown.emplace_back(rest.substr(2)); });
  return unknown;
}

compiled_template::compiled_template(std::string_view text, const env_values* env) {
  const auto literal = [&](std::string_view run) {
    if (run.empty()) return;
    if (parts_.empty() || parts_.back().what != kind::literal) parts_.push_back({});
    parts_.back().text.append(run);
  };
  scan_template(
      text, literal,
      [&](std::string_view name) {
        // The kinds after `literal` are template_variables, in its order: a
        // name added to the list and not to the kinds does not compile (a kind
        // added alone is never produced, and expand_into's switch warns).
        static_assert(template_variables.size() == static_cast<std::size_t>(kind::tier) &&
                      template_variables[static_cast<std::size_t>(kind::user_id) - 1] ==
                          "user_id" &&
                      template_variables[static_cast<std::size_t>(kind::seq) - 1] == "seq" &&
                      template_variables[static_cast<std::size_t>(kind::prompt) - 1] == "prompt" &&
                      template_variables[static_cast<std::size_t>(kind::tier) - 1] == "tier");
        const auto known = std::find(template_variables.begin(), template_variables.end(), name);
        if (known != template_variables.end()) {
          parts_.push_back({static_cast<kind>(1 + (known - template_variables.begin())), {}});
        } else if (const std::string* value = env_value(env, name)) {
          literal(*value);
        } else {
          literal("${");
          literal(name);
          literal("}");
        }
      },
      literal);
}

void compiled_template::expand_into(std::string& out, const template_values& v) const {
  char buf[24];
  for (const part& p : parts_) {
    switch (p.what) {
      case kind::literal:
        out += p.text;
        break;
      case kind::user_id:
        out.append(buf, std::to_chars(buf, buf + sizeof buf, v.user_id).ptr);
        break;
      case kind::seq:
        out.append(buf, std::to_chars(buf, buf + sizeof buf, v.seq).ptr);
        break;
      case kind::prompt:
        out += v.prompt;
        break;
      case kind::tier:
        out += v.tier;
        break;
    }
  }
}

std::string expand_template(std::string_view text, const template_values& v) {
  std::string out;
  compiled_template(text, v.env).expand_into(out, v);
  return out;
}

}  // namespace stampede::sim
