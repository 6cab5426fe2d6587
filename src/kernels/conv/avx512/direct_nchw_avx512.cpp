// direct_nchw's AVX-512 tile: 8 output channels (two of the weights' 4-channel blocks) x 3
// vectors of 16 consecutive output pixels of one row, 24 accumulators. Per input: 3 loads of
// input, 8 broadcasts of weights, 24 FMAs. The AVX2 tile (4 x 24 pixels) does 12 FMAs per input
// and then spends about a third as long again on its epilogue when K = C R S is 27, a 3x3 first
// layer's; this one has twice the FMAs per loaded vector and per stored one. The last tile of a
// row loads and stores its last vector under a mask.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC PR 105593, see the GEMM kernel
#include <immintrin.h>

#include <algorithm>

#include "kernels/avx512_lanes.hpp"
#include "kernels/conv/direct_nchw_kernel.hpp"

namespace loupe::kernels::conv {
namespace {

constexpr int MR = static_cast<int>(kDirectNchwMR);

// MB weight blocks (4 channels each) x NV vectors. The accumulator array is indexed by
// constants only once the loops unroll, so GCC keeps it in registers (checked in the assembly:
// no spills in the k loop).
template <int MB, int NV>
void tile(const DirectNchwRows& p, const float* w, int64_t m0, int64_t e, int64_t f0) {
  constexpr int C = MB * MR;
  const int64_t block = p.K * MR;
  const int left = static_cast<int>(std::min<int64_t>(p.F - f0 - 16 * (NV - 1), 16));
  const __mmask16 last = avx512::first_lanes(left);
  __m512 acc[C][NV];
#pragma GCC unroll 8
  for (int i = 0; i < C; ++i) {
#pragma GCC unroll 3
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_ps();
  }
  const float* base = p.in + (e - p.in_e0) * p.row_step + f0;
  for (int64_t k = 0; k < p.K; ++k, w += MR) {
    const float* src = base + p.offset[k];
    __m512 b[NV];
#pragma GCC unroll 3
    for (int v = 0; v < NV; ++v) {
      b[v] = v < NV - 1 ? _mm512_loadu_ps(src + 16 * v) : _mm512_maskz_loadu_ps(last, src + 16 * v);
    }
#pragma GCC unroll 8
    for (int i = 0; i < C; ++i) {
      const __m512 a = _mm512_set1_ps(w[(i / MR) * block + i % MR]);
#pragma GCC unroll 3
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(a, b[v], acc[i][v]);
    }
  }
  const int64_t plane = p.E * p.F;
  const int rows = static_cast<int>(std::min<int64_t>(C, p.M - m0));
  const __m512 lo = _mm512_set1_ps(p.lo), hi = _mm512_set1_ps(p.hi);
#pragma GCC unroll 8
  for (int i = 0; i < C; ++i) {
    if (i >= rows) break;
    const int64_t at = (m0 + i) * plane + e * p.F + f0;
    const __m512 bias = _mm512_set1_ps(p.bias[m0 + i]);
#pragma GCC unroll 3
    for (int v = 0; v < NV; ++v) {
      const __mmask16 mask = v < NV - 1 ? __mmask16{0xFFFF} : last;
      __m512 y = _mm512_add_ps(acc[i][v], bias);
      if (p.residual != nullptr) {
        y = _mm512_add_ps(y, _mm512_maskz_loadu_ps(mask, p.residual + at + 16 * v));
      }
      if (p.clamp) y = _mm512_min_ps(_mm512_max_ps(y, lo), hi);
      _mm512_mask_storeu_ps(p.out + at + 16 * v, mask, y);
    }
  }
}

template <int MB>
void rows(const DirectNchwRows& p, const float* w, int64_t m0) {
  for (int64_t e = p.e0; e < p.e1; ++e) {
    for (int64_t f0 = 0; f0 < p.F; f0 += 48) {
      const int64_t left = p.F - f0;
      if (left > 32) {
        tile<MB, 3>(p, w, m0, e, f0);
      } else if (left > 16) {
        tile<MB, 2>(p, w, m0, e, f0);
      } else {
        tile<MB, 1>(p, w, m0, e, f0);
      }
    }
  }
}

}  // namespace

void direct_nchw_rows_avx512(const DirectNchwRows& p) {
  const int64_t block = p.K * MR;
  // Channel blocks outer, as in the AVX2 kernel: the band's input rows stay in L1 across them.
  for (int64_t m0 = 0; m0 < p.M; m0 += 2 * MR) {
    const float* w = p.weights + m0 / MR * block;
    if (p.M - m0 > MR) {
      rows<2>(p, w, m0);
    } else {
      rows<1>(p, w, m0);
    }
  }
}

}  // namespace loupe::kernels::conv
