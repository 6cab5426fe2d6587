#pragma once
// The per-ISA pieces of pooling (avx512/, avx2/, scalar/); pool.cpp holds the loops around them.
#include <cstdint>

#include "kernels/isa.hpp"

namespace loupe::kernels::pool {

struct PoolMicrokernels {
  Isa isa = Isa::scalar;
  // dst[i] = max(dst[i], src[i]) or dst[i] += src[i], i < n (the vertical pass).
  void (*vmax)(float* dst, const float* src, int64_t n) = nullptr;
  void (*vadd)(float* dst, const float* src, int64_t n) = nullptr;
  // y[f] = max / sum over s < S of t[f * u + s * dil], f < F (the horizontal pass). hsum then
  // multiplies by scale * inv_cols[f] (the average's separable divisor). t has 16 floats of
  // slack past the last window (a vector kernel may load whole vectors there).
  void (*hmax)(const float* t, float* y, int64_t F, int64_t S, int64_t u, int64_t dil) = nullptr;
  void (*hsum)(const float* t, float* y, int64_t F, int64_t S, int64_t u, int64_t dil, float scale,
               const float* inv_cols) = nullptr;
  // Max / sum of x[0..n), n >= 1 (global pooling).
  float (*reduce_max)(const float* x, int64_t n) = nullptr;
  float (*reduce_sum)(const float* x, int64_t n) = nullptr;
};

const PoolMicrokernels& pool_microkernels_avx512();
const PoolMicrokernels& pool_microkernels_avx2();
const PoolMicrokernels& pool_microkernels_scalar();

}  // namespace loupe::kernels::pool
