#include "actors/loadtest/response_head.hpp"

#include <array>
#include <cstdint>

#include "sim/base/units.hpp"
#include "sim/scenario/loadtest_spec.hpp"

namespace stampede::actors {

namespace {

/// What a byte may be in a response head: a field name's (RFC 9110 tchar), a
/// field value's or reason's (visible, obs-text, space, tab), both, or neither.
enum : unsigned char { in_name = 1, in_value = 2 };

constexpr std::array<unsigned char, 256> char_classes = [] {
  std::array<unsigned char, 256> t{};
  for (int c = 0; c < 0x100; ++c) {
    if ((c >= 0x20 && c != 0x7f) || c == '\t') t[c] |= in_value;
    if (sim::is_token_char(static_cast<char>(c))) t[c] |= in_name;
  }
  return t;
}();

bool is_value_char(char c) {
  return (char_classes[static_cast<unsigned char>(c)] & in_value) != 0;
}

bool iequals(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (static_cast<char>(a[i] | 0x20) != lower[i]) return false;
  }
  return true;
}

/// Reads the comma-separated token list `v` ("Connection: keep-alive, Upgrade")
/// into `close` and `keep_alive`; false when it is not a list of tokens, which
/// Beast's parser refuses (bad_value).
bool read_connection(std::string_view v, bool& close, bool& keep_alive) {
  for (;;) {
    const auto comma = v.find(',');
    const std::string_view element = sim::trim(v.substr(0, comma));
    for (const char c : element) {
      if (!(char_classes[static_cast<unsigned char>(c)] & in_name)) return false;
    }
    close = close || iequals(element, "close");
    keep_alive = keep_alive || iequals(element, "keep-alive");
    if (comma == std::string_view::npos) return true;
    v.remove_prefix(comma + 1);
  }
}

}  // namespace

std::optional<whole_response> read_whole_response(std::string_view bytes) {
  // "HTTP/1.x DDD ", then a reason or nothing.
  if (bytes.size() < 14 || bytes.substr(0, 7) != "HTTP/1.") return std::nullopt;
  const char minor = bytes[7];
  if ((minor != '0' && minor != '1') || bytes[8] != ' ') return std::nullopt;
  int status = 0;
  for (std::size_t i = 9; i < 12; ++i) {
    if (bytes[i] < '0' || bytes[i] > '9') return std::nullopt;
    status = status * 10 + (bytes[i] - '0');
  }
  // No body whatever the headers say, or another response to follow: Beast's.
  if (status < 200 || status == 204 || status == 304) return std::nullopt;
  // The space after the code is required, the reason may be empty (RFC 9112 4).
  if (bytes[12] != ' ') return std::nullopt;
  std::size_t at = 13;
  while (at < bytes.size() && is_value_char(bytes[at])) ++at;
  if (bytes.substr(at, 2) != "\r\n") return std::nullopt;
  at += 2;

  std::optional<std::uint64_t> length;
  bool close = false, keep_alive_token = false;
  for (;;) {
    if (at + 1 >= bytes.size()) return std::nullopt;  // the head is not whole yet
    if (bytes[at] == '\r') {
      if (bytes[at + 1] != '\n') return std::nullopt;
      at += 2;
      break;
    }
    // name ":" OWS value OWS CRLF, each character checked once.
    const std::size_t name_at = at;
    while (at < bytes.size() && (char_classes[static_cast<unsigned char>(bytes[at])] & in_name))
      ++at;
    if (at == name_at || at >= bytes.size() || bytes[at] != ':') {
      return std::nullopt;  // not whole, or not a field (an obs-fold starts with a space)
    }
    const std::string_view name = bytes.substr(name_at, at - name_at);
    const std::size_t value_at = ++at;
    while (at < bytes.size() && is_value_char(bytes[at])) ++at;
    if (at + 1 >= bytes.size() || bytes[at] != '\r' || bytes[at + 1] != '\n') return std::nullopt;
    const std::string_view value = sim::trim(bytes.substr(value_at, at - value_at));
    at += 2;
    if (name.size() == 14 && iequals(name, "content-length")) {
      // One plain decimal length, at most 15 digits; a repeated or odd one is Beast's.
      if (length || value.empty() || value.size() > 15) return std::nullopt;
      std::uint64_t n = 0;
      for (const char c : value) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
      }
      length = n;
    } else if (name.size() == 17 && iequals(name, "transfer-encoding")) {
      return std::nullopt;
    } else if ((name.size() == 10 && iequals(name, "connection")) ||
               (name.size() == 16 && iequals(name, "proxy-connection"))) {
      // Beast's keep_alive() reads both.
      if (!read_connection(value, close, keep_alive_token)) return std::nullopt;
    }
  }
  // A head longer than Beast's default header_limit is Beast's to refuse.
  if (at > 8192) return std::nullopt;
  if (!length || *length > bytes.size() - at) return std::nullopt;  // no length, or body not whole
  whole_response r;
  r.status = status;
  r.keep_alive = minor == '1' ? !close : keep_alive_token;
  r.size = at + static_cast<std::size_t>(*length);
  r.head = at;
  return r;
}

std::optional<whole_response> response_reader::read(std::string_view bytes) {
  if (!head_.empty() && bytes.substr(0, head_.size()) == head_) {
    if (last_.size - last_.head > bytes.size() - last_.head) return std::nullopt;  // body not whole
    return last_;
  }
  auto r = read_whole_response(bytes);
  if (r) {
    head_.assign(bytes.data(), r->head);
    last_ = *r;
  }
  return r;
}

}  // namespace stampede::actors
