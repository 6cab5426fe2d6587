// AVX2 direct depthwise kernel (DepthwiseDirect in depthwise_kernel.hpp): blocks of 4 output
// rows x 8 output columns accumulated in registers across all taps, each input row loaded once
// per block and used by every output row whose window covers it. With 16 registers the 4
// accumulators and the K row taps stay in registers and the pre-broadcast weights are FMA memory
// operands (a load port is free for them: 3x3 stride 1 is 18 loads + 36 weight operands per
// 36 FMAs).
//
// Unlike AVX-512, AVX2 has no cheap masks: vmaskmovps stores are microcoded on AMD cores. So the
// column blocks that lie inside the row (all but the first and last of a plane) use plain
// loads and stores, and only the edge blocks use vmaskmovps. Stride 2 loads 16 consecutive
// columns and splits them into the even and odd taps with one vshufps each (no vpermt2ps), the
// outputs' lane order restored once per output vector.
#include <immintrin.h>

#include <utility>

#include "kernels/avx2_lanes.hpp"
#include "kernels/conv/depthwise_kernel.hpp"

namespace loupe::kernels::conv {
namespace {

constexpr int kL = 8;  // lanes

// f(std::integral_constant<int, i>) for i = 0 .. N-1 at compile time, so that the tap and
// accumulator arrays indexed by i are scalarized into registers. (The AVX-512 kernel has the
// same helper with [[gnu::always_inline]] on the inner lambda, which GCC 12 did not apply here.)
template <int N, class Fn>
[[gnu::always_inline]] inline void unroll(Fn&& f) {
  [&]<int... I>(std::integer_sequence<int, I...>) __attribute__((always_inline)) {
    (f(std::integral_constant<int, I>{}), ...);
  }
  (std::make_integer_sequence<int, N>{});
}

// Lanes j with 0 <= start + j < limit, as a vmaskmovps mask.
__m256i lanes(int64_t start, int64_t limit) {
  const __m256i j = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(start)),
                                     _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  const __m256i ge0 = _mm256_cmpgt_epi32(j, _mm256_set1_epi32(-1));
  const __m256i lt = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(limit)), j);
  return _mm256_and_si256(ge0, lt);
}

// The vector loads of one input row for one column block: stride 1 loads tap q at column q;
// stride 2 loads the 16 columns from q (q even) and splits them into taps q and q + 1.
template <int K, int U>
constexpr int kLoads = U == 1 ? K : 2 * ((K + 1) / 2);

template <int K, int U>
struct EdgeMasks {
  __m256i load[kLoads<K, U>];
  __m256i store;
  EdgeMasks(const DepthwiseDirect& p, int64_t f0) {
    const int64_t col0 = f0 * U - p.pad_left;
    for (int i = 0; i < kLoads<K, U>; ++i) {
      load[i] = lanes(U == 1 ? col0 + i : col0 + i / 2 * 2 + i % 2 * kL, p.W);
    }
    store = lanes(f0, p.F);
  }
};

// Whether column block f0 needs no mask: every load inside the row, all 8 outputs in range.
template <int K, int U>
bool inside(const DepthwiseDirect& p, int64_t f0) {
  const int64_t col0 = f0 * U - p.pad_left;
  const int64_t end = U == 1 ? col0 + K - 1 + kL : col0 + kLoads<K, U> - 2 + 2 * kL;
  return col0 >= 0 && end <= p.W && f0 + kL <= p.F;
}

