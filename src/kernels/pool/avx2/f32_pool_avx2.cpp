// AVX2 pooling pieces: 8 outputs per vector, masked tails; stride-2 columns split from plain
// loads, larger strides gathered.
#include <immintrin.h>

#include <algorithm>
#include <limits>

#include "kernels/avx2_lanes.hpp"
#include "kernels/pool/ukernel.hpp"

namespace loupe::kernels::pool {
namespace {

// The tail of a row (fewer than 8 columns) in one masked vector rather than a scalar loop:
// pooling rows are short (7 to 56 columns in the zoo), so the tail is often most of the row.
// dst is the caller's row buffer, which has slack: lanes past n are read and written back as
// they were (they may hold the right padding).
template <bool kMax>
void vreduce(float* dst, const float* src, int64_t n) {
  const auto op = [](__m256 a, __m256 b) {
    return kMax ? _mm256_max_ps(a, b) : _mm256_add_ps(a, b);
  };
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(dst + i, op(_mm256_loadu_ps(dst + i), _mm256_loadu_ps(src + i)));
  }
  if (i < n) {
    const __m256i m = avx2::first_lanes(n - i);
    const __m256 d = _mm256_loadu_ps(dst + i);
    const __m256 v = op(d, _mm256_maskload_ps(src + i, m));
    _mm256_storeu_ps(dst + i, _mm256_blendv_ps(d, v, _mm256_castsi256_ps(m)));
  }
}

void vmax(float* dst, const float* src, int64_t n) { vreduce<true>(dst, src, n); }
void vadd(float* dst, const float* src, int64_t n) { vreduce<false>(dst, src, n); }

// Outputs f .. f + 7 of a row at y + f, the first F - f of them stored (all when F - f >= 8);
// an average first multiplies by scale * inv_cols[f ..] (its separable divisor). A max reads
// neither, and its inv_cols may be null.
template <bool kMax>
inline void store_outputs(__m256 acc, float* y, int64_t f, int64_t F, float scale,
                          const float* inv_cols) {
  const bool full = f + 8 <= F;
  const __m256i m = avx2::first_lanes(F - f);
  if (!kMax) {
    const __m256 inv = full ? _mm256_loadu_ps(inv_cols + f) : _mm256_maskload_ps(inv_cols + f, m);
    acc = _mm256_mul_ps(_mm256_mul_ps(acc, _mm256_set1_ps(scale)), inv);
  }
  if (full) {
    _mm256_storeu_ps(y + f, acc);
  } else {
    _mm256_maskstore_ps(y + f, m, acc);
  }
}

template <bool kMax>
void hreduce(const float* t, float* y, int64_t F, int64_t S, int64_t u, int64_t dil, float scale,
             const float* inv_cols) {
  const __m256i idx = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                                         _mm256_set1_epi32(static_cast<int>(u)));
  int64_t f = 0;
  // With stride 1 or 2 the last, partial vector of outputs is computed whole (its extra lanes
  // read the caller's slack) and stored under a mask.
  const int64_t vector_end = u <= 2 ? F : F / 8 * 8;
  for (; f < vector_end; f += 8) {
    // Stride 2 (here only with dilation: plane() takes the rest) splits two plain loads into
    // even and odd columns: vgatherdps is several times slower on AMD cores. It reads one float
    // past the last window, within the caller's slack.
    auto load = [&](int64_t off) {
      if (u == 1) return _mm256_loadu_ps(t + f + off);
      if (u == 2) {
        const float* at = t + f * 2 + (off & ~int64_t{1});
        return (off & 1) != 0 ? avx2::odd_lanes(_mm256_loadu_ps(at), _mm256_loadu_ps(at + 8))
                              : avx2::even_lanes(_mm256_loadu_ps(at), _mm256_loadu_ps(at + 8));
      }
      return _mm256_i32gather_ps(t + f * u + off, idx, 4);
    };
    __m256 acc = load(0);
    for (int64_t s = 1; s < S; ++s) {
      acc = kMax ? _mm256_max_ps(acc, load(s * dil)) : _mm256_add_ps(acc, load(s * dil));
    }
    store_outputs<kMax>(acc, y, f, F, scale, inv_cols);
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

// One output row of a plane, in two steps. The window's input rows are reduced column by column
// into the padded row buffer (stride 2: split into even and odd columns on the way), then each
// output reduces S taps of that row. Each input element is loaded R / U times instead of the
// R S / U of a window-by-window loop, and the row stays in L1. S = 3 is unrolled (the zoo's
// window); S = 0 takes p.S. The fields are copied to locals: the stores may alias p.
template <bool kMax, int U, int S>
void plane_rows(const PoolPlane& p) {
  const auto op = [](__m256 a, __m256 b) {
    return kMax ? _mm256_max_ps(a, b) : _mm256_add_ps(a, b);
  };
  const int64_t H = p.H, W = p.W, E = p.E, F = p.F, R = p.R, taps = S > 0 ? S : p.S;
  const int64_t pad_top = p.pad_top, pl = p.pad_left, phase = p.phase;
  const bool prefetch = p.prefetch;
  const float* x = p.x;
  const float* inv_rows = p.inv_rows;
  const float* inv_cols = p.inv_cols;
  float* buf = p.buf;
  float* y = p.y;
  // Where input column w goes: padded column w + pl (stride 2: phase (w + pl) % 2, index
  // (w + pl) / 2; even w and odd w each land in one phase).
  float* cols = buf + pl;
  float* even_cols = buf + (pl % 2) * phase + pl / 2;
  float* odd_cols = buf + ((pl + 1) % 2) * phase + (pl + 1) / 2;
  const __m256 fill = _mm256_set1_ps(kMax ? -std::numeric_limits<float>::infinity() : 0.0f);
  for (int64_t e = 0; e < E; ++e) {
    const int64_t h_first = e * U - pad_top;
    const int64_t h0 = std::max<int64_t>(0, h_first), h1 = std::min(H, h_first + R);
    const float* x0 = x + h0 * W;
    // Columns [w, w + 8) of the window's rows, reduced; lanes outside `m` are never stored.
    // A window below or above the input (ceil_mode) holds the padding value.
    const auto column = [&](int64_t w, bool full, __m256i m) {
      if (h1 <= h0) return fill;
      const float* src = x0 + w;
      __m256 acc = full ? _mm256_loadu_ps(src) : _mm256_maskload_ps(src, m);
      for (int64_t h = h0 + 1; h < h1; ++h) {
        src += W;
        acc = op(acc, full ? _mm256_loadu_ps(src) : _mm256_maskload_ps(src, m));
      }
      return acc;
    };
    const __m256i all = _mm256_set1_epi32(-1);
    // An input that streams from DRAM: the rows output row e + 2 adds to its window are fetched
    // now, while they lie in the plane (a pointer past the input would be undefined behaviour).
    const int64_t h_ahead = h_first + R + U;
    if (prefetch && h_ahead >= 0 && h_ahead + U <= H) {
      const char* ahead = reinterpret_cast<const char*>(x + h_ahead * W);
      for (int64_t b = 0; b < U * W * 4; b += 64) _mm_prefetch(ahead + b, _MM_HINT_T0);
    }
    int64_t w = 0;
    if (U == 1) {
      for (; w + 8 <= W; w += 8) _mm256_storeu_ps(cols + w, column(w, true, all));
      if (w < W) {
        const __m256i m = avx2::first_lanes(W - w);
        _mm256_maskstore_ps(cols + w, m, column(w, false, m));
      }
    } else {
      for (; w + 16 <= W; w += 16) {
        const __m256 a = column(w, true, all), b = column(w + 8, true, all);
        _mm256_storeu_ps(even_cols + w / 2, avx2::even_lanes(a, b));
        _mm256_storeu_ps(odd_cols + w / 2, avx2::odd_lanes(a, b));
      }
      if (w < W) {
        const int64_t n = W - w;
        const __m256i ma = avx2::first_lanes(n), mb = avx2::first_lanes(n - 8);
        const __m256 a = column(w, n >= 8, ma);
        const __m256 b = n > 8 ? column(w + 8, false, mb) : fill;
        _mm256_maskstore_ps(even_cols + w / 2, avx2::first_lanes((n + 1) / 2),
                            avx2::even_lanes(a, b));
        _mm256_maskstore_ps(odd_cols + w / 2, avx2::first_lanes(n / 2), avx2::odd_lanes(a, b));
      }
    }
    // Tap s of output f: padded column f U + s (stride 2: phase s % 2, index f + s / 2). The
    // last vector of a row is computed whole (its extra lanes read the buffer's slack) and
    // stored under a mask.
    float* out = y + e * F;
    for (int64_t f = 0; f < F; f += 8) {
      const auto tap = [&](int64_t s) {
        return _mm256_loadu_ps(U == 1 ? buf + f + s : buf + (s % 2) * phase + f + s / 2);
      };
      __m256 acc = tap(0);
      for (int64_t s = 1; s < taps; ++s) acc = op(acc, tap(s));
      store_outputs<kMax>(acc, out, f, F, kMax ? 1.0f : inv_rows[e], inv_cols);
    }
  }
}

template <bool kMax>
void plane_for(const PoolPlane& p) {
  if (p.S == 3) {
    p.U == 1 ? plane_rows<kMax, 1, 3>(p) : plane_rows<kMax, 2, 3>(p);
  } else {
    p.U == 1 ? plane_rows<kMax, 1, 0>(p) : plane_rows<kMax, 2, 0>(p);
  }
}

void plane(const PoolPlane& p) { p.max ? plane_for<true>(p) : plane_for<false>(p); }

// Every output vector of the lane layout; K = R = S when nonzero, else the window is p's. The
// fields are copied to locals: the vector stores may alias p, so the compiler would reload them
// on every tap.
template <bool kMax, int K>
void lane_windows(const PoolLanes& p) {
  const int64_t R = K > 0 ? K : p.R, S = K > 0 ? K : p.S, E = p.E, F = p.F;
  const int64_t tap_r = p.dil_h * p.wp * 8, tap_s = p.dil_w * 8;
  const int64_t step_e = p.U * p.wp * 8, step_f = p.U_w * 8;
  const float* buf = p.buf;
  float* out = p.out;
  const float* inv_rows = p.inv_rows;
  const float* inv_cols = p.inv_cols;
  for (int64_t e = 0; e < E; ++e) {
    const float* row = buf + e * step_e;
    float* o = out + e * F * 8;
    for (int64_t f = 0; f < F; ++f) {
      const float* t = row + f * step_f;
      __m256 acc = _mm256_loadu_ps(t);
      for (int64_t r = 0; r < R; ++r) {
        for (int64_t s = r == 0 ? 1 : 0; s < S; ++s) {
          const __m256 v = _mm256_loadu_ps(t + r * tap_r + s * tap_s);
          acc = kMax ? _mm256_max_ps(acc, v) : _mm256_add_ps(acc, v);
        }
      }
      if (!kMax) acc = _mm256_mul_ps(acc, _mm256_set1_ps(inv_rows[e] * inv_cols[f]));
      _mm256_storeu_ps(o + f * 8, acc);
    }
  }
}

// 3 x 3 windows of dilation 1 at column stride 1 or 2 (any row stride): each column's three
// rows are reduced once and kept in registers for the windows that share it (at stride 1 the
// next two outputs, at stride 2 the next one), so an output costs 3 or 6 loads instead of 9.
template <bool kMax, int UW>
void lane_windows_3x3(const PoolLanes& p) {
  const auto op = [](__m256 a, __m256 b) {
    return kMax ? _mm256_max_ps(a, b) : _mm256_add_ps(a, b);
  };
  const int64_t E = p.E, F = p.F, row = p.wp * 8, step_e = p.U * row;
  const float* buf = p.buf;
  float* out = p.out;
  const float* inv_rows = p.inv_rows;
  const float* inv_cols = p.inv_cols;
  for (int64_t e = 0; e < E; ++e) {
    const float* r0 = buf + e * step_e;
    const auto column = [&](int64_t c) {
      const float* t = r0 + c * 8;
      return op(op(_mm256_loadu_ps(t), _mm256_loadu_ps(t + row)), _mm256_loadu_ps(t + 2 * row));
    };
    float* o = out + e * F * 8;
    __m256 a = column(0), b = UW == 1 ? column(1) : a;
    for (int64_t f = 0; f < F; ++f) {
      __m256 acc;
      if (UW == 1) {
        const __m256 c = column(f + 2);
        acc = op(op(a, b), c);
        a = b;
        b = c;
      } else {
        const __m256 c = column(2 * f + 2);
        acc = op(op(a, column(2 * f + 1)), c);
        a = c;
      }
      if (!kMax) acc = _mm256_mul_ps(acc, _mm256_set1_ps(inv_rows[e] * inv_cols[f]));
      _mm256_storeu_ps(o + f * 8, acc);
    }
  }
}

void lanes(const PoolLanes& p) {
  // In: 8 pixels of the flattened planes at a time, transposed so that each vector is a pixel.
  const int64_t HW = p.H * p.W, W = p.W, wp = p.wp;
  const float* x = p.x;
  float* buf = p.buf + (p.pad_top * wp + p.pad_left) * 8;
  int64_t h = 0, w = 0;
  for (int64_t q = 0; q < HW; q += 8) {
    const int64_t n = std::min<int64_t>(8, HW - q);
    const __m256i mask = avx2::first_lanes(n);
    __m256 r[8];
    for (int c = 0; c < 8; ++c) {
      const float* src = x + c * HW + q;
      r[c] = n == 8 ? _mm256_loadu_ps(src) : _mm256_maskload_ps(src, mask);
    }
    avx2::transpose8(r);
    for (int64_t i = 0; i < n; ++i) {
      _mm256_storeu_ps(buf + (h * wp + w) * 8, r[i]);
      if (++w == W) {
        w = 0;
        ++h;
      }
    }
  }
  // The windows, whole vectors: 3 x 3 (the most common) shares column reductions where it can,
  // else has its taps unrolled.
  if (p.R == 3 && p.S == 3 && p.dil_h == 1 && p.dil_w == 1 && (p.U_w == 1 || p.U_w == 2)) {
    if (p.U_w == 1) {
      p.max ? lane_windows_3x3<true, 1>(p) : lane_windows_3x3<false, 1>(p);
    } else {
      p.max ? lane_windows_3x3<true, 2>(p) : lane_windows_3x3<false, 2>(p);
    }
  } else if (p.R == 3 && p.S == 3) {
    p.max ? lane_windows<true, 3>(p) : lane_windows<false, 3>(p);
  } else {
    p.max ? lane_windows<true, 0>(p) : lane_windows<false, 0>(p);
  }
  // Out: 8 output pixels at a time, transposed back into the planes.
  const int64_t EF = p.E * p.F;
  const float* out = p.out;
  float* y = p.y;
  for (int64_t q = 0; q < EF; q += 8) {
    const int64_t n = std::min<int64_t>(8, EF - q);
    __m256 r[8];
    for (int64_t i = 0; i < 8; ++i) {
      r[i] = i < n ? _mm256_loadu_ps(out + (q + i) * 8) : _mm256_setzero_ps();
    }
    avx2::transpose8(r);
    for (int c = 0; c < 8; ++c) {
      float* dst = y + c * EF + q;
      if (n == 8) {
        _mm256_storeu_ps(dst, r[c]);
      } else {
        alignas(32) float tmp[8];
        _mm256_store_ps(tmp, r[c]);
        std::copy(tmp, tmp + n, dst);
      }
    }
  }
}

}  // namespace

const PoolMicrokernels& pool_microkernels_avx2() {
  static const PoolMicrokernels k{Isa::avx2,  vmax,       vadd,  hmax, hsum,
                                  reduce_max, reduce_sum, plane, lanes};
  return k;
}

}  // namespace loupe::kernels::pool
