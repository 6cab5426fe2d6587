// AVX-512 SGEMM microkernel, 14 x 32 register tile (compiled with -mavx512f/bw/vl/dq -mfma only).
//
// Why 14 x 32: C's rows are contiguous (row-major), so a tile row of NR = 32 floats is two zmm
// vectors and each k step broadcasts one A element per row. 14 rows x 2 vectors = 28 zmm
// accumulators, + 2 for the B row, + 1 broadcast = 31 of the 32 zmm registers. Per k step that is
// 28 FMAs against 2 vector loads and 14 broadcasts (embedded {1to16} memory operands), enough
// independent FMAs to cover 2 FMA ports x 4-cycle latency (8 in flight) more than three times,
// and the highest FMA:load ratio a 32-register file allows with NR = 32. 6 x 64 (24
// accumulators) loads less A per FMA but needs a 4-vector B row (KC x 256 B of L1 per panel,
// halving KC) and wastes more of a short N edge; 14 x 32 keeps KC x 128 B.
//
// Pack mode (P): a full-width tile that reads B's rows where they lie also writes them out as the
// packed micro-panel, so that the packing copy costs two stores per k step under 28 FMAs.
// Raw A (tile_raw_a): a tile on a packed B panel broadcasts A's elements from its 14 rows where
// they lie, for products too narrow to pay for packing A, or, storing each element too, to pack
// A's micro-panel for the tiles after it (UkrArgs::a_pack).
//
// Edge tiles: the row count is a template parameter (1..14, no wasted FMAs for a short M edge);
// columns use masked loads/stores, and a tile of <= 16 columns runs the one-vector variant.
// C is updated from the accumulators after the k loop (alpha, beta, fused epilogue, store).
// GCC 12's AVX-512 intrinsics pass _mm512_undefined_ps() (a self-initialised variable) through
// as the unused merge operand, which -Wmaybe-uninitialized (or, where inlining proves the
// path, -Wuninitialized) flags at every use (GCC PR 105593, fixed in GCC 13). The warning is
// about the header, not this code.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <algorithm>
#include <cstddef>

#include "kernels/avx512_lanes.hpp"
#include "kernels/gemm/ukernel.hpp"

namespace loupe::kernels::gemm {

namespace {

constexpr int kMR = 14;
constexpr int kNR = 32;

// Bytes from one k's B row to the next: a packed micro-panel's NR floats, or B's own row stride
// (UkrArgs::ldb, raw_b).
int64_t b_step(const UkrArgs& p) { return 4 * (p.ldb != 0 ? p.ldb : kNR); }

// Bytes from the B row in use to the one fetched into L2 at the same k step (LOUPE_K_STEP):
// 32 steps down a packed stream, or the same row of the micro-panel two to the right of raw B.
int64_t b_far(const UkrArgs& p) { return p.ldb != 0 ? 2 * 4 * kNR : 32 * 4 * kNR; }

// What the k loop fetches into L2 (LOUPE_K_STEP). By default the line at b + step (and the next,
// with two vectors): B's own stream b_far ahead, addressed from b without another add. With
// UkrArgs::l2_fetch (pointer mode) two lines at `at`, `at` moving `step` bytes a step.
struct L2Fetch {
  const char* at;
  int64_t step;
};
L2Fetch l2_fetch(const UkrArgs& p) {
  if (p.l2_fetch != nullptr) return {reinterpret_cast<const char*>(p.l2_fetch), p.l2_fetch_step};
  return {reinterpret_cast<const char*>(p.b), b_far(p)};
}

// The k loop's variant as one immediate (the asm takes at most 30 operands): 1 pack mode (P),
// 2 stream mode (S), 4 no L2 fetch (F false: UkrArgs::b_in_l2), 8 the L2 fetch from its own
// pointer (L: UkrArgs::l2_fetch), 16 A stored transposed and read where it lies (T:
// UkrArgs::a_step), whose fetch ahead also takes each k row's last float. The step itself is
// the astep operand in every mode (a_step below). Bits 5-7 hold the k steps per row of C in the
// loop's tail, less one (LOUPE_K_LOOP_OF). 256: tile_raw_a also stores A's elements as the
// packed panel (UkrArgs::a_pack).
constexpr int tile_mode(bool pack, bool stream, bool far, bool pointer, bool trans_a,
                        int steps_per_c_row = 1, bool pack_a = false) {
  return (pack ? 1 : 0) | (stream ? 2 : 0) | (far ? 0 : 4) | (pointer ? 8 : 0) |
         (trans_a ? 16 : 0) | (steps_per_c_row - 1) << 5 | (pack_a ? 256 : 0);
}

// Bytes from one k's MR values of A to the next: a packed micro-panel's MR floats, or, T, the
// stride of an A stored transposed (UkrArgs::a_step).
int64_t a_step(const UkrArgs& p) { return 4 * (p.a_step != 0 ? p.a_step : kMR); }

// C is read (beta != 0, or a later kc block) only after the k loop: start fetching its lines
// now so that the loads at the end do not stall on L3 / DRAM latency.
template <int R, int NV>
void prefetch_c(const UkrArgs& p) {
  if (p.beta == 0.0f) return;
  for (int r = 0; r < R; ++r) {
    _mm_prefetch(reinterpret_cast<const char*>(p.c + r * p.ldc), _MM_HINT_T0);
    if (NV == 2) _mm_prefetch(reinterpret_cast<const char*>(p.c + r * p.ldc + 16), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(p.c + r * p.ldc + 16 * NV - 1), _MM_HINT_T0);
  }
}

// Steps of the k loop that also prefetch C's rows for writing (the last min(kc, R)); with C
// transposed, its n rows of R floats.
template <int R>
int64_t c_prefetch_steps(const UkrArgs& p) {
  return std::min<int64_t>(p.kc, p.c_trans ? p.n : R);
}

// C = min(max(alpha * x + beta * C + row bias + column bias + residual, lo), hi) for up to 16
// lanes of a row of C, then the masked store: the C update of store_tile and transpose_out. Null
// row_bias, col_bias and residual (this row's, these lanes') are skipped; beta 0 does not read C.
class RowUpdate {
 public:
  RowUpdate(float alpha, float beta, bool clamp, float lo, float hi)
      : alpha_(alpha),
        beta_(beta),
        clamp_(clamp),
        valpha_(_mm512_set1_ps(alpha)),
        vbeta_(_mm512_set1_ps(beta)),
        lo_(_mm512_set1_ps(lo)),
        hi_(_mm512_set1_ps(hi)) {}

  void store(__m512 x, float* c, __mmask16 mask, const float* row_bias, const __m512* col_bias,
             const float* residual) const {
    if (alpha_ != 1.0f) x = _mm512_mul_ps(valpha_, x);
    if (beta_ == 1.0f) {
      x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(mask, c));
    } else if (beta_ != 0.0f) {
      x = _mm512_fmadd_ps(vbeta_, _mm512_maskz_loadu_ps(mask, c), x);
    }
    if (row_bias != nullptr) x = _mm512_add_ps(x, _mm512_set1_ps(*row_bias));
    if (col_bias != nullptr) x = _mm512_add_ps(x, *col_bias);
    if (residual != nullptr) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(mask, residual));
    if (clamp_) x = _mm512_min_ps(_mm512_max_ps(x, lo_), hi_);
    _mm512_mask_storeu_ps(c, mask, x);
  }

 private:
  float alpha_, beta_;
  bool clamp_;
  __m512 valpha_, vbeta_, lo_, hi_;
};

