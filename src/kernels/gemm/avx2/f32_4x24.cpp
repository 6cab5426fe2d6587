// AVX2 + FMA SGEMM microkernel, 6 x 16 register tile (compiled with -mavx2 -mfma only).
//
// Why 6 x 16: 16 ymm registers. A tile row of 16 floats is two ymm; 6 rows x 2 = 12
// accumulators, + 2 for the B row, + 2 alternating broadcasts = 16. 12 independent FMAs per k step cover
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

// The k loop is written in assembly because GCC 12 does not keep the 12 accumulators of an
// intrinsics loop in registers: it stores all of them to the stack on every k step (store-port
// bound, a third of the FMA peak measured on a Zen AVX2 core). ymm0..11 accumulate (row r in
// ymm 2r and 2r+1), ymm12/13 hold the B row, ymm14/15 alternate as the broadcast A element.
// GAS's .if drops rows >= R and the second vector when NV = 1, so one template serves every
// edge tile. The accumulators then go through a stack buffer to the C update below (24 vector
// memory operations per tile against R x NV x kc FMAs).
#define LOUPE_ROW(u, r, bc, c0, c1)                  \
  ".if %c[rows] > " #r                               \
  "\n\t"                                             \
  "vbroadcastss 24*" #u "+4*" #r "(%[a]), %%ymm" #bc \
  "\n\t"                                             \
  "vfmadd231ps %%ymm12, %%ymm" #bc ", %%ymm" #c0     \
  "\n\t"                                             \
  ".if %c[nv] > 1\n\t"                               \
  "vfmadd231ps %%ymm13, %%ymm" #bc ", %%ymm" #c1     \
  "\n\t"                                             \
  ".endif\n\t"                                       \
  ".endif\n\t"
// One k step at offset u (in k steps) from the a / b pointers.
#define LOUPE_STEP(u)                                                                        \
  "vmovaps 64*" #u                                                                           \
  "(%[b]), %%ymm12\n\t"                                                                      \
  ".if %c[nv] > 1\n\t"                                                                       \
  "vmovaps 64*" #u                                                                           \
  "+32(%[b]), %%ymm13\n\t"                                                                   \
  ".endif\n\t" LOUPE_ROW(u, 0, 14, 0, 1) LOUPE_ROW(u, 1, 15, 2, 3) LOUPE_ROW(u, 2, 14, 4, 5) \
      LOUPE_ROW(u, 3, 15, 6, 7) LOUPE_ROW(u, 4, 14, 8, 9) LOUPE_ROW(u, 5, 15, 10, 11)
#define LOUPE_ZERO(x) "vxorps %%ymm" #x ", %%ymm" #x ", %%ymm" #x "\n\t"
#define LOUPE_SAVE(x) "vmovaps %%ymm" #x ", " #x "*32(%[out])\n\t"

template <int R, int NV>
void tile(const UkrArgs& p) {
  static_assert(R >= 1 && R <= kMR && (NV == 1 || NV == 2));
  alignas(32) float out[kMR * kNR];
  const float* a = p.a;
  const float* b = p.b;
  int64_t k = p.kc;
  __asm__ volatile(
      LOUPE_ZERO(0) LOUPE_ZERO(1) LOUPE_ZERO(2) LOUPE_ZERO(3) LOUPE_ZERO(4) LOUPE_ZERO(5)
          LOUPE_ZERO(6) LOUPE_ZERO(7) LOUPE_ZERO(8) LOUPE_ZERO(9) LOUPE_ZERO(10) LOUPE_ZERO(11)
              "cmp $4, %[k]\n\t"
              "jl 3f\n\t"
              ".p2align 5\n\t"
              "1:\n\t"
              "prefetcht0 384(%[a])\n\t"
              "prefetcht0 448(%[a])\n\t" LOUPE_STEP(0) LOUPE_STEP(1) LOUPE_STEP(2) LOUPE_STEP(3)
              "add $96, %[a]\n\t"
              "add $256, %[b]\n\t"
              "sub $4, %[k]\n\t"
              "cmp $4, %[k]\n\t"
              "jge 1b\n\t"
              "3:\n\t"
              "test %[k], %[k]\n\t"
              "jle 2f\n\t"
              "4:\n\t" LOUPE_STEP(0)
              "add $24, %[a]\n\t"
              "add $64, %[b]\n\t"
              "dec %[k]\n\t"
              "jnz 4b\n\t"
              "2:\n\t" LOUPE_SAVE(0) LOUPE_SAVE(1) LOUPE_SAVE(2) LOUPE_SAVE(3) LOUPE_SAVE(4)
                  LOUPE_SAVE(5) LOUPE_SAVE(6) LOUPE_SAVE(7) LOUPE_SAVE(8) LOUPE_SAVE(9)
                      LOUPE_SAVE(10) LOUPE_SAVE(11)
      : [a] "+r"(a), [b] "+r"(b), [k] "+r"(k)
      : [out] "r"(out), [rows] "i"(R), [nv] "i"(NV)
      : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
        "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "cc", "memory");
  __m256 acc[R][NV];
  for (int r = 0; r < R; ++r) {
    for (int v = 0; v < NV; ++v) acc[r][v] = _mm256_load_ps(out + kNR * r + 8 * v);
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

#undef LOUPE_ROW
#undef LOUPE_STEP
#undef LOUPE_ZERO
#undef LOUPE_SAVE

constexpr UkrFn kByRows[kMR] = {rows<1>, rows<2>, rows<3>, rows<4>, rows<5>, rows<6>};

void ukernel(const UkrArgs& p) { kByRows[p.m - 1](p); }

constexpr Microkernel kKernel{Isa::avx2, kMR, kNR, ukernel, nullptr, nullptr, "avx2 f32 6x16"};

}  // namespace

const Microkernel& microkernel_avx2() { return kKernel; }

}  // namespace loupe::kernels::gemm
