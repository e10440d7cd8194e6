#include "actors/loadtest/formats.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace stampede::actors {

namespace {

constexpr std::array<const char*, outcome_classes + 1> class_names{
    "2xx",     "503",           "429",          "4xx",           "5xx",    "other",
    "timeout", "connect_error", "reset_closed", "tls_handshake", "dropped"};

template <class T>
bool parse_int(std::string_view text, T& out) {
  const auto* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc{} && p == end;
}

}  // namespace

const char* outcome_class_name(outcome_class c) {
  return class_names[static_cast<std::size_t>(c)];
}

std::optional<outcome_class> outcome_class_of(std::string_view name) {
  for (std::size_t i = 0; i < class_names.size(); ++i) {
    if (name == class_names[i]) return static_cast<outcome_class>(i);
  }
  return std::nullopt;
}

outcome_class classify_status(int status) {
  if (status >= 200 && status < 300) return outcome_class::status_2xx;
  if (status == 503) return outcome_class::status_503;
  if (status == 429) return outcome_class::status_429;
  if (status >= 400 && status < 500) return outcome_class::status_4xx;
  if (status >= 500 && status < 600) return outcome_class::status_5xx;
  return outcome_class::status_other;
}

sim::outcome::kind model_kind(outcome_class c) {
  switch (c) {
    case outcome_class::status_2xx:
    case outcome_class::dropped:
      return sim::outcome::kind::completed;
    case outcome_class::timeout:
      return sim::outcome::kind::abandoned;
    default:
      return sim::outcome::kind::rejected;
  }
}

std::string results_header() {
  return "intended_us,endpoint,outcome,status,corrected_us,uncorrected_us,lag_us\n";
}

std::string format_sample(const loadtest_sample& s, const std::vector<std::string>& endpoints) {
  std::string line;
  line.reserve(64);
  append_sample(line, s, endpoints);
  return line;
}

void append_sample(std::string& out, const loadtest_sample& s,
                   const std::vector<std::string>& endpoints) {
  const std::string& endpoint = endpoints.at(static_cast<std::size_t>(s.endpoint));
  const std::string_view what = outcome_class_name(s.what);
  // The results file gets a line per request: written into one buffer (on
  // the stack unless the endpoint's name is long) and appended at once,
  // rather than field by field.
  const std::size_t most = 5 * 20 + 7 + endpoint.size() + what.size();
  char small[192];
  std::string big;
  char* const begin = most <= sizeof small ? small : (big.resize(most), big.data());
  char* p = begin;
  const auto number = [&](std::int64_t v) { p = std::to_chars(p, p + 20, v).ptr; };
  const auto text = [&](std::string_view t) { p = std::copy(t.begin(), t.end(), p); };
  number(s.intended_us);
  *p++ = ',';
  text(endpoint);
  *p++ = ',';
  text(what);
  *p++ = ',';
  number(s.status);
  *p++ = ',';
  number(s.corrected_us);
  *p++ = ',';
  number(s.uncorrected_us);
  *p++ = ',';
  number(s.lag_us);
  *p++ = '\n';
  out.append(begin, p);
}

std::optional<loadtest_sample> parse_sample(std::string_view line,
                                            const std::vector<std::string>& endpoints) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::array<std::string_view, 7> f;
  std::size_t n = 0;
  while (n < f.size()) {
    const auto comma = line.find(',');
    f[n++] = line.substr(0, comma);
    if (comma == std::string_view::npos) break;
    line.remove_prefix(comma + 1);
  }
  if (n != f.size() || f[6].find(',') != std::string_view::npos) return std::nullopt;
  loadtest_sample s;
  const auto e = std::find(endpoints.begin(), endpoints.end(), f[1]);
  const auto c = outcome_class_of(f[2]);
  if (e == endpoints.end() || !c || !parse_int(f[0], s.intended_us) || !parse_int(f[3], s.status) ||
      !parse_int(f[4], s.corrected_us) || !parse_int(f[5], s.uncorrected_us) ||
      !parse_int(f[6], s.lag_us)) {
    return std::nullopt;
  }
  s.endpoint = static_cast<int>(e - endpoints.begin());
  s.what = *c;
  return s;
}

bool sample_fits(const loadtest_sample& s, double duration_s, double timeout_s) {
  const double end_us = std::max(0.0, duration_s) * 1e6;
  const double last_us = 2 * end_us + std::max(0.0, timeout_s) * 1e6;
  const auto within = [](std::int64_t v, double hi) {
    return v >= 0 && static_cast<double>(v) <= hi;
  };
  return within(s.intended_us, end_us) && within(s.corrected_us, last_us) &&
         within(s.uncorrected_us, last_us) && within(s.lag_us, last_us) &&
         within(s.intended_us + s.corrected_us, last_us) && s.status >= 0 && s.status < 1000;
}

}  // namespace stampede::actors