// alpha, beta, epilogue and the masked store of an R x (16 NV) tile held in acc.
template <int R, int NV>
void store_tile(const __m512 (&acc)[R][NV], const UkrArgs& p) {
  __mmask16 mask[NV];
  for (int v = 0; v < NV; ++v) mask[v] = avx512::first_lanes(p.n - 16 * v);
  const RowUpdate update(p.alpha, p.beta, p.epilogue && p.clamp, p.lo, p.hi);
  const bool col = p.epilogue && p.col_bias != nullptr;
  __m512 col_bias[NV];
  for (int v = 0; v < NV; ++v) {
    col_bias[v] = col ? _mm512_maskz_loadu_ps(mask[v], p.col_bias + 16 * v) : _mm512_setzero_ps();
  }
#pragma GCC unroll 14
  for (int r = 0; r < R; ++r) {
    const float* row_bias = p.epilogue && p.row_bias != nullptr ? p.row_bias + r : nullptr;
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) {
      const float* residual =
          p.epilogue && p.residual != nullptr ? p.residual + r * p.ldr + 16 * v : nullptr;
      update.store(acc[r][v], p.c + r * p.ldc + 16 * v, mask[v], row_bias,
                   p.epilogue ? &col_bias[v] : nullptr, residual);
    }
  }
}

// The k loop is written in assembly because GCC 12 does not keep 28 accumulators in registers
// through intrinsics (it spills and rotates them). zmm0..27 accumulate (row r in zmm 2r and
// 2r+1), zmm28/29 hold the B row, zmm30/31 alternate as the broadcast A element. Per k: NV
// aligned B loads, R broadcasts, R x NV FMAs. One template serves every edge tile: GAS's .if
// drops the rows >= R and the second vector when NV = 1, so a short M or N edge costs no wasted
// FMAs beyond the 16-lane granularity.
// Row r of the tile, its A element at `at` (asm operand text).
#define LOUPE_ROW_AT(r, at, bc, c0, c1)          \
  ".if %c[rows] > " #r                           \
  "\n\t"                                         \
  "vbroadcastss " at ", %%zmm" #bc               \
  "\n\t"                                         \
  "vfmadd231ps %%zmm28, %%zmm" #bc ", %%zmm" #c0 \
  "\n\t"                                         \
  ".if %c[nv] > 1\n\t"                           \
  "vfmadd231ps %%zmm29, %%zmm" #bc ", %%zmm" #c1 \
  "\n\t"                                         \
  ".endif\n\t"                                   \
  ".endif\n\t"
#define LOUPE_ROW(r, bc, c0, c1) LOUPE_ROW_AT(r, "4*" #r "(%[a])", bc, c0, c1)
#define LOUPE_ZERO(x) "vpxord %%zmm" #x ", %%zmm" #x ", %%zmm" #x "\n\t"
// One k step: NV B loads, R broadcasts, R x NV FMAs. A's micro-panel is fetched 8 steps ahead,
// and so is B's row (bstep bytes per step, packed panel or B's own rows): a rows-outer product
// streams its B panels from L2, and the L1 prefetcher does not follow B's rows when they lie
// ldb apart. The row's last float is fetched too: a row of B read where it lies need not start
// on a line (a 14 x 14 map's planes are 784 bytes apart, a std::vector's data is 16 bytes into
// its page), and its 128 bytes then span three lines. Without the third, 64 x 3136 x 576 with B
// 16 bytes off a line ran at 0.47-0.60 of dnnl_sgemm in about half the processes, 0.86-0.92 in
// the others, and 0.87-0.92 in all with it (aligned B: 0.86-0.94 either way). In pack mode (pk,
// UkrArgs::b_pack) the B row just loaded is also stored as the packed panel's row, and the same row
// of the panel two to the right (the tile after next in a rows-outer sweep) is fetched into L2:
// without that fetch the sweep waited on L3 for every row (64 x 3136 x 576: 0.48-0.53 of
// dnnl_sgemm, 0.97 with it; one panel ahead 0.54-0.57, four 0.96). Stream mode (st) is a one-row
// tile given A's row where it lies (UkrArgs::lda, a row-vector product on packed B: a fully
// connected layer at batch 1, its B read once from DRAM): A steps 4 bytes per k instead of a packed
// panel's 56, and only the far fetch below runs. A transposed A read where it lies (T,
// UkrArgs::a_step) steps its row stride instead of 56 bytes, and its fetch 8 steps ahead also
// takes the row's last float, as B's does.
// Each step also fetches B into L2 from further away (b_far, addressed from b): 32 steps down a
// packed stream, past the panel's end into the next one, or the same row of the raw panel two to
// the right; or, in pointer mode (UkrArgs::l2_fetch), lines that the driver names (a later raw
// panel's rows, a share of the next pre-packed panel or block); or nothing, where B is already in
// L1 or L2 (UkrArgs::b_in_l2: the fetches cost 3-5% of a tile in L1 at K 64-256). In a model B is
// cold: a conv's packed weights last used one inference ago, Winograd's transformed filters, an
// activation map written by another core. The 8-step fetch into L1 covers only L2's latency, and
// the driver's fetches of raw rows between tiles came as bursts that stalled on the fill buffers
// (perf: 70% of the driver's samples on that prefetch). Xeon (2 vCPUs), loupe profile, 2 threads,
// batch 1, three rounds, ms of conv time without -> with: ResNet-50's Winograd F(4x4) 6.4-6.6
// -> 5.8-6.1, F(2x2) 2.0-2.2 -> 1.7-1.8, gemm_1x1 17.0-17.1 -> 16.4-16.5; sum of steps 30.0-30.2
// -> 28.2-28.5. 2048 and 6144 bytes down the stream and 384 or 512 to the right measured no better.
// In stream mode (FC layers at batch 1, 2 FMAs per step) the same 4 KB keeps more of B's lines in
// flight from DRAM: AlexNet, 2 threads, three rounds, fc6 5.59-5.70 -> 5.11-5.17 ms, fc7 2.49-2.56
// -> 2.19-2.31; 2 to 16 KB all alike.
#define LOUPE_K_STEP \
  "vmovups (%[b]), %%zmm28\n\t"                                                                  \
  ".if %c[nv] > 1\n\t"                                                                           \
  "vmovups 64(%[b]), %%zmm29\n\t"                                                                \
  ".endif\n\t"                                                                                   \
  ".ifeq %c[mode] & 2\n\t"                                                                             \
  "prefetcht0 (%[a], %[astep], 8)\n\t"                                                           \
  ".ifne %c[mode] & 16\n\t"                                                                     \
  "prefetcht0 4*%c[rows]-4(%[a], %[astep], 8)\n\t"                                              \
  ".endif\n\t"                                                                                   \
  "prefetcht0 (%[b], %[bstep], 8)\n\t"                                                            \
  ".if %c[nv] > 1\n\t"                                                                           \
  "prefetcht0 64(%[b], %[bstep], 8)\n\t"                                                          \
  "prefetcht0 124(%[b], %[bstep], 8)\n\t"                                                         \
  ".else\n\t"                                                                                    \
  "prefetcht0 60(%[b], %[bstep], 8)\n\t"                                                          \
  ".endif\n\t"                                                                                   \
  ".endif\n\t"                                                                                   \
  ".ifne %c[mode] & 8\n\t"                                                                      \
  "prefetcht1 (%[pf])\n\t"                                                                      \
  "prefetcht1 64(%[pf])\n\t"                                                                    \
  "add %[pfstep], %[pf]\n\t"                                                                    \
  ".else\n\t"                                                                                    \
  ".ifeq %c[mode] & 4\n\t"                                                                      \
  "prefetcht1 (%[b], %[pfstep])\n\t"                                                            \
  ".if %c[nv] > 1\n\t"                                                                           \
  "prefetcht1 64(%[b], %[pfstep])\n\t"                                                          \
  ".endif\n\t"                                                                                   \
  ".endif\n\t"                                                                                   \
  ".endif\n\t"                                                                                   \
  ".ifne %c[mode] & 1\n\t"                                                                              \
  "vmovaps %%zmm28, (%[bp])\n\t"                                                                 \
  "vmovaps %%zmm29, 64(%[bp])\n\t"                                                               \
  "add $128, %[bp]\n\t"                                                                          \
  ".endif\n\t" LOUPE_ROW(0, 30, 0, 1) LOUPE_ROW(1, 31, 2, 3) LOUPE_ROW(2, 30, 4, 5) \
  LOUPE_ROW(3, 31, 6, 7) LOUPE_ROW(4, 30, 8, 9) LOUPE_ROW(5, 31, 10, 11)                         \
  LOUPE_ROW(6, 30, 12, 13) LOUPE_ROW(7, 31, 14, 15) LOUPE_ROW(8, 30, 16, 17)                     \
  LOUPE_ROW(9, 31, 18, 19) LOUPE_ROW(10, 30, 20, 21) LOUPE_ROW(11, 31, 22, 23)                   \
  LOUPE_ROW(12, 30, 24, 25) LOUPE_ROW(13, 31, 26, 27)                                            \
  ".ifne %c[mode] & 2\n\t"                                                                               \
  "add $4, %[a]\n\t"                                                                             \
  ".else\n\t"                                                                                    \
  "add %[astep], %[a]\n\t"                                                                       \
  ".endif\n\t"                                                                                   \
  "add %[bstep], %[b]\n\t"
