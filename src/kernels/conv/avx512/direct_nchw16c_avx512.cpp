// AVX-512 direct convolution tile: 2 x 14 accumulators (32 output channels x 14 pixels), so each
// input value is broadcast once for 2 FMAs and each weight vector is loaded once per 14 pixels.
// 28 accumulators, the two weight vectors and the broadcast take 31 of the 32 registers.
#include <immintrin.h>

#include "kernels/conv/direct_kernel.hpp"

namespace loupe::kernels::conv {
namespace {

template <int P>
void tile(const DirectTile& t) {
  __m512 a0[P], a1[P];
  for (int j = 0; j < P; ++j) a0[j] = a1[j] = _mm512_setzero_ps();
  const int64_t step = t.U_w * 16;  // next output pixel's input, in floats
  const float* w = t.w;
  for (int64_t cb = 0; cb < t.cblocks; ++cb) {
    for (int64_t r = 0; r < t.R; ++r) {
      const float* row = t.x + ((cb * t.Hp + t.e * t.U + r * t.dil_h) * t.Wp + t.f0 * t.U_w) * 16;
      for (int64_t s = 0; s < t.S; ++s) {
        const float* in = row + s * t.dil_w * 16;
        for (int ci = 0; ci < 16; ++ci, w += 32) {
          const __m512 w0 = _mm512_loadu_ps(w), w1 = _mm512_loadu_ps(w + 16);
#pragma GCC unroll 14
          for (int j = 0; j < P; ++j) {
            const __m512 xv = _mm512_set1_ps(in[j * step + ci]);
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

}  // namespace loupe::kernels::conv
