// AVX-512 tile of direct_phased: 2 x P accumulators (32 output channels x P pixels); per input k
// two weight vectors and P broadcasts from consecutive floats.
// GCC 12 flags _mm512_undefined_ps() inside its own intrinsics (GCC PR 105593, see gemm/avx512).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include "kernels/conv/direct_kernel.hpp"
#include "kernels/conv/direct_phased_kernel.hpp"

namespace loupe::kernels::conv {
namespace {

// P pixels; the first H of them in this row, the other P - H in the next.
template <int P, int H = P>
void tile(const PhasedTile& t) {
  __m512 a0[P], a1[P];
  for (int j = 0; j < P; ++j) a0[j] = a1[j] = _mm512_setzero_ps();
  const float* w = t.w;
  const float* next = t.in + t.row_step - H;  // pixel j >= H of input k at next[offset[k] + j]
  // Unrolled by 4: one loop branch per 112 FMAs instead of 28. bench_conv, AlexNet's conv1 (K =
  // 363), two alternating rounds, GFLOP/s: 1 thread 136-137 -> 141, 2 threads 244-247 -> 255-256.
#pragma GCC unroll 4
  for (int64_t k = 0; k < t.K; ++k, w += 32) {
    const float* src = t.in + t.offset[k];
    const float* src2 = next + t.offset[k];
    const __m512 w0 = _mm512_load_ps(w), w1 = _mm512_load_ps(w + 16);
    _mm_prefetch(reinterpret_cast<const char*>(w + kDirectWeightsAhead), _MM_HINT_T1);
    _mm_prefetch(reinterpret_cast<const char*>(w + kDirectWeightsAhead + 16), _MM_HINT_T1);
#pragma GCC unroll 14
    for (int j = 0; j < P; ++j) {
      const __m512 xv = _mm512_set1_ps(j < H ? src[j] : src2[j]);
      a0[j] = _mm512_fmadd_ps(xv, w0, a0[j]);
      a1[j] = _mm512_fmadd_ps(xv, w1, a1[j]);
    }
  }
  for (int j = 0; j < P; ++j) {
    _mm512_storeu_ps(t.out + j * 32, a0[j]);
    _mm512_storeu_ps(t.out + j * 32 + 16, a1[j]);
  }
}

using TileFn = void (*)(const PhasedTile&);

constexpr TileFn kOneRow[] = {tile<1>, tile<2>, tile<3>,  tile<4>,  tile<5>,  tile<6>,  tile<7>,
                              tile<8>, tile<9>, tile<10>, tile<11>, tile<12>, tile<13>, tile<14>};
constexpr TileFn kTwoRows[] = {tile<2, 1>,  tile<4, 2>,  tile<6, 3>, tile<8, 4>,
                               tile<10, 5>, tile<12, 6>, tile<14, 7>};

}  // namespace

void direct_phased_tile_avx512(const PhasedTile& t) {
  if (t.row_pixels > 0) {
    kTwoRows[t.row_pixels - 1](t);
  } else {
    kOneRow[t.pixels - 1](t);
  }
}

}  // namespace loupe::kernels::conv
