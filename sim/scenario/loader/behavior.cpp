// behavior: sessions per day, diurnal profile, requests, think time, mix, patience, retry,
// feedback.
#include <cmath>
#include <sstream>

#include "sim/scenario/limits.hpp"
#include "sim/scenario/loader/loader.hpp"

namespace stampede::sim::loading {

void loader::load_behavior(const node_ref& at, scenario& s) const {
  auto& b = s.behavior;
  const auto items = entries(at);
  check_keys(items, {"sessions_per_day", "diurnal", "requests_per_session", "think_time", "mix",
                     "patience", "retry", "feedback"});
  const node_ref sessions = required(at, items, "sessions_per_day");
  per_tier(sessions, s, limits::max_sessions_per_day,
           [&](std::size_t t, double v) { s.tiers[t].sessions_per_day = v; });
  if (auto n = optional(items, "retry")) {
    const auto fields = entries(*n);
    check_keys(fields, {"max", "backoff", "multiplier"});
    if (auto m = optional(fields, "max")) {
      b.retry.max =
          static_cast<int>(number(*m, "a whole number of retries from 0 to 100", [](double v) {
            return v >= 0 && v <= 100 && v == std::floor(v);
          }));
    }
    if (auto m = optional(fields, "backoff")) b.retry.backoff = positive_duration(*m);
    if (auto m = optional(fields, "multiplier")) {
      b.retry.multiplier = number(*m, "a multiplier >= 1", [](double v) { return v >= 1; });
    }
  }
  if (auto n = optional(items, "feedback")) {
    const auto fields = entries(*n);
    check_keys(fields, {"penalty", "recovery"});
    if (auto m = optional(fields, "penalty")) b.feedback.penalty = share(*m);
    if (auto m = optional(fields, "recovery")) b.feedback.recovery = share(*m);
  }

  b.diurnal = standard_diurnal();
  if (auto n = optional(items, "diurnal")) b.diurnal = diurnal(*n);
  if (auto n = optional(items, "requests_per_session")) {
    b.requests_per_session = parse_distribution(*n, domain::count);
  }
  if (auto n = optional(items, "think_time")) {
    b.think_time = parse_distribution(*n, domain::duration);
  }
  if (auto n = optional(items, "patience")) b.patience = parse_distribution(*n, domain::duration);

  const node_ref mix = required(at, items, "mix");
  const auto shares = entries(mix, "a map of endpoint name to share");
  b.mix.assign(s.endpoints.size(), 0.0);
  double sum = 0;
  for (const auto& e : shares) {
    const auto index = static_cast<std::size_t>(endpoint_of(key_of(e), s));
    b.mix[index] = share(e.value);
    sum += b.mix[index];
  }
  if (std::fabs(sum - 1) > 1e-6) {
    std::ostringstream out;
    out.precision(10);
    out << "shares must sum to 1, they sum to " << sum;
    fail(mix, out.str());
  }
}

std::array<double, 24> loader::diurnal(const node_ref& at) const {
  const std::string what = "standard, flat or a list of 24 hourly weights";
  if (at.node.IsScalar()) {
    const std::string name = at.node.Scalar();
    if (name == "standard") return standard_diurnal();
    if (name == "flat") {
      std::array<double, 24> flat{};
      flat.fill(1.0);
      return flat;
    }
    expected(at, what);
  }
  if (!at.node.IsSequence()) expected(at, what);
  if (at.node.size() != 24) {
    fail(at, "expected 24 hourly weights, got " + std::to_string(at.node.size()));
  }
  std::array<double, 24> weights{};
  double sum = 0;
  for (std::size_t h = 0; h < 24; ++h) {
    const YAML::Node item = at.node[h];
    weights[h] = non_negative_number({item, at.path + "[" + std::to_string(h) + "]", item.Mark()});
    sum += weights[h];
  }
  if (sum <= 0) fail(at, "expected hourly weights that are not all zero");
  // Normalised to a mean of 1 so that sessions_per_day keeps its meaning.
  for (double& w : weights) w *= 24.0 / sum;
  return weights;
}

}  // namespace stampede::sim::loading
