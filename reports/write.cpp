// Atomic writes: a reader (or a crash) never sees a half-written output file.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "reports/reports.hpp"

namespace stampede::reports {

namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const char* what, int error) {
  throw std::runtime_error("cannot write " + path.string() + ": " + what + ": " +
                           std::strerror(error));
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, const std::string& content) {
  // The temporary lives in the same folder so that rename() stays on one file
  // system and is atomic; the pid keeps two concurrent writers apart.
  std::filesystem::path temp = path;
  temp += ".tmp." + std::to_string(::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(path, "open", errno);
  const auto abandon = [&](const char* what) {
    const int error = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    fail(path, what, error);
  };
  const char* data = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      abandon("write");
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  // fsync before rename: otherwise a crash can leave the new name pointing at
  // an empty file on some file systems.
  if (::fsync(fd) != 0) abandon("fsync");
  if (::close(fd) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    fail(path, "close", error);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    fail(path, "rename", error);
  }
}

void write_all(const sim::run_result& r, const std::filesystem::path& dir) {
  // Render everything first: a missing Chart.js must not leave half the files.
  const std::string json = summary_json(r);
  const std::string csv = timeseries_csv(r);
  const std::string md = summary_md(r);
  const std::string html = report_html(r);
  write_files(
      dir,
      {{"summary.json", json}, {"timeseries.csv", csv}, {"summary.md", md}, {"report.html", html}});
}

void write_files(const std::filesystem::path& dir,
                 const std::vector<std::pair<std::string, std::string>>& files) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    throw std::runtime_error("cannot create output folder " + dir.string() + ": " + ec.message());
  }
  for (const auto& [name, content] : files) write_file_atomically(dir / name, content);
}

}  // namespace stampede::reports
