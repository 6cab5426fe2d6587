// PhasedPlane's row fill with AVX-512 (im2col.hpp, PhaseRow): 16 padded columns per masked load,
// the zeros of the padding from the mask, and a stride-2 row's two phases from one pair of loads
// by two permutes. The generic fill (a memset, a strided copy and a memset per phase row) spent
// most of its time in those calls on small maps: one thread filling ResNet-50's 128 x 56 x 56
// input for a stride-2 layer took 0.19 ms, as long as a tenth of the layer on 2 threads.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC PR 105593, see gemm/avx512
#include <immintrin.h>

#include "kernels/avx512_lanes.hpp"
#include "kernels/conv/im2col.hpp"

namespace loupe::kernels::conv {
namespace {

// Padded columns c0 .. c0 + 15 of a row of W floats: in[c0 + j] where 0 <= c0 + j < W, else 0.
// Left of the row the lanes are filled from in[0] on by an expanding load, so that no pointer
// before the row is formed.
__m512 load_padded(const float* in, int64_t c0, int64_t W) {
  if (c0 >= W || c0 + 16 <= 0) return _mm512_setzero_ps();
  if (c0 >= 0) return _mm512_maskz_loadu_ps(avx512::first_lanes(W - c0), in + c0);
  const auto lanes =
      static_cast<__mmask16>(avx512::first_lanes(W - c0) & ~avx512::first_lanes(-c0));
  return _mm512_maskz_expandloadu_ps(lanes, in);
}

}  // namespace

void phase_row_avx512(const float* in, int64_t W, int64_t pad_left, int64_t U_w, int64_t wq,
                      float* out, int64_t phase_stride) {
  if (U_w == 1) {
    for (int64_t i = 0; i < wq; i += 16) {
      _mm512_mask_storeu_ps(out + i, avx512::first_lanes(wq - i), load_padded(in, i - pad_left, W));
    }
    return;
  }
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  for (int64_t i = 0; i < wq; i += 16) {
    const int64_t c0 = 2 * i - pad_left;
    const __m512 lo = load_padded(in, c0, W), hi = load_padded(in, c0 + 16, W);
    const __mmask16 k = avx512::first_lanes(wq - i);
    _mm512_mask_storeu_ps(out + i, k, _mm512_permutex2var_ps(lo, even, hi));
    _mm512_mask_storeu_ps(out + phase_stride + i, k, _mm512_permutex2var_ps(lo, odd, hi));
  }
}

}  // namespace loupe::kernels::conv
