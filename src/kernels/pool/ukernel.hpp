#pragma once
// The per-ISA pieces of pooling (avx512/, avx2/, scalar/); pool.cpp holds the loops around them.
#include <cstdint>

#include "kernels/isa.hpp"

namespace loupe::kernels::pool {

// The window as the plane and lane kernels see it: input H x W, output E x F, an R x S window
// at stride U (and U_w, dilation for the lane kernel) behind pad_top / pad_left.
struct PoolWindow {
  int64_t H = 0, W = 0, pad_top = 0, pad_left = 0;
  int64_t E = 0, F = 0, R = 0, S = 0, U = 1, U_w = 1, dil_h = 1, dil_w = 1;
  bool max = true;
  // Average: output (e, f) is the window's sum times inv_rows[e] * inv_cols[f].
  const float* inv_rows = nullptr;
  const float* inv_cols = nullptr;
};

// One (n, c) plane of a window with dilation 1 and equal strides U = U_w of 1 or 2, an output
// row at a time: the window's input rows are first reduced into `buf`, one padded row, whose
// padding columns the caller has filled (-inf for max, 0 for average) and which also covers what
// ceil_mode's windows reach. With stride 2 the row is split into its even and odd columns,
// `phase` floats apart, so that every tap is a plain load: padded column c is at
// (c % 2) * phase + c / 2. buf has 32 floats of slack past its end.
struct PoolPlane : PoolWindow {
  const float* x = nullptr;  // H x W
  float* buf = nullptr;
  int64_t phase = 0;
  float* y = nullptr;  // E x F
  // The input is too large to be in cache: fetch the rows of the window two output rows ahead
  // (on a Zen 4 VM the hardware prefetchers left the two-row stream of VGG-16's first pool
  // waiting on DRAM at 6-8 GB/s).
  bool prefetch = false;
};

// Eight consecutive planes at once, one per vector lane: the planes are transposed into a padded
// [hp][wp][8] buffer, every window reduces whole vectors, and the result is transposed back. For
// small planes, where the plane kernel's per-row setup outweighs its work. Any window, stride,
// dilation and padding.
struct PoolLanes : PoolWindow {
  const float* x = nullptr;  // 8 planes of H x W, one after another
  // [hp][wp][8]: the borders hold the padding value (the caller fills them once); the planes go
  // to rows pad_top.. and columns pad_left..
  float* buf = nullptr;
  int64_t wp = 0;
  float* out = nullptr;  // E * F * 8 floats of scratch
  float* y = nullptr;    // 8 planes of E x F
};

// One H x W plane of a max pool to its E x F output: R x R windows of stride U with pad_top =
// pad_left rows and columns of padding (any at the bottom and right, ceil_mode's windows
// included: what lies outside the plane never wins), where max_rows_supports(R, U, pad_top).
struct MaxRows : PoolWindow {
  const float* x = nullptr;
  float* y = nullptr;
};
// The windows max_rows takes: 3 x 3 at stride 1 with padding 1 (GoogLeNet's inception pools),
// 3 x 3 and 2 x 2 at stride 2 with padding 0 or 1 (every other pool of the zoo).
inline bool max_rows_supports(int64_t K, int64_t U, int64_t pad) {
  return (K == 3 && U == 1 && pad == 1) || ((K == 2 || K == 3) && U == 2 && (pad == 0 || pad == 1));
}

struct PoolMicrokernels {
  Isa isa = Isa::scalar;
  // dst[i] = max(dst[i], src[i]) or dst[i] += src[i], i < n (the vertical pass).
  void (*vmax)(float* dst, const float* src, int64_t n) = nullptr;
  void (*vadd)(float* dst, const float* src, int64_t n) = nullptr;
  // y[f] = max / sum over s < S of t[f * u + s * dil], f < F (the horizontal pass). hsum then
  // multiplies by scale * inv_cols[f] (the average's separable divisor). t has 32 floats of
  // slack past the last window, and vmax / vadd's dst 32 past n (a vector kernel may load and
  // store whole vectors there).
  void (*hmax)(const float* t, float* y, int64_t F, int64_t S, int64_t u, int64_t dil) = nullptr;
  void (*hsum)(const float* t, float* y, int64_t F, int64_t S, int64_t u, int64_t dil, float scale,
               const float* inv_cols) = nullptr;
  // Max / sum of x[0..n), n >= 1 (global pooling).
  float (*reduce_max)(const float* x, int64_t n) = nullptr;
  float (*reduce_sum)(const float* x, int64_t n) = nullptr;
  // Null where the ISA has none; pool.cpp then takes the two passes.
  void (*plane)(const PoolPlane& p) = nullptr;
  void (*lanes)(const PoolLanes& p) = nullptr;
  // Max pooling straight from the plane (MaxRows), where max_rows_supports; null where the ISA
  // has none.
  void (*max_rows)(const MaxRows& p) = nullptr;
};

const PoolMicrokernels& pool_microkernels_avx512();
const PoolMicrokernels& pool_microkernels_avx2();
const PoolMicrokernels& pool_microkernels_scalar();

}  // namespace loupe::kernels::pool
