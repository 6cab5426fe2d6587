#pragma once
// Lane helpers shared by the AVX2 kernels. Include only from translation units compiled with
// -mavx2 (kernels/*/avx2/).
#include <immintrin.h>

#include <cstdint>

namespace loupe::kernels::avx2 {

// Lanes 0 .. n-1 set (none for n <= 0, all for n >= 8), as a vmaskmovps mask.
inline __m256i first_lanes(int64_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)),
                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// Columns 0, 2, ..., 14 (even) or 1, 3, ..., 15 (odd) of the 16 floats a:b: an in-lane shuffle
// gives x0 x2 x8 x10 | x4 x6 x12 x14, then the 64-bit pairs are ordered 0 2 1 3.
inline __m256 even_lanes(__m256 a, __m256 b) {
  const __m256 s = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(s), _MM_SHUFFLE(3, 1, 2, 0)));
}
inline __m256 odd_lanes(__m256 a, __m256 b) {
  const __m256 s = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(s), _MM_SHUFFLE(3, 1, 2, 0)));
}

}  // namespace loupe::kernels::avx2
