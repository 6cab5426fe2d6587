// AVX-512 direct depthwise kernel (DepthwiseDirect in depthwise_kernel.hpp): blocks of B output
// rows x one vector of output columns, accumulated in registers across all taps. Each input row
// the block touches is loaded once (K column-shifted vectors) and feeds every output row of the
// block whose window covers it, so a 3x3 stride-1 block of 4 rows does 36 FMAs for 18 loads
// instead of 36. Planes at most 8 columns wide use 256-bit vectors (AVX-512VL) so that lanes are
// not wasted on 7x7 layers.
#include <immintrin.h>

#include <algorithm>
#include <utility>

#include "kernels/conv/depthwise_kernel.hpp"

// GCC 12's _mm512_max_ps / _mm512_min_ps pass _mm512_undefined_ps() as the unused merge operand,
// which -Wmaybe-uninitialized (and, at -O1 with sanitizers, -Wuninitialized) flags (GCC PR 105593).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

namespace loupe::kernels::conv {
namespace {

// Lanes j of an L-lane vector with 0 <= start + j < limit (a load's in-bounds columns, or a
// store's in-range outputs).
template <int L>
uint32_t lane_range(int64_t start, int64_t limit) {
  const int64_t lo = std::clamp<int64_t>(-start, 0, L);
  const int64_t hi = std::clamp<int64_t>(limit - start, 0, L);
  if (hi <= lo) return 0;
  return ((uint32_t{1} << hi) - 1u) & ~((uint32_t{1} << lo) - 1u);
}

struct V512 {
  using Reg = __m512;
  using Mask = __mmask16;
  static constexpr int L = 16;
  static Reg set1(float v) { return _mm512_set1_ps(v); }
  static Reg load(Mask m, const float* p) { return _mm512_maskz_loadu_ps(m, p); }
  static void store(Mask m, float* p, Reg v) { _mm512_mask_storeu_ps(p, m, v); }
  static Reg fma(Reg a, Reg b, Reg c) { return _mm512_fmadd_ps(a, b, c); }
  static Reg add(Reg a, Reg b) { return _mm512_add_ps(a, b); }
  static Reg clamp(Reg v, Reg lo, Reg hi) { return _mm512_min_ps(_mm512_max_ps(v, lo), hi); }
  // Lanes 0, 2, 4, ... (even) or 1, 3, 5, ... (odd) of the 32 floats a:b.
  static Reg even(Reg a, Reg b) {
    const __m512i idx =
        _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    return _mm512_permutex2var_ps(a, idx, b);
  }
  static Reg odd(Reg a, Reg b) {
    const __m512i idx =
        _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    return _mm512_permutex2var_ps(a, idx, b);
  }
};

struct V256 {
  using Reg = __m256;
  using Mask = __mmask8;
  static constexpr int L = 8;
  static Reg set1(float v) { return _mm256_set1_ps(v); }
  static Reg load(Mask m, const float* p) { return _mm256_maskz_loadu_ps(m, p); }
  static void store(Mask m, float* p, Reg v) { _mm256_mask_storeu_ps(p, m, v); }
  static Reg fma(Reg a, Reg b, Reg c) { return _mm256_fmadd_ps(a, b, c); }
  static Reg add(Reg a, Reg b) { return _mm256_add_ps(a, b); }
  static Reg clamp(Reg v, Reg lo, Reg hi) { return _mm256_min_ps(_mm256_max_ps(v, lo), hi); }
  static Reg even(Reg a, Reg b) {
    return _mm256_permutex2var_ps(a, _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14), b);
  }
  static Reg odd(Reg a, Reg b) {
    return _mm256_permutex2var_ps(a, _mm256_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15), b);
  }
};

// f(std::integral_constant<int, i>) for i = 0 .. N-1, unrolled at compile time so that the
// accumulator and tap arrays indexed by i stay in registers.
template <int N, class Fn>
inline void unroll(Fn&& f) {
  [&]<int... I>(std::integer_sequence<int, I...>) { (f(std::integral_constant<int, I>{}), ...); }
  (std::make_integer_sequence<int, N>{});
}

