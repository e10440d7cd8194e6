#pragma once
// What the `loadtest:` section of a scenario says, as rules that need no
// socket: the target URL and the allow list, and request templates (their
// variables, their syntax, their expansion). The loader checks a scenario by
// them; the load generator and the modeled service apply them.
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stampede::sim {

/// A load-test target, "http://host[:port]" or "https://host[:port]".
struct target_url {
  std::string host;
  std::uint16_t port = 80;
  /// https: the requests go over TLS.
  bool tls = false;
  /// "host:port" (IPv6 in brackets): the Host header.
  std::string authority() const;
  /// "http://host:port" or "https://host:port", normalised.
  std::string text() const;
};

/// A target that cannot be used: malformed, or neither http nor https.
class target_error : public std::invalid_argument {
 public:
  /// what(): "malformed target URL "URL": expected ... (REASON)".
  target_error(std::string_view url, std::string reason);
  /// What was expected, in a few words: "a port in 1..65535".
  const std::string& reason() const { return reason_; }

 private:
  std::string reason_;
};

/// RFC 9110's tchar, the characters of an HTTP field name: letters, digits and
/// !#$%&'*+-.^_`|~. Request header names in templates, and response field
/// names as the load generator reads them (actors/loadtest/response_head.hpp).
constexpr bool is_token_char(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

/// Whether `host`, without brackets, is a host a target or allow list may name:
/// a name or an IPv4 address (letters, digits, '.', '-', '_'), or an IPv6
/// address (hex digits, ':' and '.', with at least one ':').
bool valid_host(std::string_view host);

/// A DNS name as SNI carries it (RFC 6066): letters, digits, '-', '_' and
/// '.', not an IP address.
bool valid_server_name(std::string_view name);

/// The one parser of target URLs (loadtest.target and --target):
/// "http://host[:port][/]" or "https://..." (scheme in any case; port 80 or
/// 443 by default, else 1..65535 in at most 5 digits). The host is a name or an
/// IPv4 address (letters, digits, '.', '-', '_'; lower-cased) or an IPv6
/// address in brackets ("[::1]": hex digits, ':' and '.'). No path, query,
/// fragment or user. Throws target_error saying what is wrong.
target_url parse_target_url(std::string_view url);

/// True when `host` is listed in `allow_hosts` (case-insensitive; "[::1]" and
/// "::1" are the same host).
bool host_allowed(std::string_view host, const std::vector<std::string>& allow_hosts);

/// Values of ${env:NAME} variables, read from the environment once at the start:
/// (NAME, value) pairs.
using env_values = std::vector<std::pair<std::string, std::string>>;

/// The template variables of a request, besides ${env:NAME}: the one list that
/// the loader, the load generator and the modeled service's routes go by.
inline constexpr std::array<std::string_view, 4> template_variables{"user_id", "seq", "prompt",
                                                                    "tier"};
/// "${user_id}, ${seq}, ${prompt}, ${tier}, ${env:NAME}", for messages.
std::string template_variables_text();
/// Whether `name`, the text between ${ and }, is a template variable: one of
/// template_variables or env:NAME.
bool is_template_variable(std::string_view name);

/// The pieces of a template text, in order: calls `literal(text)` for each run
/// of plain text and `variable(name)` for each ${name}. An unclosed "${" is not
/// a variable: it and the rest of the text are passed to `unclosed(rest)`.
/// Every reader of templates goes through here, so they agree on the syntax.
template <class Literal, class Variable, class Unclosed>
void scan_template(std::string_view text, Literal&& literal, Variable&& variable,
                   Unclosed&& unclosed) {
  std::size_t from = 0;
  for (std::size_t i = text.find("${"); i != std::string_view::npos; i = text.find("${", from)) {
    if (i > from) literal(text.substr(from, i - from));
    const std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      unclosed(text.substr(i));
      return;
    }
    variable(text.substr(i + 2, close - i - 2));
    from = close + 1;
  }
  if (from < text.size()) literal(text.substr(from));
}

/// The values of the template variables for one request.
struct template_values {
  std::uint64_t user_id = 0;
  std::uint64_t seq = 0;
  std::string_view prompt;
  std::string_view tier = "default";
  /// ${env:NAME} is replaced by NAME's value here; one not listed stays as written.
  const env_values* env = nullptr;
};
/// The NAME of "env:NAME" (letters, digits and _, not starting with a digit);
/// empty when `variable` is not one.
std::string_view env_variable_name(std::string_view variable);
/// Names between ${ and } that are not template variables (empty: the text is usable).
std::vector<std::string> unknown_template_variables(std::string_view text);
/// `text` with every non-empty value of `env` replaced by its ${env:NAME}: what
/// is printed or written never shows a secret, even where a request is echoed.
std::string redact(std::string text, const env_values& env);
/// A template read once, for a request per expansion: its text split into
/// literal runs and the request's variables (user_id, seq, prompt, tier).
/// ${env:NAME} is replaced when it is read (the environment is read at the
/// start), and an unknown ${...} stays as written. Expanding it scans no text.
class compiled_template {
 public:
  compiled_template() = default;
  compiled_template(std::string_view text, const env_values* env);
  /// Appends the text with this request's values to `out` (no allocation
  /// once `out` has grown).
  void expand_into(std::string& out, const template_values& v) const;
  bool empty() const { return parts_.empty(); }

 private:
  enum class kind : unsigned char { literal, user_id, seq, prompt, tier };
  struct part {
    kind what = kind::literal;
    std::string text;  // a literal's
  };
  std::vector<part> parts_;
};
/// The text with every ${...} variable replaced (v.env for ${env:NAME}).
std::string expand_template(std::string_view text, const template_values& v);

}  // namespace stampede::sim