// The first part runs two steps per iteration (after one step alone when its count is odd):
// Xeon (2 vCPUs, model 207), four alternating rounds, ratio to dnnl_sgemm, 64 x 12544 x 147
// (ResNet-50's first layer through im2col) 0.90-0.94 -> 0.93-0.98 on 1 thread, 0.95-0.98 ->
// 1.00-1.02 on 2; square 1024 and 2048, K 64 to 1152 within noise. Four steps per iteration lost
// 1-5% on several of those (128 x 3136 x 256 0.94 -> 0.90).
// The k loop runs in two parts: kc - tail steps, then `tail` more (k counts down to 0 and gets
// tail added: one register less than two counters; all kc steps when kc <= tail) that each
// also fetch one row of the C tile for writing (prefetchw; its last float too, for a row off a
// line, as B's), so that the stores after the loop find their lines in L1. A 1x1 layer's output and
// residual rows are off a line on a 14 x 14 map (784 bytes apart); with them 16 bytes off, 64 ->
// 256 on 56 x 56 with residual, 8 rotating outputs, 2 threads, min of 96 runs: 0.73-0.82 ->
// 0.67-0.68 ms (1 thread 1.31-1.36 -> 1.16-1.28); 256 -> 1024 on 14 x 14, 48 rotating, 0.56-0.60 ->
// 0.54-0.57. Spread over the last steps, the fetches neither arrive long before the stores nor
// queue up as one burst of R x NV misses at the tile's start, which delayed a short-K tile's own
// loads (64 x 12321 x 27).
// The tail may run SPR steps per row of C (tile_mode's steps_per_c_row; the first part then has
// kc - SPR x tail steps, so SPR x tail <= kc is the caller's to keep): tile_direct and
// tile_raw_a take SPR 4 from kc >= 8 R, where a row's lines were asked for only 14-28 k steps
// (200-400 cycles) before the stores, about one L3 latency on the Xeon (mesh), and the tiles of
// a columns-outer sweep write rows of C far apart. Xeon (2 vCPUs, model 207), 1 thread, median
// of 7 alternating rounds, ratio to dnnl_sgemm, SPR 1 -> 4: 64 x 12544 x 147 0.95 -> 0.97-0.98,
// 64 x 3136 x 256 0.94-0.95 -> 0.97, 128 x 3136 x 256 0.98 -> 1.00, 512 x 784 x 256 0.94-0.96 ->
// 0.97-0.98, the rest of ResNet-50's shapes within noise; at kc = 64 (SPR 4 from kc >= 4 R)
// 64 x 3136 x 64 lost 0.93 -> 0.91, so short K keeps SPR 1.
// The rest of a C row's lines: NV vectors from cpf, or (CT, tile_general's operands) the tile's
// R floats of a transposed C's row, whose last is at byte `last`.
#define LOUPE_C_ROW_PF        \
  ".if %c[nv] > 1\n\t"        \
  "prefetchw 64(%[cpf])\n\t"  \
  "prefetchw 124(%[cpf])\n\t" \
  ".else\n\t"                 \
  "prefetchw 60(%[cpf])\n\t"  \
  ".endif\n\t"
#define LOUPE_C_ROW_PF_CT          \
  ".if %c[ct]\n\t"                 \
  "prefetchw %c[last](%[cpf])\n\t" \
  ".else\n\t" LOUPE_C_ROW_PF ".endif\n\t"
#define LOUPE_K_LOOP LOUPE_K_LOOP_PF(LOUPE_C_ROW_PF)
#define LOUPE_K_LOOP_PF(C_ROW_PF) LOUPE_K_LOOP_OF(LOUPE_K_STEP, C_ROW_PF)
#define LOUPE_K_LOOP_OF(K_STEP, C_ROW_PF) \
  LOUPE_ZERO(0) LOUPE_ZERO(1) LOUPE_ZERO(2) LOUPE_ZERO(3) LOUPE_ZERO(4) LOUPE_ZERO(5)            \
  LOUPE_ZERO(6) LOUPE_ZERO(7) LOUPE_ZERO(8) LOUPE_ZERO(9) LOUPE_ZERO(10) LOUPE_ZERO(11)          \
  LOUPE_ZERO(12) LOUPE_ZERO(13) LOUPE_ZERO(14) LOUPE_ZERO(15) LOUPE_ZERO(16) LOUPE_ZERO(17)      \
  LOUPE_ZERO(18) LOUPE_ZERO(19) LOUPE_ZERO(20) LOUPE_ZERO(21) LOUPE_ZERO(22) LOUPE_ZERO(23)      \
  LOUPE_ZERO(24) LOUPE_ZERO(25) LOUPE_ZERO(26) LOUPE_ZERO(27)                                    \
  "test %[k], %[k]\n\t"                                                                          \
  "jle 7f\n\t"                                                                                   \
  "test $1, %[k]\n\t"                                                                            \
  "jz 1f\n\t" K_STEP                                                                       \
  "dec %[k]\n\t"                                                                                 \
  "jz 7f\n\t"                                                                                    \
  ".p2align 5\n\t"                                                                               \
  "1:\n\t" K_STEP K_STEP                                                             \
  "sub $2, %[k]\n\t"                                                                             \
  "jnz 1b\n\t"                                                                                   \
  "7:\n\t"                                                                                       \
  "add %[tail], %[k]\n\t"                                                                        \
  "test %[k], %[k]\n\t"                                                                          \
  "jle 2f\n\t"                                                                                   \
  ".p2align 5\n\t"                                                                               \
  "8:\n\t" ".rept 1 + ((%c[mode] >> 5) & 7)\n\t" K_STEP ".endr\n\t"                                                                         \
  "prefetchw (%[cpf])\n\t" C_ROW_PF                                                               \
  "add %[ldc], %[cpf]\n\t"                                                                      \
  "dec %[k]\n\t"                                                                                 \
  "jnz 8b\n\t"                                                                                   \
  "2:\n\t"
