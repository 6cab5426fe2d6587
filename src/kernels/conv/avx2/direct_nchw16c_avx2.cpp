// AVX2 direct convolution tile: 32 output channels x 3 pixels in 12 accumulators (ymm0..11),
// so that per input channel 4 weight vectors and 3 broadcast inputs feed 12 FMAs, the same
// 7 loads : 12 FMAs as the 4 x 24 GEMM tile (which runs at the FMA peak on the Zen cores loupe
// was measured on). A job's strip of up to 12 pixels is computed 3 pixels at a time; each
// sub-tile re-reads the 32-channel group's weights from L1 / L2.
//
// The whole reduction (channel blocks x R x S x 16 channels) is one assembly block: GCC 12 does
// not keep 12 intrinsic accumulators in registers across such a loop nest (see the AVX2 GEMM).
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "kernels/avx2_lanes.hpp"
#include "kernels/conv/direct_kernel.hpp"

namespace loupe::kernels::conv {
namespace {

constexpr int kP = 3;  // pixels per sub-tile

// Pixel j's input channel ci, broadcast into ymm `reg` (pixel j at xs + j * step).
#define LOUPE_BCAST(ci, j, reg, addr) \
  ".if %c[pix] > " #j "\n\tvbroadcastss 4*" #ci addr ", %%ymm" #reg "\n\t.endif\n\t"
// Weight vector v (output channels 8v..8v+7) of input channel ci, times each pixel's input.
#define LOUPE_WFMA(ci, v, a0, a1, a2)                          \
  "vmovups 128*" #ci "+32*" #v                                 \
  "(%[w]), %%ymm15\n\t"                                        \
  "vfmadd231ps %%ymm15, %%ymm12, %%ymm" #a0                    \
  "\n\t"                                                       \
  ".if %c[pix] > 1\n\tvfmadd231ps %%ymm15, %%ymm13, %%ymm" #a1 \
  "\n\t.endif\n\t"                                             \
  ".if %c[pix] > 2\n\tvfmadd231ps %%ymm15, %%ymm14, %%ymm" #a2 "\n\t.endif\n\t"
#define LOUPE_CI(ci)                          \
  LOUPE_BCAST(ci, 0, 12, "(%[xs])")           \
  LOUPE_BCAST(ci, 1, 13, "(%[xs],%[step],1)") \
  LOUPE_BCAST(ci, 2, 14, "(%[xs],%[step],2)") \
  LOUPE_WFMA(ci, 0, 0, 4, 8)                  \
  LOUPE_WFMA(ci, 1, 1, 5, 9) LOUPE_WFMA(ci, 2, 2, 6, 10) LOUPE_WFMA(ci, 3, 3, 7, 11)
#define LOUPE_LOAD(j, v, x) \
  ".if %c[pix] > " #j "\n\tvmovups 128*" #j "+32*" #v "(%[out]), %%ymm" #x "\n\t.endif\n\t"
#define LOUPE_ZERO(x) "vxorps %%ymm" #x ", %%ymm" #x ", %%ymm" #x "\n\t"
#define LOUPE_SAVE(j, v, x) \
  ".if %c[pix] > " #j "\n\tvmovups %%ymm" #x ", 128*" #j "+32*" #v "(%[out])\n\t.endif\n\t"

// Byte strides of the loop nest and its trip counts, read from memory by the assembly (there
// are not enough general registers to hold them all).
struct Nest {
  int64_t cb_stride, r_stride, s_stride;  // next channel block / filter row / filter column
  int64_t R, S;
};

// P pixels x 32 channels summed over `cblocks` channel blocks (direct_tile_avx2 passes one at a
// time), on top of the partial sums in `out` when `accumulate` is set.
template <int P>
void subtile(const float* x, const float* w, int64_t cblocks, int64_t step, const Nest& nest,
             float* out, int64_t accumulate) {
  const float* xcb = x;
  const float* xr;
  const float* xs;
  int64_t ncb = cblocks, nr, ns;
  __asm__ volatile(
      "test %[accumulate], %[accumulate]\n\t"
      "jnz 4f\n\t" LOUPE_ZERO(0) LOUPE_ZERO(1) LOUPE_ZERO(2) LOUPE_ZERO(3) LOUPE_ZERO(4)
          LOUPE_ZERO(5) LOUPE_ZERO(6) LOUPE_ZERO(7) LOUPE_ZERO(8) LOUPE_ZERO(9) LOUPE_ZERO(10)
              LOUPE_ZERO(11) "jmp 1f\n\t"
      "4:\n\t" LOUPE_LOAD(0, 0, 0) LOUPE_LOAD(0, 1, 1) LOUPE_LOAD(0, 2, 2) LOUPE_LOAD(0, 3, 3)
          LOUPE_LOAD(1, 0, 4) LOUPE_LOAD(1, 1, 5) LOUPE_LOAD(1, 2, 6) LOUPE_LOAD(1, 3, 7)
              LOUPE_LOAD(2, 0, 8) LOUPE_LOAD(2, 1, 9) LOUPE_LOAD(2, 2, 10) LOUPE_LOAD(2, 3, 11)
      "1:\n\t"
      "mov %[xcb], %[xr]\n\t"
      "mov 24(%[nest]), %[nr]\n\t"
      "2:\n\t"
      "mov %[xr], %[xs]\n\t"
      "mov 32(%[nest]), %[ns]\n\t"
      ".p2align 5\n\t"
      "3:\n\t"
      LOUPE_CI(0) LOUPE_CI(1) LOUPE_CI(2) LOUPE_CI(3) LOUPE_CI(4) LOUPE_CI(5) LOUPE_CI(6)
          LOUPE_CI(7) LOUPE_CI(8) LOUPE_CI(9) LOUPE_CI(10) LOUPE_CI(11) LOUPE_CI(12)
              LOUPE_CI(13) LOUPE_CI(14) LOUPE_CI(15)
      "add $2048, %[w]\n\t"
      "add 16(%[nest]), %[xs]\n\t"
      "dec %[ns]\n\t"
      "jnz 3b\n\t"
      "add 8(%[nest]), %[xr]\n\t"
      "dec %[nr]\n\t"
      "jnz 2b\n\t"
      "add 0(%[nest]), %[xcb]\n\t"
      "dec %[ncb]\n\t"
      "jnz 1b\n\t"
      LOUPE_SAVE(0, 0, 0) LOUPE_SAVE(0, 1, 1) LOUPE_SAVE(0, 2, 2) LOUPE_SAVE(0, 3, 3)
          LOUPE_SAVE(1, 0, 4) LOUPE_SAVE(1, 1, 5) LOUPE_SAVE(1, 2, 6) LOUPE_SAVE(1, 3, 7)
              LOUPE_SAVE(2, 0, 8) LOUPE_SAVE(2, 1, 9) LOUPE_SAVE(2, 2, 10) LOUPE_SAVE(2, 3, 11)
      : [w] "+r"(w), [xcb] "+r"(xcb), [xr] "=&r"(xr), [xs] "=&r"(xs), [ncb] "+r"(ncb),
        [nr] "=&r"(nr), [ns] "=&r"(ns)
      : [step] "r"(step), [nest] "r"(&nest), [out] "r"(out), [accumulate] "r"(accumulate),
        [pix] "i"(P)
      : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
        "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "cc", "memory");
}

#undef LOUPE_BCAST
#undef LOUPE_WFMA
#undef LOUPE_CI
#undef LOUPE_ZERO
#undef LOUPE_LOAD
#undef LOUPE_SAVE

}  // namespace

void direct_store_avx2(const DirectStore& s) {
  const __m256 lo = _mm256_set1_ps(s.lo), hi = _mm256_set1_ps(s.hi);
  for (int64_t m0 = 0; m0 < s.channels; m0 += 8) {
    for (int p0 = 0; p0 < s.pixels; p0 += 8) {
      const int np = std::min(8, s.pixels - p0);
      __m256 r[8];
      for (int i = 0; i < 8; ++i) {
        r[i] = i < np ? _mm256_loadu_ps(s.out + (p0 + i) * s.out_stride + m0) : _mm256_setzero_ps();
      }
      avx2::transpose8(r);  // r[c]: channel m0 + c at pixels p0 .. p0+7
      const int nc = static_cast<int>(std::min<int64_t>(8, s.channels - m0));
      for (int c = 0; c < nc; ++c) {
        const int64_t at = (m0 + c) * s.plane + p0;
        __m256 v = r[c];
        if (s.bias != nullptr) v = _mm256_add_ps(v, _mm256_set1_ps(s.bias[m0 + c]));
        if (np == 8) {
          if (s.residual != nullptr) v = _mm256_add_ps(v, _mm256_loadu_ps(s.residual + at));
          if (s.clamp) v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
          _mm256_storeu_ps(s.y + at, v);
          continue;
        }
        // A short strip: through a buffer (masked stores are slow on AMD cores).
        alignas(32) float tmp[8];
        _mm256_store_ps(tmp, v);
        for (int j = 0; j < np; ++j) {
          float x = tmp[j] + (s.residual != nullptr ? s.residual[at + j] : 0.0f);
          if (s.clamp) x = std::min(std::max(x, s.lo), s.hi);
          s.y[at + j] = x;
        }
      }
    }
  }
}

void direct_reorder_avx2(const float* x, int64_t channels, int64_t H, int64_t W,
                         int64_t plane_stride, float* dst, int64_t Wp, int64_t pad_top,
                         int64_t pad_left) {
  for (int64_t h = 0; h < H; ++h) {
    float* row = dst + ((h + pad_top) * Wp + pad_left) * 16;
    int64_t w = 0;
    for (; w + 8 <= W; w += 8) {
      // Two 8 x 8 transposes: channels 0-7 and 8-15 of pixels w .. w+7.
      for (int half = 0; half < 2; ++half) {
        __m256 r[8];
        for (int i = 0; i < 8; ++i) {
          const int64_t c = half * 8 + i;
          r[i] = c < channels ? _mm256_loadu_ps(x + c * plane_stride + h * W + w)
                              : _mm256_setzero_ps();
        }
        avx2::transpose8(r);  // r[j]: pixel w + j, channels half*8 .. half*8+7
        for (int j = 0; j < 8; ++j) _mm256_storeu_ps(row + (w + j) * 16 + half * 8, r[j]);
      }
    }
    for (; w < W; ++w) {
      for (int64_t c = 0; c < 16; ++c) {
        row[w * 16 + c] = c < channels ? x[c * plane_stride + h * W + w] : 0.0f;
      }
    }
  }
}

void direct_tile_avx2(const DirectTile& t) {
  static_assert(sizeof(Nest) == 40);
  const int64_t px = t.U_w * 16;  // floats from one output pixel's input to the next
  const int64_t plane = t.Hp * t.Wp * 16;
  const Nest nest{plane * 4, t.dil_h * t.Wp * 16 * 4, t.dil_w * 16 * 4, t.R, t.S};
  const float* x = t.x + (t.e * t.U * t.Wp + t.f0 * t.U_w) * 16;
  // One channel block at a time over every sub-tile, so that its weights (R S 16 x 32 floats,
  // 18 KiB for 3 x 3) are read from L1 by all of them; the partial sums wait in `out`.
  for (int64_t cb = 0; cb < t.cblocks; ++cb) {
    const float* xcb = x + cb * plane;
    const float* w = t.w + cb * t.R * t.S * 16 * 32;
    // The strip in ceil(pixels / 3) sub-tiles of 3 or 2 pixels (7 = 3 + 2 + 2): a 1-pixel
    // sub-tile spends 4 weight loads on 4 FMAs.
    const int tiles = (t.pixels + kP - 1) / kP;
    for (int i = 0, j = 0; i < tiles; ++i) {
      const int p = (t.pixels - j) / (tiles - i);  // 3, 2 or (a 1-pixel strip) 1
      const float* xj = xcb + j * px;
      float* out = t.out + j * 32;
      switch (p) {
        case 3:
          subtile<3>(xj, w, 1, px * 4, nest, out, cb);
          break;
        case 2:
          subtile<2>(xj, w, 1, px * 4, nest, out, cb);
          break;
        default:
          subtile<1>(xj, w, 1, px * 4, nest, out, cb);
          break;
      }
      j += p;
    }
  }
}

void direct_store_blocked_avx2(const DirectStore& s) {
  const __m256 lo = _mm256_set1_ps(s.lo), hi = _mm256_set1_ps(s.hi);
  alignas(32) static constexpr int kLane[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  const __m256i lane = _mm256_load_si256(reinterpret_cast<const __m256i*>(kLane));
  for (int64_t m0 = 0; m0 < s.channels; m0 += 8) {
    const auto n = static_cast<int>(std::min<int64_t>(8, s.channels - m0));
    const __m256i real = _mm256_cmpgt_epi32(_mm256_set1_epi32(n), lane);
    const __m256 bias =
        s.bias != nullptr ? _mm256_maskload_ps(s.bias + m0, real) : _mm256_setzero_ps();
    float* y = s.y + m0 / 16 * s.plane + m0 % 16;
    for (int j = 0; j < s.pixels; ++j) {
      __m256 v = _mm256_add_ps(_mm256_loadu_ps(s.out + j * s.out_stride + m0), bias);
      if (s.clamp) v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
      _mm256_storeu_ps(y + j * 16, _mm256_and_ps(v, _mm256_castsi256_ps(real)));
    }
  }
  // The upper half of a last block whose channels end in its lower half.
  if (s.channels % 16 > 0 && s.channels % 16 <= 8) {
    float* y = s.y + s.channels / 16 * s.plane + 8;
    for (int j = 0; j < s.pixels; ++j) _mm256_storeu_ps(y + j * 16, _mm256_setzero_ps());
  }
}

}  // namespace loupe::kernels::conv
