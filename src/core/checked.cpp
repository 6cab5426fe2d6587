#include "loupe/checked.hpp"

namespace loupe {

int64_t checked_numel(std::span<const int64_t> shape, std::string_view what) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) fail("{}: negative dimension {} in {}", what, d, fmt::join(shape, "x"));
    n = checked_mul(n, d, what);
  }
  return n;
}

}  // namespace loupe
