#pragma once
// Overflow-checked size arithmetic. Every size computed from untrusted input (a file, a CLI flag)
// goes through these: an overflow is an Error naming what was being computed, never UB.
#include <cstdint>
#include <span>
#include <string_view>

#include "loupe/error.hpp"

namespace loupe {

inline int64_t checked_mul(int64_t a, int64_t b, std::string_view what = "size") {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) fail("{}: {} x {} overflows 64-bit arithmetic", what, a, b);
  return r;
}

inline int64_t checked_add(int64_t a, int64_t b, std::string_view what = "size") {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) fail("{}: {} + {} overflows 64-bit arithmetic", what, a, b);
  return r;
}

// Element count of a shape; negative dims and overflow are errors.
int64_t checked_numel(std::span<const int64_t> shape, std::string_view what = "shape");

}  // namespace loupe
