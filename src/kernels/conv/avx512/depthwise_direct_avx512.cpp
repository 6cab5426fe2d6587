// AVX-512 direct depthwise kernel (DepthwiseDirect in depthwise_kernel.hpp): blocks of B output
// rows x one vector of output columns, accumulated in registers across all taps. Each input row
// the block touches is loaded once (K column-shifted vectors) and feeds every output row of the
// block whose window covers it, so a 3x3 stride-1 block of 4 rows does 36 FMAs for 18 loads
// instead of 36. Planes at most 8 columns wide use 256-bit vectors (AVX-512VL) so that lanes are
// not wasted on 7x7 layers.
#include <immintrin.h>

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
  const int64_t lo = start >= 0 ? 0 : (-start < L ? -start : L);
  const int64_t n = limit - start;
  const int64_t hi = n <= 0 ? 0 : (n < L ? n : L);
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
  // Lanes 2, 4, ..., 30 of a:b; the last lane (32, past b) is left for load_into.
  static Reg even_from_2(Reg a, Reg b) {
    const __m512i idx =
        _mm512_setr_epi32(2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 0);
    return _mm512_permutex2var_ps(a, idx, b);
  }
  static Reg load_into(Reg v, Mask m, const float* p) { return _mm512_mask_loadu_ps(v, m, p); }
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
  static Reg even_from_2(Reg a, Reg b) {
    return _mm256_permutex2var_ps(a, _mm256_setr_epi32(2, 4, 6, 8, 10, 12, 14, 0), b);
  }
  static Reg load_into(Reg v, Mask m, const float* p) { return _mm256_mask_loadu_ps(v, m, p); }
};

// f(std::integral_constant<int, i>) for i = 0 .. N-1, unrolled at compile time so that the
// accumulator and tap arrays indexed by i stay in registers. Every lambda passed here is
// always_inline: GCC scalarizes the arrays only if the bodies are inlined before its scalar
// replacement pass, which its early inliner's size limits would not do for 8-row blocks.
template <int N, class Fn>
[[gnu::always_inline]] inline void unroll(Fn&& f) {
  [&]<int... I>(std::integer_sequence<int, I...>) [[gnu::always_inline]] {
    (f(std::integral_constant<int, I>{}), ...);
  }
  (std::make_integer_sequence<int, N>{});
}

// Load masks of one column block (which input columns of each shifted vector lie inside the
// row) and its store mask (which output columns exist).
template <class V, int K, int U>
struct ColumnMasks {
  // Stride 2: tap q of output lane j reads column 2 j + q from the block's first input column:
  // the even or odd lanes of the pair of vectors loaded at column q - q % 2. For 3x3, tap 2 is
  // instead permuted from the first pair, and its last lane (column 2 L) loaded on its own: 2
  // vector loads per row instead of 4.
  static constexpr bool kPair = U == 2 && K == 3;
  static constexpr int kLoads = U == 1 ? K : (kPair ? 3 : 2 * ((K + 1) / 2));
  typename V::Mask load[kLoads];
  typename V::Mask store;

  ColumnMasks(const DepthwiseDirect& p, int64_t f0) {
    using Mask = typename V::Mask;
    const int64_t col0 = f0 * U - p.pad_left;  // input column of lane 0, tap 0
    const int64_t last =
        U == 1 ? col0 + K - 1 + V::L : (kPair ? col0 + 2 * V::L + 1 : col0 + kLoads - 2 + 2 * V::L);
    const bool inside = col0 >= 0 && last <= p.W;  // every block but the first and last
    for (int i = 0; i < kLoads; ++i) {
      const int64_t start = U == 1 ? col0 + i : col0 + (i / 2) * 2 + (i % 2) * V::L;
      load[i] = inside ? Mask(~Mask{0}) : Mask(lane_range<V::L>(start, p.W));
    }
    if constexpr (kPair) {
      constexpr uint32_t kLast = uint32_t{1} << (V::L - 1);
      load[2] = Mask(kLast & (inside ? kLast : lane_range<V::L>(col0 + V::L + 1, p.W)));
    }
    store = static_cast<Mask>(lane_range<V::L>(f0, p.F));
  }
};

