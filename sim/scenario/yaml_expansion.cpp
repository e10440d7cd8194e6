#include "sim/scenario/yaml_expansion.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <sstream>
#include <unordered_map>
#include <vector>

#include "sim/scenario/scenario_loader.hpp"

namespace stampede::sim {

namespace {

// Sums the expanded size of each collection as the parser goes: an anchored
// value's size is remembered, and an alias adds it again.
class expansion_meter : public YAML::EventHandler {
 public:
  expansion_meter(const std::string& name, std::size_t most) : name_(name), most_(most) {}

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    value(mark, anchor, node_bytes);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    const auto it = anchored_.find(anchor);
    add(mark, it == anchored_.end() ? node_bytes : it->second);
  }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                const std::string& text) override {
    value(mark, anchor, node_bytes + static_cast<double>(text.size()));
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open_.push_back({mark, anchor, node_bytes});
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open_.push_back({mark, anchor, node_bytes});
  }
  void OnMapEnd() override { close(); }

 private:
  static constexpr double node_bytes = 16;

  struct collection {
    YAML::Mark mark;
    YAML::anchor_t anchor;
    double bytes;
  };

  void value(const YAML::Mark& mark, YAML::anchor_t anchor, double bytes) {
    if (anchor != YAML::NullAnchor) anchored_[anchor] = bytes;
    add(mark, bytes);
  }
  void close() {
    const collection c = open_.back();
    open_.pop_back();
    value(c.mark, c.anchor, c.bytes);
  }
  // Adds a value to the collection it is in; every enclosing value grows with it.
  void add(const YAML::Mark& mark, double bytes) {
    if (open_.empty()) return;
    open_.back().bytes += bytes;
    if (open_.back().bytes > static_cast<double>(most_)) {
      std::ostringstream out;
      out << "the document expands to more than " << (most_ >> 20)
          << " MiB through its aliases (*name); repeat less, or write the values out";
      throw scenario_error(name_, mark.line + 1, mark.column + 1, "", out.str());
    }
  }

  const std::string& name_;
  std::size_t most_;
  std::vector<collection> open_;
  std::unordered_map<YAML::anchor_t, double> anchored_;
};

}  // namespace

void check_expansion(std::string_view yaml, const std::string& name, std::size_t most_bytes) {
  std::istringstream in{std::string(yaml)};
  YAML::Parser parser(in);
  expansion_meter meter(name, most_bytes);
  try {
    while (parser.HandleNextDocument(meter)) {
    }
  } catch (const YAML::Exception&) {
    // The loader reports syntax errors with their own message.
  }
}

}  // namespace stampede::sim
