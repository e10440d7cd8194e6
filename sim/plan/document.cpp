#include "sim/plan/document.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdlib>

namespace stampede::sim {

std::string exact_duration(vtime t) {
  return t % second == 0 ? std::to_string(t / second) + "s" : std::to_string(t) + "us";
}

std::string apply_schedule(std::string_view document, const std::vector<pool_schedule>& schedule,
                           const std::vector<vtime>& period_starts, const std::string& header) {
  YAML::Node root = YAML::Load(std::string(document));
  YAML::Node pools = root["platform"]["pools"];
  YAML::Node events(YAML::NodeType::Sequence);
  if (const YAML::Node& read = root; read["events"] && read["events"].IsSequence()) {
    for (const YAML::Node& e : read["events"]) events.push_back(e);
  }
  for (const pool_schedule& p : schedule) {
    YAML::Node pool = pools[p.pool];
    pool["servers"] = std::to_string(p.servers.front());
    pool.remove("autoscale");
    for (std::size_t k = 1; k < p.servers.size(); ++k) {
      const std::int64_t change = p.servers[k] - p.servers[k - 1];
      if (change == 0) continue;
      YAML::Node e(YAML::NodeType::Map);
      e["at"] = exact_duration(period_starts[k]);
      e["kind"] = change > 0 ? "add_servers" : "remove_servers";
      e["pool"] = p.name;
      e["count"] = std::to_string(std::llabs(change));
      e.SetStyle(YAML::EmitterStyle::Flow);
      events.push_back(e);
    }
  }
  if (events.size() > 0) root["events"] = events;
  YAML::Emitter out;
  out << root;
  std::string text;
  std::size_t from = 0;
  while (from < header.size()) {
    const std::size_t end = header.find('\n', from);
    text += "# " + header.substr(from, end - from) + "\n";
    if (end == std::string::npos) break;
    from = end + 1;
  }
  return text + out.c_str() + "\n";
}

}  // namespace stampede::sim
