#include "sim/loadtest/loadtest_metrics.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

namespace stampede::sim {

namespace {

constexpr std::array<const char*, outcome_classes + 1> class_names{
    "2xx",     "503",           "429",          "4xx",           "5xx",    "other",
    "timeout", "connect_error", "reset_closed", "tls_handshake", "dropped"};

constexpr std::array<std::string_view, 4> variables{"user_id", "seq", "prompt", "tier"};

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

template <class T>
bool parse_int(std::string_view text, T& out) {
  const auto* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc{} && p == end;
}

constexpr double missing = std::numeric_limits<double>::quiet_NaN();

double seconds_or_missing(const histogram& h, double q) {
  return h.count() == 0 ? missing : static_cast<double>(h.quantile(q)) * 1e-6;
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

outcome::kind model_kind(outcome_class c) {
  switch (c) {
    case outcome_class::status_2xx:
    case outcome_class::dropped:
      return outcome::kind::completed;
    case outcome_class::timeout:
      return outcome::kind::abandoned;
    default:
      return outcome::kind::rejected;
  }
}

std::string target_url::authority() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string target_url::text() const {
  return (tls ? "https://" : "http://") + authority();
}

target_url parse_target_url(std::string_view url) {
  const std::string shown = "\"" + std::string(url) + "\"";
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    throw target_error("malformed target URL " + shown + ": expected http://host:port");
  }
  const std::string scheme = lower(url.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") {
    throw target_error("unsupported target URL " + shown +
                       ": only http:// and https:// are supported, not " + scheme + "://");
  }
  std::string_view rest = url.substr(scheme_end + 3);
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    if (rest.substr(slash) != "/") {
      throw target_error("malformed target URL " + shown +
                         ": give only http://host:port; paths come from loadtest.requests");
    }
    rest = rest.substr(0, slash);
  }
  if (rest.find('@') != std::string_view::npos || rest.find('?') != std::string_view::npos ||
      rest.find('#') != std::string_view::npos) {
    throw target_error("malformed target URL " + shown + ": expected http://host:port");
  }
  target_url t;
  t.tls = scheme == "https";
  if (t.tls) t.port = 443;
  std::string_view host = rest;
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) {
      throw target_error("malformed target URL " + shown + ": unclosed '[' in the host");
    }
    host = rest.substr(1, close - 1);
    const auto after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw target_error("malformed target URL " + shown);
      port = after.substr(1);
      if (port.empty()) throw target_error("malformed target URL " + shown + ": empty port");
    }
  } else if (const auto colon = rest.find(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (port.empty()) throw target_error("malformed target URL " + shown + ": empty port");
  }
  if (host.empty()) throw target_error("malformed target URL " + shown + ": no host");
  for (char c : host) {
    const bool ok =
        std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '_';
    if (!ok) {
      throw target_error("malformed target URL " + shown + ": invalid character '" +
                         std::string(1, c) + "' in the host");
    }
  }
  t.host = lower(host);
  if (!port.empty()) {
    unsigned value = 0;
    if (!parse_int(port, value) || value == 0 || value > 65535) {
      throw target_error("malformed target URL " + shown + ": port must be 1..65535, got \"" +
                         std::string(port) + "\"");
    }
    t.port = static_cast<std::uint16_t>(value);
  }
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

std::vector<std::string> unknown_template_variables(std::string_view text) {
  std::vector<std::string> unknown;
  for (std::size_t i = text.find("${"); i != std::string_view::npos; i = text.find("${", i + 2)) {
    const auto close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      unknown.emplace_back(text.substr(i + 2));
      break;
    }
    const auto name = text.substr(i + 2, close - i - 2);
    if (std::find(variables.begin(), variables.end(), name) == variables.end() &&
        env_variable_name(name).empty()) {
      unknown.emplace_back(name);
    }
  }
  return unknown;
}

void expand_template_into(std::string& out, std::string_view text, const template_values& v) {
  std::size_t from = 0;
  for (std::size_t i = text.find("${"); i != std::string_view::npos; i = text.find("${", from)) {
    out.append(text.substr(from, i - from));
    const auto close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      from = i;
      break;
    }
    const auto name = text.substr(i + 2, close - i - 2);
    char buf[24];
    if (name == "user_id") {
      out.append(buf, std::to_chars(buf, buf + sizeof buf, v.user_id).ptr);
    } else if (name == "seq") {
      out.append(buf, std::to_chars(buf, buf + sizeof buf, v.seq).ptr);
    } else if (name == "prompt") {
      out.append(v.prompt);
    } else if (name == "tier") {
      out.append(v.tier);
    } else if (const std::string* value = env_value(v.env, name)) {
      out.append(*value);
    } else {
      out.append(text.substr(i, close + 1 - i));
    }
    from = close + 1;
  }
  if (from < text.size()) out.append(text.substr(from));
}

