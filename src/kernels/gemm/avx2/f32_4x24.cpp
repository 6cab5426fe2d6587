// AVX2 + FMA SGEMM microkernel, 4 x 24 register tile (compiled with -mavx2 -mfma only).
//
// Why 4 x 24: 16 ymm registers. A tile row of 24 floats is three ymm; 4 rows x 3 = 12
// accumulators, + 3 for the B row, + 1 broadcast = 16. Per k step that is 12 FMAs against 3
// vector loads and 4 broadcasts. The classic Haswell tile, 6 x 16 (BLIS), has the same 12
// accumulators but 6 broadcasts per k; on the Zen cores loupe was measured on the broadcasts
// compete with the FMAs: a k loop in L1 ran at 80% of the FMA peak as 6 x 16 and at 100% as
// 4 x 24 (same assembly, kc = 256).
// Edge tiles: the row count (1..4) and vector count (1..3) are template parameters; columns
// beyond n are masked (only in the last vector of a short tile).
#include <immintrin.h>

#include <cstddef>

#include "kernels/avx2_lanes.hpp"
#include "kernels/gemm/ukernel.hpp"

namespace loupe::kernels::gemm {

namespace {

constexpr int kMR = 4;
constexpr int kNR = 24;

// alpha, beta, epilogue and store of an R x (8 NV) tile. Full: every column is valid, so plain
// loads and stores; masked ones (vmaskmovps) cost several times more on AMD cores, and a tile of
// a short K pays them against few FMAs.
template <int R, int NV, bool Full>
void store_tile(const __m256 (&acc)[R][NV], const UkrArgs& p) {
  __m256i mask[NV];
  for (int v = 0; v < NV; ++v) mask[v] = avx2::first_lanes(p.n - 8 * v);
  const auto load = [&](const float* src, int v) {
    return Full ? _mm256_loadu_ps(src) : _mm256_maskload_ps(src, mask[v]);
  };
  const __m256 alpha = _mm256_set1_ps(p.alpha);
  const __m256 beta = _mm256_set1_ps(p.beta);
  const __m256 lo = _mm256_set1_ps(p.lo);
  const __m256 hi = _mm256_set1_ps(p.hi);
  __m256 col_bias[NV];
  for (int v = 0; v < NV; ++v) {
    col_bias[v] =
        p.epilogue && p.col_bias != nullptr ? load(p.col_bias + 8 * v, v) : _mm256_setzero_ps();
  }
  for (int r = 0; r < R; ++r) {
    float* c = p.c + r * p.ldc;
    for (int v = 0; v < NV; ++v) {
      __m256 x = p.alpha == 1.0f ? acc[r][v] : _mm256_mul_ps(alpha, acc[r][v]);
      if (p.beta == 1.0f) {
        x = _mm256_add_ps(x, load(c + 8 * v, v));
      } else if (p.beta != 0.0f) {
        x = _mm256_fmadd_ps(beta, load(c + 8 * v, v), x);
      }
      if (p.epilogue) {
        if (p.row_bias != nullptr) x = _mm256_add_ps(x, _mm256_set1_ps(p.row_bias[r]));
        x = _mm256_add_ps(x, col_bias[v]);
        if (p.residual != nullptr) x = _mm256_add_ps(x, load(p.residual + r * p.ldr + 8 * v, v));
        if (p.clamp) x = _mm256_min_ps(_mm256_max_ps(x, lo), hi);
      }
      if (Full) {
        _mm256_storeu_ps(c + 8 * v, x);
      } else {
        _mm256_maskstore_ps(c + 8 * v, mask[v], x);
      }
    }
  }
}

// The k loop is written in assembly because GCC 12 does not keep the 12 accumulators of an
// intrinsics loop in registers: it stores all of them to the stack on every k step (store-port
// bound, a third of the FMA peak). ymm0..11 accumulate (row r in ymm 3r..3r+2), ymm12..14 hold
// the B row, ymm15 the broadcast A element. GAS's .if drops rows >= R and vectors >= NV, so one
// template serves every edge tile. Unrolled by 4 (one 64-byte line of packed A). The C update of
// a full-width tile with alpha 1 and beta 0 or 1 (every conv layer) follows in the same block,
// from the accumulators: going through a stack buffer to intrinsics cost ~30% of a K = 64 tile
// (ResNet's 1x1 layers: 63 -> 79 GFLOP/s at 256 x 3136 x 64). Other tiles still take that path.
// With Raw, A is read straight from its rows (row r at a + r lda) instead of a packed panel.
// clang-format 14 does not settle on one layout for these macros.
// clang-format off
// Row r of a three-register operand (p, p2 = p + 2 ld, ld): (p), (p,ld), (p2) or (p2,ld).
#define LOUPE_ROWADDR0(p, p2, ld) "(%[" #p "])"
#define LOUPE_ROWADDR1(p, p2, ld) "(%[" #p "],%[" #ld "])"
#define LOUPE_ROWADDR2(p, p2, ld) "(%[" #p2 "])"
#define LOUPE_ROWADDR3(p, p2, ld) "(%[" #p2 "],%[" #ld "])"
// Row r's FMA with B vector v (in ymm b) into accumulator c.
#define LOUPE_FMA(v, b, c) \
  ".if %c[nv] > " #v "\n\tvfmadd231ps %%ymm" #b ", %%ymm15, %%ymm" #c "\n\t.endif\n\t"
// A(r, k + u) into ymm15.
#define LOUPE_BCAST(u, r)                                                          \
  ".if %c[raw]\n\tvbroadcastss 4*" #u LOUPE_ROWADDR##r(a, a2, lda) ", %%ymm15\n\t" \
  ".else\n\tvbroadcastss 16*" #u "+4*" #r "(%[a]), %%ymm15\n\t.endif\n\t"
#define LOUPE_ROW(u, r, c0, c1, c2)                                           \
  ".if %c[rows] > " #r "\n\t" LOUPE_BCAST(u, r) LOUPE_FMA(0, 12, c0)          \
  LOUPE_FMA(1, 13, c1) LOUPE_FMA(2, 14, c2) ".endif\n\t"
// B row u: vector v into ymm b.
#define LOUPE_LOADB(u, v, b) \
  ".if %c[nv] > " #v "\n\tvmovaps 96*" #u "+32*" #v "(%[b]), %%ymm" #b "\n\t.endif\n\t"
// A one-vector tile (n <= 8) has only 4 accumulators, each a chain of dependent FMAs (4 cycles
// apart): odd k steps go to the idle second vector's accumulators instead, with B in ymm13, and
// the two sets are added after the loop (N = 49: the last column's tile took 2/3 of a full one's
// time).
#define LOUPE_ROW_ODD(u, r, c)                                 \
  ".if %c[rows] > " #r "\n\t" LOUPE_BCAST(u, r) "vfmadd231ps " \
  "%%ymm13, %%ymm15, %%ymm" #c "\n\t.endif\n\t"
#define LOUPE_STEP(u)                                                                        \
  ".if %c[nv] == 1 && (" #u " & 1)\n\tvmovaps 96*" #u "(%[b]), %%ymm13\n\t"                 \
  LOUPE_ROW_ODD(u, 0, 1) LOUPE_ROW_ODD(u, 1, 4) LOUPE_ROW_ODD(u, 2, 7) LOUPE_ROW_ODD(u, 3, 10) \
  ".else\n\t" LOUPE_LOADB(u, 0, 12) LOUPE_LOADB(u, 1, 13) LOUPE_LOADB(u, 2, 14)              \
  LOUPE_ROW(u, 0, 0, 1, 2) LOUPE_ROW(u, 1, 3, 4, 5) LOUPE_ROW(u, 2, 6, 7, 8)                   \
  LOUPE_ROW(u, 3, 9, 10, 11) ".endif\n\t"
#define LOUPE_FOLD(r, c0, c1)                                                                  \
  ".if %c[nv] == 1 && %c[rows] > " #r "\n\tvaddps %%ymm" #c1 ", %%ymm" #c0 ", %%ymm" #c0 \
  "\n\t.endif\n\t"
// Moves A on by `k` steps.
#define LOUPE_ADVANCE_A(k)                                                              \
  ".if %c[raw]\n\tadd $4*" #k ", %[a]\n\tadd $4*" #k ", %[a2]\n\t.else\n\tadd $16*" #k \
  ", %[a]\n\t.endif\n\t"
#define LOUPE_ZERO(x) "vxorps %%ymm" #x ", %%ymm" #x ", %%ymm" #x "\n\t"
#define LOUPE_SAVE(x) "vmovaps %%ymm" #x ", " #x "*32(%[a])\n\t"
// The fused C update, straight from the accumulators. OP is applied to each valid (row, vector)
// of the three-register operand (p, p2, ld).
#define LOUPE_MEMOP(op, r, v, c, p, p2, ld)         \
  ".if %c[rows] > " #r " && %c[nv] > " #v "\n\t" op \
  " 32*" #v LOUPE_ROWADDR##r(p, p2, ld) ", %%ymm" #c ", %%ymm" #c "\n\t.endif\n\t"
#define LOUPE_MEMROW(op, r, c0, c1, c2, p, p2, ld) \
  LOUPE_MEMOP(op, r, 0, c0, p, p2, ld)             \
  LOUPE_MEMOP(op, r, 1, c1, p, p2, ld) LOUPE_MEMOP(op, r, 2, c2, p, p2, ld)
#define LOUPE_MEMALL(op, p, p2, ld)       \
  LOUPE_MEMROW(op, 0, 0, 1, 2, p, p2, ld) \
  LOUPE_MEMROW(op, 1, 3, 4, 5, p, p2, ld) \
  LOUPE_MEMROW(op, 2, 6, 7, 8, p, p2, ld) LOUPE_MEMROW(op, 3, 9, 10, 11, p, p2, ld)
// Stores go to C = (c, b, ldc): b holds c + 2 ldc once the k loop is done.
#define LOUPE_STOREOP(r, v, x)                                   \
  ".if %c[rows] > " #r " && %c[nv] > " #v "\n\tvmovups %%ymm" #x \
  ", 32*" #v LOUPE_ROWADDR##r(c, b, ldc) "\n\t.endif\n\t"
#define LOUPE_STOREROW(r, c0, c1, c2) \
  LOUPE_STOREOP(r, 0, c0) LOUPE_STOREOP(r, 1, c1) LOUPE_STOREOP(r, 2, c2)
#define LOUPE_REGOP(op, r, v, c, x)                                                       \
  ".if %c[rows] > " #r " && %c[nv] > " #v "\n\t" op " %%ymm" #x ", %%ymm" #c ", %%ymm" #c \
  "\n\t.endif\n\t"
#define LOUPE_REGALL(op, x)                                                               \
  LOUPE_REGOP(op, 0, 0, 0, x)                                                             \
  LOUPE_REGOP(op, 0, 1, 1, x)                                                             \
  LOUPE_REGOP(op, 0, 2, 2, x)                                                             \
  LOUPE_REGOP(op, 1, 0, 3, x)                                                             \
  LOUPE_REGOP(op, 1, 1, 4, x) LOUPE_REGOP(op, 1, 2, 5, x) LOUPE_REGOP(op, 2, 0, 6, x)     \
      LOUPE_REGOP(op, 2, 1, 7, x) LOUPE_REGOP(op, 2, 2, 8, x) LOUPE_REGOP(op, 3, 0, 9, x) \
          LOUPE_REGOP(op, 3, 1, 10, x) LOUPE_REGOP(op, 3, 2, 11, x)
// Row bias: the bias pointer is in k once the k loop is done.
#define LOUPE_BIASROW(r, c0, c1, c2)                                   \
  ".if %c[rows] > " #r "\n\tvbroadcastss 4*" #r                        \
  "(%[k]), %%ymm12\n\t.endif\n\t" LOUPE_REGOP("vaddps", r, 0, c0, 12) \
      LOUPE_REGOP("vaddps", r, 1, c1, 12) LOUPE_REGOP("vaddps", r, 2, c2, 12)
// clang-format on

constexpr int64_t kFused = 1, kBeta = 2, kRowBias = 4, kResidual = 8, kClamp = 16;

// What the code after the k loop reads. It lives in memory and is loaded into the loop's
// registers once they are free: with raw A the loop needs 5 of the 14 general registers an
// ASan build leaves, and the C update 3 more at a time.
struct Tail {
  float* out;
  int64_t flags;
  float* c2;
  const float* res;
  const float* res2;
  int64_t ldr;  // bytes
  const float* rb;
  float lo, hi;
};

template <int R, int NV, bool Raw>
void tile(const UkrArgs& p) {
  static_assert(R >= 1 && R <= kMR && NV >= 1 && NV <= 3);
  // C's lines are written (and read when beta != 0) only after the k loop: fetching them for
  // ownership now overlaps the miss with the FMAs instead of stalling the stores on it.
  // The same for the residual rows the epilogue adds (written by an earlier layer, so in L2 or
  // L3 at best).
  for (int r = 0; r < R; ++r) {
    __builtin_prefetch(p.c + r * p.ldc, 1, 3);
    __builtin_prefetch(p.c + r * p.ldc + 8 * NV - 1, 1, 3);
    if (p.epilogue && p.residual != nullptr) {
      __builtin_prefetch(p.residual + r * p.ldr, 0, 3);
      __builtin_prefetch(p.residual + r * p.ldr + 8 * NV - 1, 0, 3);
    }
  }
  alignas(32) float out[kMR * 3 * 8];
  const float* a = p.a;
  const float* a2 = Raw && R > 2 ? a + 2 * p.lda : a;
  int64_t lda = Raw ? p.lda * 4 : 0;
  const float* b = p.b;
  int64_t k = p.kc;
  // The common C updates (alpha 1, beta 0 or 1, row bias, residual, clamp; every column valid)
  // run in the assembly from the accumulators; the rest go through `out` to store_tile.
  const bool fused = p.n == 8 * NV && p.alpha == 1.0f && (p.beta == 0.0f || p.beta == 1.0f) &&
                     !(p.epilogue && p.col_bias != nullptr);
  Tail t{out,  0,   R > 2 ? p.c + 2 * p.ldc : p.c, nullptr, nullptr, p.ldr * 4, p.row_bias,
         p.lo, p.hi};
  if (fused) {
    t.flags = kFused | (p.beta == 1.0f ? kBeta : 0);
    if (p.epilogue) {
      t.flags |= (p.row_bias != nullptr ? kRowBias : 0) | (p.residual != nullptr ? kResidual : 0) |
                 (p.clamp ? kClamp : 0);
      t.res = p.residual;
      t.res2 = p.residual != nullptr && R > 2 ? p.residual + 2 * p.ldr : p.residual;
    }
  }
  const int64_t ldc = p.ldc * 4;
  float* c = p.c;
  // B's k rows are kNR floats apart whatever NV: LOUPE_LOADB's 96-byte row stride.
  static_assert(kNR * 4 == 96);
  __asm__ volatile(
      LOUPE_ZERO(0) LOUPE_ZERO(1) LOUPE_ZERO(2) LOUPE_ZERO(3) LOUPE_ZERO(4) LOUPE_ZERO(5)
          LOUPE_ZERO(6) LOUPE_ZERO(7) LOUPE_ZERO(8) LOUPE_ZERO(9) LOUPE_ZERO(10) LOUPE_ZERO(11)
              "cmp $4, %[k]\n\t"
              "jl 3f\n\t"
              ".p2align 5\n\t"
              "1:\n\t"
              ".if %c[raw] == 0\n\tprefetcht0 256(%[a])\n\t.endif\n\t" LOUPE_STEP(0)
                  LOUPE_STEP(1) LOUPE_STEP(2) LOUPE_STEP(3) LOUPE_ADVANCE_A(4)
              "add $384, %[b]\n\t"
              "sub $4, %[k]\n\t"
              "cmp $4, %[k]\n\t"
              "jge 1b\n\t"
              "3:\n\t"
              "test %[k], %[k]\n\t"
              "jle 2f\n\t"
              "4:\n\t" LOUPE_STEP(0) LOUPE_ADVANCE_A(1)
              "add $96, %[b]\n\t"
              "dec %[k]\n\t"
              "jnz 4b\n\t"
              "2:\n\t" LOUPE_FOLD(0, 0, 1) LOUPE_FOLD(1, 3, 4) LOUPE_FOLD(2, 6, 7)
                  LOUPE_FOLD(3, 9, 10)
              "testq %[fused], %c[oflags](%[t])\n\t"
              "jnz 5f\n\t"
              "mov %c[oout](%[t]), %[a]\n\t" LOUPE_SAVE(0) LOUPE_SAVE(1) LOUPE_SAVE(2)
                  LOUPE_SAVE(3) LOUPE_SAVE(4) LOUPE_SAVE(5) LOUPE_SAVE(6) LOUPE_SAVE(7)
                      LOUPE_SAVE(8) LOUPE_SAVE(9) LOUPE_SAVE(10) LOUPE_SAVE(11) "jmp 9f\n\t"
              "5:\n\t"
              "mov %c[oc2](%[t]), %[b]\n\t"
              "testq %[beta], %c[oflags](%[t])\n\t"
              "jz 6f\n\t" LOUPE_MEMALL("vaddps", c, b, ldc) "6:\n\t"
              "testq %[rowbias], %c[oflags](%[t])\n\t"
              "jz 7f\n\t"
              "mov %c[orb](%[t]), %[k]\n\t" LOUPE_BIASROW(0, 0, 1, 2) LOUPE_BIASROW(1, 3, 4, 5)
                  LOUPE_BIASROW(2, 6, 7, 8) LOUPE_BIASROW(3, 9, 10, 11) "7:\n\t"
              "testq %[resid], %c[oflags](%[t])\n\t"
              "jz 8f\n\t"
              "mov %c[ores](%[t]), %[a]\n\t"
              "mov %c[ores2](%[t]), %[a2]\n\t"
              "mov %c[oldr](%[t]), %[lda]\n\t" LOUPE_MEMALL("vaddps", a, a2, lda) "8:\n\t"
              "testq %[clampf], %c[oflags](%[t])\n\t"
              "jz 10f\n\t"
              "vbroadcastss %c[olo](%[t]), %%ymm13\n\t"
              "vbroadcastss %c[ohi](%[t]), %%ymm14\n\t" LOUPE_REGALL("vmaxps", 13)
                  LOUPE_REGALL("vminps", 14) "10:\n\t" LOUPE_STOREROW(0, 0, 1, 2)
                      LOUPE_STOREROW(1, 3, 4, 5) LOUPE_STOREROW(2, 6, 7, 8)
                          LOUPE_STOREROW(3, 9, 10, 11) "9:\n\t"
      : [a] "+r"(a), [a2] "+r"(a2), [lda] "+r"(lda), [b] "+r"(b), [k] "+r"(k)
      : [c] "r"(c), [ldc] "r"(ldc), [t] "r"(&t), [rows] "i"(R), [nv] "i"(NV), [raw] "i"(Raw ? 1 : 0),
        [oout] "i"(offsetof(Tail, out)), [oflags] "i"(offsetof(Tail, flags)),
        [oc2] "i"(offsetof(Tail, c2)), [ores] "i"(offsetof(Tail, res)),
        [ores2] "i"(offsetof(Tail, res2)), [oldr] "i"(offsetof(Tail, ldr)),
        [orb] "i"(offsetof(Tail, rb)), [olo] "i"(offsetof(Tail, lo)),
        [ohi] "i"(offsetof(Tail, hi)), [fused] "i"(kFused), [beta] "i"(kBeta),
        [rowbias] "i"(kRowBias), [resid] "i"(kResidual), [clampf] "i"(kClamp)
      : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
        "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "cc", "memory");
  if (fused) return;
  __m256 acc[R][NV];
  for (int r = 0; r < R; ++r) {
    for (int v = 0; v < NV; ++v) acc[r][v] = _mm256_load_ps(out + 24 * r + 8 * v);
  }
  if (p.n == 8 * NV) {
    store_tile<R, NV, true>(acc, p);
  } else {
    store_tile<R, NV, false>(acc, p);
  }
}

#undef LOUPE_FMA
#undef LOUPE_ROW
#undef LOUPE_ROW_ODD
#undef LOUPE_FOLD
#undef LOUPE_BCAST
#undef LOUPE_ADVANCE_A
#undef LOUPE_LOADB
#undef LOUPE_STEP
#undef LOUPE_ZERO
#undef LOUPE_SAVE
#undef LOUPE_ROWADDR0
#undef LOUPE_ROWADDR1
#undef LOUPE_ROWADDR2
#undef LOUPE_ROWADDR3
#undef LOUPE_MEMOP
#undef LOUPE_MEMROW
#undef LOUPE_MEMALL
#undef LOUPE_STOREOP
#undef LOUPE_STOREROW
#undef LOUPE_REGOP
#undef LOUPE_REGALL
#undef LOUPE_BIASROW

template <int R, bool Raw>
void rows(const UkrArgs& p) {
  if (p.n <= 8) {
    tile<R, 1, Raw>(p);
  } else if (p.n <= 16) {
    tile<R, 2, Raw>(p);
  } else {
    tile<R, 3, Raw>(p);
  }
}

constexpr UkrFn kByRows[2][kMR] = {{rows<1, false>, rows<2, false>, rows<3, false>, rows<4, false>},
                                   {rows<1, true>, rows<2, true>, rows<3, true>, rows<4, true>}};

void ukernel(const UkrArgs& p) { kByRows[p.lda != 0][p.m - 1](p); }

// B micro-panel packing with vector copies: the driver packs one panel just before its tiles
// when M fits one block (a 1x1 conv's activations), and a memcpy per 96-byte row cost ~15% of
// the FMAs there at M = 64.
void pack_b(int64_t n, int64_t kc, const float* src, int64_t rs, float* dst) {
  if (n == kNR) {
    for (int64_t k = 0; k < kc; ++k) {
      const float* s = src + k * rs;
      float* d = dst + k * kNR;
      _mm256_store_ps(d, _mm256_loadu_ps(s));
      _mm256_store_ps(d + 8, _mm256_loadu_ps(s + 8));
      _mm256_store_ps(d + 16, _mm256_loadu_ps(s + 16));
    }
    return;
  }
  const __m256i m0 = avx2::first_lanes(static_cast<int>(n));
  const __m256i m1 = avx2::first_lanes(static_cast<int>(n) - 8);
  const __m256i m2 = avx2::first_lanes(static_cast<int>(n) - 16);
  for (int64_t k = 0; k < kc; ++k) {
    const float* s = src + k * rs;
    float* d = dst + k * kNR;
    _mm256_store_ps(d, _mm256_maskload_ps(s, m0));
    _mm256_store_ps(d + 8, _mm256_maskload_ps(s + 8, m1));
    _mm256_store_ps(d + 16, _mm256_maskload_ps(s + 16, m2));
  }
}

constexpr Microkernel kKernel{Isa::avx2, kMR, kNR, ukernel, nullptr, pack_b, "avx2 f32 4x24", true};

}  // namespace

const Microkernel& microkernel_avx2() { return kKernel; }

}  // namespace loupe::kernels::gemm