// Output rows e0 .. e0+B-1, columns f0 .. f0+7 of one plane. rows[k] is input row e0*U - pad_top
// + k, or the zero row where that lies in the padding. `m` is null for an inside block.
// Stores are masked only from row masked_from on (the plane's last row): vmaskmovps stores are
// microcoded on AMD cores, so a short last vector of any other row is stored whole, spilling into
// the next row's first columns. The caller goes through the column blocks right to left and the
// rows top to bottom, so the spill is overwritten by that row's own first block afterwards.
template <int K, int U, int B>
[[gnu::always_inline]] inline void column_block(const float* const* rows, int64_t f0,
                                                int64_t col_shift, const __m256 (&w)[K * K],
                                                __m256 bias, __m256 lo, __m256 hi, bool clamp,
                                                const EdgeMasks<K, U>* m, int masked_from,
                                                const float* res, float* out, int64_t F) {
  constexpr int kRows = (B - 1) * U + K;
  __m256 acc[B];
  unroll<B>([&](auto b) __attribute__((always_inline)) { acc[b] = bias; });
  const auto load = [&](int i, const float* at) __attribute__((always_inline)) {
    return m == nullptr ? _mm256_loadu_ps(at) : _mm256_maskload_ps(at, m->load[i]);
  };
  unroll<kRows>([&](auto k) __attribute__((always_inline)) {
    const float* row = rows[k] + f0 * U - col_shift;
    __m256 t[K];
    if constexpr (U == 1) {
      unroll<K>([&](auto q) __attribute__((always_inline)) { t[q] = load(q, row + q); });
    } else {
      unroll<(K + 1) / 2>([&](auto i) __attribute__((always_inline)) {
        constexpr int q = 2 * decltype(i)::value;
        // One vshufps per tap, leaving the outputs in the lane order 0 1 4 5 2 3 6 7 (the
        // same for every tap); one vpermpd per output vector restores it before the store.
        const __m256 a = load(q, row + q), b = load(q + 1, row + q + kL);
        t[q] = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
        if constexpr (q + 1 < K) t[q + 1] = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
      });
    }
    unroll<B>([&](auto b) __attribute__((always_inline)) {
      constexpr int r = decltype(k)::value - decltype(b)::value * U;  // filter row
      if constexpr (r >= 0 && r < K) {
        unroll<K>([&](auto q) __attribute__((always_inline)) {
          acc[b] = _mm256_fmadd_ps(w[r * K + q], t[q], acc[b]);
        });
      }
    });
  });
  unroll<B>([&](auto b) __attribute__((always_inline)) {
    const int64_t at = b * F + f0;
    const bool masked = m != nullptr && b >= masked_from;
    __m256 v = acc[b];
    if constexpr (U == 2) {
      v = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(v), _MM_SHUFFLE(3, 1, 2, 0)));
    }
    if (res != nullptr) {
      v = _mm256_add_ps(
          v, masked ? _mm256_maskload_ps(res + at, m->store) : _mm256_loadu_ps(res + at));
    }
    if (clamp) v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
    if (!masked) {
      _mm256_storeu_ps(out + at, v);
    } else {
      _mm256_maskstore_ps(out + at, m->store, v);
    }
  });
}

template <int K, int U, int B>
void row_block(const DepthwiseDirect& p, const float* in, float* out, const float* res,
               const __m256 (&w)[K * K], __m256 bias, int64_t e0) {
  constexpr int kRows = (B - 1) * U + K;
  const float* rows[kRows];
  for (int k = 0; k < kRows; ++k) {
    const int64_t h = e0 * U - p.pad_top + k;
    rows[k] = h >= 0 && h < p.H ? in + h * p.W : p.zero;
  }
  const __m256 lo = _mm256_set1_ps(p.lo), hi = _mm256_set1_ps(p.hi);
  const bool clamp = p.clamp;
  const int64_t F = p.F, shift = p.pad_left;
  float* o = out + e0 * F;
  const float* r = res != nullptr ? res + e0 * F : nullptr;
  const int last_masked = e0 + B == p.E ? B - 1 : B;
  for (int64_t f0 = (F - 1) / kL * kL; f0 >= 0; f0 -= kL) {
    if (inside<K, U>(p, f0)) {
      column_block<K, U, B>(rows, f0, shift, w, bias, lo, hi, clamp, nullptr, B, r, o, F);
    } else {
      // A spill longer than the next row (planes under 4 columns) would reach past it.
      const int masked_from = f0 + kL <= 2 * F ? last_masked : 0;
      const EdgeMasks<K, U> m(p, f0);
      column_block<K, U, B>(rows, f0, shift, w, bias, lo, hi, clamp, &m, masked_from, r, o, F);
    }
  }
}

template <int K, int U>
void planes(const DepthwiseDirect& p) {
  constexpr int kB = 4;
  for (int64_t i = 0; i < p.planes; ++i) {
    const float* in = p.in + i * p.H * p.W;
    float* out = p.out + i * p.E * p.F;
    const float* res = p.residual != nullptr ? p.residual + i * p.E * p.F : nullptr;
    __m256 w[K * K];
    unroll<K * K>([&](auto j) __attribute__((always_inline)) {
      w[j] = _mm256_set1_ps(p.weights[i * K * K + j]);
    });
    const __m256 bias = _mm256_set1_ps(p.bias[i]);
    int64_t e0 = 0;
    for (; e0 + kB <= p.E; e0 += kB) row_block<K, U, kB>(p, in, out, res, w, bias, e0);
    switch (p.E - e0) {  // the last E mod 4 rows
      case 3:
        row_block<K, U, 3>(p, in, out, res, w, bias, e0);
        break;
      case 2:
        row_block<K, U, 2>(p, in, out, res, w, bias, e0);
        break;
      case 1:
        row_block<K, U, 1>(p, in, out, res, w, bias, e0);
        break;
      default:
        break;
    }
  }
}

}  // namespace

void depthwise_direct_avx2(const DepthwiseDirect& p) {
  if (p.K == 3) {
    p.U == 1 ? planes<3, 1>(p) : planes<3, 2>(p);
  } else {
    p.U == 1 ? planes<5, 1>(p) : planes<5, 2>(p);
  }
}

}  // namespace loupe::kernels::conv
