// AVX-512 pooling pieces: 16 outputs per vector. Unit column stride loads contiguously; other
// strides gather (stride 2 is the common case, and a gather of 16 from two cache lines is
// still far cheaper than 16 scalar loads). Tails use masked loads, never reading past the row.
// GCC 12's intrinsics pass _mm512_undefined_ps() as the unused merge operand, which
// -W(maybe-)uninitialized flags (GCC PR 105593, fixed in GCC 13): a header issue, not this code.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <limits>

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

// Lanes moved one column: each lane takes its left (from = the previous vector's last lane) or
// right neighbour (from = the next vector's first lane).
__m512 left_of(__m512 v, __m512 before) {
  return _mm512_castsi512_ps(
      _mm512_alignr_epi32(_mm512_castps_si512(v), _mm512_castps_si512(before), 15));
}
__m512 right_of(__m512 v, __m512 after) {
  return _mm512_castsi512_ps(
      _mm512_alignr_epi32(_mm512_castps_si512(after), _mm512_castps_si512(v), 1));
}

// Lanes 0, 2, .., 30 (even_of) or 1, 3, .., 31 (odd_of) of the 32 lanes of a then b: a stride-2
// output vector's columns.
__m512 even_of(__m512 a, __m512 b) {
  const __m512i idx = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  return _mm512_permutex2var_ps(a, idx, b);
}
__m512 odd_of(__m512 a, __m512 b) {
  const __m512i idx = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
  return _mm512_permutex2var_ps(a, idx, b);
}

// Row h of an H x W plane (W <= 32) as two vectors, -inf past its end and for rows outside.
class SmallRows {
 public:
  SmallRows(const float* x, int64_t H, int64_t W)
      : x_(x),
        H_(H),
        W_(W),
        k0_(avx512::first_lanes(W)),
        k1_(avx512::first_lanes(W - 16)),
        ninf_(_mm512_set1_ps(-std::numeric_limits<float>::infinity())) {}
  __m512 ninf() const { return ninf_; }
  // Stores a row of W outputs (a stride-1 pool's).
  void store(float* y, __m512 a, __m512 b) const {
    _mm512_mask_storeu_ps(y, k0_, a);
    if (W_ > 16) _mm512_mask_storeu_ps(y + 16, k1_, b);
  }
  void load(int64_t h, __m512& a, __m512& b) const {
    if (h < 0 || h >= H_) {
      a = b = ninf_;
      return;
    }
    a = _mm512_mask_loadu_ps(ninf_, k0_, x_ + h * W_);
    b = W_ > 16 ? _mm512_mask_loadu_ps(ninf_, k1_, x_ + h * W_ + 16) : ninf_;
  }

 private:
  const float* x_;
  int64_t H_, W_;
  __mmask16 k0_, k1_;
  __m512 ninf_;
};

// 3 x 3, stride 1, padding 1 on a plane of up to 32 columns: each output row is the max of
// three input rows (carried in registers from one output row to the next), then of every
// column with its neighbours (lane shifts that bring in -inf at the borders). No padded copy of
// the plane, no transposes: GoogLeNet's inception pools went through the 8-lane kernel's two
// transposes and [hp][wp][8] buffer.
void max3x3_s1_small(const float* x, float* y, int64_t H, int64_t W) {
  const SmallRows rows(x, H, W);
  const __m512 ninf = rows.ninf();
  __m512 pa = ninf, pb = ninf, ca, cb, na, nb;
  rows.load(0, ca, cb);
  for (int64_t e = 0; e < H; ++e) {
    rows.load(e + 1, na, nb);
    const __m512 a = _mm512_max_ps(_mm512_max_ps(pa, ca), na);
    const __m512 b = _mm512_max_ps(_mm512_max_ps(pb, cb), nb);
    rows.store(y + e * W, _mm512_max_ps(a, _mm512_max_ps(left_of(a, ninf), right_of(a, b))),
               _mm512_max_ps(b, _mm512_max_ps(left_of(b, a), right_of(b, ninf))));
    pa = ca;
    pb = cb;
    ca = na;
    cb = nb;
  }
}

// Stride 2, no padding at the top or left, K x K windows (K = 2 or 3): output row e is the max
// v of input rows 2e..2e+K-1; with K = 3 m[c] = max(v[c], v[c + 1]), with K = 2 m = v; output
// column f = max(m[2f], m[2f + 1]), the even and odd lanes of m picked from its two vectors by
// one permute each.
template <int K>
void max_s2_small(const float* x, float* y, int64_t H, int64_t W, int64_t E, int64_t F) {
  const SmallRows rows(x, H, W);
  const __m512 ninf = rows.ninf();
  const __mmask16 out = avx512::first_lanes(F);
  __m512 a0, b0, a1, b1, a2 = ninf, b2 = ninf;
  rows.load(0, a0, b0);
  for (int64_t e = 0; e < E; ++e) {
    if (K == 2 && e > 0) rows.load(2 * e, a0, b0);
    rows.load(2 * e + 1, a1, b1);
    if (K == 3) rows.load(2 * e + 2, a2, b2);
    __m512 ma = _mm512_max_ps(_mm512_max_ps(a0, a1), a2);
    __m512 mb = _mm512_max_ps(_mm512_max_ps(b0, b1), b2);
    if (K == 3) {
      const __m512 next = right_of(ma, mb);
      mb = _mm512_max_ps(mb, right_of(mb, ninf));
      ma = _mm512_max_ps(ma, next);
      a0 = a2;
      b0 = b2;
    }
    _mm512_mask_storeu_ps(y + e * F, out, _mm512_max_ps(even_of(ma, mb), odd_of(ma, mb)));
  }
}

