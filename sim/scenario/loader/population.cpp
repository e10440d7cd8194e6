// population: (size, regions, tiers) and adoption: (bass, or cascade on a social graph).
#include "sim/scenario/limits.hpp"
#include "sim/scenario/loader/loader.hpp"

namespace stampede::sim::loading {

void loader::load_population(const node_ref& at, scenario& s) const {
  const auto items = entries(at);
  check_keys(items, {"size", "regions", "tiers"});
  s.population_size = positive_number(required(at, items, "size"), limits::max_population);
  if (auto n = optional(items, "regions")) {
    s.regions.clear();
    for_each_item(*n, "a list of regions like {name: europe, share: 0.3, utc_offset: 1h}",
                  [&](const node_ref& item) {
                    const auto fields = entries(item);
                    check_keys(fields, {"name", "share", "utc_offset"});
                    region_spec r;
                    r.name = unique_name(required(item, fields, "name"), s.regions);
                    r.share = share(required(item, fields, "share"));
                    if (auto o = optional(fields, "utc_offset")) r.utc_offset = utc_offset(*o);
                    s.regions.push_back(r);
                  });
    check_count(*n, s.regions.size(), "regions");
    check_shares(*n, s.regions);
  }
  if (auto n = optional(items, "tiers")) {
    s.tiers.clear();
    for_each_item(*n, "a list of tiers like {name: free, share: 0.9}", [&](const node_ref& item) {
      const auto fields = entries(item);
      check_keys(fields, {"name", "share"});
      tier_spec t;
      t.name = unique_name(required(item, fields, "name"), s.tiers);
      t.share = share(required(item, fields, "share"));
      s.tiers.push_back(t);
    });
    check_count(*n, s.tiers.size(), "tiers");
    check_shares(*n, s.tiers);
  }
}

// "-5h", "5h30m" or "0": an offset from UTC within ±14h.
vtime loader::utc_offset(const node_ref& at) const {
  const std::string what = "a UTC offset like -5h or 5h30m, within ±14h";
  if (!at.node.IsScalar()) expected(at, what);
  std::string t = at.node.Scalar();
  const bool negative = !t.empty() && t.front() == '-';
  if (negative || (!t.empty() && t.front() == '+')) t = t.substr(1);
  std::optional<vtime> d = t == "0" ? std::optional<vtime>(0) : parse_duration(t);
  if (!d) {
    vtime total = 0;  // "5h30m": hours then minutes
    const auto h = t.find('h');
    const auto hours = h == std::string::npos ? std::nullopt : parse_duration(t.substr(0, h + 1));
    const auto minutes = h == std::string::npos ? std::nullopt : parse_duration(t.substr(h + 1));
    if (hours && minutes) d = total + *hours + *minutes;
  }
  if (!d || *d > 14 * hour) expected(at, what);
  return negative ? -*d : *d;
}

void loader::load_adoption(const node_ref& at, scenario& s) const {
  const auto items = entries(at);
  check_keys(items, {"model", "innovation", "imitation", "initial_adopters", "cascade"});
  if (auto n = optional(items, "model")) {
    const std::string model = text(*n, "an adoption model");
    if (model != "bass" && model != "cascade") {
      fail(*n, "unknown adoption model " + quoted(model) +
                   did_you_mean_or_list(model, {"bass", "cascade"}, "known models are"));
    }
    s.adoption.model = model;
  }
  s.adoption.innovation = rate_in_run(required(at, items, "innovation"), s);
  // Imitation is the whole of Bass; in the cascade model the graph imitates, and
  // a q (mean-field word of mouth, press) is optional.
  if (s.adoption.is_cascade()) {
    if (auto n = optional(items, "imitation")) s.adoption.imitation = rate_in_run(*n, s);
  } else {
    s.adoption.imitation = rate_in_run(required(at, items, "imitation"), s);
  }
  if (auto n = optional(items, "initial_adopters")) {
    s.adoption.initial_adopters = non_negative_number(*n);
    if (s.adoption.initial_adopters > s.population_size) {
      expected(*n, "at most population.size (" + number_text(s.population_size) + ")");
    }
  }
  const auto cascade = optional(items, "cascade");
  if (!s.adoption.is_cascade()) {
    if (cascade) fail(*cascade, "only used with model: cascade (the model is bass)");
    return;
  }
  if (!cascade) {
    fail(at, "model cascade needs a `cascade:` map (graph, share_endpoint, share_exposure)");
  }
  load_cascade(*cascade, s);
}

void loader::load_cascade(const node_ref& at, scenario& s) const {
  cascade_spec& c = s.adoption.cascade;
  const auto items = entries(at);
  check_keys(items, {"graph", "share_endpoint", "share_exposure"});
  if (auto n = optional(items, "graph")) {
    const auto fields = entries(*n);
    check_keys(fields, {"kind", "mean_degree", "exponent"});
    if (auto m = optional(fields, "kind")) {
      const std::string kind = text(*m, "a graph kind");
      if (kind != "scale_free") {
        fail(*m, "unknown graph kind " + quoted(kind) +
                     did_you_mean_or_list(kind, {"scale_free"}, "known kinds are"));
      }
    }
    if (auto m = optional(fields, "mean_degree")) {
      c.mean_degree = number(*m, "a mean number of followers in (0, 100000]",
                             [](double v) { return v > 0 && v <= 1e5; });
    }
    if (auto m = optional(fields, "exponent")) {
      c.exponent = number(*m, "an exponent in (2, 10] (a scale-free graph needs > 2)",
                          [](double v) { return v > 2 && v <= 10; });
    }
  }
  if (auto n = optional(items, "share_exposure")) c.share_exposure = share(*n);
  if (auto n = optional(items, "share_endpoint")) {
    c.share_endpoint = endpoint_of(*n, s);
    return;
  }
  for (std::size_t e = 0; e < s.endpoints.size(); ++e) {
    if (s.endpoints[e].name == "share") c.share_endpoint = static_cast<int>(e);
  }
  if (c.share_endpoint < 0) {
    fail(at,
         "no endpoint named \"share\": name the endpoint whose completed requests "
         "share an image (share_endpoint: generate_image)");
  }
}

}  // namespace stampede::sim::loading
