#pragma once
// The Winograd transforms over a vector of channels (input) or filters (output) at once, written
// with GCC vector extensions so that one source becomes AVX-512, AVX2 or SSE code depending on
// the flags of the file that includes it (avx512/, avx2/, scalar/). The including file picks the
// vector width L: 16 floats where that is one register (AVX-512), 8 with AVX2, where a 16-float
// vector is a pair of registers and a tile's 2 x alpha^2 of them spilled on every step. The tile
// size alpha is a template parameter, so that the small matrix products unroll into straight
// FMAs. Everything here has internal linkage: each including file gets its own copy, compiled for
// its ISA.
#include <algorithm>
#include <array>
#include <cstring>

#include "kernels/conv/winograd_kernel.hpp"
#include "kernels/conv/winograd_matrices.hpp"
#ifdef __AVX2__
#include <immintrin.h>

#include "kernels/avx2_lanes.hpp"
#endif
#ifdef __AVX512F__
#include "kernels/avx512_lanes.hpp"
#endif

// Vector types by value in internal functions only; the ABI note does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace loupe::kernels::conv {
namespace {

// A vector of L floats (GCC drops a vector_size that depends on an alias template's
// parameter, so each width is spelled out).
template <int L>
struct LanesOf;
template <>
struct LanesOf<8> {
  typedef float type __attribute__((vector_size(8 * sizeof(float))));
};
template <>
struct LanesOf<16> {
  typedef float type __attribute__((vector_size(16 * sizeof(float))));
};
template <int L>
using Lanes = typename LanesOf<L>::type;
static_assert(sizeof(Lanes<8>) == 32 && sizeof(Lanes<16>) == 64);

// The band's channel blocks (WinogradInput).
constexpr int kBandBlock = 16;

// acc (+)= c x for a coefficient c of the constant matrices (winograd_matrices.hpp): once the
// loops unroll, c is known where it is used, so a 0 drops the term and +-1 needs no multiply.
// Run-time coefficients cost the dense product: F(4x4)'s input transform 432 vector FMAs per
// tile and 16 channels where 14 of B^T's 36 entries are 0 and 6 are +-1.
template <int L>
inline void add_term(Lanes<L>& acc, bool& started, float c, const Lanes<L>& x) {
  if (c == 0.0f) return;
  if (!started) {
    acc = c == 1.0f ? x : c == -1.0f ? -x : c * x;
    started = true;
  } else {
    acc = c == 1.0f ? acc + x : c == -1.0f ? acc - x : acc + c * x;
  }
}

// out (ROWS x COLS) = lhs (ROWS x K, row-major, constant) * in (K x COLS).
template <int L, int ROWS, int K, int COLS, size_t N>
inline void mul_left(const std::array<float, N>& lhs, const Lanes<L>* in, Lanes<L>* out) {
  static_assert(N == ROWS * K);
#pragma GCC unroll 8
  for (int i = 0; i < ROWS; ++i) {
#pragma GCC unroll 8
    for (int j = 0; j < COLS; ++j) {
      Lanes<L> acc = {};
      bool started = false;
#pragma GCC unroll 8
      for (int q = 0; q < K; ++q) add_term<L>(acc, started, lhs[i * K + q], in[q * COLS + j]);
      out[i * COLS + j] = acc;
    }
  }
}

// out (ROWS x NR) = in (ROWS x K) * rhs^T where rhs is NR x K row-major (constant).
template <int L, int ROWS, int K, int NR, size_t N>
inline void mul_right_t(const Lanes<L>* in, const std::array<float, N>& rhs, Lanes<L>* out) {
  static_assert(N >= NR * K);
#pragma GCC unroll 8
  for (int i = 0; i < ROWS; ++i) {
#pragma GCC unroll 8
    for (int j = 0; j < NR; ++j) {
      Lanes<L> acc = {};
      bool started = false;
#pragma GCC unroll 8
      for (int q = 0; q < K; ++q) add_term<L>(acc, started, rhs[j * K + q], in[i * K + q]);
      out[i * NR + j] = acc;
    }
  }
}

template <int L, int A>
void input_tiles(const WinogradInput& p) {
  constexpr int m = A - 2;
  const auto& bt = kWinograd<m>.bt;
  Lanes<L> d[A * A], tmp[A * A], v[A * A];
  for (int64_t tl = 0; tl < p.t_count; ++tl) {
    const int64_t row0 = (tl / p.tiles_w) * m, col0 = (tl % p.tiles_w) * m;
    for (int64_t c0 = 0; c0 < p.C; c0 += L) {
      const int nl = static_cast<int>(std::min<int64_t>(L, p.C - c0));
      const float* blk = p.band + (c0 / kBandBlock * p.Hb * p.Wb) * kBandBlock + c0 % kBandBlock;
      for (int i = 0; i < A; ++i) {
        const float* src = blk + ((row0 + i) * p.Wb + col0) * kBandBlock;
        for (int j = 0; j < A; ++j) std::memcpy(&d[i * A + j], src + j * kBandBlock, sizeof(d[0]));
      }
      mul_left<L, A, A, A>(bt, d, tmp);     // B^T d
      mul_right_t<L, A, A, A>(tmp, bt, v);  // (B^T d) B
      for (int pos = 0; pos < A * A; ++pos) {
        float* dst = p.v + pos * p.pos_stride + tl * p.C + c0;
        if (nl == L) {  // a constant size: one vector store, not a call
          std::memcpy(dst, &v[pos], sizeof(v[pos]));
        } else {
          std::memcpy(dst, &v[pos], sizeof(float) * static_cast<size_t>(nl));
        }
      }
    }
  }
}

#ifdef __AVX512F__
// The AVX-512 output transform takes the tiles of a tile row in groups that span up to 16 output
// columns (4 tiles of F(4x4)) and writes each filter's row of the group as one vector. Tile by
// tile, every filter's row got a 16-byte store into a line that the group's next tiles then
// stored into again; on a 224 x 224 map, whose planes lie whole pages apart, the 16 filters' lines
// of a row all fall in one set of the L1 and evicted each other between those stores.
// Harness, old and new alternating, 2-vCPU Xeon, one chunk (O in L2), us: VGG-16's conv1_2 (112
// tiles x 64 filters) 140.7 -> 78.6, the same on a 220 x 220 map (no page aliasing) 154.0 -> 71.4,
// a 56 x 56 map's chunk 81.7 -> 42.2 (docs/kernels.md).
template <int A>
void output_groups16(const WinogradOutput& p) {
  constexpr int m = A - 2, G = 16 / m;  // tiles per group
  const auto& at = kWinograd<m>.at;
  const int64_t ef = p.E * p.F;
  Lanes<16> o[A * A], tmp[m * A], y[m * m];
  const __m512 lo = _mm512_set1_ps(p.lo), hi = _mm512_set1_ps(p.hi);
  for (int64_t tl = 0; tl < p.t_count;) {
    const int64_t t = p.t_begin + tl;
    const int64_t e0 = (t / p.tiles_w) * m, f0 = (t % p.tiles_w) * m;
    const int g =
        static_cast<int>(std::min<int64_t>({G, p.tiles_w - t % p.tiles_w, p.t_count - tl}));
    const int rows = static_cast<int>(std::min<int64_t>(m, p.E - e0));
    const __mmask16 cols = avx512::first_lanes(std::min<int64_t>(g * m, p.F - f0));
    for (int64_t m0 = 0; m0 < p.M; m0 += 16) {
      const int nl = static_cast<int>(std::min<int64_t>(16, p.M - m0));
      const __m512 bias = p.bias == nullptr
                              ? _mm512_setzero_ps()
                              : _mm512_maskz_loadu_ps(avx512::first_lanes(nl), p.bias + m0);
      __m512 px[m][16];  // row i, column k of the group: 16 filters (lanes past the group zero)
      for (int i = 0; i < m; ++i) {
        for (int k = g * m; k < 16; ++k) px[i][k] = _mm512_setzero_ps();
      }
      for (int k = 0; k < g; ++k) {
        // O's lines for the tile two groups on. The GEMMs wrote O (alpha^2 x tiles x M) while
        // streaming V and U, which pushed much of it out to L3: in bench_conv 41% of this
        // function's samples sat on these loads (VGG-16's conv1_2, 1 thread). F(4x4) / direct,
        // three interleaved runs: conv1_2 1.41 / 1.56 / 1.51 -> 1.79 / 1.86 / 1.65 (one group
        // ahead 1.64-1.70); conv2_2 and ResNet-50's 56 x 56 layer within noise.
        const bool fetch = tl + k + 2 * G < p.t_count;
        for (int pos = 0; pos < A * A; ++pos) {
          // Lanes past nl zero: never stored, and no stale bits to become slow denormals.
          const float* src = p.o + pos * p.pos_stride + (tl + k) * p.M + m0;
          o[pos] = (Lanes<16>)_mm512_maskz_loadu_ps(avx512::first_lanes(nl), src);
          if (fetch) _mm_prefetch(reinterpret_cast<const char*>(src + 2 * G * p.M), _MM_HINT_T0);
        }
        mul_left<16, m, A, A>(at, o, tmp);     // A^T o
        mul_right_t<16, m, A, m>(tmp, at, y);  // (A^T o) A
        for (int i = 0; i < m; ++i) {
          for (int j = 0; j < m; ++j) {
            px[i][k * m + j] = _mm512_add_ps((__m512)y[i * m + j], bias);
          }
        }
      }
      for (int i = 0; i < rows; ++i) {
        avx512::transpose16(px[i]);  // px[i][l]: filter l's 16 columns of row i
        const int64_t row = (m0 * p.E + e0 + i) * p.F + f0;
        for (int l = 0; l < nl; ++l) {
          __m512 v = px[i][l];
          if (p.residual != nullptr) {
            v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(cols, p.residual + row + l * ef));
          }
          if (p.clamp) v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
          _mm512_mask_storeu_ps(p.y + row + l * ef, cols, v);
        }
      }
    }
    tl += g;
  }
}
#endif