// Max pooling with K x K windows (K = 2 or 3), stride U (1 or 2) and p (0 or 1) rows and
// columns of padding at the top and left, straight from the plane: no padded copy, no
// transposes. Per output row, V is the max of the window's input rows, 16 columns a vector
// (-inf past the plane's edges, which also serves ceil_mode and any bottom or right padding);
// neighbouring columns come from lane shifts across adjacent vectors of V, and with stride 2
// the even and odd lanes of a pair of vectors by one permute each.
template <int K, int U, int P>
void max_window_rows(const MaxRows& p) {
  const float* x = p.x;
  const int64_t H = p.H, W = p.W, E = p.E, F = p.F;
  const __m512 ninf = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  const int64_t chunks = (F + 15) / 16;
  for (int64_t e = 0; e < E; ++e) {
    const int64_t h0 = e * U - P;
    // V's vector v (columns 16 v ..): the max of rows h0 .. h0 + K - 1 that lie in the plane.
    const auto column_max = [&](int64_t v) {
      if (v < 0 || 16 * v >= W) return ninf;
      const __mmask16 m = avx512::first_lanes(W - 16 * v);
      __m512 acc = ninf;
      for (int r = 0; r < K; ++r) {
        const int64_t h = h0 + r;
        if (h >= 0 && h < H)
          acc = _mm512_max_ps(acc, _mm512_mask_loadu_ps(ninf, m, x + h * W + 16 * v));
      }
      return acc;
    };
    float* y = p.y + e * F;
    if (U == 1) {  // K = 3, P = 1: columns f - 1, f, f + 1
      __m512 prev = ninf, cur = column_max(0);
      for (int64_t j = 0; j < chunks; ++j) {
        const __m512 next = column_max(j + 1);
        const __m512 o = _mm512_max_ps(cur, _mm512_max_ps(left_of(cur, prev), right_of(cur, next)));
        _mm512_mask_storeu_ps(y + 16 * j, avx512::first_lanes(F - 16 * j), o);
        prev = cur;
        cur = next;
      }
      continue;
    }
    __m512 prev = ninf, a = column_max(0);
    for (int64_t j = 0; j < chunks; ++j) {
      const __m512 b = column_max(2 * j + 1);
      const __m512 next = column_max(2 * j + 2);
      __m512 o;
      if (P == 0) {  // columns 2f .. 2f + K - 1
        const __m512 pa = K == 3 ? _mm512_max_ps(a, right_of(a, b)) : a;
        const __m512 pb = K == 3 ? _mm512_max_ps(b, right_of(b, next)) : b;
        o = _mm512_max_ps(even_of(pa, pb), odd_of(pa, pb));
      } else {  // columns 2f - 1 .. 2f + K - 2
        const __m512 ma = _mm512_max_ps(a, left_of(a, prev));
        const __m512 mb = _mm512_max_ps(b, left_of(b, a));
        o = even_of(ma, mb);
        if (K == 3) o = _mm512_max_ps(o, odd_of(a, b));
      }
      _mm512_mask_storeu_ps(y + 16 * j, avx512::first_lanes(F - 16 * j), o);
      prev = b;
      a = next;
    }
  }
}

void max_rows(const MaxRows& p) {
  // Up to 32 columns (one or two vectors a row) the kernels above keep rows in registers from
  // one output row to the next and skip the general one's per-vector edge tests: GoogLeNet's
  // inception pools 0.013-0.027 ms against 0.028-0.041 with the general kernel.
  if (p.W <= 32 && p.R == 3 && p.U == 1 && p.pad_top == 1) {
    max3x3_s1_small(p.x, p.y, p.H, p.W);
    return;
  }
  if (p.W <= 32 && p.U == 2 && p.pad_top == 0) {
    if (p.R == 2) {
      max_s2_small<2>(p.x, p.y, p.H, p.W, p.E, p.F);
    } else {
      max_s2_small<3>(p.x, p.y, p.H, p.W, p.E, p.F);
    }
    return;
  }
  const int kind = (p.R == 3 ? 4 : 0) + (p.U == 2 ? 2 : 0) + static_cast<int>(p.pad_top);
  switch (kind) {
    case 4 + 0 + 1:
      max_window_rows<3, 1, 1>(p);
      break;
    case 4 + 2 + 0:
      max_window_rows<3, 2, 0>(p);
      break;
    case 4 + 2 + 1:
      max_window_rows<3, 2, 1>(p);
      break;
    case 0 + 2 + 0:
      max_window_rows<2, 2, 0>(p);
      break;
    case 0 + 2 + 1:
      max_window_rows<2, 2, 1>(p);
      break;
    default:
      break;  // not offered: max_rows_supports()
  }
}

}  // namespace

// The plane and lane kernels are the AVX2 ones (an AVX-512 CPU runs them): 8 lanes already make
// these reductions load-bound, and the two-pass path cost 3x more: SqueezeNet's 64 x 111 x 111
// 3 x 3 / 2 max pool, 1 thread (loupe profile, Zen 4): 0.82 -> 0.30 ms. The small-plane max
// kernels are AVX-512's own.
const PoolMicrokernels& pool_microkernels_avx512() {
  static const PoolMicrokernels k{Isa::avx512,
                                  vmax,
                                  vadd,
                                  hmax,
                                  hsum,
                                  reduce_max,
                                  reduce_sum,
                                  pool_microkernels_avx2().plane,
                                  pool_microkernels_avx2().lanes,
                                  max_rows};
  return k;
}

}  // namespace loupe::kernels::pool
