#pragma once
// The contract between the GEMM driver (gemm.cpp, the BLIS loops) and the per-ISA microkernels
// (avx512/, avx2/, scalar/). A microkernel computes one MR x NR tile of C from packed panels
// (a kernel with sweeps: UkrArgs::panels tiles along a row of them):
//
//   acc = sum_k a[k][0..MR) (outer) b[k][0..NR)        a: packed A micro-panel, kc x MR
//                                                      (or, lda != 0, A's rows: a[r*lda + k])
//                                                      b: packed B micro-panel, kc x NR
//                                                      (or, ldb != 0, B's rows: b[k*ldb + j])
//   C[0..m)[0..n) = alpha * acc + beta * C            (beta == 0: C is not read, may hold NaN)
//   and, when `epilogue` is set (the last kc block), before the store:
//   C += row_bias[i] + col_bias[j] + residual[i][j];  C = min(max(C, lo), hi)
//   With c_trans, C and the residual are stored transposed: element (i, j) at c[j*ldc + i] and
//   residual[j*ldr + i] (a 1x1 conv with pixels as rows writing its NCHW output).
//
// m <= MR and n <= NR are the valid rows and columns of an edge tile; rows >= m and columns >= n
// of C are never touched (the packed panels are zero-padded there, so the FMAs are harmless).
#include <cstdint>

#include "kernels/isa.hpp"