#if defined(__AVX2__) && !defined(__AVX512F__)
// output_groups16 with 8 lanes (AVX2): groups span up to 8 output columns (2 tiles of F(4x4), 4
// of F(2x2), 1 of F(6x6)) and each filter's row of the group is one 8-float store, where the
// tile-by-tile loop stored single floats. Harness as above (LOUPE_ISA=avx2 code on the Xeon),
// one chunk, us: 224 x 224 map 314.5 -> 123.0, 56 x 56 121.5 -> 50.7, 28 x 28 with 128 filters
// 212.0 -> 90.3. In the layer the loads of O still dominate: bench_conv, F(4x4), three
// interleaved runs, ResNet-50's 56 x 56 layer 1.27-1.29 -> 1.22-1.25 ms, VGG-16's conv1_2 and
// conv3_2 within noise.
template <int A>
void output_groups8(const WinogradOutput& p) {
  constexpr int m = A - 2, G = m > 8 ? 1 : 8 / m;
  const auto& at = kWinograd<m>.at;
  const int64_t ef = p.E * p.F;
  Lanes<8> o[A * A], tmp[m * A], y[m * m];
  const __m256 lo = _mm256_set1_ps(p.lo), hi = _mm256_set1_ps(p.hi);
  for (int64_t tl = 0; tl < p.t_count;) {
    const int64_t t = p.t_begin + tl;
    const int64_t e0 = (t / p.tiles_w) * m, f0 = (t % p.tiles_w) * m;
    const int g =
        static_cast<int>(std::min<int64_t>({G, p.tiles_w - t % p.tiles_w, p.t_count - tl}));
    const int rows = static_cast<int>(std::min<int64_t>(m, p.E - e0));
    const __m256i cols = avx2::first_lanes(std::min<int64_t>(g * m, p.F - f0));
    for (int64_t m0 = 0; m0 < p.M; m0 += 8) {
      const int nl = static_cast<int>(std::min<int64_t>(8, p.M - m0));
      const __m256i filters = avx2::first_lanes(nl);
      const __m256 bias =
          p.bias == nullptr ? _mm256_setzero_ps() : _mm256_maskload_ps(p.bias + m0, filters);
      __m256 px[m][8];  // row i, column k of the group: 8 filters (columns past the group zero)
      for (int i = 0; i < m; ++i) {
        for (int k = g * m; k < 8; ++k) px[i][k] = _mm256_setzero_ps();
      }
      for (int k = 0; k < g; ++k) {
        const bool fetch = tl + k + 8 < p.t_count;  // 8 tiles ahead, as output_groups16 for F(4x4)
        for (int pos = 0; pos < A * A; ++pos) {
          const float* src = p.o + pos * p.pos_stride + (tl + k) * p.M + m0;
          o[pos] = (Lanes<8>)_mm256_maskload_ps(src, filters);
          if (fetch) _mm_prefetch(reinterpret_cast<const char*>(src + 8 * p.M), _MM_HINT_T0);
        }
        mul_left<8, m, A, A>(at, o, tmp);     // A^T o
        mul_right_t<8, m, A, m>(tmp, at, y);  // (A^T o) A
        for (int i = 0; i < m; ++i) {
          for (int j = 0; j < m; ++j) {
            px[i][k * m + j] = _mm256_add_ps((__m256)y[i * m + j], bias);
          }
        }
      }
      for (int i = 0; i < rows; ++i) {
        avx2::transpose8(px[i]);  // px[i][l]: filter l's 8 columns of row i
        const int64_t row = (m0 * p.E + e0 + i) * p.F + f0;
        for (int l = 0; l < nl; ++l) {
          __m256 v = px[i][l];
          if (p.residual != nullptr) {
            v = _mm256_add_ps(v, _mm256_maskload_ps(p.residual + row + l * ef, cols));
          }
          if (p.clamp) v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
          _mm256_maskstore_ps(p.y + row + l * ef, cols, v);
        }
      }
    }
    tl += g;
  }
}
#endif

