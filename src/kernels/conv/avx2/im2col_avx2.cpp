// The strided row copy of im2col for AVX2 (see avx512/im2col_avx512.cpp for why it exists):
// stride 2 takes the even lanes of two loads with one in-lane shuffle and a lane permute,
// 8 outputs per step; other strides use a gather.
#include <immintrin.h>

#include "kernels/conv/im2col.hpp"

namespace loupe::kernels::conv {

void strided_copy_avx2(const float* in, int64_t stride, int64_t n, float* out) {
  int64_t f = 0;
  if (stride == 2) {
    // As in the AVX-512 copy, the last block's second load could pass in[2n - 2]: the vector
    // loop stops one block early.
    for (; f + 8 < n; f += 8) {
      const __m256 lo = _mm256_loadu_ps(in + 2 * f);      // x0 .. x7
      const __m256 hi = _mm256_loadu_ps(in + 2 * f + 8);  // x8 .. x15
      // Per 128-bit lane: x0 x2 x8 x10 | x4 x6 x12 x14; then order the 64-bit pairs 0 2 1 3.
      const __m256 even = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0));
      _mm256_storeu_ps(out + f, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(even),
                                                                       _MM_SHUFFLE(3, 1, 2, 0))));
    }
  } else {
    const __m256i idx = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                                           _mm256_set1_epi32(static_cast<int>(stride)));
    for (; f + 8 <= n; f += 8) {
      _mm256_storeu_ps(out + f, _mm256_i32gather_ps(in + f * stride, idx, 4));
    }
  }
  for (; f < n; ++f) out[f] = in[f * stride];
}

}  // namespace loupe::kernels::conv