#define LOUPE_CLOBBERS                                                                          \
  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",      \
      "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", \
      "xmm21", "xmm22", "xmm23", "xmm24", "xmm25", "xmm26", "xmm27", "xmm28", "xmm29", "xmm30", \
      "xmm31", "cc", "memory"

// Rows [0, rows) of src, ld apart, their lanes in `lanes` (the rest, and rows >= rows, zero),
// transposed: r[q] then holds lane q of every row.
void load_transposed(__m512 (&r)[16], const float* src, int64_t ld, int64_t rows, __mmask16 lanes) {
  for (int j = 0; j < 16; ++j) {
    r[j] = j < rows ? _mm512_maskz_loadu_ps(lanes, src + j * ld) : _mm512_setzero_ps();
  }
  avx512::transpose16(r);
}

// The tile's C stored transposed (UkrArgs::c_trans) from the accumulators saved row by row in
// out[kMR][kNR]: each 16 columns are transposed in registers, and column j of the tile becomes
// a masked R-lane row of C at c + j * ldc, with the epilogue as in store_tile (the column bias a
// broadcast, the row bias a vector).
template <int R, int NV>
void store_tile_transposed(const float* out, const UkrArgs& p) {
  const RowUpdate update(p.alpha, p.beta, p.epilogue && p.clamp, p.lo, p.hi);
  const __mmask16 rows = avx512::first_lanes(R);
  const bool row = p.epilogue && p.row_bias != nullptr;
  const __m512 row_bias = row ? _mm512_maskz_loadu_ps(rows, p.row_bias) : _mm512_setzero_ps();
  for (int h = 0; h < NV && 16 * h < p.n; ++h) {
    __m512 r[16];
    load_transposed(r, out + 16 * h, kNR, R, 0xFFFF);
    const int cols = std::min(16, p.n - 16 * h);
    for (int q = 0; q < cols; ++q) {
      const int64_t j = 16 * h + q;
      const float* col_bias = p.epilogue && p.col_bias != nullptr ? p.col_bias + j : nullptr;
      const float* residual =
          p.epilogue && p.residual != nullptr ? p.residual + j * p.ldr : nullptr;
      update.store(r[q], p.c + j * p.ldc, rows, col_bias, row ? &row_bias : nullptr, residual);
    }
  }
}

// C's lines for beta != 0 (prefetch_c's job), for a transposed C: n rows of R floats.
template <int R>
void prefetch_c_transposed(const UkrArgs& p) {
  const bool residual = p.epilogue && p.residual != nullptr;
  if (p.beta == 0.0f && !residual) return;
  for (int j = 0; j < p.n; ++j) {
    if (p.beta != 0.0f) {
      _mm_prefetch(reinterpret_cast<const char*>(p.c + j * p.ldc), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(p.c + j * p.ldc + R - 1), _MM_HINT_T0);
    }
    if (residual) {
      _mm_prefetch(reinterpret_cast<const char*>(p.residual + j * p.ldr), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(p.residual + j * p.ldr + R - 1), _MM_HINT_T0);
    }
  }
}

// General tile: the accumulators go through a stack buffer to store_tile (any alpha, beta and
// epilogue, including a per-column bias), or, CT, to store_tile_transposed.
template <int R, int NV, bool P, bool S = false, bool CT = false, bool L = false, bool T = false>
void tile_general(const UkrArgs& p) {
  static_assert(R >= 1 && R <= kMR && (NV == 1 || NV == 2) && (!P || NV == 2));
  if (CT) {
    prefetch_c_transposed<R>(p);
  } else {
    prefetch_c<R, NV>(p);
  }
  alignas(64) float out[kMR * kNR];
  const float* a = p.a;
  const float* b = p.b;
  const int64_t tail = c_prefetch_steps<R>(p);
  int64_t k = p.kc - tail;
  const float* cpf = p.c;
  float* bp = p.b_pack;
  L2Fetch pf = l2_fetch(p);
#define LOUPE_SAVE(x) "vmovaps %%zmm" #x ", " #x "*64(%[out])\n\t"
  __asm__ volatile(
      LOUPE_K_LOOP_PF(LOUPE_C_ROW_PF_CT) LOUPE_SAVE(0) LOUPE_SAVE(1) LOUPE_SAVE(2) LOUPE_SAVE(3)
          LOUPE_SAVE(4) LOUPE_SAVE(5) LOUPE_SAVE(6) LOUPE_SAVE(7) LOUPE_SAVE(8) LOUPE_SAVE(9)
              LOUPE_SAVE(10) LOUPE_SAVE(11) LOUPE_SAVE(12) LOUPE_SAVE(13) LOUPE_SAVE(14)
                  LOUPE_SAVE(15) LOUPE_SAVE(16) LOUPE_SAVE(17) LOUPE_SAVE(18) LOUPE_SAVE(19)
                      LOUPE_SAVE(20) LOUPE_SAVE(21) LOUPE_SAVE(22) LOUPE_SAVE(23) LOUPE_SAVE(24)
                          LOUPE_SAVE(25) LOUPE_SAVE(26) LOUPE_SAVE(27)
      : [a] "+r"(a), [b] "+r"(b), [k] "+r"(k), [cpf] "+r"(cpf), [bp] "+r"(bp), [pf] "+r"(pf.at)
      : [out] "r"(out), [tail] "r"(tail), [bstep] "r"(b_step(p)), [pfstep] "r"(pf.step),
        [astep] "r"(a_step(p)), [ldc] "r"(p.ldc * 4), [rows] "i"(R), [nv] "i"(NV),
        [mode] "i"(tile_mode(P, S, true, L, T)), [ct] "i"(CT), [last] "i"(4 * (R - 1))
      : LOUPE_CLOBBERS);
#undef LOUPE_SAVE
  if (CT) {
    store_tile_transposed<R, NV>(out, p);
    return;
  }
  __m512 acc[R][NV];
  for (int r = 0; r < R; ++r) {
    for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_load_ps(out + 32 * r + 16 * v);
  }
  store_tile<R, NV>(acc, p);
}

// What the direct tile's store applies, as bits of a runtime word tested in the assembly.
enum : int64_t { kAddC = 1, kRowBias = 2, kResidual = 4, kClamp = 8, kColBias = 16 };

// Common tile (alpha = 1, beta 0 or 1): the store and the fused epilogue run straight from the
// accumulators, in the same order as store_tile (C, row bias, column bias, residual, clamp),
// with masked loads and stores for a short N edge. Going through a stack buffer costs ~3 x 28
// vector memory operations per tile, a tenth of a 64-deep k loop. The column bias (a 7 x 7 1x1
// layer's filters as gemm_1x1's pixel rows put them) went through the buffer until it was added
// here from memory like the residual: in ResNet-50 at 2 threads that buffer path took 2.6% of
// the perf samples, the tiles that replace it about 2.1%.
// The masked stores of one row of C's tile (accumulators c0, c1), then the next row.
#define LOUPE_STORE_C(c0, c1) \
  "vmovups %%zmm" #c0         \
  ", (%[c])%{%%k1%}\n\t"      \
  ".if %c[nv] > 1\n\t"        \
  "vmovups %%zmm" #c1         \
  ", 64(%[c])%{%%k2%}\n\t"    \
  ".endif\n\t"                \
  "add %[ldc], %[c]\n\t"
