#include "analysis/progress.hpp"

#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace loupe::analysis {

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

Progress::Progress(std::string label, int64_t total, bool enabled)
    : label_(std::move(label)), total_(total), active_(enabled && stderr_is_terminal()) {}

Progress::~Progress() {
  if (active_) {
    fmt::print(stderr, "\r\033[K");
    std::fflush(stderr);
  }
}

std::string Progress::render(const std::string& label, int64_t done, int64_t total,
                             const std::string& what, int width) {
  const double f =
      total > 0 ? std::clamp(static_cast<double>(done) / static_cast<double>(total), 0.0, 1.0) : 0;
  const int filled = static_cast<int>(f * width + 0.5);
  return fmt::format("{} [{}{}] {}/{} {}", label, std::string(static_cast<size_t>(filled), '#'),
                     std::string(static_cast<size_t>(width - filled), '.'), done, total, what);
}

void Progress::update(int64_t done, const std::string& what) {
  if (!active_) return;
  // At most ~20 redraws a second, and always the last one.
  const auto now = std::chrono::steady_clock::now();
  if (done < total_ && now - last_ < std::chrono::milliseconds(50)) return;
  last_ = now;
  fmt::print(stderr, "\r\033[K{}", render(label_, done, total_, what.substr(0, 40)));
  std::fflush(stderr);
}

}  // namespace loupe::analysis