std::string expand_template(std::string_view text, const template_values& v) {
  std::string out;
  expand_template_into(out, text, v);
  return out;
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
  // std::to_chars into a stack buffer: the results file gets a line per
  // request, so no temporary strings on this path.
  char buf[24];
  const auto number = [&](std::int64_t v) {
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
  };
  number(s.intended_us);
  out += ',';
  out += endpoints.at(static_cast<std::size_t>(s.endpoint));
  out += ',';
  out += outcome_class_name(s.what);
  out += ',';
  number(s.status);
  out += ',';
  number(s.corrected_us);
  out += ',';
  number(s.uncorrected_us);
  out += ',';
  number(s.lag_us);
  out += '\n';
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

// ---------------------------------------------------------------- recorder

loadtest_recorder::loadtest_recorder(std::vector<std::string> endpoints, double interval_s,
                                     double time_scale)
    : names_(std::move(endpoints)),
      interval_us_(std::max(1e3, interval_s * 1e6)),
      time_scale_(time_scale),
      endpoints_(names_.size()),
      cur_corrected_(names_.size()),
      cur_uncorrected_(names_.size()) {
  for (std::size_t i = 0; i < names_.size(); ++i) endpoints_[i].name = names_[i];
}

loadtest_recorder::row& loadtest_recorder::row_at(std::size_t i) {
  while (rows_.size() <= i) {
    row r;
    const std::size_t n = names_.size();
    r.offered = r.completed = r.rejected = r.abandoned = r.errors = std::vector<double>(n, 0.0);
    r.p50 = r.p99 = r.uncorrected_p99 = std::vector<double>(n, missing);
    rows_.push_back(std::move(r));
  }
  return rows_[i];
}

void loadtest_recorder::close_current() {
  row& r = row_at(current_);
  histogram all;
  for (std::size_t e = 0; e < names_.size(); ++e) {
    r.p50[e] = seconds_or_missing(cur_corrected_[e], 0.5);
    r.p99[e] = seconds_or_missing(cur_corrected_[e], 0.99);
    r.uncorrected_p99[e] = seconds_or_missing(cur_uncorrected_[e], 0.99);
    all.merge(cur_corrected_[e]);
    cur_corrected_[e].clear();
    cur_uncorrected_[e].clear();
  }
  r.lag_p99 = seconds_or_missing(cur_lag_, 0.99);
  cur_lag_.clear();
  if (all.count() > 0) last_p99_s_ = static_cast<double>(all.quantile(0.99)) * 1e-6;
  ++current_;
}

void loadtest_recorder::advance(std::int64_t wall_us) {
  const auto until = static_cast<std::size_t>(std::max<double>(0, wall_us / interval_us_));
  while (current_ < until) close_current();
}

void loadtest_recorder::record(const loadtest_sample& s) {
  auto& e = endpoints_.at(static_cast<std::size_t>(s.endpoint));
  const auto ei = static_cast<std::size_t>(s.endpoint);
  // Rows by completion time; samples come in completion order, so a row is
  // complete once a later one starts.
  advance(s.intended_us + s.corrected_us);
  if (s.what == outcome_class::dropped) {
    // Never sent: not finished, no lag, no row of offered load.
    ++e.dropped;
    first_dropped_us_ = dropped_ == 0 ? s.intended_us : std::min(first_dropped_us_, s.intended_us);
    last_dropped_us_ = std::max(last_dropped_us_, s.intended_us);
    ++dropped_;
    return;
  }
  ++finished_;
  row& done = row_at(current_);
  row& offered =
      row_at(static_cast<std::size_t>(std::max<double>(0, s.intended_us / interval_us_)));
  offered.offered[ei] += 1;
  lag_.record(s.lag_us);
  cur_lag_.record(s.lag_us);
  switch (s.what) {
    case outcome_class::status_2xx:
      ++e.status_2xx;
      e.corrected.record(s.corrected_us);
      e.uncorrected.record(s.uncorrected_us);
      cur_corrected_[ei].record(s.corrected_us);
      cur_uncorrected_[ei].record(s.uncorrected_us);
      done.completed[ei] += 1;
      return;
    case outcome_class::status_503:
      ++e.status_503;
      done.rejected[ei] += 1;
      return;
    case outcome_class::status_429:
      ++e.status_429;
      done.rejected[ei] += 1;
      return;
    case outcome_class::timeout:
      ++e.timeout;
      done.abandoned[ei] += 1;
      ++errors_;
      return;
    case outcome_class::status_4xx:
      ++e.status_4xx;
      break;
    case outcome_class::status_5xx:
      ++e.status_5xx;
      break;
    case outcome_class::status_other:
      ++e.status_other;
      break;
    case outcome_class::connect_error:
      ++e.connect_error;
      break;
    case outcome_class::reset_closed:
      ++e.reset_closed;
      break;
    case outcome_class::tls_handshake:
      ++e.tls_handshake;
      break;
    case outcome_class::dropped:
      break;
  }
  done.errors[ei] += 1;
  ++errors_;
}

std::uint64_t loadtest_recorder::in_flight() const {
  std::uint64_t sent = 0;
  for (const auto& e : endpoints_) sent += e.sent;
  return sent >= finished_ ? sent - finished_ : 0;
}

std::vector<loadtest_endpoint_result> loadtest_recorder::finish_endpoints() const {
  std::vector<loadtest_endpoint_result> out = endpoints_;
  for (auto& e : out) {
    e.completed = e.status_2xx;
    e.timed_out = e.timeout;
    e.failed = e.status_503 + e.status_429 + e.status_4xx + e.status_5xx + e.status_other +
               e.connect_error + e.reset_closed + e.tls_handshake;
    const std::uint64_t finished = e.completed + e.failed + e.timed_out;
    if (finished > e.sent) {
      throw std::logic_error("load-test accounting: " + e.name + " has " +
                             std::to_string(finished) + " outcomes for " + std::to_string(e.sent) +
                             " sent requests");
    }
    e.in_flight = e.sent - finished;
    e.intended = e.sent + e.dropped + e.unsent_at_stop;
  }
  return out;
}

timeseries loadtest_recorder::series() {
  // Close the row being filled so its quantiles are in the table.
  if (finished_ > 0 && current_ < rows_.size()) close_current();
  timeseries ts;
  ts.columns = {"t_hours", "t_wall_s"};
  const char* per_endpoint[] = {"offered_rps.",   "completed_rps.",    "rejected_rps.",
                                "abandoned_rps.", "errors_rps.",       "latency_p50_s.",
                                "latency_p99_s.", "uncorrected_p99_s."};
  for (const char* prefix : per_endpoint) {
    for (const auto& n : names_) ts.columns.push_back(prefix + n);
  }
  ts.columns.push_back("lag_p99_s");
  const double interval_s = interval_us_ * 1e-6;
  for (std::size_t i = 0; i < rows_.size(); ++i) {
    const row& r = rows_[i];
    std::vector<double> v;
    v.reserve(ts.columns.size());
    const double end_s = static_cast<double>(i + 1) * interval_s;
    v.push_back(end_s * time_scale_ / 3600.0);
    v.push_back(end_s);
    for (const auto* col : {&r.offered, &r.completed, &r.rejected, &r.abandoned, &r.errors}) {
      for (double x : *col) v.push_back(x / interval_s);
    }
    for (const auto* col : {&r.p50, &r.p99, &r.uncorrected_p99}) {
      for (double x : *col) v.push_back(x);
    }
    v.push_back(r.lag_p99 < 0 ? missing : r.lag_p99);
    ts.rows.push_back(std::move(v));
  }
  return ts;
}

double dropped_share(const std::vector<loadtest_endpoint_result>& endpoints) {
  std::uint64_t sent = 0, dropped = 0;
  for (const auto& e : endpoints) {
    sent += e.sent;
    dropped += e.dropped;
  }
  return dropped ? static_cast<double>(dropped) / static_cast<double>(sent + dropped) : 0;
}

bool kept_schedule(const loadtest_result& lt) {
  return dropped_share(lt.endpoints) <= lt.max_dropped &&
         static_cast<double>(lt.lag.quantile(0.99)) * 1e-6 <= lt.max_lag_s;
}

std::vector<slo_result> loadtest_slos(const scenario& s,
                                      const std::vector<loadtest_endpoint_result>& endpoints) {
  std::vector<slo_result> out;
  for (const slo_spec& slo : s.slos) {
    slo_result v;
    const auto& spec = s.endpoints.at(static_cast<std::size_t>(slo.endpoint));
    v.endpoint = spec.name;
    v.threshold = slo.threshold;
    const auto it = std::find_if(endpoints.begin(), endpoints.end(),
                                 [&](const auto& e) { return e.name == spec.name; });
    if (it == endpoints.end()) {
      v.objective = slo.key;
      v.note = "not load-tested: no loadtest.requests entry";
      out.push_back(std::move(v));
      continue;
    }
    const loadtest_endpoint_result& e = *it;
    const std::uint64_t finished = e.completed + e.failed + e.timed_out;
    if (slo.what == slo_spec::kind::latency_quantile) {
      v.objective = slo.key + " <= " + format_duration(from_seconds(slo.threshold));
      v.measured = static_cast<double>(e.corrected.quantile(slo.quantile)) * 1e-6;
      // Rejections are the max_rejected objective's business; every other
      // failure is a request that got no usable answer in time.
      const std::uint64_t unanswered = e.failed - e.status_503 - e.status_429 + e.timed_out;
      const bool too_many_failed =
          finished > 0 &&
          static_cast<double>(unanswered) / static_cast<double>(finished) > 1 - slo.quantile;
      v.held = v.measured <= slo.threshold && !too_many_failed;
      if (too_many_failed) {
        char note[160];
        std::snprintf(note, sizeof note,
                      "%.1f%% of the finished requests failed or timed out; a %s allows %.1f%%",
                      100.0 * static_cast<double>(unanswered) / static_cast<double>(finished),
                      slo.key.c_str(), 100.0 * (1 - slo.quantile));
        v.note = note;
      }
    } else {
      v.objective = slo.key + " <= " + std::to_string(slo.threshold);
      v.measured =
          e.sent ? static_cast<double>(e.status_503 + e.status_429) / static_cast<double>(e.sent)
                 : 0;
      v.held = v.measured <= slo.threshold;
    }
    v.breached_intervals = v.held ? 0 : 1;
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace stampede::sim
