// AVX-512 element-wise kernels: simd_impl.hpp over 16-float vectors.
// GCC 12's intrinsics pass _mm512_undefined_ps() as the unused merge operand, which
// -W(maybe-)uninitialized flags (GCC PR 105593, fixed in GCC 13): a header issue, not this code.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include "kernels/eltwise/simd_impl.hpp"

namespace loupe::kernels::eltwise {
namespace {

struct V512 {
  using T = __m512;
  static constexpr int kWidth = 16;
  static T load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, T v) { _mm512_storeu_ps(p, v); }
  static T set1(float f) { return _mm512_set1_ps(f); }
  static T add(T a, T b) { return _mm512_add_ps(a, b); }
  static T sub(T a, T b) { return _mm512_sub_ps(a, b); }
  static T mul(T a, T b) { return _mm512_mul_ps(a, b); }
  static T div(T a, T b) { return _mm512_div_ps(a, b); }
  static T sqrt(T a) { return _mm512_sqrt_ps(a); }
  static T fmadd(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static T max(T a, T b) { return _mm512_max_ps(a, b); }
  static T min(T a, T b) { return _mm512_min_ps(a, b); }
  static T round(T a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT); }
  static T pow2i(T n) {
    const __m512i e =
        _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
    return _mm512_castsi512_ps(e);
  }
  static T abs(T a) {
    return _mm512_castsi512_ps(
        _mm512_and_si512(_mm512_castps_si512(a), _mm512_set1_epi32(0x7fffffff)));
  }
  static T copysign(T mag, T sign) {
    const __m512i s = _mm512_and_si512(_mm512_castps_si512(sign), _mm512_set1_epi32(INT32_MIN));
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(abs(mag)), s));
  }
  static T select_lt(T a, T b, T c, T d) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, b, _CMP_LT_OQ), d, c);
  }
  static float reduce_max(T v) {
    alignas(64) float l[kWidth];
    _mm512_store_ps(l, v);
    float m = l[0];
    for (float f : l) m = m > f ? m : f;
    return m;
  }
  static float reduce_add(T v) {
    alignas(64) float l[kWidth];
    _mm512_store_ps(l, v);
    float s = 0.0f;
    for (float f : l) s += f;
    return s;
  }
};

}  // namespace

const EltwiseMicrokernels& eltwise_microkernels_avx512() {
  static const EltwiseMicrokernels k = simd::microkernels<V512>(Isa::avx512);
  return k;
}

}  // namespace loupe::kernels::eltwise
