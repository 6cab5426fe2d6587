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
  static_assert(N == NR * K);
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

#ifdef __AVX2__
// The vector operations of output_groups for one ISA: the register of L floats (V), its lane
// mask, masked load and store (lanes outside the mask neither read nor written), the L x L
// transpose, and how many tiles ahead the lines of O are fetched.
#ifdef __AVX512F__
struct GroupOps16 {
  using V = __m512;
  using Mask = __mmask16;
  static Mask mask(int64_t n) { return avx512::first_lanes(n); }
  static V load(Mask k, const float* x) { return _mm512_maskz_loadu_ps(k, x); }
  static void store(float* x, Mask k, V v) { _mm512_mask_storeu_ps(x, k, v); }
  static void transpose(V (&r)[16]) { avx512::transpose16(r); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static V clamp(V v, V lo, V hi) { return _mm512_min_ps(_mm512_max_ps(v, lo), hi); }
  static V set1(float x) { return _mm512_set1_ps(x); }
  static V zero() { return _mm512_setzero_ps(); }
  // Two groups: 8 tiles of F(4x4). bench_conv, F(4x4) / direct on VGG-16's conv1_2 (1 thread,
  // three interleaved runs): 1.41 / 1.56 / 1.51 without, 1.64-1.70 one group ahead, 1.79 / 1.86 /
  // 1.65 two; conv2_2 and ResNet-50's 56 x 56 layer within noise.
  static constexpr int ahead(int group) { return 2 * group; }
};
#else
struct GroupOps8 {
  using V = __m256;
  using Mask = __m256i;
  static Mask mask(int64_t n) { return avx2::first_lanes(n); }
  static V load(Mask k, const float* x) { return _mm256_maskload_ps(x, k); }
  static void store(float* x, Mask k, V v) { _mm256_maskstore_ps(x, k, v); }
  static void transpose(V (&r)[8]) { avx2::transpose8(r); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V clamp(V v, V lo, V hi) { return _mm256_min_ps(_mm256_max_ps(v, lo), hi); }
  static V set1(float x) { return _mm256_set1_ps(x); }
  static V zero() { return _mm256_setzero_ps(); }
  static constexpr int ahead(int) { return 8; }  // tiles, as the AVX-512 path for F(4x4)
};
#endif
#ifdef __AVX512F__
using GroupOps = GroupOps16;
#else
using GroupOps = GroupOps8;
#endif

// The vector output transform takes the tiles of a tile row in groups that span up to L output
// columns (AVX-512: 4 tiles of F(4x4), 8 of F(2x2), 2 of F(6x6); AVX2 half as many) and writes
// each filter's row of the group as one vector, after an L x L transpose. Tile by tile, every
// filter's row had got a 16-byte store (AVX2: single floats) into a line that the group's next
// tiles then stored into again; on a 224 x 224 map, whose planes lie whole pages apart, the 16
// filters' lines of a row all fell in one set of the L1 and evicted each other between those
// stores. Harness, old and new alternating, 2-vCPU Xeon, one chunk (O in L2), us: VGG-16's
// conv1_2 (112 tiles x 64 filters) 140.7 -> 78.6 (AVX2 code 314.5 -> 123.0), the same on a
// 220 x 220 map (no page aliasing) 154.0 -> 71.4, a 56 x 56 map's chunk 81.7 -> 42.2 (AVX2
// 121.5 -> 50.7). In a layer the GEMMs, which wrote O while streaming V and U, have pushed
// much of O out to L3 (41% of this function's samples sat on its loads of O, VGG-16's conv1_2):
// each load also fetches the same line of the tile Ops::ahead(G) tiles on. Figures of the
// layers in docs/kernels.md.
template <int L, int A, class Ops>
void output_groups(const WinogradOutput& p) {
  using V = typename Ops::V;
  static_assert(sizeof(V) == L * sizeof(float));
  constexpr int m = A - 2, G = m > L ? 1 : L / m;  // tiles per group
  constexpr int kAhead = Ops::ahead(G);
  const auto& at = kWinograd<m>.at;
  const int64_t ef = p.E * p.F;
  Lanes<L> o[A * A], tmp[m * A], y[m * m];
  const V lo = Ops::set1(p.lo), hi = Ops::set1(p.hi);
  for (int64_t tl = 0; tl < p.t_count;) {
    const int64_t t = p.t_begin + tl;
    const int64_t e0 = (t / p.tiles_w) * m, f0 = (t % p.tiles_w) * m;
    const int g =
        static_cast<int>(std::min<int64_t>({G, p.tiles_w - t % p.tiles_w, p.t_count - tl}));
    const int rows = static_cast<int>(std::min<int64_t>(m, p.E - e0));
    const auto cols = Ops::mask(std::min<int64_t>(g * m, p.F - f0));
    for (int64_t m0 = 0; m0 < p.M; m0 += L) {
      const int nl = static_cast<int>(std::min<int64_t>(L, p.M - m0));
      const auto filters = Ops::mask(nl);
      const V bias = p.bias == nullptr ? Ops::zero() : Ops::load(filters, p.bias + m0);
      V px[m][L];  // row i, column k of the group: L filters (columns past the group zero)
      for (int i = 0; i < m; ++i) {
        for (int k = g * m; k < L; ++k) px[i][k] = Ops::zero();
      }
      for (int k = 0; k < g; ++k) {
        const bool fetch = tl + k + kAhead < p.t_count;
        for (int pos = 0; pos < A * A; ++pos) {
          // Lanes past nl zero: never stored, and no stale bits to become slow denormals.
          const float* src = p.o + pos * p.pos_stride + (tl + k) * p.M + m0;
          o[pos] = (Lanes<L>)Ops::load(filters, src);
          if (fetch) _mm_prefetch(reinterpret_cast<const char*>(src + kAhead * p.M), _MM_HINT_T0);
        }
        mul_left<L, m, A, A>(at, o, tmp);     // A^T o
        mul_right_t<L, m, A, m>(tmp, at, y);  // (A^T o) A
        for (int i = 0; i < m; ++i) {
          for (int j = 0; j < m; ++j) px[i][k * m + j] = Ops::add((V)y[i * m + j], bias);
        }
      }
      for (int i = 0; i < rows; ++i) {
        Ops::transpose(px[i]);  // px[i][l]: filter l's columns of row i
        const int64_t row = (m0 * p.E + e0 + i) * p.F + f0;
        for (int l = 0; l < nl; ++l) {
          V v = px[i][l];
          if (p.residual != nullptr) v = Ops::add(v, Ops::load(cols, p.residual + row + l * ef));
          if (p.clamp) v = Ops::clamp(v, lo, hi);
          Ops::store(p.y + row + l * ef, cols, v);
        }
      }
    }
    tl += g;
  }
}
#endif

#ifdef __AVX2__
template <int L, int A>
void output_tiles(const WinogradOutput& p) {
  output_groups<L, A, GroupOps>(p);
}
#else
// Without AVX2, tile by tile, each filter's row of a tile stored float by float.
template <int L, int A>
void output_tiles(const WinogradOutput& p) {
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
#endif

template <int L>
void winograd_input_lanes(const WinogradInput& p) {
  switch (p.alpha) {
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
  switch (p.alpha) {
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
