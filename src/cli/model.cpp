#include <cstdlib>
#include <filesystem>

#include "cli/commands.hpp"
#include "io/onnx_import.hpp"
#include "zoo/zoo.hpp"

namespace loupe::cli {

graph::Graph load_model(const std::string& model, int64_t batch) {
  if (batch < 1 || batch > 65536) fail("--batch {}: must be between 1 and 65536", batch);
  // Zoo names first, so that a stray file named like a zoo model does not shadow it.
  if (zoo::exists(model)) return zoo::build(model, batch);
  // Any existing file is read as ONNX: its decoder says clearly when it is not one.
  std::error_code ec;
  if (std::filesystem::exists(model, ec)) return io::load_onnx(model, io::OnnxOptions{batch});
  return zoo::build(model, batch);  // fails with "unknown zoo model" and the hint
}

std::string tune_cache_path(const std::string& given) {
  if (!given.empty()) return given;
  std::filesystem::path dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
    dir = xdg;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    dir = std::filesystem::path(home) / ".cache";
  } else {
    fail("--tune: no HOME or XDG_CACHE_HOME to keep the cache in; give --tune-cache FILE");
  }
  dir /= "loupe";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) fail("{}: cannot create the tuning cache directory: {}", dir.string(), ec.message());
  return (dir / "tune.tsv").string();
}

}  // namespace loupe::cli
