// Portable pooling pieces: the fallback on CPUs without AVX2, and a third path for the tests.
#include <algorithm>

#include "kernels/pool/ukernel.hpp"

namespace loupe::kernels::pool {
namespace {

void vmax(float* dst, const float* src, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = std::max(dst[i], src[i]);
}

void vadd(float* dst, const float* src, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] += src[i];
}

void hmax(const float* t, float* y, int64_t F, int64_t S, int64_t u, int64_t dil) {
  for (int64_t f = 0; f < F; ++f) {
    float m = t[f * u];
    for (int64_t s = 1; s < S; ++s) m = std::max(m, t[f * u + s * dil]);
    y[f] = m;
  }
}

void hsum(const float* t, float* y, int64_t F, int64_t S, int64_t u, int64_t dil, float scale,
          const float* inv_cols) {
  for (int64_t f = 0; f < F; ++f) {
    float a = 0.0f;
    for (int64_t s = 0; s < S; ++s) a += t[f * u + s * dil];
    y[f] = a * scale * inv_cols[f];
  }
}

float reduce_max(const float* x, int64_t n) {
  float m = x[0];
  for (int64_t i = 1; i < n; ++i) m = std::max(m, x[i]);
  return m;
}

float reduce_sum(const float* x, int64_t n) {
  // Four partial sums: the rounding error grows like n/4 instead of n.
  float a[4] = {0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    for (int j = 0; j < 4; ++j) a[j] += x[i + j];
  }
  for (; i < n; ++i) a[0] += x[i];
  return (a[0] + a[1]) + (a[2] + a[3]);
}

}  // namespace

const PoolMicrokernels& pool_microkernels_scalar() {
  static const PoolMicrokernels k{Isa::scalar, vmax, vadd, hmax, hsum, reduce_max, reduce_sum};
  return k;
}

}  // namespace loupe::kernels::pool
