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

// Outputs f0 .. f0 + 8 NV - 1 of every row (the last vector possibly partial) from the padded
// plane: NV independent accumulator chains (a single chain per vector would wait on each max's
// latency, and rows of 7 to 28 outputs are the zoo's common case).
template <bool kMax, int U, int NV>
void column_block(const PoolPlane& p, int64_t f0) {
  const auto op = [](__m256 a, __m256 b) {
    return kMax ? _mm256_max_ps(a, b) : _mm256_add_ps(a, b);
  };
  __m256i store_mask[NV];
  for (int v = 0; v < NV; ++v)
    store_mask[v] = avx2::first_lanes(std::min<int64_t>(8, p.F - f0 - 8 * v));
  for (int64_t e = 0; e < p.E; ++e) {
    const float* rows = p.buf + e * U * p.row + f0;
    __m256 acc[NV];
    for (int v = 0; v < NV; ++v) {
      acc[v] = _mm256_set1_ps(kMax ? -std::numeric_limits<float>::infinity() : 0.0f);
    }
    // Tap s of output f: padded column f U + s (stride 2: phase s % 2, index f + s / 2).
    const auto tap = [&](int64_t r, int64_t s, int v) {
      return _mm256_loadu_ps(rows + r * p.row + v * 8 + (U == 1 ? s : (s % 2) * p.phase + s / 2));
    };
    if (p.R == 3 && p.S == 3) {
      // The zoo's window, unrolled, as a tree (depth 4 instead of a chain of 9).
      for (int v = 0; v < NV; ++v) {
        __m256 m[3];
        for (int r = 0; r < 3; ++r) m[r] = op(op(tap(r, 0, v), tap(r, 1, v)), tap(r, 2, v));
        acc[v] = op(op(m[0], m[1]), m[2]);
      }
    } else {
      for (int64_t r = 0; r < p.R; ++r) {
        for (int64_t s = 0; s < p.S; ++s) {
          for (int v = 0; v < NV; ++v) acc[v] = op(acc[v], tap(r, s, v));
        }
      }
    }
    float* out = p.y + e * p.F + f0;
    for (int v = 0; v < NV; ++v) {
      const bool full = f0 + 8 * v + 8 <= p.F;
      __m256 x = acc[v];
      if (!kMax) {
        const float* inv = p.inv_cols + f0 + 8 * v;
        x = _mm256_mul_ps(_mm256_mul_ps(x, _mm256_set1_ps(p.inv_rows[e])),
                          full ? _mm256_loadu_ps(inv) : _mm256_maskload_ps(inv, store_mask[v]));
      }
      if (full) {
        _mm256_storeu_ps(out + 8 * v, x);
      } else {
        _mm256_maskstore_ps(out + 8 * v, store_mask[v], x);
      }
    }
  }
}

template <bool kMax, int U>
void plane_rows(const PoolPlane& p) {
  for (int64_t f0 = 0; f0 < p.F; f0 += 32) {
    switch (std::min<int64_t>(4, (p.F - f0 + 7) / 8)) {
      case 4:
        column_block<kMax, U, 4>(p, f0);
        break;
      case 3:
        column_block<kMax, U, 3>(p, f0);
        break;
      case 2:
        column_block<kMax, U, 2>(p, f0);
        break;
      default:
        column_block<kMax, U, 1>(p, f0);
        break;
    }
  }
}

// The plane into the padded buffer (stride 2: each row split into its even and odd columns).
void copy_padded(const PoolPlane& p) {
  for (int64_t h = 0; h < p.H; ++h) {
    const float* in = p.x + h * p.W;
    float* dst = p.buf + (h + p.pad_top) * p.row;
    if (p.U == 1) {
      std::copy(in, in + p.W, dst + p.pad_left);
      continue;
    }
    // Input column w is padded column w + pad_left: phase (w + pad_left) % 2, index / 2.
    const int64_t pl = p.pad_left;
    float* even_cols = dst + (pl % 2) * p.phase + pl / 2;             // w = 0, 2, 4, ...
    float* odd_cols = dst + ((pl + 1) % 2) * p.phase + (pl + 1) / 2;  // w = 1, 3, 5, ...
    int64_t w = 0;
    for (; w + 16 <= p.W; w += 16) {
      const __m256 a = _mm256_loadu_ps(in + w), b = _mm256_loadu_ps(in + w + 8);
      _mm256_storeu_ps(even_cols + w / 2, avx2::even_lanes(a, b));
      _mm256_storeu_ps(odd_cols + w / 2, avx2::odd_lanes(a, b));
    }
    for (; w + 8 <= p.W; w += 8) {
      const __m256 a = _mm256_loadu_ps(in + w);
      _mm_storeu_ps(even_cols + w / 2, _mm256_castps256_ps128(avx2::even_lanes(a, a)));
      _mm_storeu_ps(odd_cols + w / 2, _mm256_castps256_ps128(avx2::odd_lanes(a, a)));
    }
    for (int64_t i = w; i < p.W; i += 2) even_cols[i / 2] = in[i];
    for (int64_t i = w + 1; i < p.W; i += 2) odd_cols[i / 2] = in[i];
  }
}

void plane(const PoolPlane& p) {
  copy_padded(p);
  if (p.max) {
    p.U == 1 ? plane_rows<true, 1>(p) : plane_rows<true, 2>(p);
  } else {
    p.U == 1 ? plane_rows<false, 1>(p) : plane_rows<false, 2>(p);
  }
}

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
  // The windows, whole vectors (3 x 3 with the taps unrolled, the most common).
  if (p.R == 3 && p.S == 3) {
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
