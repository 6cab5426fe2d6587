// AVX-512 direct convolution tile: 2 x 14 accumulators (32 output channels x 14 pixels), so each
// input value is broadcast once for 2 FMAs and each weight vector is loaded once per 14 pixels.
// 28 accumulators, the two weight vectors and the broadcast take 31 of the 32 registers.
// GCC 12 flags _mm512_undefined_ps() inside its own intrinsics (GCC PR 105593, see gemm/avx512).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <algorithm>

#include "kernels/avx512_lanes.hpp"
#include "kernels/conv/direct_kernel.hpp"

namespace loupe::kernels::conv {
namespace {

// P pixels; the first H of them in row e, the other P - H in row e + 1 (H = P: one row).
template <int P, int H = P>
void tile(const DirectTile& t) {
  __m512 a0[P], a1[P];
  for (int j = 0; j < P; ++j) {
    a0[j] = t.accumulate ? _mm512_loadu_ps(t.out + j * 32) : _mm512_setzero_ps();
    a1[j] = t.accumulate ? _mm512_loadu_ps(t.out + j * 32 + 16) : _mm512_setzero_ps();
  }
  const int64_t step = t.U_w * 16;           // next output pixel's input, in floats
  const int64_t next_row = t.U * t.Wp * 16;  // the same pixel's input one output row down
  const float* w = t.w;
  for (int64_t cb = 0; cb < t.cblocks; ++cb) {
    for (int64_t r = 0; r < t.R; ++r) {
      const float* row = t.x + ((cb * t.Hp + t.e * t.U + r * t.dil_h) * t.Wp + t.f0 * t.U_w) * 16;
      for (int64_t s = 0; s < t.S; ++s) {
        const float* in = row + s * t.dil_w * 16;
        const float* in2 = in + next_row;
        for (int ci = 0; ci < 16; ++ci, w += 32) {
          const __m512 w0 = _mm512_loadu_ps(w), w1 = _mm512_loadu_ps(w + 16);
          _mm_prefetch(reinterpret_cast<const char*>(w + kDirectWeightsAhead), _MM_HINT_T1);
          _mm_prefetch(reinterpret_cast<const char*>(w + kDirectWeightsAhead + 16), _MM_HINT_T1);
#pragma GCC unroll 14
          for (int j = 0; j < P; ++j) {
            const float* src = j < H ? in + j * step : in2 + (j - H) * step;
            const __m512 xv = _mm512_set1_ps(src[ci]);
            a0[j] = _mm512_fmadd_ps(xv, w0, a0[j]);
            a1[j] = _mm512_fmadd_ps(xv, w1, a1[j]);
          }
        }
      }
    }
  }
  for (int j = 0; j < P; ++j) {
    _mm512_storeu_ps(t.out + j * 32, a0[j]);
    _mm512_storeu_ps(t.out + j * 32 + 16, a1[j]);
  }
}

// The same tile in assembly for column strides 1 and 2 (a pixel's inputs 64 or 128 bytes from
// the previous one's: immediate offsets). Compiled from the intrinsics above, GCC held the 14
// pixel offsets in registers, spilled two of them and reloaded them every input channel. The 16
// input channels of a tap are unrolled (.irp) and the taps come from a table of byte offsets,
// so the only loop branches are per tap and per channel block. zmm0..27 accumulate (pixel j in
// zmm 2j and 2j+1), zmm28/29 hold the weights, zmm30/31 alternate as the broadcast input.
// One tile repeated on 128 channels at stride 2 (weights in L2, 1 thread, Xeon, FMA peak 222
// GFLOP/s): intrinsics 164 GFLOP/s, intrinsics with the stride a constant 175, this tile 183
// with the weight fetches and 187-200 without (DirectTile::fetch_weights). bench_conv, ResNet-50's
// 128 -> 128 stride-2 layer: 0.80 -> 0.89-0.90 of oneDNN on 1 thread, 0.90 -> 0.95-1.00 on 2.
#define LOUPE_DPIX(j, bc, c0, c1)                                 \
  ".if %c[P] > " #j                                               \
  "\n\t"                                                          \
  ".if " #j                                                       \
  " < %c[H]\n\t"                                                  \
  "vbroadcastss \\ci*4+" #j "*%c[stp](%[in]), %%zmm" #bc          \
  "\n\t"                                                          \
  ".else\n\t"                                                     \
  "vbroadcastss \\ci*4+(" #j "-%c[H])*%c[stp](%[in2]), %%zmm" #bc \
  "\n\t"                                                          \
  ".endif\n\t"                                                    \
  "vfmadd231ps %%zmm28, %%zmm" #bc ", %%zmm" #c0                  \
  "\n\t"                                                          \
  "vfmadd231ps %%zmm29, %%zmm" #bc ", %%zmm" #c1                  \
  "\n\t"                                                          \
  ".endif\n\t"
#define LOUPE_DZERO(x) "vpxord %%zmm" #x ", %%zmm" #x ", %%zmm" #x "\n\t"
#define LOUPE_DLOAD(j, c0, c1)               \
  ".if %c[P] > " #j                          \
  "\n\t"                                     \
  "vmovups " #j "*128(%[out]), %%zmm" #c0    \
  "\n\t"                                     \
  "vmovups " #j "*128+64(%[out]), %%zmm" #c1 \
  "\n\t"                                     \
  ".endif\n\t"
#define LOUPE_DSAVE(j, c0, c1) \
  ".if %c[P] > " #j            \
  "\n\t"                       \
  "vmovups %%zmm" #c0 ", " #j  \
  "*128(%[out])\n\t"           \
  "vmovups %%zmm" #c1 ", " #j  \
  "*128+64(%[out])\n\t"        \
  ".endif\n\t"

// F(pixel, its two accumulators) for each of the tile's 14 pixels.
// clang-format off
#define LOUPE_DEACH(F)                                                                      \
  F(0, 0, 1) F(1, 2, 3) F(2, 4, 5) F(3, 6, 7) F(4, 8, 9) F(5, 10, 11) F(6, 12, 13)          \
  F(7, 14, 15) F(8, 16, 17) F(9, 18, 19) F(10, 20, 21) F(11, 22, 23) F(12, 24, 25)         \
  F(13, 26, 27)
// clang-format on

// PFL: lines of weights fetched into L2 a tap (of the 32 the tap reads), from w + fetch_ahead on:
// 0, 32 (the weights' own pace) or 8 (DirectTile::fetch_quarter).
template <int P, int H, int STEP, int PFL>
void tile_asm(const DirectTile& t) {
  static_assert(P >= 1 && P <= 14 && H >= 1 && H <= P);
  int64_t taps[kDirectMaxTaps];
  int64_t n = 0;
  for (int64_t r = 0; r < t.R; ++r) {
    for (int64_t s = 0; s < t.S; ++s) taps[n++] = (r * t.dil_h * t.Wp + s * t.dil_w) * 64;
  }
  const float* x = t.x + ((t.e * t.U) * t.Wp + t.f0 * t.U_w) * 16;
  const float* w = t.w;
  int64_t cb = t.cblocks;
  const int64_t* tp = nullptr;
  int64_t tn = 0;
  const float* in = nullptr;
  const float* in2 = nullptr;
  const float* pf = t.w + t.fetch_ahead;
  __asm__ volatile(
      "test %[acc], %[acc]\n\t"
      "jz 1f\n\t"
      LOUPE_DEACH(LOUPE_DLOAD)
      "jmp 2f\n\t"
      "1:\n\t"
      LOUPE_DZERO(0) LOUPE_DZERO(1) LOUPE_DZERO(2) LOUPE_DZERO(3) LOUPE_DZERO(4) LOUPE_DZERO(5)
      LOUPE_DZERO(6) LOUPE_DZERO(7) LOUPE_DZERO(8) LOUPE_DZERO(9) LOUPE_DZERO(10) LOUPE_DZERO(11)
      LOUPE_DZERO(12) LOUPE_DZERO(13) LOUPE_DZERO(14) LOUPE_DZERO(15) LOUPE_DZERO(16)
      LOUPE_DZERO(17) LOUPE_DZERO(18) LOUPE_DZERO(19) LOUPE_DZERO(20) LOUPE_DZERO(21)
      LOUPE_DZERO(22) LOUPE_DZERO(23) LOUPE_DZERO(24) LOUPE_DZERO(25) LOUPE_DZERO(26)
      LOUPE_DZERO(27)
      "2:\n\t"
      "test %[cb], %[cb]\n\t"
      "jle 9f\n\t"
      "3:\n\t"
      "mov %[taps], %[tp]\n\t"
      "mov %[ntaps], %[tn]\n\t"
      ".p2align 5\n\t"
      "4:\n\t"
      "mov (%[tp]), %[in]\n\t"
      "add %[x], %[in]\n\t"
      "lea (%[in], %[nrow]), %[in2]\n\t"
      ".irp ci, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15\n\t"
      "vmovups \\ci*128(%[w]), %%zmm28\n\t"
      "vmovups \\ci*128+64(%[w]), %%zmm29\n\t"
      ".if %c[pfl] > 2*\\ci\n\t"
      "prefetcht1 \\ci*128(%[pf])\n\t"
      ".endif\n\t"
      ".if %c[pfl] > 2*\\ci+1\n\t"
      "prefetcht1 \\ci*128+64(%[pf])\n\t"
      ".endif\n\t"
      LOUPE_DPIX(0, 30, 0, 1) LOUPE_DPIX(1, 31, 2, 3) LOUPE_DPIX(2, 30, 4, 5)
      LOUPE_DPIX(3, 31, 6, 7) LOUPE_DPIX(4, 30, 8, 9) LOUPE_DPIX(5, 31, 10, 11)
      LOUPE_DPIX(6, 30, 12, 13) LOUPE_DPIX(7, 31, 14, 15) LOUPE_DPIX(8, 30, 16, 17)
      LOUPE_DPIX(9, 31, 18, 19) LOUPE_DPIX(10, 30, 20, 21) LOUPE_DPIX(11, 31, 22, 23)
      LOUPE_DPIX(12, 30, 24, 25) LOUPE_DPIX(13, 31, 26, 27)
      ".endr\n\t"
      "add $2048, %[w]\n\t"
      ".if %c[pfl]\n\t"
      "add $%c[pfl]*64, %[pf]\n\t"
      ".endif\n\t"
      "add $8, %[tp]\n\t"
      "dec %[tn]\n\t"
      "jnz 4b\n\t"
      "add %[cbstride], %[x]\n\t"
      "dec %[cb]\n\t"
      "jnz 3b\n\t"
      "9:\n\t"
      LOUPE_DEACH(LOUPE_DSAVE)
      : [x] "+r"(x), [w] "+r"(w), [cb] "+r"(cb), [tp] "+r"(tp), [tn] "+r"(tn), [in] "+r"(in),
        [in2] "+r"(in2), [pf] "+r"(pf)
      : [taps] "r"(taps), [ntaps] "r"(n), [nrow] "r"(t.U * t.Wp * 64),
        [cbstride] "r"(t.Hp * t.Wp * 64), [out] "r"(t.out),
        [acc] "r"(static_cast<int64_t>(t.accumulate)), [P] "i"(P), [H] "i"(H), [stp] "i"(STEP),
        [pfl] "i"(PFL)
      : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
        "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17", "xmm18", "xmm19", "xmm20",
        "xmm21", "xmm22", "xmm23", "xmm24", "xmm25", "xmm26", "xmm27", "xmm28", "xmm29", "xmm30",
        "xmm31", "cc", "memory");
}
#undef LOUPE_DPIX
#undef LOUPE_DZERO
#undef LOUPE_DLOAD
#undef LOUPE_DEACH
#undef LOUPE_DSAVE

using TileFn = void (*)(const DirectTile&);

template <int STEP, int PFL>
struct AsmTiles {
  static constexpr TileFn one_row[] = {
      tile_asm<1, 1, STEP, PFL>,   tile_asm<2, 2, STEP, PFL>,   tile_asm<3, 3, STEP, PFL>,
      tile_asm<4, 4, STEP, PFL>,   tile_asm<5, 5, STEP, PFL>,   tile_asm<6, 6, STEP, PFL>,
      tile_asm<7, 7, STEP, PFL>,   tile_asm<8, 8, STEP, PFL>,   tile_asm<9, 9, STEP, PFL>,
      tile_asm<10, 10, STEP, PFL>, tile_asm<11, 11, STEP, PFL>, tile_asm<12, 12, STEP, PFL>,
      tile_asm<13, 13, STEP, PFL>, tile_asm<14, 14, STEP, PFL>};
  static constexpr TileFn two_rows[] = {tile_asm<2, 1, STEP, PFL>,  tile_asm<4, 2, STEP, PFL>,
                                        tile_asm<6, 3, STEP, PFL>,  tile_asm<8, 4, STEP, PFL>,
                                        tile_asm<10, 5, STEP, PFL>, tile_asm<12, 6, STEP, PFL>,
                                        tile_asm<14, 7, STEP, PFL>};
};

}  // namespace

void direct_tile_avx512(const DirectTile& t) {
  if ((t.U_w == 1 || t.U_w == 2) && t.R * t.S <= kDirectMaxTaps) {
    const bool two = t.row_pixels > 0;
    const int i = (two ? t.row_pixels : t.pixels) - 1;
    const int v = (t.U_w == 2 ? 3 : 0) + (!t.fetch_weights ? 0 : t.fetch_quarter ? 2 : 1);
    const TileFn* one[] = {AsmTiles<64, 0>::one_row,   AsmTiles<64, 32>::one_row,
                           AsmTiles<64, 8>::one_row,   AsmTiles<128, 0>::one_row,
                           AsmTiles<128, 32>::one_row, AsmTiles<128, 8>::one_row};
    const TileFn* two_rows[] = {AsmTiles<64, 0>::two_rows,   AsmTiles<64, 32>::two_rows,
                                AsmTiles<64, 8>::two_rows,   AsmTiles<128, 0>::two_rows,
                                AsmTiles<128, 32>::two_rows, AsmTiles<128, 8>::two_rows};
    (two ? two_rows[v] : one[v])[i](t);
    return;
  }
  switch (t.row_pixels) {
    case 0:
      break;
    case 7:
      return tile<14, 7>(t);
    case 6:
      return tile<12, 6>(t);
    case 5:
      return tile<10, 5>(t);
    case 4:
      return tile<8, 4>(t);
    case 3:
      return tile<6, 3>(t);
    case 2:
      return tile<4, 2>(t);
    default:
      return tile<2, 1>(t);
  }
  switch (t.pixels) {
    case 14:
      tile<14>(t);
      break;
    case 13:
      tile<13>(t);
      break;
    case 12:
      tile<12>(t);
      break;
    case 11:
      tile<11>(t);
      break;
    case 10:
      tile<10>(t);
      break;
    case 9:
      tile<9>(t);
      break;
    case 8:
      tile<8>(t);
      break;
    case 7:
      tile<7>(t);
      break;
    case 6:
      tile<6>(t);
      break;
    case 5:
      tile<5>(t);
      break;
    case 4:
      tile<4>(t);
      break;
    case 3:
      tile<3>(t);
      break;
    case 2:
      tile<2>(t);
      break;
    default:
      tile<1>(t);
      break;
  }
}

// 16 pixels x 16 channels per 16 x 16 transpose, each channel's pixels one masked store. With
// 8 x 8 transposes (direct_store_avx2) a 14-pixel strip stored its last 6 pixels of every channel
// one float at a time: the store took 8.3% of VGG-16 conv1_2's time on the direct path under
// perf (1 thread), 6.8% with this one; the rest is its writes to the 12.8 MB output.
void direct_store_avx512(const DirectStore& s) {
  const __m512 lo = _mm512_set1_ps(s.lo), hi = _mm512_set1_ps(s.hi);
  for (int64_t m0 = 0; m0 < s.channels; m0 += 16) {
    const int nc = static_cast<int>(std::min<int64_t>(16, s.channels - m0));
    const __mmask16 channels = avx512::first_lanes(nc);
    for (int p0 = 0; p0 < s.pixels; p0 += 16) {
      const int np = std::min(16, s.pixels - p0);
      const __mmask16 pixels = avx512::first_lanes(np);
      __m512 r[16];
      for (int i = 0; i < 16; ++i) {
        r[i] = i < np ? _mm512_maskz_loadu_ps(channels, s.out + (p0 + i) * s.out_stride + m0)
                      : _mm512_setzero_ps();
      }
      avx512::transpose16(r);  // r[c]: channel m0 + c at pixels p0 .. p0+15
      for (int c = 0; c < nc; ++c) {
        const int64_t at = (m0 + c) * s.plane + p0;
        __m512 v = r[c];
        if (s.bias != nullptr) v = _mm512_add_ps(v, _mm512_set1_ps(s.bias[m0 + c]));
        if (s.residual != nullptr)
          v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(pixels, s.residual + at));
        if (s.clamp) v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
        _mm512_mask_storeu_ps(s.y + at, pixels, v);
      }
    }
  }
}

void direct_store_blocked_avx512(const DirectStore& s) {
  const __m512 lo = _mm512_set1_ps(s.lo), hi = _mm512_set1_ps(s.hi);
  for (int64_t m0 = 0; m0 < s.channels; m0 += 16) {
    const __mmask16 real = avx512::first_lanes(std::min<int64_t>(16, s.channels - m0));
    const __m512 bias =
        s.bias != nullptr ? _mm512_maskz_loadu_ps(real, s.bias + m0) : _mm512_setzero_ps();
    float* y = s.y + m0 / 16 * s.plane;
    for (int j = 0; j < s.pixels; ++j) {
      __m512 v = _mm512_add_ps(_mm512_loadu_ps(s.out + j * s.out_stride + m0), bias);
      if (s.clamp) v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
      _mm512_storeu_ps(y + j * 16, _mm512_maskz_mov_ps(real, v));
    }
  }
}

}  // namespace loupe::kernels::conv