template <int L, int A>
void output_tiles(const WinogradOutput& p) {
#ifdef __AVX512F__
  if constexpr (L == 16) {
    output_groups16<A>(p);
    return;
  }
#elif defined(__AVX2__)
  if constexpr (L == 8) {
    output_groups8<A>(p);
    return;
  }
#endif
  constexpr int m = A - 2;
  const auto& at = kWinograd<m>.at;
  const int64_t ef = p.E * p.F;
  Lanes<L> o[A * A], tmp[m * A], y[m * m];
  alignas(64) float lane[m][L];  // one tile row, pixel-major, read back channel by channel
  for (int64_t tl = 0; tl < p.t_count; ++tl) {
    const int64_t t = p.t_begin + tl;
    const int64_t e0 = (t / p.tiles_w) * m, f0 = (t % p.tiles_w) * m;
    const int rows = static_cast<int>(std::min<int64_t>(m, p.E - e0));
    const int cols = static_cast<int>(std::min<int64_t>(m, p.F - f0));
    for (int64_t m0 = 0; m0 < p.M; m0 += L) {
      const int nl = static_cast<int>(std::min<int64_t>(L, p.M - m0));
      for (int pos = 0; pos < A * A; ++pos) {
        const float* src = p.o + pos * p.pos_stride + tl * p.M + m0;
        if (nl == L) {
          std::memcpy(&o[pos], src, sizeof(o[pos]));
        } else {
          // Lanes past nl are never stored; zeroed so that stale bits cannot be slow denormals.
          o[pos] = Lanes<L>{};
          std::memcpy(&o[pos], src, sizeof(float) * static_cast<size_t>(nl));
        }
      }
      mul_left<L, m, A, A>(at, o, tmp);     // A^T o
      mul_right_t<L, m, A, m>(tmp, at, y);  // (A^T o) A
      Lanes<L> bias = {};
      // A constant size where the block is whole: a variable-length copy became a byte loop, and
      // the vector load after it waited on store forwarding (27% of the stage's samples in
      // SqueezeNet at batch 8 under perf).
      if (p.bias != nullptr && nl == L) {
        std::memcpy(&bias, p.bias + m0, sizeof(bias));
      } else if (p.bias != nullptr) {
        std::memcpy(&bias, p.bias + m0, sizeof(float) * static_cast<size_t>(nl));
      }
      for (int i = 0; i < rows; ++i) {
        for (int j = 0; j < m; ++j) {
          const Lanes<L> val = y[i * m + j] + bias;
          std::memcpy(lane[j], &val, sizeof(val));
        }
        const int64_t row = m0 * ef + (e0 + i) * p.F + f0;
        for (int l = 0; l < nl; ++l) {
          float* dst = p.y + row + l * ef;
          const float* res = p.residual != nullptr ? p.residual + row + l * ef : nullptr;
          for (int j = 0; j < cols; ++j) {
            float r = lane[j][l];
            if (res != nullptr) r += res[j];
            if (p.clamp) r = std::min(std::max(r, p.lo), p.hi);
            dst[j] = r;
          }
        }
      }
    }
  }
}

template <int L>
void winograd_input_lanes(const WinogradInput& p) {
  switch (p.mat->alpha) {
    case 4:
      return input_tiles<L, 4>(p);
    case 6:
      return input_tiles<L, 6>(p);
    default:
      return input_tiles<L, 8>(p);
  }
}

template <int L>
void winograd_output_lanes(const WinogradOutput& p) {
  switch (p.mat->alpha) {
    case 4:
      return output_tiles<L, 4>(p);
    case 6:
      return output_tiles<L, 6>(p);
    default:
      return output_tiles<L, 8>(p);
  }
}

}  // namespace
}  // namespace loupe::kernels::conv
