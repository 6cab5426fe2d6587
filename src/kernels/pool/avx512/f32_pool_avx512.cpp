// AVX-512 pooling pieces: 16 outputs per vector. Unit column stride loads contiguously; other
// strides gather (stride 2 is the common case, and a gather of 16 from two cache lines is
// still far cheaper than 16 scalar loads). Tails use masked loads, never reading past the row.
// GCC 12's intrinsics pass _mm512_undefined_ps() as the unused merge operand, which
// -W(maybe-)uninitialized flags (GCC PR 105593, fixed in GCC 13): a header issue, not this code.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include "kernels/avx512_lanes.hpp"
#include "kernels/pool/ukernel.hpp"

namespace loupe::kernels::pool {
namespace {

// GCC 12's _mm512_reduce_* read an undefined register (-Werror=uninitialized); a store and 16
// scalar steps once per plane cost nothing measurable.
float lanes_max(__m512 v) {
  alignas(64) float l[16];
  _mm512_store_ps(l, v);
  float m = l[0];
  for (int i = 1; i < 16; ++i) m = m > l[i] ? m : l[i];
  return m;
}

float lanes_sum(__m512 v) {
  alignas(64) float l[16];
  _mm512_store_ps(l, v);
  float s = 0.0f;
  for (int i = 0; i < 16; ++i) s += l[i];
  return s;
}

void vmax(float* dst, const float* src, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm512_storeu_ps(dst + i, _mm512_max_ps(_mm512_loadu_ps(dst + i), _mm512_loadu_ps(src + i)));
  }
  if (i < n) {
    const __mmask16 k = avx512::first_lanes(n - i);
    const __m512 d = _mm512_maskz_loadu_ps(k, dst + i);
    _mm512_mask_storeu_ps(dst + i, k, _mm512_max_ps(d, _mm512_maskz_loadu_ps(k, src + i)));
  }
}

void vadd(float* dst, const float* src, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm512_storeu_ps(dst + i, _mm512_add_ps(_mm512_loadu_ps(dst + i), _mm512_loadu_ps(src + i)));
  }
  if (i < n) {
    const __mmask16 k = avx512::first_lanes(n - i);
    const __m512 d = _mm512_maskz_loadu_ps(k, dst + i);
    _mm512_mask_storeu_ps(dst + i, k, _mm512_add_ps(d, _mm512_maskz_loadu_ps(k, src + i)));
  }
}

// Loads t[(f + j) * u + off] for the lanes j in k.
__m512 load_cols(const float* t, int64_t f, int64_t u, int64_t off, __m512i idx, __mmask16 k) {
  if (u == 1) return _mm512_maskz_loadu_ps(k, t + f + off);
  return _mm512_mask_i32gather_ps(_mm512_setzero_ps(), k, idx, t + f * u + off, 4);
}

template <bool kMax>
void hreduce(const float* t, float* y, int64_t F, int64_t S, int64_t u, int64_t dil, float scale,
             const float* inv_cols) {
  const __m512i idx =
      _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                         _mm512_set1_epi32(static_cast<int>(u)));
  for (int64_t f = 0; f < F; f += 16) {
    const __mmask16 k = avx512::first_lanes(F - f);
    __m512 acc = load_cols(t, f, u, 0, idx, k);
    for (int64_t s = 1; s < S; ++s) {
      const __m512 v = load_cols(t, f, u, s * dil, idx, k);
      acc = kMax ? _mm512_max_ps(acc, v) : _mm512_add_ps(acc, v);
    }
    if (!kMax) {
      acc = _mm512_mul_ps(_mm512_mul_ps(acc, _mm512_set1_ps(scale)),
                          _mm512_maskz_loadu_ps(k, inv_cols + f));
    }
    _mm512_mask_storeu_ps(y + f, k, acc);
  }
}

void hmax(const float* t, float* y, int64_t F, int64_t S, int64_t u, int64_t dil) {
  hreduce<true>(t, y, F, S, u, dil, 1.0f, nullptr);
}

void hsum(const float* t, float* y, int64_t F, int64_t S, int64_t u, int64_t dil, float scale,
          const float* inv_cols) {
  hreduce<false>(t, y, F, S, u, dil, scale, inv_cols);
}

float reduce_max(const float* x, int64_t n) {
  __m512 acc = _mm512_set1_ps(x[0]);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) acc = _mm512_max_ps(acc, _mm512_loadu_ps(x + i));
  if (i < n) {
    const __mmask16 k = avx512::first_lanes(n - i);
    acc = _mm512_mask_max_ps(acc, k, acc, _mm512_maskz_loadu_ps(k, x + i));
  }
  return lanes_max(acc);
}

float reduce_sum(const float* x, int64_t n) {
  __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    a0 = _mm512_add_ps(a0, _mm512_loadu_ps(x + i));
    a1 = _mm512_add_ps(a1, _mm512_loadu_ps(x + i + 16));
  }
  for (; i + 16 <= n; i += 16) a0 = _mm512_add_ps(a0, _mm512_loadu_ps(x + i));
  if (i < n) a1 = _mm512_add_ps(a1, _mm512_maskz_loadu_ps(avx512::first_lanes(n - i), x + i));
  return lanes_sum(_mm512_add_ps(a0, a1));
}

}  // namespace

// The plane and lane kernels are the AVX2 ones (an AVX-512 CPU runs them): 8 lanes already make
// these reductions load-bound, and the two-pass path cost 3x more: SqueezeNet's 64 x 111 x 111
// 3 x 3 / 2 max pool, 1 thread (loupe profile, Zen 4): 0.82 -> 0.30 ms.
const PoolMicrokernels& pool_microkernels_avx512() {
  static const PoolMicrokernels k{Isa::avx512,
                                  vmax,
                                  vadd,
                                  hmax,
                                  hsum,
                                  reduce_max,
                                  reduce_sum,
                                  pool_microkernels_avx2().plane,
                                  pool_microkernels_avx2().lanes};
  return k;
}

}  // namespace loupe::kernels::pool
