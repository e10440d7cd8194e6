#include "sim/ensemble/members.hpp"

#include <cmath>

#include "sim/base/rng.hpp"
#include "sim/scenario/scenario_loader.hpp"

namespace stampede::sim {

member_draw draw_member(const scenario& base, std::uint64_t index) {
  member_draw m;
  m.index = index;
  rng_stream rng(base.seed, stream::ensemble, index);
  m.seed = rng.next_u64();
  m.overrides.push_back("seed=" + std::to_string(m.seed));
  for (const uncertain_input& in : base.projection.uncertain) {
    double v = in.dist.sample(rng);
    if (in.round) v = std::nearbyint(v);
    m.inputs.push_back(v);
    m.overrides.push_back(in.key + "=" + in.value_text(v));
  }
  return m;
}

scenario load_member(std::string_view yaml, const std::string& file,
                     const std::vector<std::string>& user_overrides, const scenario& base,
                     const member_draw& draw) {
  std::vector<std::string> overrides = user_overrides;
  overrides.insert(overrides.end(), draw.overrides.begin(), draw.overrides.end());
  try {
    return load_scenario_text(yaml, file, overrides);
  } catch (const scenario_error& e) {
    // draw.overrides[0] is the seed; input k is draw.overrides[k + 1].
    const auto& inputs = base.projection.uncertain;
    for (std::size_t k = 0; k < inputs.size(); ++k) {
      const std::string& set = draw.overrides[k + 1];
      const std::string& m = e.message();
      const bool from_this = m.find("--set " + set + ")") != std::string::npos ||
                             m.find("--set " + set + ":") != std::string::npos;
      if (!from_this) continue;
      throw scenario_error(
          file, inputs[k].line, inputs[k].column, "projection.uncertain." + inputs[k].key,
          "member " + std::to_string(draw.index) + " drew " + set.substr(set.find('=') + 1) +
              ", which " + (e.key_path().empty() ? "" : e.key_path() + " refuses: ") + e.message());
    }
    throw;
  }
}

}  // namespace stampede::sim
