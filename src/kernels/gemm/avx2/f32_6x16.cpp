// AVX2 + FMA SGEMM microkernel, 6 x 16 register tile (compiled with -mavx2 -mfma only).
//
// Why 6 x 16: 16 ymm registers. A tile row of 16 floats is two ymm; 6 rows x 2 = 12
// accumulators, + 2 for the B row, + 1 broadcast = 15. 12 independent FMAs per k step cover
// 2 FMA ports x 4-5 cycles latency; 8 x 8 or 4 x 24 have fewer accumulators or worse
// FMA:load ratios (the classic Haswell choice, as in BLIS's haswell sgemm 6x16).
// Edge tiles: row count is a template parameter; columns use maskload/maskstore.
#include <immintrin.h>

#include "kernels/gemm/ukernel.hpp"

namespace loupe::kernels::gemm {

namespace {

constexpr int kMR = 6;
constexpr int kNR = 16;

__m256i lane_mask(int n) {
  const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), iota);
}

template <int R, int NV>
void tile(const UkrArgs& p) {
  __m256 acc[R][NV];
  for (int r = 0; r < R; ++r) {
    for (int v = 0; v < NV; ++v) acc[r][v] = _mm256_setzero_ps();
  }
  const float* a = p.a;
  const float* b = p.b;
#pragma GCC unroll 4
  for (int64_t k = 0; k < p.kc; ++k) {
    __m256 bv[NV];
    for (int v = 0; v < NV; ++v) bv[v] = _mm256_load_ps(b + 8 * v);
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r) {
      const __m256 ar = _mm256_broadcast_ss(a + r);
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm256_fmadd_ps(ar, bv[v], acc[r][v]);
    }
    a += kMR;
    b += kNR;
  }

  __m256i mask[NV];
  for (int v = 0; v < NV; ++v) mask[v] = lane_mask(p.n - 8 * v);
  const __m256 alpha = _mm256_set1_ps(p.alpha);
  const __m256 beta = _mm256_set1_ps(p.beta);
  const __m256 lo = _mm256_set1_ps(p.lo);
  const __m256 hi = _mm256_set1_ps(p.hi);
  __m256 col_bias[NV];
  for (int v = 0; v < NV; ++v) {
    col_bias[v] = p.epilogue && p.col_bias != nullptr
                      ? _mm256_maskload_ps(p.col_bias + 8 * v, mask[v])
                      : _mm256_setzero_ps();
  }
  for (int r = 0; r < R; ++r) {
    float* c = p.c + r * p.ldc;
    for (int v = 0; v < NV; ++v) {
      __m256 x = _mm256_mul_ps(alpha, acc[r][v]);
      if (p.beta != 0.0f) x = _mm256_fmadd_ps(beta, _mm256_maskload_ps(c + 8 * v, mask[v]), x);
      if (p.epilogue) {
        if (p.row_bias != nullptr) x = _mm256_add_ps(x, _mm256_set1_ps(p.row_bias[r]));
        x = _mm256_add_ps(x, col_bias[v]);
        if (p.residual != nullptr) {
          x = _mm256_add_ps(x, _mm256_maskload_ps(p.residual + r * p.ldr + 8 * v, mask[v]));
        }
        if (p.clamp) x = _mm256_min_ps(_mm256_max_ps(x, lo), hi);
      }
      _mm256_maskstore_ps(c + 8 * v, mask[v], x);
    }
  }
}

template <int R>
void rows(const UkrArgs& p) {
  if (p.n <= 8) {
    tile<R, 1>(p);
  } else {
    tile<R, 2>(p);
  }
}

constexpr UkrFn kByRows[kMR] = {rows<1>, rows<2>, rows<3>, rows<4>, rows<5>, rows<6>};

void ukernel(const UkrArgs& p) { kByRows[p.m - 1](p); }

constexpr Microkernel kKernel{Isa::avx2, kMR, kNR, ukernel, nullptr, nullptr, "avx2 f32 6x16"};

}  // namespace

const Microkernel& microkernel_avx2() { return kKernel; }

}  // namespace loupe::kernels::gemm
