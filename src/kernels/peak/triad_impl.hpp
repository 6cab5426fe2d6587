#pragma once
// The triad loop, included by one file per ISA folder so that each copy is vectorized with that
// folder's flags. `__restrict` tells the compiler the arrays do not overlap (the caller's).
#include <cstdint>

namespace loupe::kernels::peak {

inline void triad_loop(float* __restrict a, const float* __restrict b, const float* __restrict c,
                       float s, int64_t n) {
  for (int64_t i = 0; i < n; ++i) a[i] = b[i] + s * c[i];
}

}  // namespace loupe::kernels::peak
