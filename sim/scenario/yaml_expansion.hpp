#pragma once
// YAML aliases repeat a value without repeating its text: a few kilobytes can
// stand for gigabytes once the loader reads every alias (a "billion laughs").
// The expanded size is measured from the parser's events before anything is
// built, in time linear in the text.
#include <cstddef>
#include <string>
#include <string_view>

namespace stampede::sim {

/// Throws scenario_error at the alias where any value of `yaml` would expand to
/// more than `most_bytes` (each node counts its text plus 16 bytes, so a
/// value's count also bounds its number of nodes). YAML syntax errors are left
/// to the loader.
void check_expansion(std::string_view yaml, const std::string& name, std::size_t most_bytes);

}  // namespace stampede::sim
