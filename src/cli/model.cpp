#include <filesystem>

#include "cli/commands.hpp"
#include "zoo/zoo.hpp"

namespace loupe::cli {

graph::Graph load_model(const std::string& model, int64_t batch) {
  if (batch < 1 || batch > 65536) fail("--batch {}: must be between 1 and 65536", batch);
  if (zoo::exists(model)) return zoo::build(model, batch);
  if (std::filesystem::exists(model)) {
    fail("{}: loading model files is not supported by this build yet (issue 4 adds ONNX); use a zoo "
         "model (loupe zoo lists them)",
         model);
  }
  return zoo::build(model, batch);  // fails with "unknown zoo model" and the hint
}

}  // namespace loupe::cli
