// direct_nchw's AVX2 tile: 4 output channels x 3 vectors of 8 consecutive output pixels of one
// row (12 accumulators). Per input: 3 loads of input, 4 broadcasts of weights, 12 FMAs. The last
// tile of a row takes 1-3 vectors and stores its last under a mask; its extra lanes read the
// phased plane's slack.
#include <immintrin.h>

#include <algorithm>

#include "kernels/avx2_lanes.hpp"
#include "kernels/conv/direct_nchw_kernel.hpp"

namespace loupe::kernels::conv {
namespace {

constexpr int MR = static_cast<int>(kDirectNchwMR);

template <int NV>
void tile(const DirectNchwRows& p, const float* w, int64_t m0, int64_t e, int64_t f0) {
  // Twelve named accumulators, not an array: GCC keeps an __m256 array of this size in memory,
  // storing it on every step of the loop (the AVX2 GEMM and direct_nchw16c use assembly for the
  // same reason).
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00;
  __m256 c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
  const float* base = p.in + (e - p.in_e0) * p.row_step + f0;
  const int64_t* offset = p.offset;
  for (int64_t k = 0; k < p.K; ++k, w += MR) {
    const float* src = base + offset[k];
    const __m256 b0 = _mm256_loadu_ps(src);
    const __m256 b1 = NV > 1 ? _mm256_loadu_ps(src + 8) : b0;
    const __m256 b2 = NV > 2 ? _mm256_loadu_ps(src + 16) : b0;
    __m256 a = _mm256_broadcast_ss(w);
    c00 = _mm256_fmadd_ps(a, b0, c00);
    if (NV > 1) c01 = _mm256_fmadd_ps(a, b1, c01);
    if (NV > 2) c02 = _mm256_fmadd_ps(a, b2, c02);
    a = _mm256_broadcast_ss(w + 1);
    c10 = _mm256_fmadd_ps(a, b0, c10);
    if (NV > 1) c11 = _mm256_fmadd_ps(a, b1, c11);
    if (NV > 2) c12 = _mm256_fmadd_ps(a, b2, c12);
    a = _mm256_broadcast_ss(w + 2);
    c20 = _mm256_fmadd_ps(a, b0, c20);
    if (NV > 1) c21 = _mm256_fmadd_ps(a, b1, c21);
    if (NV > 2) c22 = _mm256_fmadd_ps(a, b2, c22);
    a = _mm256_broadcast_ss(w + 3);
    c30 = _mm256_fmadd_ps(a, b0, c30);
    if (NV > 1) c31 = _mm256_fmadd_ps(a, b1, c31);
    if (NV > 2) c32 = _mm256_fmadd_ps(a, b2, c32);
  }
  const __m256 acc[MR][3] = {{c00, c01, c02}, {c10, c11, c12}, {c20, c21, c22}, {c30, c31, c32}};
  const int64_t plane = p.E * p.F;
  const int64_t rows = std::min<int64_t>(MR, p.M - m0);
  const __m256i last = avx2::first_lanes(p.F - f0 - 8 * (NV - 1));
  const bool full = f0 + 8 * NV <= p.F;
  for (int i = 0; i < rows; ++i) {
    const int64_t at = (m0 + i) * plane + e * p.F + f0;
    const __m256 bias = _mm256_broadcast_ss(p.bias + m0 + i);
    for (int v = 0; v < NV; ++v) {
      __m256 y = _mm256_add_ps(acc[i][v], bias);
      const bool whole = full || v < NV - 1;
      if (p.residual != nullptr) {
        const float* r = p.residual + at + 8 * v;
        y = _mm256_add_ps(y, whole ? _mm256_loadu_ps(r) : _mm256_maskload_ps(r, last));
      }
      if (p.clamp) {
        y = _mm256_min_ps(_mm256_max_ps(y, _mm256_set1_ps(p.lo)), _mm256_set1_ps(p.hi));
      }
      if (whole) {
        _mm256_storeu_ps(p.out + at + 8 * v, y);
      } else {
        _mm256_maskstore_ps(p.out + at + 8 * v, last, y);
      }
    }
  }
}

}  // namespace

void direct_nchw_rows_avx2(const DirectNchwRows& p) {
  const int64_t block = p.K * MR;
  // Channel block outer: its rows of output are written in order, and the input rows of the band
  // stay in L1 across the blocks.
  for (int64_t m0 = 0; m0 < p.M; m0 += MR) {
    const float* w = p.weights + m0 / MR * block;
    for (int64_t e = p.e0; e < p.e1; ++e) {
      for (int64_t f0 = 0; f0 < p.F; f0 += 24) {
        const int64_t left = p.F - f0;
        if (left > 16) {
          tile<3>(p, w, m0, e, f0);
        } else if (left > 8) {
          tile<2>(p, w, m0, e, f0);
        } else {
          tile<1>(p, w, m0, e, f0);
        }
      }
    }
  }
}

}  // namespace loupe::kernels::conv
