#pragma once
// loupe::Error is the one exception type for failures a user can act on (bad file, bad shape,
// unknown op, bad key). Its message is one line; each layer that knows more context (file, node,
// key) prefixes it on the way out, so the CLI prints e.g.
//   model.onnx: node "conv2" (Conv): kernel_shape [3,3] does not match weight shape [64,32,5,5]
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace loupe {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}

  // A copy whose message reads "<context>: <this message>".
  [[nodiscard]] Error prefixed(std::string_view context) const {
    return Error(std::string(context) + ": " + what());
  }
};

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...));
}

// Internal invariants: on in every build, and a thrown Error instead of an abort so that a broken
// invariant still reaches the user as one line (and a test as a failure, not a crash).
#define LOUPE_CHECK(cond, ...)                                                           \
  do {                                                                                   \
    if (!(cond)) ::loupe::fail("internal error: {} ({}:{})", #cond, __FILE__, __LINE__); \
  } while (0)

}  // namespace loupe
