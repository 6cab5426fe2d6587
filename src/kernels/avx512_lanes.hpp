#pragma once
// Lane helpers shared by the AVX-512 kernels. Include only from translation units compiled with
// -mavx512f (kernels/*/avx512/).
#include <immintrin.h>

#include <cstdint>

namespace loupe::kernels::avx512 {

// Lanes 0 .. n-1 set (none for n <= 0, all for n >= 16): the mask of a row's last, partial
// vector.
inline __mmask16 first_lanes(int64_t n) {
  if (n >= 16) return static_cast<__mmask16>(0xFFFFu);
  if (n <= 0) return 0;
  return static_cast<__mmask16>((1u << n) - 1u);
}

// 16 x 16 transpose in registers: rows r[0..15] in, r[k] out holds element k of every row.
inline void transpose16(__m512 (&r)[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    const __m512d a0 = _mm512_castps_pd(t[i]), a1 = _mm512_castps_pd(t[i + 1]);
    const __m512d a2 = _mm512_castps_pd(t[i + 2]), a3 = _mm512_castps_pd(t[i + 3]);
    r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a0, a2));
    r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a0, a2));
    r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(a1, a3));
    r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(a1, a3));
  }
  // Now r[4q + j] holds, in its 128-bit lane L, column 4L + j of rows 4q..4q+3. Gathering lane L
  // of r[j], r[4+j], r[8+j], r[12+j] gives column 4L + j of all 16 rows.
  for (int j = 0; j < 4; ++j) {
    const __m512 x0 = _mm512_shuffle_f32x4(r[j], r[4 + j], 0x88);  // lanes 0,2 | 0,2
    const __m512 x1 = _mm512_shuffle_f32x4(r[j], r[4 + j], 0xDD);  // lanes 1,3 | 1,3
    const __m512 x2 = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0x88);
    const __m512 x3 = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0xDD);
    t[j] = _mm512_shuffle_f32x4(x0, x2, 0x88);       // lane 0 of each group
    t[4 + j] = _mm512_shuffle_f32x4(x1, x3, 0x88);   // lane 1
    t[8 + j] = _mm512_shuffle_f32x4(x0, x2, 0xDD);   // lane 2
    t[12 + j] = _mm512_shuffle_f32x4(x1, x3, 0xDD);  // lane 3
  }
  for (int c = 0; c < 16; ++c) r[c] = t[c];
}

}  // namespace loupe::kernels::avx512
