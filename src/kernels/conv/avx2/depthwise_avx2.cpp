// AVX2 depthwise plane: up to 4 vectors of 8 output columns accumulated across all taps; the
// last partial vector is finished through a small stack buffer (AVX2 has no masked stores of
// arbitrary width that are cheaper than this).
#include <immintrin.h>

#include <algorithm>

#include "kernels/conv/depthwise_kernel.hpp"

namespace loupe::kernels::conv {
namespace {

template <int NV>
void block(const DepthwisePlane& p, const float* row, const float* res, float* out, int64_t f0) {
  __m256 acc[NV];
  const __m256 b = _mm256_set1_ps(p.bias);
  for (int j = 0; j < NV; ++j) acc[j] = b;
  for (int64_t t = 0; t < p.taps; ++t) {
    const __m256 w = _mm256_set1_ps(p.weights[t]);
    const float* src = row + p.tap_offset[t] + f0;
    for (int j = 0; j < NV; ++j) acc[j] = _mm256_fmadd_ps(w, _mm256_loadu_ps(src + 8 * j), acc[j]);
  }
  const __m256 lo = _mm256_set1_ps(p.lo), hi = _mm256_set1_ps(p.hi);
  for (int j = 0; j < NV; ++j) {
    const int64_t f = f0 + 8 * j;
    const int64_t n = std::min<int64_t>(8, p.F - f);
    alignas(32) float tmp[8] = {};
    if (res != nullptr) std::copy(res + f, res + f + n, tmp);
    __m256 v = acc[j];
    if (res != nullptr) v = _mm256_add_ps(v, _mm256_load_ps(tmp));
    if (p.clamp) v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
    if (n == 8) {
      _mm256_storeu_ps(out + f, v);
    } else {
      _mm256_store_ps(tmp, v);
      std::copy(tmp, tmp + n, out + f);
    }
  }
}

}  // namespace

void depthwise_plane_avx2(const DepthwisePlane& p) {
  for (int64_t e = 0; e < p.E; ++e) {
    const float* row = p.in + e * p.row_step;
    const float* res = p.residual != nullptr ? p.residual + e * p.F : nullptr;
    float* out = p.out + e * p.F;
    int64_t f0 = 0;
    for (; f0 + 32 <= p.F; f0 += 32) block<4>(p, row, res, out, f0);
    switch ((p.F - f0 + 7) / 8) {  // 0 to 31 columns left
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
