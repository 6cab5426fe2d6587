#pragma once
// Headless Chromium (Debian's `chromium`, scripts/deps.sh) for the HTML report tests: take a
// screenshot and dump the DOM after layout. Tests skip with a clear message when it is absent.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace loupe::testing {

inline std::string find_chromium() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (::access(p, X_OK) == 0) return p;
  }
  return "";
}

inline int chromium_run(const std::string& args, const std::string& stdout_path) {
  // No sandbox: CI containers run as root. No GPU: nothing to render with. Logs (D-Bus noise)
  // are dropped; the exit status and the files are what is checked.
  const std::string cmd =
      "timeout 120 " + find_chromium() +
      " --headless --no-sandbox --disable-gpu --hide-scrollbars "
      "--no-first-run --user-data-dir=" +
      (std::filesystem::temp_directory_path() / ("loupe_chromium_" + std::to_string(::getpid())))
          .string() +
      " " + args + " >" + stdout_path + " 2>/dev/null";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

// Screenshot of `html` at width x height into `png`; returns the PNG's size in bytes (0 on
// failure).
inline int64_t chromium_screenshot(const std::filesystem::path& html,
                                   const std::filesystem::path& png, int width, int height) {
  std::filesystem::remove(png);
  chromium_run("--screenshot=" + png.string() + " --window-size=" + std::to_string(width) + "," +
                   std::to_string(height) + " file://" + std::filesystem::absolute(html).string(),
               "/dev/null");
  std::error_code ec;
  const auto size = std::filesystem::file_size(png, ec);
  return ec ? 0 : static_cast<int64_t>(size);
}

inline std::string chromium_dump_dom(const std::filesystem::path& html) {
  const std::filesystem::path out = html.string() + ".dom";
  chromium_run("--dump-dom file://" + std::filesystem::absolute(html).string(), out.string());
  std::ifstream f(out);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Non-overlapping occurrences of `needle` in `hay`.
inline int count_of(const std::string& hay, const std::string& needle) {
  int n = 0;
  for (size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}

}  // namespace loupe::testing