// Per row r (accumulators c0, c1): [+ C] [+ bias[r]] [+ column bias] [+ residual row] [clamp]
// store.
#define LOUPE_STORE_ROW(r, c0, c1)              \
  ".if %c[rows] > " #r                          \
  "\n\t"                                        \
  "testq $1, %[flags]\n\t"                      \
  "jz 3f\n\t"                                   \
  "vaddps (%[c]), %%zmm" #c0 ", %%zmm" #c0      \
  "%{%%k1%}\n\t"                                \
  ".if %c[nv] > 1\n\t"                          \
  "vaddps 64(%[c]), %%zmm" #c1 ", %%zmm" #c1    \
  "%{%%k2%}\n\t"                                \
  ".endif\n\t"                                  \
  "3:\n\t"                                      \
  "testq $2, %[flags]\n\t"                      \
  "jz 4f\n\t"                                   \
  "vbroadcastss 4*" #r                          \
  "(%[bias]), %%zmm30\n\t"                      \
  "vaddps %%zmm30, %%zmm" #c0 ", %%zmm" #c0     \
  "\n\t"                                        \
  ".if %c[nv] > 1\n\t"                          \
  "vaddps %%zmm30, %%zmm" #c1 ", %%zmm" #c1     \
  "\n\t"                                        \
  ".endif\n\t"                                  \
  "4:\n\t"                                      \
  "testq $16, %[flags]\n\t"                     \
  "jz 9f\n\t"                                   \
  "vaddps (%[bias]), %%zmm" #c0 ", %%zmm" #c0   \
  "%{%%k1%}\n\t"                                \
  ".if %c[nv] > 1\n\t"                          \
  "vaddps 64(%[bias]), %%zmm" #c1 ", %%zmm" #c1 \
  "%{%%k2%}\n\t"                                \
  ".endif\n\t"                                  \
  "9:\n\t"                                      \
  "testq $4, %[flags]\n\t"                      \
  "jz 5f\n\t"                                   \
  "vaddps (%[res]), %%zmm" #c0 ", %%zmm" #c0    \
  "%{%%k1%}\n\t"                                \
  ".if %c[nv] > 1\n\t"                          \
  "vaddps 64(%[res]), %%zmm" #c1 ", %%zmm" #c1  \
  "%{%%k2%}\n\t"                                \
  ".endif\n\t"                                  \
  "add %[ldr], %[res]\n\t"                      \
  "5:\n\t"                                      \
  "testq $8, %[flags]\n\t"                      \
  "jz 6f\n\t"                                   \
  "vmaxps %%zmm28, %%zmm" #c0 ", %%zmm" #c0     \
  "\n\t"                                        \
  "vminps %%zmm29, %%zmm" #c0 ", %%zmm" #c0     \
  "\n\t"                                        \
  ".if %c[nv] > 1\n\t"                          \
  "vmaxps %%zmm28, %%zmm" #c1 ", %%zmm" #c1     \
  "\n\t"                                        \
  "vminps %%zmm29, %%zmm" #c1 ", %%zmm" #c1     \
  "\n\t"                                        \
  ".endif\n\t"                                  \
  "6:\n\t" LOUPE_STORE_C(c0, c1) ".endif\n\t"

// The same store without an epilogue or C to add (flags 0, the common case): no tests. One
// tile in L1, 4 tiles a B panel, 1 thread, best of 7: K 16 128 -> 140 GFLOP/s, K 64 within noise.
#define LOUPE_PLAIN_ROW(r, c0, c1) ".if %c[rows] > " #r "\n\t" LOUPE_STORE_C(c0, c1) ".endif\n\t"

// The direct store of all R rows: the plain one where flags is 0, else each row's epilogue, with
// clamp's bounds broadcast from LO and HI (asm operand text); it ends at label 11.
#define LOUPE_DIRECT_STORE(LO, HI) \
  "cmpq $0, %[flags]\n\t"                                                                          \
  "jne 10f\n\t" LOUPE_PLAIN_ROW(0, 0, 1) LOUPE_PLAIN_ROW(1, 2, 3) LOUPE_PLAIN_ROW(2, 4, 5)        \
      LOUPE_PLAIN_ROW(3, 6, 7) LOUPE_PLAIN_ROW(4, 8, 9) LOUPE_PLAIN_ROW(5, 10, 11)                 \
          LOUPE_PLAIN_ROW(6, 12, 13) LOUPE_PLAIN_ROW(7, 14, 15) LOUPE_PLAIN_ROW(8, 16, 17)         \
              LOUPE_PLAIN_ROW(9, 18, 19) LOUPE_PLAIN_ROW(10, 20, 21) LOUPE_PLAIN_ROW(11, 22, 23)   \
                  LOUPE_PLAIN_ROW(12, 24, 25) LOUPE_PLAIN_ROW(13, 26, 27)                          \
  "jmp 11f\n\t"                                                                                   \
  "10:\n\t"                                                                                       \
  "vbroadcastss " LO ", %%zmm28\n\t"                                                              \
  "vbroadcastss " HI ", %%zmm29\n\t" LOUPE_STORE_ROW(0, 0, 1) LOUPE_STORE_ROW(1, 2, 3)             \
      LOUPE_STORE_ROW(2, 4, 5) LOUPE_STORE_ROW(3, 6, 7) LOUPE_STORE_ROW(4, 8, 9)                   \
          LOUPE_STORE_ROW(5, 10, 11) LOUPE_STORE_ROW(6, 12, 13) LOUPE_STORE_ROW(7, 14, 15)         \
              LOUPE_STORE_ROW(8, 16, 17) LOUPE_STORE_ROW(9, 18, 19) LOUPE_STORE_ROW(10, 20, 21)    \
                  LOUPE_STORE_ROW(11, 22, 23) LOUPE_STORE_ROW(12, 24, 25)                          \
                      LOUPE_STORE_ROW(13, 26, 27) "11:\n\t"

// What the direct store applies (the bits above), with C's lines (beta != 0) and the residual's
// rows fetched now, so that the store after the k loop finds them.
template <int R, int NV>
int64_t direct_store_flags(const UkrArgs& p) {
  int64_t flags = 0;
  if (p.beta == 1.0f) flags |= kAddC;
  if (p.epilogue) {
    if (p.row_bias != nullptr) flags |= kRowBias;
    if (p.residual != nullptr) flags |= kResidual;
    if (p.clamp) flags |= kClamp;
    if (p.col_bias != nullptr) flags |= kColBias;
  }
  prefetch_c<R, NV>(p);
  if (flags & kResidual) {
    for (int r = 0; r < R; ++r) {
      _mm_prefetch(reinterpret_cast<const char*>(p.residual + r * p.ldr), _MM_HINT_T0);
      if (NV == 2)
        _mm_prefetch(reinterpret_cast<const char*>(p.residual + r * p.ldr + 16), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(p.residual + r * p.ldr + 16 * NV - 1),
                   _MM_HINT_T0);
    }
  }
  return flags;
}

template <int R, int NV, bool P, bool S = false, bool F = true, bool L = false, bool T = false,
          int SPR = 1>
