// AVX-512 depthwise plane: up to 4 vectors of 16 output columns accumulated across all taps, so
// each tap's weight is broadcast once per 64 outputs.
#include <immintrin.h>

#include "kernels/avx512_lanes.hpp"
#include "kernels/conv/depthwise_kernel.hpp"

// GCC 12's _mm512_max_ps / _mm512_min_ps pass _mm512_undefined_ps() as the unused merge operand,
// which -Wmaybe-uninitialized (and, at -O1 with sanitizers, -Wuninitialized) flags (GCC PR 105593).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

namespace loupe::kernels::conv {
namespace {

template <int NV>
void block(const DepthwisePlane& p, const float* row, const float* res, float* out, int64_t f0) {
  __m512 acc[NV];
  const __m512 b = _mm512_set1_ps(p.bias);
  for (int j = 0; j < NV; ++j) acc[j] = b;
  for (int64_t t = 0; t < p.taps; ++t) {
    const __m512 w = _mm512_set1_ps(p.weights[t]);
    const float* src = row + p.tap_offset[t] + f0;
    for (int j = 0; j < NV; ++j) acc[j] = _mm512_fmadd_ps(w, _mm512_loadu_ps(src + 16 * j), acc[j]);
  }
  const __m512 lo = _mm512_set1_ps(p.lo), hi = _mm512_set1_ps(p.hi);
  for (int j = 0; j < NV; ++j) {
    const int64_t f = f0 + 16 * j;
    const int64_t left = p.F - f;
    const __mmask16 m = avx512::first_lanes(left);
    __m512 v = acc[j];
    if (res != nullptr) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, res + f));
    if (p.clamp) v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
    _mm512_mask_storeu_ps(out + f, m, v);
  }
}

}  // namespace

void depthwise_plane_avx512(const DepthwisePlane& p) {
  for (int64_t e = 0; e < p.E; ++e) {
    const float* row = p.in + e * p.row_step;
    const float* res = p.residual != nullptr ? p.residual + e * p.F : nullptr;
    float* out = p.out + e * p.F;
    int64_t f0 = 0;
    for (; f0 + 64 <= p.F; f0 += 64) block<4>(p, row, res, out, f0);
    switch ((p.F - f0 + 15) / 16) {  // 0 to 63 columns left
      case 4:
        block<4>(p, row, res, out, f0);
        break;
      case 3:
        block<3>(p, row, res, out, f0);
        break;
      case 2:
        block<2>(p, row, res, out, f0);
        break;
      case 1:
        block<1>(p, row, res, out, f0);
        break;
      default:
        break;
    }
  }
}

}  // namespace loupe::kernels::conv
