#pragma once
// A one-line progress bar on stderr for long commands (profile, eval, tune). It draws only when
// enabled and stderr is a terminal, so that redirected output and --json documents never carry
// it (DESIGN.md: progress bars and logs go to stderr, only when stderr is a terminal).
#include <chrono>
#include <cstdint>
#include <string>

namespace loupe::analysis {

bool stderr_is_terminal();

class Progress {
 public:
  // `enabled` is the caller's wish (false under --json); the bar also needs a terminal.
  Progress(std::string label, int64_t total, bool enabled = true);
  ~Progress();  // clears the line
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void update(int64_t done, const std::string& what = "");
  void set_total(int64_t total) { total_ = total; }
  bool active() const { return active_; }

  // The line update() would draw, without the carriage return (for tests).
  static std::string render(const std::string& label, int64_t done, int64_t total,
                            const std::string& what, int width = 30);

 private:
  std::string label_;
  int64_t total_ = 0;
  bool active_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace loupe::analysis