void tile_direct(const UkrArgs& p) {
  static_assert(R >= 1 && R <= kMR && (NV == 1 || NV == 2) && (!P || NV == 2));
  const int64_t flags = direct_store_flags<R, NV>(p);
  const float* a = p.a;
  const float* b = p.b;
  const int64_t k0 = p.kc - SPR * R;
  int64_t k;
  float* c = p.c;
  const float* cpf;
  const float* res = p.residual;
  float* bp = p.b_pack;
  L2Fetch pf = l2_fetch(p);
  const int64_t ldc = p.ldc * 4, ldr = p.ldr * 4;
  // A sweep (UkrArgs::panels): after each tile A goes back to its first k, C, the residual and
  // the column bias move a panel right (the store has moved C and the residual R rows down), and
  // after every l2_fetch_tiles tiles the L2 fetch jumps on (the next row of its region).
  // What the asm reads from memory at fixed offsets of `m` (the 30-operand limit).
  int64_t panels = p.panels;
  const float* bias = p.row_bias != nullptr ? p.row_bias : p.col_bias;
  const int64_t group = p.l2_fetch_tiles > 0 ? p.l2_fetch_tiles : p.panels + 1;
  struct Sweep {
    int64_t a_back, c_next, r_next, bias_next;  // bytes 0, 8, 16, 24
    uint32_t masks;                             // 32: the column masks, the second in the high half
    float lo, hi;                               // 36, 40
    int64_t fetch_jump, fetch_group;            // 48, 56
    int64_t k0, left;                           // 64; 72: tiles left in the fetch's group
  } m{p.kc * a_step(p),
      4 * kNR - R * ldc,
      4 * kNR - R * ldr,
      p.row_bias == nullptr && p.col_bias != nullptr ? 4 * kNR : 0,
      avx512::first_lanes(p.n) | uint32_t{avx512::first_lanes(p.n - 16)} << 16,
      p.lo,
      p.hi,
      p.l2_fetch_jump,
      group,
      k0,
      group};
  static_assert(offsetof(Sweep, masks) == 32 && offsetof(Sweep, fetch_jump) == 48 &&
                offsetof(Sweep, k0) == 64 && offsetof(Sweep, left) == 72);
  __asm__ volatile(
      "kmovd 32+%[m], %%k1\n\t"
      "kshiftrd $16, %%k1, %%k2\n\t"
      "20:\n\t"
      "mov %[c], %[cpf]\n\t"
      "mov 64+%[m], %[k]\n\t" LOUPE_K_LOOP
      LOUPE_DIRECT_STORE("36+%[m]", "40+%[m]")
      "dec %[panels]\n\t"
      "jz 12f\n\t"
      "sub %[m], %[a]\n\t"
      "add 8+%[m], %[c]\n\t"
      "add 16+%[m], %[res]\n\t"
      "add 24+%[m], %[bias]\n\t"
      "decq 72+%[m]\n\t"
      "jnz 20b\n\t"
      "add 48+%[m], %[pf]\n\t"
      "mov 56+%[m], %[k]\n\t"
      "mov %[k], 72+%[m]\n\t"
      "jmp 20b\n\t"
      "12:\n\t"
      : [a] "+r"(a), [b] "+r"(b), [k] "=&r"(k), [c] "+r"(c), [res] "+r"(res), [cpf] "=&r"(cpf),
        [bp] "+r"(bp), [pf] "+r"(pf.at), [panels] "+r"(panels), [bias] "+r"(bias), [m] "+m"(m)
      : [flags] "m"(flags), [ldc] "m"(ldc), [ldr] "m"(ldr),
        [bstep] "r"(b_step(p)), [pfstep] "r"(pf.step), [astep] "r"(a_step(p)), [tail] "i"(R),
        [rows] "i"(R), [nv] "i"(NV), [mode] "i"(tile_mode(P, S, F, L, T, SPR))
      : LOUPE_CLOBBERS, "k1", "k2");
}
// Row r of a raw-A tile; packing A (mode 256), the broadcast element is also stored as the
// packed panel's row r of this k.
#define LOUPE_RAW_ROW(r, at, bc, c0, c1) \
  LOUPE_ROW_AT(r, at, bc, c0, c1)        \
  ".if %c[rows] > " #r                   \
  "\n\t"                                 \
  ".ifne %c[mode] & 256\n\t"             \
  "vmovss %%xmm" #bc ", 4*" #r           \
  "(%[ap])\n\t"                          \
  ".endif\n\t"                           \
  ".endif\n\t"
// A's rows read where they lie (UkrArgs::lda, raw_a), as oneDNN's jit_avx512_common_gemm_f32
// reads both operands with no copy: on a product a few micro-panels wide (a 14 x 14 map as N),
// packing A is a pass over all of it for a handful of tiles per panel (perf: pack_a 8.7% of
// 1024 x 196 x 512), and the tile's 14 rows stay in L1 or L2 across the thread's columns. Xeon
// (2 vCPUs, model 207), median of 7 alternating rounds, ratio to dnnl_sgemm, packed -> raw, 1 /
// 2 threads: 1024 x 196 x 256 0.94-0.95 -> 0.99 / 0.96 -> 1.01, 1024 x 196 x 512 0.93 ->
// 0.98-1.01 / 0.97 -> 0.99, ResNet-50's other shapes within noise.
// Row r of the tile is at a0 + r * lda bytes,
// addressed from two bases, a0 and a7 (row 7), and the index registers lda, 3 lda and 5 lda:
// rows 0-6 are a0 + {0, 1, 2, 3, 4, 5, 6} lda, rows 7-13 the same from a7. B is a packed
// micro-panel (128 bytes a k step), fetched 8 steps ahead into L1 and, unless it is in L2
// already (mode bit 4), 32 steps ahead into L2.
#define LOUPE_RAW_K_STEP \
  "vmovups (%[b]), %%zmm28\n\t"                                                            \
  ".if %c[nv] > 1\n\t"                                                                     \
  "vmovups 64(%[b]), %%zmm29\n\t"                                                          \
  ".endif\n\t"                                                                             \
  "prefetcht0 1024(%[b])\n\t"                                                              \
  ".if %c[nv] > 1\n\t"                                                                     \
  "prefetcht0 1088(%[b])\n\t"                                                              \
  ".endif\n\t"                                                                             \
  ".ifeq %c[mode] & 4\n\t"                                                                 \
  "prefetcht1 4096(%[b])\n\t"                                                              \
  ".if %c[nv] > 1\n\t"                                                                     \
  "prefetcht1 4160(%[b])\n\t"                                                              \
  ".endif\n\t"                                                                             \
  ".endif\n\t" LOUPE_RAW_ROW(0, "(%[a0])", 30, 0, 1)                                       \
  LOUPE_RAW_ROW(1, "(%[a0], %[lda], 1)", 31, 2, 3) LOUPE_RAW_ROW(2, "(%[a0], %[lda], 2)", 30, 4, 5) \
  LOUPE_RAW_ROW(3, "(%[a0], %[lda3], 1)", 31, 6, 7)                                        \
  LOUPE_RAW_ROW(4, "(%[a0], %[lda], 4)", 30, 8, 9)                                         \
  LOUPE_RAW_ROW(5, "(%[a0], %[lda5], 1)", 31, 10, 11)                                      \
  LOUPE_RAW_ROW(6, "(%[a0], %[lda3], 2)", 30, 12, 13)                                      \
  LOUPE_RAW_ROW(7, "(%[a7])", 31, 14, 15)                                                  \
  LOUPE_RAW_ROW(8, "(%[a7], %[lda], 1)", 30, 16, 17)                                       \
  LOUPE_RAW_ROW(9, "(%[a7], %[lda], 2)", 31, 18, 19)                                       \
  LOUPE_RAW_ROW(10, "(%[a7], %[lda3], 1)", 30, 20, 21)                                     \
  LOUPE_RAW_ROW(11, "(%[a7], %[lda], 4)", 31, 22, 23)                                      \
  LOUPE_RAW_ROW(12, "(%[a7], %[lda5], 1)", 30, 24, 25)                                     \
  LOUPE_RAW_ROW(13, "(%[a7], %[lda3], 2)", 31, 26, 27)                                     \
  "add $4, %[a0]\n\t"                                                                      \
  "add $4, %[a7]\n\t"                                                                      \
  ".ifne %c[mode] & 256\n\t"                                                               \
  "add $56, %[ap]\n\t"                                                                     \
  ".endif\n\t"                                                                             \
  "add $128, %[b]\n\t"

