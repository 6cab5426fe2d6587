// The strided row copy of im2col for AVX2 (see avx512/im2col_avx512.cpp for why it exists):
// stride 2 takes the even lanes of two loads with one in-lane shuffle and a lane permute,
// 8 outputs per step; other strides use a gather.
#include <immintrin.h>

#include "kernels/avx2_lanes.hpp"
#include "kernels/conv/im2col.hpp"

namespace loupe::kernels::conv {

void strided_copy_avx2(const float* in, int64_t stride, int64_t n, float* out) {
  int64_t f = 0;
  if (stride == 2) {
    // As in the AVX-512 copy, the last block's second load could pass in[2n - 2]: the vector
    // loop stops one block early.
    for (; f + 8 < n; f += 8) {
      _mm256_storeu_ps(
          out + f, avx2::even_lanes(_mm256_loadu_ps(in + 2 * f), _mm256_loadu_ps(in + 2 * f + 8)));
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