// Output rows e0 .. e0+B-1 of one plane, every column block (or only the one whose masks are
// given, when the plane is a single block wide). Rows in the padding read the zero row instead
// of being skipped: a branch around them would make GCC keep the accumulators in memory, and
// masking them off costs mask-register moves on every load.
template <class V, int K, int U, int B>
void row_block(const DepthwiseDirect& p, const float* in, float* out, const float* res,
               const float* weights, float bias_value, int64_t e0,
               const ColumnMasks<V, K, U>* single) {
  using Reg = typename V::Reg;
  constexpr int kRows = (B - 1) * U + K;  // input rows the block reads
  // Locals, so that the output stores (which may alias anything) do not force reloads of p.
  const int64_t H = p.H, W = p.W, F = p.F, h0 = e0 * U - p.pad_top;
  const int64_t col_shift = p.pad_left;
  // Every index below is a compile-time constant (unroll), so that GCC's scalar replacement keeps
  // the weight, tap and accumulator arrays in registers instead of on the stack.
  Reg w[K * K];
  unroll<K * K>([&](auto i) [[gnu::always_inline]] { w[i] = V::set1(weights[i]); });
  const Reg bias = V::set1(bias_value), lo = V::set1(p.lo), hi = V::set1(p.hi);
  const bool clamp = p.clamp;
  const float* rows[kRows];
  for (int k = 0; k < kRows; ++k) {
    const int64_t h = h0 + k;
    rows[k] = h >= 0 && h < H ? in + h * W : p.zero;
  }
  for (int64_t f0 = 0; f0 < F; f0 += V::L) {
    const ColumnMasks<V, K, U> m = single != nullptr ? *single : ColumnMasks<V, K, U>(p, f0);
    Reg acc[B];
    unroll<B>([&](auto b) [[gnu::always_inline]] { acc[b] = bias; });
    unroll<kRows>([&](auto k) [[gnu::always_inline]] {
      const float* row = rows[k] + f0 * U - col_shift;
      Reg t[K];
      if constexpr (U == 1) {
        unroll<K>([&](auto q) [[gnu::always_inline]] { t[q] = V::load(m.load[q], row + q); });
      } else if constexpr (ColumnMasks<V, K, U>::kPair) {
        const Reg a = V::load(m.load[0], row), b = V::load(m.load[1], row + V::L);
        t[0] = V::even(a, b);
        t[1] = V::odd(a, b);
        t[2] = V::load_into(V::even_from_2(a, b), m.load[2], row + V::L + 1);
      } else {
        unroll<(K + 1) / 2>([&](auto i) [[gnu::always_inline]] {
          constexpr int q = 2 * decltype(i)::value;
          const Reg a = V::load(m.load[q], row + q);
          const Reg b = V::load(m.load[q + 1], row + q + V::L);
          t[q] = V::even(a, b);
          if constexpr (q + 1 < K) t[q + 1] = V::odd(a, b);
        });
      }
      unroll<B>([&](auto b) [[gnu::always_inline]] {
        constexpr int r = decltype(k)::value - decltype(b)::value * U;  // filter row
        if constexpr (r >= 0 && r < K) {
          unroll<K>([&](auto q)
                        [[gnu::always_inline]] { acc[b] = V::fma(w[r * K + q], t[q], acc[b]); });
        }
      });
    });
    unroll<B>([&](auto b) [[gnu::always_inline]] {
      const int64_t at = (e0 + b) * F + f0;
      Reg v = acc[b];
      if (res != nullptr) v = V::add(v, V::load(m.store, res + at));
      if (clamp) v = V::clamp(v, lo, hi);
      V::store(m.store, out + at, v);
    });
  }
}

template <class V, int K, int U>
void planes(const DepthwiseDirect& p) {
  // Output rows per block: each input row is loaded once per block, and the accumulators, K*K
  // weights and K taps must fit the 32 vector registers (8 + 9 + 3 for 3x3; 5x5 keeps 4 rows and
  // spills a few weights to the stack, which the loads absorb). 8 rows also cover a 7x7 plane
  // in one block.
  constexpr int kB = K == 3 ? 8 : 4;
  using Masks = ColumnMasks<V, K, U>;
  // Planes one block wide (7x7, 14x14) reuse one set of masks for every row block and plane.
  const Masks first(p, 0);
  const Masks* single = p.F <= V::L ? &first : nullptr;
  for (int64_t i = 0; i < p.planes; ++i) {
    const float* in = p.in + i * p.H * p.W;
    float* out = p.out + i * p.E * p.F;
    const float* res = p.residual != nullptr ? p.residual + i * p.E * p.F : nullptr;
    const float* w = p.weights + i * K * K;
    const float b = p.bias[i];
    int64_t e0 = 0;
    for (; e0 + kB <= p.E; e0 += kB) row_block<V, K, U, kB>(p, in, out, res, w, b, e0, single);
    // The last E mod kB rows.
    unroll<kB - 1>([&](auto n) [[gnu::always_inline]] {
      constexpr int rows = decltype(n)::value + 1;
      if (p.E - e0 == rows) row_block<V, K, U, rows>(p, in, out, res, w, b, e0, single);
    });
  }
}

template <class V>
void dispatch(const DepthwiseDirect& p) {
  if (p.K == 3) {
    p.U == 1 ? planes<V, 3, 1>(p) : planes<V, 3, 2>(p);
  } else {
    p.U == 1 ? planes<V, 5, 1>(p) : planes<V, 5, 2>(p);
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