// The tile_direct store (alpha 1, beta 0 or 1, the fused epilogue) after a k loop over A's raw
// rows. F: B not in L2 yet, fetched 32 steps ahead. PA: each element broadcast is also stored
// as the packed panel UkrArgs::a_pack (a store port per row and k, under the FMAs).
template <int R, int NV, bool F, int SPR = 1, bool PA = false>
void tile_raw_a(const UkrArgs& p) {
  static_assert(R >= 2 && R <= kMR && (NV == 1 || NV == 2));
  const int64_t flags = direct_store_flags<R, NV>(p);
  const float* a0 = p.a;
  const float* a7 = R > 7 ? p.a + 7 * p.lda : p.a;
  const int64_t lda = p.lda * 4, lda3 = 3 * lda, lda5 = 5 * lda;
  float* ap = p.a_pack;
  const float* b = p.b;
  int64_t k = p.kc - SPR * R;
  float* c = p.c;
  const float* cpf = p.c;
  const float* res = p.residual;
  const int64_t ldc = p.ldc * 4, ldr = p.ldr * 4;
  const uint32_t masks = avx512::first_lanes(p.n) | uint32_t{avx512::first_lanes(p.n - 16)} << 16;
  __asm__ volatile(
      LOUPE_K_LOOP_OF(LOUPE_RAW_K_STEP, LOUPE_C_ROW_PF)
      "kmovd %[masks], %%k1\n\t"
      "kshiftrd $16, %%k1, %%k2\n\t"
      LOUPE_DIRECT_STORE("%[lo]", "%[hi]")
      : [a0] "+r"(a0), [a7] "+r"(a7), [b] "+r"(b), [k] "+r"(k), [c] "+r"(c), [res] "+r"(res),
        [cpf] "+r"(cpf), [ap] "+r"(ap)
      : [flags] "m"(flags), [bias] "r"(p.row_bias != nullptr ? p.row_bias : p.col_bias),
        [ldc] "m"(ldc), [ldr] "m"(ldr), [masks] "m"(masks), [lo] "m"(p.lo), [hi] "m"(p.hi),
        [lda] "r"(lda), [lda3] "r"(lda3), [lda5] "r"(lda5), [tail] "i"(R), [rows] "i"(R),
        [nv] "i"(NV), [mode] "i"(tile_mode(false, false, F, false, false, SPR, PA))
      : LOUPE_CLOBBERS, "k1", "k2");
}
#undef LOUPE_RAW_K_STEP
#undef LOUPE_RAW_ROW
#undef LOUPE_DIRECT_STORE
#undef LOUPE_STORE_ROW
#undef LOUPE_PLAIN_ROW
#undef LOUPE_STORE_C
#undef LOUPE_K_LOOP
#undef LOUPE_K_LOOP_PF
#undef LOUPE_K_LOOP_OF
#undef LOUPE_C_ROW_PF
#undef LOUPE_C_ROW_PF_CT
#undef LOUPE_K_STEP
#undef LOUPE_ZERO
#undef LOUPE_ROW
#undef LOUPE_ROW_AT
#undef LOUPE_CLOBBERS

// UkrArgs::panels tiles one call at a time, for the variants whose asm does not loop over them.
template <typename Fn>
void each_panel(const UkrArgs& p, Fn tile_fn) {
  UkrArgs q = p;
  q.panels = 1;
  for (int64_t j = 0; j < p.panels; ++j) {
    tile_fn(q);
    q.b += q.kc * kNR;
    q.c += p.c_trans ? kNR * p.ldc : kNR;
    if (q.col_bias != nullptr) q.col_bias += kNR;
    if (q.residual != nullptr) q.residual += p.c_trans ? kNR * p.ldr : kNR;
    if (q.l2_fetch != nullptr) {
      q.l2_fetch += q.kc * q.l2_fetch_step / 4;
      if (p.l2_fetch_tiles > 0 && (j + 1) % p.l2_fetch_tiles == 0)
        q.l2_fetch += p.l2_fetch_jump / 4;
    }
  }
}

// Whether the direct store (tile_direct's, tile_raw_a's) serves the tile: C row-major, alpha 1,
// beta 0 or 1, and its one bias register holding the row or the column bias, not both.
bool direct_store_serves(const UkrArgs& p) {
  return !p.c_trans && p.alpha == 1.0f && (p.beta == 0.0f || p.beta == 1.0f) &&
         !(p.epilogue && p.row_bias != nullptr && p.col_bias != nullptr);
}

template <int R, int NV, bool P, bool S = false, bool F = true, bool L = false, bool T = false>
void tile(const UkrArgs& p) {
  const bool direct = direct_store_serves(p);
  if (p.panels > 1 && !direct) {
    each_panel(p, tile<R, NV, P, S, F, L, T>);
    return;
  }
  if (p.c_trans) {
    tile_general<R, NV, P, S, true, L, T>(p);
    return;
  }
  if (direct) {
    if (p.kc >= 8 * R) {
      tile_direct<R, NV, P, S, F, L, T, 4>(p);
    } else {
      tile_direct<R, NV, P, S, F, L, T>(p);
    }
  } else {
    tile_general<R, NV, P, S, false, L, T>(p);
  }
}

// The B-side variants of a tile whose A is packed (T false) or read where it lies, stored
// transposed (T).
template <int R, bool T>
void b_modes(const UkrArgs& p) {
  if (p.b_pack != nullptr) {
    tile<R, 2, true, false, true, false, T>(p);
  } else if (p.l2_fetch != nullptr && p.n > 16) {
    tile<R, 2, false, false, true, true, T>(p);
  } else if (p.b_in_l2) {
    if (p.n <= 16) {
      tile<R, 1, false, false, false, false, T>(p);
    } else {
      tile<R, 2, false, false, false, false, T>(p);
    }
  } else if (p.n <= 16) {
    tile<R, 1, false, false, true, false, T>(p);
  } else {
    tile<R, 2, false, false, true, false, T>(p);
  }
}

void pack_a(int64_t m, int64_t kc, const float* src, int64_t rs, int64_t cs, float* dst);

// tile_raw_a on A's raw rows (PA: storing the packed panel too) where its store serves and B is
// a packed micro-panel with no fetch of its own; false, running nothing, where it does not.
template <int R, bool PA>
bool raw_a_tile(const UkrArgs& p) {
  if constexpr (R >= 2) {
    if (direct_store_serves(p) && p.ldb == 0 && p.b_pack == nullptr && p.l2_fetch == nullptr) {
      const bool f = !p.b_in_l2;
      if (p.n <= 16) {
        f ? tile_raw_a<R, 1, true, 1, PA>(p) : tile_raw_a<R, 1, false, 1, PA>(p);
      } else if (p.kc >= 8 * R) {
        f ? tile_raw_a<R, 2, true, 4, PA>(p) : tile_raw_a<R, 2, false, 4, PA>(p);
      } else {
        f ? tile_raw_a<R, 2, true, 1, PA>(p) : tile_raw_a<R, 2, false, 1, PA>(p);
      }
      return true;
    }
  }
  return false;
}

