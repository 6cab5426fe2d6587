// AVX2 pooling pieces: 8 outputs per vector, strided columns gathered, scalar tails.
#include <immintrin.h>

#include "kernels/pool/ukernel.hpp"

namespace loupe::kernels::pool {
namespace {

void vmax(float* dst, const float* src, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(dst + i, _mm256_max_ps(_mm256_loadu_ps(dst + i), _mm256_loadu_ps(src + i)));
  }
  for (; i < n; ++i) dst[i] = dst[i] > src[i] ? dst[i] : src[i];
}

void vadd(float* dst, const float* src, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(dst + i, _mm256_add_ps(_mm256_loadu_ps(dst + i), _mm256_loadu_ps(src + i)));
  }
  for (; i < n; ++i) dst[i] += src[i];
}

// Columns 0, 2, ..., 14 (even) or 1, 3, ..., 15 (odd) of the 16 floats a:b.
__m256 even_or_odd(__m256 a, __m256 b, bool odd) {
  const __m256 s = odd ? _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1))
                       : _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(s), _MM_SHUFFLE(3, 1, 2, 0)));
}

template <bool kMax>
void hreduce(const float* t, float* y, int64_t F, int64_t S, int64_t u, int64_t dil, float scale,
             const float* inv_cols) {
  const __m256i idx = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                                         _mm256_set1_epi32(static_cast<int>(u)));
  int64_t f = 0;
  for (; f + 8 <= F; f += 8) {
    // Stride 2 (every strided pooling layer of the zoo) splits two plain loads into even and
    // odd columns: vgatherdps is several times slower on AMD cores. It reads one float past the
    // last window, within the caller's slack.
    auto load = [&](int64_t off) {
      if (u == 1) return _mm256_loadu_ps(t + f + off);
      if (u == 2) {
        const float* at = t + f * 2 + (off & ~int64_t{1});
        return even_or_odd(_mm256_loadu_ps(at), _mm256_loadu_ps(at + 8), (off & 1) != 0);
      }
      return _mm256_i32gather_ps(t + f * u + off, idx, 4);
    };
    __m256 acc = load(0);
    for (int64_t s = 1; s < S; ++s) {
      acc = kMax ? _mm256_max_ps(acc, load(s * dil)) : _mm256_add_ps(acc, load(s * dil));
    }
    if (!kMax) {
      acc = _mm256_mul_ps(_mm256_mul_ps(acc, _mm256_set1_ps(scale)), _mm256_loadu_ps(inv_cols + f));
    }
    _mm256_storeu_ps(y + f, acc);
  }
  for (; f < F; ++f) {
    float a = t[f * u];
    for (int64_t s = 1; s < S; ++s) {
      const float v = t[f * u + s * dil];
      a = kMax ? (a > v ? a : v) : a + v;
    }
    y[f] = kMax ? a : a * scale * inv_cols[f];
  }
}

void hmax(const float* t, float* y, int64_t F, int64_t S, int64_t u, int64_t dil) {
  hreduce<true>(t, y, F, S, u, dil, 1.0f, nullptr);
}

void hsum(const float* t, float* y, int64_t F, int64_t S, int64_t u, int64_t dil, float scale,
          const float* inv_cols) {
  hreduce<false>(t, y, F, S, u, dil, scale, inv_cols);
}

float hmax8(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
  return _mm_cvtss_f32(m);
}

float hsum8(__m256 v) {
  __m128 m = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_add_ps(m, _mm_movehl_ps(m, m));
  m = _mm_add_ss(m, _mm_shuffle_ps(m, m, 1));
  return _mm_cvtss_f32(m);
}

float reduce_max(const float* x, int64_t n) {
  __m256 acc = _mm256_set1_ps(x[0]);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) acc = _mm256_max_ps(acc, _mm256_loadu_ps(x + i));
  float m = hmax8(acc);
  for (; i < n; ++i) m = m > x[i] ? m : x[i];
  return m;
}

float reduce_sum(const float* x, int64_t n) {
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 = _mm256_add_ps(a0, _mm256_loadu_ps(x + i));
    a1 = _mm256_add_ps(a1, _mm256_loadu_ps(x + i + 8));
  }
  for (; i + 8 <= n; i += 8) a0 = _mm256_add_ps(a0, _mm256_loadu_ps(x + i));
  float tail = 0.0f;
  for (; i < n; ++i) tail += x[i];
  return hsum8(_mm256_add_ps(a0, a1)) + tail;
}

}  // namespace

const PoolMicrokernels& pool_microkernels_avx2() {
  static const PoolMicrokernels k{Isa::avx2, vmax, vadd, hmax, hsum, reduce_max, reduce_sum};
  return k;
}

}  // namespace loupe::kernels::pool