namespace loupe::kernels::gemm {

struct UkrArgs {
  int64_t kc = 0;
  const float* a = nullptr;
  int64_t lda = 0;  // 0: a is a packed micro-panel; else A's row stride (kernels with raw_a, or
                    // with row_vector when m == 1)
  // Kernels with raw_trans_a: 0, a is a packed micro-panel; else A is stored transposed and read
  // where it lies, k's MR values at a[k*a_step + 0..MR).
  int64_t a_step = 0;
  const float* b = nullptr;
  int64_t ldb = 0;  // 0: b is a packed micro-panel; else B's row stride (kernels with raw_b only)
  // Kernels with pack_on_read, full panels (n == NR) read raw (ldb != 0) only: each B row the
  // tile loads is also stored here as the packed micro-panel [kc][NR], for later tiles.
  float* b_pack = nullptr;
  // Kernels with pack_a_on_read, with lda != 0 and one panel: the tile's m rows of A are also
  // stored here as the packed micro-panel [kc][MR] (its rows m..MR left as they were: an m-row
  // tile reads only m), for the tiles after it.
  float* a_pack = nullptr;
  float* c = nullptr;
  int64_t ldc = 0;
  int m = 0, n = 0;
  float alpha = 1.0f, beta = 0.0f;
  bool epilogue = false;
  const float* row_bias = nullptr;  // points at this tile's first row, or null
  const float* col_bias = nullptr;  // points at this tile's first column, or null
  const float* residual = nullptr;  // points at this tile's top-left element, or null
  int64_t ldr = 0;
  bool clamp = false;
  float lo = 0.0f, hi = 0.0f;
  bool c_trans = false;  // kernels with trans_c only
  // Kernels with pack_on_read: instead of fetching B's own stream ahead into L2, each k step
  // fetches two lines from here, moving l2_fetch_step bytes a step (a later micro-panel's raw
  // rows, whose lines the driver spreads over the panel's tiles, or a share of the next
  // pre-packed B panel or A block).
  const float* l2_fetch = nullptr;
  int64_t l2_fetch_step = 0;
  // Kernels with pack_on_read, without l2_fetch: b is a packed stream already in L1 or L2 (a
  // block the driver has just packed, a micro-panel an earlier tile has read), so the k loop
  // fetches nothing into L2.
  bool b_in_l2 = false;
  // Kernels with sweeps: the tile repeats over this many consecutive full NR-wide column panels
  // (n == NR), B a packed stream whose panels follow one another (b advancing kc x NR floats a
  // panel), C, the column bias and the residual advancing NR columns (NR rows of a transposed
  // C); with ldb == 0 and no b_pack. An l2_fetch goes on across the panels, l2_fetch_step bytes
  // a k step. A rows-outer row panel's sweep across its block in one call.
  int64_t panels = 1;
  // Sweeps with an l2_fetch: after every l2_fetch_tiles panels (0: never) the fetch also skips
  // l2_fetch_jump bytes (a multiple of 4) on, to the next row of a region whose rows lie apart.
  int64_t l2_fetch_tiles = 0;
  int64_t l2_fetch_jump = 0;
};

using UkrFn = void (*)(const UkrArgs&);

// Packs rows [0, m) x columns [0, kc) of A (element (i, k) at src[i*rs + k*cs]) into an
// MR-tall micro-panel dst[k][MR], zero-filling rows m..MR. An ISA may provide a faster one.
using PackAFn = void (*)(int64_t m, int64_t kc, const float* src, int64_t rs, int64_t cs,
                         float* dst);

// Packs rows [0, kc) x columns [0, n) of a row-major B (element (k, j) at src[k*rs + j]) into an
// NR-wide micro-panel dst[k][NR], zero-filling columns n..NR.
using PackBFn = void (*)(int64_t n, int64_t kc, const float* src, int64_t rs, float* dst);

// C = min(max(alpha * T^T + beta * C + row_bias[i] + col_bias[j] + residual[i][j], lo), hi) for
// rows [0, m) and columns [0, n) of C, T being n x m with row stride ldt: a transposed-orientation
// product's C^T brought back. Null bias / residual pointers are skipped; beta == 0 does not read C.
struct TransposeOut {
  const float* t = nullptr;
  int64_t ldt = 0;
  float* c = nullptr;
  int64_t ldc = 0;
  int64_t m = 0, n = 0;
  float alpha = 1.0f, beta = 0.0f;
  const float* row_bias = nullptr;  // this block's first row
  const float* col_bias = nullptr;
  const float* residual = nullptr;  // this block's top-left element
  int64_t ldr = 0;
  bool clamp = false;
  float lo = 0.0f, hi = 0.0f;
};
using TransposeOutFn = void (*)(const TransposeOut&);

// Packs B stored transposed (element (k, j) at src[j*cs + k]) the same way.
using PackBTFn = void (*)(int64_t n, int64_t kc, const float* src, int64_t cs, float* dst);

struct Microkernel {
  Isa isa = Isa::scalar;
  int mr = 0, nr = 0;
  UkrFn fn = nullptr;
  PackAFn pack_a = nullptr;  // null: the driver's generic packing
  PackBFn pack_b = nullptr;  // null: the driver's generic packing
  const char* name = "";
  // Reads unpacked rows of A (UkrArgs::lda): for products too narrow to pay for packing A.
  bool raw_a = false;
  // Reads a full NR-wide panel of unpacked B rows (UkrArgs::ldb): for products too short to pay
  // for packing B.
  bool raw_b = false;
  // Packs a raw B panel as it reads it (UkrArgs::b_pack): packing hidden under the FMAs.
  bool pack_on_read = false;
  // Packs a transposed B (rows of A, in a transposed-orientation product) without scalar
  // gathers; GemmPlan only transposes a product for kernels that have one.
  PackBTFn pack_b_t = nullptr;
  TransposeOutFn transpose_out = nullptr;  // set whenever pack_b_t is
  // Reads A's row where it lies (UkrArgs::lda) for a one-row tile on packed B, as raw_a kernels
  // do for any tile: a matrix-vector product (a fully connected layer at batch 1).
  bool row_vector = false;
  // Fetches the B rows of later micro-panels into L2 from inside its k loop, raw B's included:
  // the driver then leaves raw_b tiles alone instead of fetching rows ahead between tiles.
  bool fetches_b_ahead = false;
  // Stores C (and reads C and the residual) transposed, UkrArgs::c_trans; the driver does it
  // through a buffer for kernels without.
  bool trans_c = false;
  // Reads a transposed A where it lies (UkrArgs::a_step): each k's MR values are contiguous
  // already, so packing them would only copy them.
  bool raw_trans_a = false;
  // Runs UkrArgs::panels tiles in one call.
  bool sweeps = false;
  // Packs A's micro-panel as it reads A's rows (UkrArgs::a_pack): packing A hidden under the FMAs.
  bool pack_a_on_read = false;
};

// One per ISA file; only called after dispatch has checked that the CPU supports the ISA.
const Microkernel& microkernel_avx512();
const Microkernel& microkernel_avx2();
const Microkernel& microkernel_scalar();
// The microkernel of an ISA the CPU supports (avx512, avx2, else scalar).
const Microkernel& microkernel_for(Isa isa);

}  // namespace loupe::kernels::gemm
