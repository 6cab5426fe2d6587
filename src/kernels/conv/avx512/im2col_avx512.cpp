// The strided row copy of im2col (a stride-2 layer's filter tap reads every second input
// column). A scalar loop of 1-element loads and stores made the lowering of ResNet-50's 7x7/2
// conv1 take ~40% of that layer's time; two vector loads and one two-source permute give 16
// outputs here.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC PR 105593, see gemm/avx512
#include <immintrin.h>

#include <algorithm>

#include "kernels/avx512_lanes.hpp"
#include "kernels/conv/im2col.hpp"

namespace loupe::kernels::conv {

void strided_copy_avx512(const float* in, int64_t stride, int64_t n, float* out) {
  int64_t f = 0;
  if (stride == 2) {
    const __m512i even =
        _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    // The last block's second load may run past in[2n - 2]; stop the vector loop one block early
    // so that every load stays inside [in, in + 2n - 1).
    for (; f + 16 < n; f += 16) {
      const __m512 lo = _mm512_loadu_ps(in + 2 * f);
      const __m512 hi = _mm512_loadu_ps(in + 2 * f + 16);
      _mm512_storeu_ps(out + f, _mm512_permutex2var_ps(lo, even, hi));
    }
    // The last 1-16 under masks (the lanes past in[2n - 2] are neither read nor faulted): a
    // 14- or 7-pixel row (ResNet-50's stride-2 1x1 layers) is then one block, not 14 scalar copies.
    if (f < n) {
      const int64_t last = 2 * (n - f) - 1;  // floats to read from in + 2f
      const __m512 lo = _mm512_maskz_loadu_ps(avx512::first_lanes(last), in + 2 * f);
      const __m512 hi = _mm512_maskz_loadu_ps(avx512::first_lanes(last - 16), in + 2 * f + 16);
      _mm512_mask_storeu_ps(out + f, avx512::first_lanes(n - f),
                            _mm512_permutex2var_ps(lo, even, hi));
      return;
    }
  } else {
    const __m512i idx =
        _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                           _mm512_set1_epi32(static_cast<int>(stride)));
    for (; f + 16 <= n; f += 16) {
      _mm512_storeu_ps(out + f, _mm512_i32gather_ps(idx, in + f * stride, 4));
    }
  }
  for (; f < n; ++f) out[f] = in[f * stride];
}

}  // namespace loupe::kernels::conv
