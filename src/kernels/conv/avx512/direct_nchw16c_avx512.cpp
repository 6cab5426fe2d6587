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
  for (int j = 0; j < P; ++j) a0[j] = a1[j] = _mm512_setzero_ps();
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

}  // namespace

void direct_tile_avx512(const DirectTile& t) {
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

}  // namespace loupe::kernels::conv
