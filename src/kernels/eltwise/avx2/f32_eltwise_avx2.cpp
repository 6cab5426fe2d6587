// AVX2 element-wise kernels: simd_impl.hpp over 8-float vectors.
#include <immintrin.h>

#include "kernels/eltwise/simd_impl.hpp"

namespace loupe::kernels::eltwise {
namespace {

struct V256 {
  using T = __m256;
  static constexpr int kWidth = 8;
  static T load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, T v) { _mm256_storeu_ps(p, v); }
  static T set1(float f) { return _mm256_set1_ps(f); }
  static T add(T a, T b) { return _mm256_add_ps(a, b); }
  static T sub(T a, T b) { return _mm256_sub_ps(a, b); }
  static T mul(T a, T b) { return _mm256_mul_ps(a, b); }
  static T div(T a, T b) { return _mm256_div_ps(a, b); }
  static T sqrt(T a) { return _mm256_sqrt_ps(a); }
  static T fmadd(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static T max(T a, T b) { return _mm256_max_ps(a, b); }
  static T min(T a, T b) { return _mm256_min_ps(a, b); }
  static T round(T a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static T pow2i(T n) {
    const __m256i e =
        _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_castsi256_ps(e);
  }
  static T abs(T a) {
    return _mm256_castsi256_ps(
        _mm256_and_si256(_mm256_castps_si256(a), _mm256_set1_epi32(0x7fffffff)));
  }
  static T copysign(T mag, T sign) {
    const __m256i s = _mm256_and_si256(_mm256_castps_si256(sign), _mm256_set1_epi32(INT32_MIN));
    return _mm256_castsi256_ps(_mm256_or_si256(_mm256_castps_si256(abs(mag)), s));
  }
  static T select_lt(T a, T b, T c, T d) {
    return _mm256_blendv_ps(d, c, _mm256_cmp_ps(a, b, _CMP_LT_OQ));
  }
  static float reduce_max(T v) {
    alignas(32) float l[kWidth];
    _mm256_store_ps(l, v);
    float m = l[0];
    for (float f : l) m = m > f ? m : f;
    return m;
  }
  static float reduce_add(T v) {
    alignas(32) float l[kWidth];
    _mm256_store_ps(l, v);
    float s = 0.0f;
    for (float f : l) s += f;
    return s;
  }
};

}  // namespace

const EltwiseMicrokernels& eltwise_microkernels_avx2() {
  static const EltwiseMicrokernels k = simd::microkernels<V256>(Isa::avx2);
  return k;
}

}  // namespace loupe::kernels::eltwise