// A's raw rows (UkrArgs::lda) for R >= 2 rows: tile_raw_a where it serves; otherwise the rows
// are packed here, kChunk k steps at a time, for the general tile (alpha and beta apply to the
// first chunk, the epilogue to the last).
template <int R>
void raw_a_rows(const UkrArgs& p) {
  if (raw_a_tile<R, false>(p)) return;
  constexpr int64_t kChunk = 128;
  alignas(64) float panel[kChunk * kMR];
  UkrArgs q = p;
  q.lda = 0;
  q.a = panel;
  for (int64_t k0 = 0; k0 < p.kc; k0 += kChunk) {
    q.kc = std::min(kChunk, p.kc - k0);
    pack_a(R, q.kc, p.a + k0, p.lda, 1, panel);
    q.b = p.b + k0 * (p.ldb != 0 ? p.ldb : kNR);
    q.beta = k0 == 0 ? p.beta : 1.0f;
    q.epilogue = p.epilogue && k0 + q.kc == p.kc;
    q.b_pack = p.b_pack != nullptr ? p.b_pack + k0 * kNR : nullptr;
    q.l2_fetch = nullptr;
    b_modes<R, false>(q);
  }
}

template <int R>
void rows(const UkrArgs& p);

// A's raw rows (UkrArgs::lda) that the tile also stores as the packed panel a_pack, for the tiles
// after it (pack_a_on_read): tile_raw_a storing each element it broadcasts, where it serves;
// otherwise the panel is packed here first and the packed tile runs on it.
template <int R>
void pack_a_rows(const UkrArgs& p) {
  if (raw_a_tile<R, true>(p)) return;
  pack_a(R, p.kc, p.a, p.lda, 1, p.a_pack);
  UkrArgs q = p;
  q.a = p.a_pack;
  q.lda = 0;
  q.a_pack = nullptr;
  rows<R>(q);
}

template <int R>
void rows(const UkrArgs& p) {
  if (p.a_pack != nullptr) {
    pack_a_rows<R>(p);
  } else if (p.lda != 0 && p.panels > 1) {
    each_panel(p, rows<R>);
  } else if (R >= 2 && p.lda != 0) {
    raw_a_rows<R>(p);
  } else if (R == 1 && p.lda != 0 && p.b_pack == nullptr) {
    if (p.n <= 16) {
      tile<R, 1, false, true>(p);
    } else {
      tile<R, 2, false, true>(p);
    }
  } else if (p.a_step != 0) {
    b_modes<R, true>(p);
  } else {
    b_modes<R, false>(p);
  }
}

// Indexed by the tile's row count m - 1.
constexpr UkrFn kByRows[kMR] = {rows<1>, rows<2>, rows<3>,  rows<4>,  rows<5>,  rows<6>,  rows<7>,
                                rows<8>, rows<9>, rows<10>, rows<11>, rows<12>, rows<13>, rows<14>};

void ukernel(const UkrArgs& p) { kByRows[p.m - 1](p); }

// Packing A without transposing it in memory (element (i, k) at src[i*rs + k], rows strided) is
// a 14 x 16 transpose per 16 k; done in registers here, 16 columns at a time: load up to 16
// rows (14 used) as zmm, transpose 16x16 with unpack/shuffle, store 14 lanes per k.
void pack_a(int64_t m, int64_t kc, const float* src, int64_t rs, int64_t cs, float* dst) {
  if (cs != 1 && rs == 1) {
    // A stored transposed: each k's MR values are contiguous already, one masked copy per k.
    const __mmask16 load = avx512::first_lanes(m);
    for (int64_t k = 0; k < kc; ++k) {
      _mm512_mask_storeu_ps(dst + k * kMR, (1u << kMR) - 1u,
                            _mm512_maskz_loadu_ps(load, src + k * cs));
    }
    return;
  }
  if (cs != 1) {
    for (int64_t k = 0; k < kc; ++k) {
      const float* s = src + k * cs;
      float* d = dst + k * kMR;
      int64_t i = 0;
      for (; i < m; ++i) d[i] = s[i * rs];
      for (; i < kMR; ++i) d[i] = 0.0f;
    }
    return;
  }
  const __mmask16 store_mask = (1u << kMR) - 1u;
  int64_t k = 0;
  for (; k + 16 <= kc; k += 16) {
    __m512 r[16];
    load_transposed(r, src + k, rs, m, 0xFFFF);
    for (int j = 0; j < 16; ++j) _mm512_mask_storeu_ps(dst + (k + j) * kMR, store_mask, r[j]);
  }
  for (; k < kc; ++k) {
    float* d = dst + k * kMR;
    int64_t i = 0;
    for (; i < m; ++i) d[i] = src[i * rs + k];
    for (; i < kMR; ++i) d[i] = 0.0f;
  }
}

// B rows are copied as two masked vectors each: a library memcpy call per 128-byte row costs
// more than the copy, and the packing is on the critical path of every jit-packed micro-panel.
void pack_b(int64_t n, int64_t kc, const float* src, int64_t rs, float* dst) {
  const __mmask16 m0 = avx512::first_lanes(n);
  const __mmask16 m1 = avx512::first_lanes(n - 16);
  for (int64_t k = 0; k < kc; ++k) {
    const float* s = src + k * rs;
    _mm512_store_ps(dst + k * kNR, _mm512_maskz_loadu_ps(m0, s));
    _mm512_store_ps(dst + k * kNR + 16, _mm512_maskz_loadu_ps(m1, s + 16));
  }
}

// B stored transposed (element (k, j) at src[j*cs + k]: a transposed-orientation product's B is
// the caller's A): each 16 columns are 16 rows of the source, transposed 16 k at a time.
void pack_b_t(int64_t n, int64_t kc, const float* src, int64_t cs, float* dst) {
  for (int h = 0; h < 2; ++h) {
    const int64_t j0 = 16 * h;
    if (j0 >= n) {  // columns n..NR are zero
      for (int64_t k = 0; k < kc; ++k) _mm512_store_ps(dst + k * kNR + j0, _mm512_setzero_ps());
      continue;
    }
    for (int64_t k = 0; k < kc; k += 16) {
      const int kt = static_cast<int>(std::min<int64_t>(16, kc - k));
      __m512 r[16];
      load_transposed(r, src + j0 * cs + k, cs, n - j0, avx512::first_lanes(kt));
      for (int q = 0; q < kt; ++q) _mm512_store_ps(dst + (k + q) * kNR + j0, r[q]);
    }
  }
}

// 16 x 16 blocks: 16 rows of T (16 columns of C) loaded, transposed in registers, and each
// becomes a row of C with the epilogue applied as in store_tile.
void transpose_out(const TransposeOut& o) {
  const RowUpdate update(o.alpha, o.beta, o.clamp, o.lo, o.hi);
  for (int64_t i0 = 0; i0 < o.m; i0 += 16) {
    const int mi = static_cast<int>(std::min<int64_t>(16, o.m - i0));
    for (int64_t j0 = 0; j0 < o.n; j0 += 16) {
      const __mmask16 cols = avx512::first_lanes(o.n - j0);
      __m512 r[16];
      load_transposed(r, o.t + j0 * o.ldt + i0, o.ldt, o.n - j0, avx512::first_lanes(mi));
      const __m512 col_bias = o.col_bias != nullptr ? _mm512_maskz_loadu_ps(cols, o.col_bias + j0)
                                                    : _mm512_setzero_ps();
      for (int p = 0; p < mi; ++p) {
        const int64_t i = i0 + p;
        update.store(r[p], o.c + i * o.ldc + j0, cols,
                     o.row_bias != nullptr ? o.row_bias + i : nullptr, &col_bias,
                     o.residual != nullptr ? o.residual + i * o.ldr + j0 : nullptr);
      }
    }
  }
}

constexpr Microkernel kKernel{
    Isa::avx512, kMR,  kNR,  ukernel,  pack_a,        pack_b, "avx512 f32 14x32",
    true,        true, true, pack_b_t, transpose_out, true,   true,
    true,        true, true, true};

}  // namespace

const Microkernel& microkernel_avx512() { return kKernel; }

}  // namespace loupe::kernels::gemm