// Output rows e0 .. e0+B-1, all columns.
template <class V, int K, int U, int B>
void row_block(const DepthwiseDirect& p, int64_t e0) {
  using Reg = typename V::Reg;
  using Mask = typename V::Mask;
  constexpr int kRows = (B - 1) * U + K;  // input rows the block reads
  // Stride 2: tap q of output lane j reads column 2 j + q of the row from the block's first
  // column: the even or odd lanes of the pair of vectors loaded at column q - q % 2.
  constexpr int kLoads = U == 1 ? K : 2 * ((K + 1) / 2);
  Reg w[K * K];
  for (int t = 0; t < K * K; ++t) w[t] = V::set1(p.weights[t]);
  const Reg bias = V::set1(p.bias), lo = V::set1(p.lo), hi = V::set1(p.hi);
  for (int64_t f0 = 0; f0 < p.F; f0 += V::L) {
    const int64_t col0 = f0 * U - p.pad_left;  // input column of lane 0, tap 0
    Mask m[kLoads];
    for (int i = 0; i < kLoads; ++i) {
      const int64_t start = U == 1 ? col0 + i : col0 + (i / 2) * 2 + (i % 2) * V::L;
      m[i] = static_cast<Mask>(lane_range<V::L>(start, p.W));
    }
    Reg acc[B];
    for (int b = 0; b < B; ++b) acc[b] = bias;
    unroll<kRows>([&](auto k) {
      const int64_t h = e0 * U - p.pad_top + k;
      if (h < 0 || h >= p.H) return;  // a row of zero padding adds nothing
      const float* row = p.in + h * p.W + col0;
      Reg t[K];
      if constexpr (U == 1) {
        for (int q = 0; q < K; ++q) t[q] = V::load(m[q], row + q);
      } else {
        for (int q = 0; q < K; q += 2) {
          const Reg a = V::load(m[q], row + q), b = V::load(m[q + 1], row + q + V::L);
          t[q] = V::even(a, b);
          if (q + 1 < K) t[q + 1] = V::odd(a, b);
        }
      }
      unroll<B>([&](auto b) {
        constexpr int r = decltype(k)::value - decltype(b)::value * U;  // filter row
        if constexpr (r >= 0 && r < K) {
          for (int q = 0; q < K; ++q) acc[b] = V::fma(w[r * K + q], t[q], acc[b]);
        }
      });
    });
    const Mask om = static_cast<Mask>(lane_range<V::L>(f0, p.F));
    for (int b = 0; b < B; ++b) {
      const int64_t at = (e0 + b) * p.F + f0;
      Reg v = acc[b];
      if (p.residual != nullptr) v = V::add(v, V::load(om, p.residual + at));
      if (p.clamp) v = V::clamp(v, lo, hi);
      V::store(om, p.out + at, v);
    }
  }
}

template <class V, int K, int U>
void plane(const DepthwiseDirect& p) {
  // 4 output rows: 4 accumulators, K*K weights and K taps fit the 32 vector registers for K = 3
  // (5 x 5 spills a few weights to the stack, which the loads absorb).
  constexpr int kB = 4;
  int64_t e0 = 0;
  for (; e0 + kB <= p.E; e0 += kB) row_block<V, K, U, kB>(p, e0);
  switch (p.E - e0) {
    case 3:
      row_block<V, K, U, 3>(p, e0);
      break;
    case 2:
      row_block<V, K, U, 2>(p, e0);
      break;
    case 1:
      row_block<V, K, U, 1>(p, e0);
      break;
    default:
      break;
  }
}

template <class V>
void dispatch(const DepthwiseDirect& p) {
  if (p.K == 3) {
    p.U == 1 ? plane<V, 3, 1>(p) : plane<V, 3, 2>(p);
  } else {
    p.U == 1 ? plane<V, 5, 1>(p) : plane<V, 5, 2>(p);
  }
}

}  // namespace

void depthwise_direct_avx512(const DepthwiseDirect& p) {
  if (p.F <= V256::L) {
    dispatch<V256>(p);
  } else {
    dispatch<V512>(p);
  }
}

}  // namespace loupe::kernels::conv
