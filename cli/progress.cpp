#include "cli/progress.hpp"

#include <cstdio>
#include <string>

#include "sim/base/units.hpp"

namespace stampede::cli {

namespace {

std::string si(double v) {
  char buf[32];
  if (v >= 1e9)
    std::snprintf(buf, sizeof buf, "%.1fG", v / 1e9);
  else if (v >= 1e6)
    std::snprintf(buf, sizeof buf, "%.1fM", v / 1e6);
  else if (v >= 1e3)
    std::snprintf(buf, sizeof buf, "%.1fk", v / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

}  // namespace

void progress_display::update(const actors::progress& p) {
  if (!terminal_ && p.wall_seconds - last_line_ < 5) return;
  last_line_ = p.wall_seconds;
  const double done = p.horizon_seconds > 0 ? p.virtual_seconds / p.horizon_seconds : 1;
  const double rate = p.wall_seconds > 0 ? p.requests / p.wall_seconds : 0;
  const double eta = done > 0 ? p.wall_seconds * (1 - done) / done : 0;
  std::fprintf(stderr, "%svirtual time %s of %s (%3.0f%%)  %s simulated requests/s  ETA %s%s",
               terminal_ ? "\r\033[K" : "",
               sim::format_duration(sim::from_seconds(p.virtual_seconds)).c_str(),
               sim::format_duration(sim::from_seconds(p.horizon_seconds)).c_str(), 100 * done,
               si(rate).c_str(), sim::format_duration(sim::from_seconds(eta)).c_str(),
               terminal_ ? "" : "\n");
  std::fflush(stderr);
  drawn_ = true;
}

void progress_display::update_members(std::uint64_t done, std::uint64_t total,
                                      std::uint64_t requests, double wall_seconds) {
  if (!terminal_ && wall_seconds - last_line_ < 5 && done < total) return;
  last_line_ = wall_seconds;
  const double share = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 1;
  const double rate = wall_seconds > 0 ? static_cast<double>(requests) / wall_seconds : 0;
  const double eta = share > 0 ? wall_seconds * (1 - share) / share : 0;
  std::fprintf(stderr, "%smembers %llu of %llu (%3.0f%%)  %s simulated requests/s  ETA %s%s",
               terminal_ ? "\r\033[K" : "", static_cast<unsigned long long>(done),
               static_cast<unsigned long long>(total), 100 * share, si(rate).c_str(),
               sim::format_duration(sim::from_seconds(eta)).c_str(), terminal_ ? "" : "\n");
  std::fflush(stderr);
  drawn_ = true;
}

void progress_display::update_line(const std::string& text, double wall_seconds) {
  if (!terminal_ && wall_seconds - last_line_ < 5) return;
  last_line_ = wall_seconds;
  std::fprintf(stderr, "%s%s%s", terminal_ ? "\r\033[K" : "", text.c_str(), terminal_ ? "" : "\n");
  std::fflush(stderr);
  drawn_ = true;
}

void progress_display::update_plan(std::size_t tried, const std::string& last,
                                   double wall_seconds) {
  update_line("candidate " + std::to_string(tried) + " after " +
                  sim::format_duration(sim::from_seconds(wall_seconds)) + ": " + last,
              wall_seconds);
}

void progress_display::finish() {
  if (terminal_ && drawn_) std::fputs("\n", stderr);
}

}  // namespace stampede::cli
