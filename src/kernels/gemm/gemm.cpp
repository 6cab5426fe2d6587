// The BLIS five-loop SGEMM driver (Van Zee & van de Geijn, "BLIS: A Framework for Rapidly
// Instantiating BLAS Functionality", TOMS 2015; block sizes after Low et al., "Analytical
// Modeling Is Enough for High-Performance BLIS", TOMS 2016):
//
//   jc over N by NC          B panel KC x NC lives in L3 (shared)
//     pc over K by KC        pack B panel into NR-wide micro-panels [kc][NR]
//       ic over M by MC      pack A block into MR-tall micro-panels [kc][MR]; lives in L2
//         jr over NC by NR   B micro-panel (KC x NR) stays in L1 across the ir loop
//           ir over MC by MR microkernel: MR x NR tile of C in registers
//
// Threads split C into tm x tn blocks (the jc and ic loops); each thread runs the five loops on
// its block with its own packing buffers, so no synchronisation is needed inside a product.
#include "kernels/gemm/gemm.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <vector>

#include "loupe/error.hpp"
#include "loupe/thread_pool.hpp"

namespace loupe::kernels {

namespace {

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

// Rows of each part but the last when M rows are split tm ways: a multiple of MR (parts start on
// MR-tall panels, as packed A's panels do), the last part taking the rest. A tile's cost is in
// its rows (an R-row tile does R x 2 FMAs per k step), so the choice minimises the largest part
// in rows; ceil(tiles / tm) whole tiles per part (the rest to the last) is one candidate, so no
// split is worse than that one. 256 rows on 2 threads: 126 + 130, where whole tiles gave
// 140 + 116; 512: 252 + 260 (266 + 246); 144: 70 + 74 (84 + 60).
int64_t part_rows(int64_t M, int mr, int tm) {
  if (tm <= 1) return M;
  const int64_t whole = ceil_div(ceil_div(M, mr), tm) * mr;
  int64_t rows = whole, largest = whole;
  for (int64_t q = mr; q < whole; q += mr) {
    const int64_t worst = std::max(q, M - (tm - 1) * q);
    if (worst < largest) {
      largest = worst;
      rows = q;
    }
  }
  return rows;
}

// First row of part t of that split, `rows` = part_rows(M, mr, tm) (part tm: M). A part may be
// empty when M has few tiles.
int64_t part_row(int64_t M, int64_t rows, int tm, int64_t t) {
  return t >= tm ? M : std::min(M, t * rows);
}

// 64-byte-aligned floats (packed operands, packing workspace); `what` names them in the error.
std::shared_ptr<float[]> aligned_floats(int64_t floats, const char* what) {
  const auto bytes = static_cast<size_t>(round_up(floats * 4, 64));
  std::shared_ptr<float[]> p(static_cast<float*>(std::aligned_alloc(64, bytes)),
                             [](float* q) { std::free(q); });
  if (!p) fail("gemm: cannot allocate {} bytes for {}", bytes, what);
  return p;
}

// 64-byte aligned float buffer that only grows; one per thread (packing workspace).
class AlignedBuffer {
 public:
  float* get(int64_t floats) {
    if (floats > capacity_) {
      ptr_ = aligned_floats(floats, "the packing workspace");
      capacity_ = floats;
    }
    return ptr_.get();
  }

 private:
  std::shared_ptr<float[]> ptr_;
  int64_t capacity_ = 0;
};

struct Workspace {
  AlignedBuffer a, b;
  AlignedBuffer t;  // a transposed-orientation product's C^T (the calling thread's)
};

Workspace& thread_workspace() {
  thread_local Workspace ws;
  return ws;
}

// Row tiles up to which choose_kc takes longer K blocks.
constexpr int64_t kFewRowsTiles = 10;

// KC: Low et al. (2016) size it so that the B micro-panel (KC x NR floats) and the A micro-panel
// streaming past it share L1 (C_A + C_B <= W - 1 ways): KC = 128 for 14 x 32 on a 32 KiB 8-way
// L1. On the AVX-512 cores loupe runs on, L2 feeds 64 B per cycle and a 14 x 32 tile needs
// ~7 B per cycle of A and B, so the panels may live in L2; what a small KC costs instead is a
// pass over C per K block and the tile's fixed start and store. Measured (bench_gemm, 1
// thread): KC 344-512 beats 128-192 by 2-8% on square 1024-2048 and equals it elsewhere. K is
// then cut into equal blocks so that no block is a sliver. When C is over twice L2, each K
// block's pass over C goes to L3 or DRAM, and KC up to 1024 makes fewer passes (K 2048: 6 -> 2).
// bench_gemm, square 2048, ratio to dnnl_sgemm in the same run, two runs each, KC 344 -> 1024:
// 1 thread 0.86-0.88 -> 0.95-1.01, 2 threads 0.88-0.94 -> 0.95-0.96; square 1024 (C = 2 L2,
// left at 344) measured alike at 344, 512 and 1024, and so did whole models with the rule.
int64_t choose_kc(const GemmDesc& d, const gemm::Microkernel& k) {
  if (d.kc > 0) return d.kc;
  const CacheSizes& cache = cache_sizes();
  const int64_t panel_bytes = static_cast<int64_t>(k.nr) * 4;
  int64_t kc_max = std::max<int64_t>(cache.l1d / 2 / panel_bytes, 384);
  if (d.M * d.N * 4 > 2 * cache.l2) kc_max = std::max<int64_t>(kc_max, 1024);
  // A product of at most kFewRowsTiles row tiles passes each B micro-panel under few tiles, the
  // panel from L2 at any KC, so a K block buys little reuse and costs a pass over C: KC up to
  // 576 (stop 35). Xeon (2 vCPUs, model 207), median of 9 alternating rounds, ratio to
  // dnnl_sgemm, operands 64-byte aligned / 16 bytes off, 1 thread: 64 x 3136 x 576 0.95 / 0.97 ->
  // 0.97 / 0.99, 128 x 784 x 512 0.95 / 0.97 -> 0.98 / 0.99, 128 x 784 x 1152 (3 -> 2 blocks)
  // 0.95 / 0.97 -> 0.96 / 0.98; 2 threads 0.96 / 0.98 -> 0.98 / 1.01, 0.95 / 0.99 -> 0.96 / 1.02,
  // 0.93 / 0.97 -> 0.93 / 0.98. A pre-packed (1x1 layers of 16-128 filters on 14 x 14 and 28 x
  // 28 maps, K 480-576, 8 rotating copies): speed-up 0.97-1.03, 1.01 in the median.
  if (ceil_div(d.M, k.mr) <= kFewRowsTiles) kc_max = std::max<int64_t>(kc_max, 576);
  const int64_t blocks = std::max<int64_t>(1, ceil_div(d.K, kc_max));
  return std::max<int64_t>(1, round_up(ceil_div(d.K, blocks), 4));
}

// MC: the packed A block (MC x KC) takes an eighth of L2. Each B micro-panel of the KC x NC
// panel passes through L2 on its way to L1, and a 1 MB block (half of a 2 MB L2) lost its lines
// to that stream. Xeon (2 vCPUs, 2 MB L2), square 1024 at KC 344, GFLOP/s, variants alternating
// in one process: MC 756 -> 182, 1 thread 167-172 -> 183-186, 2 threads 317-335 -> 348-368
// (dnnl_sgemm 179-186 / 323-342); square 2048 at 2 threads 337 -> 358-360. MC 98-252 all alike.
// On ResNet-50's 1x1 shapes with A pre-packed (a conv's filters) MC made no difference, nor on
// whole models (loupe bench, ResNet-50, VGG-16, GoogLeNet, AlexNet). NC: the packed B panel (KC x
// NC) takes a share of L3 per thread, and large NC means A is packed fewer times.
GemmBlocking choose_blocking(const GemmDesc& d, const gemm::Microkernel& k, int threads) {
  const CacheSizes& cache = cache_sizes();
  GemmBlocking b;
  b.mr = k.mr;
  b.nr = k.nr;
  b.kc = choose_kc(d, k);
  if (d.mc > 0) {
    b.mc = round_up(d.mc, k.mr);
  } else {
    b.mc = std::max<int64_t>(k.mr, (cache.l2 / 8 / (b.kc * 4)) / k.mr * k.mr);
  }
  if (d.nc > 0) {
    b.nc = round_up(d.nc, k.nr);
  } else {
    const int64_t share = cache.l3 / (2 * std::max(1, threads));
    b.nc = std::clamp<int64_t>(share / (b.kc * 4) / k.nr * k.nr, k.nr, 8192);
  }
  return b;
}

// Packs rows [0, m) x [0, kc) of A into dst[k][MR] with zero rows m..MR.
void pack_a_generic(int mr, int64_t m, int64_t kc, const float* src, int64_t rs, int64_t cs,
                    float* dst) {
  if (cs == 1) {
    for (int64_t i = 0; i < m; ++i) {
      const float* s = src + i * rs;
      for (int64_t k = 0; k < kc; ++k) dst[k * mr + i] = s[k];
    }
    for (int64_t i = m; i < mr; ++i) {
      for (int64_t k = 0; k < kc; ++k) dst[k * mr + i] = 0.0f;
    }
    return;
  }
  if (rs == 1 && m == 4 && mr == 4) {
    // A transposed (gemm_1x1's pixel rows): each k's four values are contiguous, one vector
    // copy instead of four scalar ones.
    for (int64_t k = 0; k < kc; ++k) std::copy_n(src + k * cs, 4, dst + k * 4);
    return;
  }
  for (int64_t k = 0; k < kc; ++k) {
    const float* s = src + k * cs;
    float* o = dst + k * mr;
    int64_t i = 0;
    for (; i < m; ++i) o[i] = s[i * rs];
    for (; i < mr; ++i) o[i] = 0.0f;
  }
}

// Packs [0, kc) x columns [0, n) of B (element (k, j) at src[k*rs + j*cs]) into dst[k][NR]
// with zero columns n..NR: the microkernel's own packer for a row-major B when it has one.
void pack_b_panel(const gemm::Microkernel& uk, int64_t n, int64_t kc, const float* src, int64_t rs,
                  int64_t cs, float* dst) {
  const int nr = uk.nr;
  if (cs == 1 && uk.pack_b != nullptr) {
    uk.pack_b(n, kc, src, rs, dst);
    return;
  }
  if (rs == 1 && uk.pack_b_t != nullptr) {
    uk.pack_b_t(n, kc, src, cs, dst);
    return;
  }
  if (cs == 1) {
    for (int64_t k = 0; k < kc; ++k) {
      float* o = dst + k * nr;
      std::memcpy(o, src + k * rs, static_cast<size_t>(n) * 4);
      for (int64_t j = n; j < nr; ++j) o[j] = 0.0f;
    }
    return;
  }
  for (int64_t j = 0; j < n; ++j) {
    const float* s = src + j * cs;
    for (int64_t k = 0; k < kc; ++k) dst[k * nr + j] = s[k * rs];
  }
  for (int64_t j = n; j < nr; ++j) {
    for (int64_t k = 0; k < kc; ++k) dst[k * nr + j] = 0.0f;
  }
}

// The jit_b path packs each B micro-panel just before its tiles use it; its KC rows lie ldb
// apart, far more streams than the hardware prefetcher follows, so the packing would wait on
// L3 / DRAM once per row. Rows [k0, k1) of the micro-panel kPrefetchPanels ahead are fetched
// into L2 between tiles instead, spread so that no burst fills the miss queue (measured on
// 64 x 3136 x 576: 0.76 -> 0.87 of oneDNN; 1 panel ahead is too late, 6 no better than 3).
// Tiles that read B raw on a kernel with fetches_b_ahead skip this: the kernel fetches the
// panel two to the right a row per k step, where these bursts of a share of a panel's rows per
// tile stalled on the fill buffers (2-vCPU Xeon, ResNet-50: 70% of the driver's perf samples).
constexpr int64_t kPrefetchPanels = 3;

// Up to this many NR-wide micro-panels of C per thread, a microkernel that can read A's rows
// (raw_a) does so instead of packing A.
constexpr int64_t kRawAPanels = 12;

// Up to this many MR-tall tiles share a B micro-panel, a microkernel that can read B's rows
// (raw_b) does so instead of packing them: packing costs a load and a store per element, the
// tiles MR FMA lanes each, and a short K leaves little to hide it behind. AVX-512 14 x 32, Zen 4,
// 1 thread, min of 100 calls, packed vs raw B, ms: 16 x 12544 x 32 0.167 -> 0.153, 24 x 3136 x
// 144 0.27 -> 0.23, 16 x 3025 x 128 0.155 -> 0.135, 32 x 729 x 256 0.131-0.135 -> 0.116,
// 64 x 196 x 384 0.100 -> 0.093-0.095, 128 x 784 x 512 1.00-1.02 -> 0.95. From 256 rows the
// two tie (256 x 196 x 1024, 1024 x 196 x 256, 576 x 196 x 96).
constexpr int64_t kRawBTiles = 10;

// Columns per unit of a thread's block of C: half NR-wide micro-panels unless B is pre-packed
// (its layout is in whole panels). 196 columns (a 14 x 14 map) on 2 threads were 4 + 3 panels,
// 128 + 68 columns, the first thread doing two thirds of the work; in 16-column units they are
// 112 + 84. A half-panel edge tile runs the one-vector kernel, no wasted FMAs. MobileNet v2's
// 14 x 14 projections, gemm_1x1 with residual, 2 threads, min of 300 runs: 576 -> 96 0.123 ->
// 0.115 ms, 384 -> 64 0.055 -> 0.052. Until stop 35 only blocks under 8 panels wide took half
// panels: 784 columns (24.5 panels, a 28 x 28 map) were 13 + 11.5 panels, and are 12.5 + 12.
// Xeon (2 vCPUs, model 207), 2 threads, median of 9 alternating rounds, ratio to dnnl_sgemm with
// operands 64-byte aligned / 16 bytes off: 256 x 784 x 512 0.94 / 0.98 -> 0.97 / 1.02, 128 x 784 x
// 1152 0.93 / 0.98 -> 0.96 / 1.00, 128 x 784 x 512 0.98 / 1.01 -> 1.01 / 1.06; A pre-packed (8
// rotating copies) 128 x 784 x 512 1.04x, 256 x 784 x 128 1.03x, the 56 x 56 and 14 x 14 1x1
// shapes within noise. The choice between splitting rows and columns (plan_gemm) still counts
// whole panels: counting half panels there moved ResNet-50's 1024 -> 256 on 14 x 14 to a column
// split, 2% slower (each thread then streams all of A's 1 MiB).
int64_t column_unit(int nr, bool b_prepacked) { return b_prepacked ? nr : std::max(1, nr / 2); }

// Whether kc rows of B, rs floats apart, read where they lie stay in L1: a row stride that is a
// multiple of a large power of two maps every row onto a few of L1's sets (56 x 56 maps: 12544
// bytes, 16 set positions in a 32 KiB 8-way L1; 112 x 112: 4). Up to 1.5 lines per set and way
// the raw read still won (24 x 3136 x 144: 9 rows per set). Zen 4, 1 thread, six alternating
// runs of 300 calls, ms, raw vs packed: ResNet-50's 64 x 3136 x 256 (16 rows per set) medians
// 1.11-1.91 vs 1.09-1.25 (mins 0.96-1.37 vs 1.00-1.08); 64 x 12544 x 147 (37) 2.90-4.26 vs
// 2.97-3.14. A thread with a single row panel reads each element of B once, nothing stays in L1
// for a second tile, so it reads B raw whatever the stride: median ratio to dnnl_sgemm, packed
// -> raw, 1 x 12544 x 147 0.42 -> 0.48 (2 threads 0.80 -> 0.96), 14 x 3136 x 256 0.66 -> 0.71,
// 1 x 4096 x 9216 0.44 -> 0.47 (2 threads 0.53 -> 0.65). A matrix-vector product with B's rows
// 16 KiB apart still runs at half oneDNN's speed: it reads B down columns, where oneDNN streams
// its rows.
bool b_rows_stay_in_l1(int64_t rs, int64_t kc) {
  const CacheSizes& cache = cache_sizes();
  const int64_t way = cache.l1d / cache.l1d_ways;  // bytes one way spans: the set index repeats
  const int64_t offset = rs * 4 % way;
  const int64_t positions =
      std::min<int64_t>(way / std::gcd(offset == 0 ? way : offset, way), way / 64);
  return ceil_div(kc, positions) * 2 <= 3 * cache.l1d_ways;
}

// Up to this K, a thread's rows go through the microkernel one row panel at a time across a
// block of packed B panels held in L2 (rows outer), instead of each B micro-panel passing under
// every row panel (columns outer). With a short K each element of C gets few FMAs, and the
// columns-outer order writes (and, with a residual, reads) a line of every row of C per
// micro-panel: M streams that no prefetcher follows. Rows outer writes MR rows sequentially
// while one A micro-panel stays in L1. Zen 4, 1 thread, median ratio to dnnl_sgemm over 100
// alternating calls, columns outer -> rows outer: 256 x 3136 x 64 0.70-0.75 -> 0.94-0.96,
// 512 x 784 x 128 0.89-0.91 -> 0.97-1.00, 128 x 3136 x 64 0.79-0.91 -> 0.93-0.94, 64 x 3136 x 64
// 0.88 -> 0.91; at larger K it lost (64 x 12544 x 147 0.78-0.79 -> 0.68-0.76, 128 x 784 x 512
// 0.91-0.92 -> 0.89-0.90). Where B's rows are read unpacked (raw_b: few rows of A) they stay so:
// packing a block of B cost more than the streams saved on 2 threads (gemm_1x1, 2 threads, min
// of 150 runs, ms: 16 -> 64 on 55 x 55 0.046-0.055 -> 0.057-0.065, 128 -> 16 on 55 x 55 1 thread
// 0.156-0.160 -> 0.173).
constexpr int64_t kRowsOuterMaxK = 128;

// Columns of B per packed block in the rows-outer order: the block (kc x nc) takes a quarter of
// L2, streaming past the A micro-panel that stays in L1.
int64_t rows_outer_nc(const gemm::Microkernel& k, int64_t kc) {
  return std::max<int64_t>(k.nr, cache_sizes().l2 / 4 / (kc * 4) / k.nr * k.nr);
}

// From 2 MR-tall row panels per thread, a microkernel with pack_on_read packs B's panels as
// its tiles read them (the copy hidden under the FMAs, B's rows fetched into L2 ahead by the
// kernel), where B is not read raw: rows outer at K <= kRowsOuterMaxK or up to 3 row panels, the
// first row panel packing the block, else columns outer, each micro-panel's first tile packing
// it (pack_in_tile, below). A single row panel would store a packed copy nobody reads.
// The rows-outer order had replaced jit_b (columns outer, each micro-panel packed in a pass of
// its own just before its tiles) for 2-5 row panels: Zen 4, 1 thread, median ratio to
// dnnl_sgemm over 50 alternating calls, 64 x 12544 x 147 0.80-0.84 -> 0.91-0.95, 64 x 3136 x 576
// 0.82-0.87 -> 0.89-0.97, 64 x 3136 x 256 0.85-0.87 -> 0.95. With more row panels rows outer
// re-read the block from L2 for each, which cost more than C's write streams (128 x 12544 x
// 576 0.80 -> 0.72, 256 x 196 x 2304 0.91 -> 0.85), so it stopped at 5 until pack_in_tile.
// At K <= kRowsOuterMaxK the packing pass it replaces waited on L3 for every row of B with no
// FMAs to hide it (perf: 7.6% of 256 x 3136 x 64 in pack_b). Xeon (2 vCPUs, model 207), median
// ratio to dnnl_sgemm over 9 alternating rounds, separate pass -> pack on read, 1 / 2 threads:
// 256 x 3136 x 64 0.90 / 0.90 -> 0.91-0.93 / 0.98-0.99, 128 x 12544 x 64 0.79 / 0.79 -> 0.91 /
// 0.90, 256 x 784 x 64 0.93 / 0.91 -> 0.96 / 0.96, 512 x 784 x 128 (2 threads) 0.91-0.93 ->
// 1.02-1.04.
// Above kRowsOuterMaxK, packing in the tile for any number of row panels (stop 34; it had
// stopped at 5) removes jit_b's packing pass and the driver's fetch of the raw rows three
// panels ahead, neither hidden under FMAs (perf: 5.3% of 256 x 784 x 512), and serves wide
// blocks (pack_on_read_first) better than raw B. Xeon (2 vCPUs, model 207), median of 7-9
// alternating rounds, ratio to dnnl_sgemm, 1 thread: 256 x 784 x 512 0.84-0.97 -> 0.96-1.01,
// 256 x 3136 x 576 0.88 -> 1.00-1.02, 128 x 3136 x 256 0.92 -> 0.97, 128 x 12544 x 147
// 0.89 -> 0.97; 2 threads (OMP_WAIT_POLICY=passive) 256 x 784 x 512 0.93-0.94 -> 0.96-0.97,
// 384 x 784 x 512 0.89-0.97 -> 0.98-1.04, 128 x 12544 x 147 0.93 -> 1.03-1.05. With A pre-packed
// (8 rotating weight and input copies), speed-up, 1 / 2 threads: 256 x 196 x 1024 1.03-1.07,
// 256 x 784 x 512 1.09-1.14 / 1.07, 128 x 12544 x 147 1.08-1.10 / 1.04-1.07; ResNet-50's,
// GoogLeNet's and MobileNet v2's 1x1 shapes of 96-160 filters within noise (0.97-1.05).

// Above kRowsOuterMaxK and 3 row panels, pack on read runs columns outer instead: each
// micro-panel is packed by its first tile into an L1-sized buffer, which the panel's other tiles
// then read, and those tiles fetch the raw rows of the panel kFetchAheadPanels further on into
// L2, two lines a k step each (UkrArgs::l2_fetch). Rows outer, the first row panel alone fetched
// and packed the whole block and ran at half the speed of the others (perf: 17% of the samples
// for a fifth of the tiles, stalled on the raw rows); fetching the next block from the other
// row panels only moved the wait to them. Xeon (2 vCPUs), 1 thread, median of 7 alternating
// rounds of 0.1 s, ratio to dnnl_sgemm with operands 2 MiB-aligned / in std::vectors (16 bytes
// off a line), rows outer -> columns outer: 64 x 12544 x 147 0.82 / 0.86 -> 0.91 / 0.94, 56 x
// 12544 x 147 0.84 / 0.87 -> 0.90 / 0.91, 64 x 3136 x 576 0.89 / 0.97 -> 0.97 / 1.03, 64 x 3136
// x 256 0.91 / 0.98 -> 0.93 / 1.02, 70 x 3136 x 576 and 48 x 784 x 1152 tie. With the packing
// tile fetching too, or 2 panels ahead, aligned operands lost (64 x 12544 x 147 0.78-0.83). Up
// to 3 row panels rows outer stays (16 x 3136 x 256 0.96 / 1.02 -> 0.73 / 0.76, 40 x 3136 x 256
// 0.97 / 0.99 -> 0.93 / 0.98), and at K <= kRowsOuterMaxK (64 x 3136 x 64 0.95 -> 0.84).
constexpr int64_t kFetchAheadPanels = 4;

// Pre-packed B (a layer's weights, as B of a transposed 1x1 convolution on a 14 x 14 or 7 x 7
// map: C^T = X^T W^T) comes from DRAM, a micro-panel (kc x NR, 44 KB at kc 344) read by a few
// row tiles. B's own stream fetched 4 KB ahead left the panel's first tile to read it at DRAM
// speed, 2 lines a k step, more than one core draws (14 GB/s here) with the fill buffers full,
// while the other tiles fetched lines already in L2; one tile fetching all of the next panel
// stalled the same way. Instead the first kPackedFetchers tiles of each panel fetch a share of
// the next panel each (pointer mode, UkrArgs::l2_fetch), and the rest fetch nothing
// (UkrArgs::b_in_l2). Xeon (2 vCPUs), gemm_1x1 with bias and ReLU, 30 layers' weights rotated
// (cold), ms, before -> after: 2048 -> 512 on 7 x 7 1 thread 0.91-0.98 -> 0.72-0.75, 2 threads
// 0.44-0.49 -> 0.39-0.40; 512 -> 2048 on 7 x 7 0.95-0.99 -> 0.73-0.74 and 0.47-0.49 ->
// 0.37-0.39; 1024 -> 2048 stride 2 from 14 x 14 1.93-1.96 -> 1.49-1.52 and 1.02-1.06 ->
// 0.82; on 14 x 14 (14 row tiles) and hot weights within noise. ResNet-50, loupe profile,
// three alternating rounds, sums of steps, ms: 2 threads 26.5 -> 26.2 (layer 4's 1x1 layers
// 0.44 -> 0.37 each), 1 thread 49.7 -> 48.7 (Winograd F(2x2)'s GEMMs too: 8.5 -> 8.0).
constexpr int64_t kPackedFetchers = 4;

// Pre-packed A (a layer's weights as A: 1x1 layers on maps of more than 64 pixels) is read from
// DRAM by the tiles of a block's first column panel, and from L2 by the rest. The tiles of the
// block's second and third column panels now fetch the thread's next block of A into L2, spread
// evenly over them (pointer mode; the first block of a call stays cold). Xeon (2 vCPUs), 30
// layers' weights rotated, input hot, ms, 2 threads, before -> after: 1024 -> 256 on 14 x 14
// 0.365-0.375 -> 0.342-0.357, 256 -> 1024 on 14 x 14 0.352-0.366 -> 0.339, 512 -> 128 on 28 x 28
// 0.358-0.361 -> 0.335-0.337; on 1 thread within the noise. ResNet-50, loupe profile, three
// alternating rounds, gemm_1x1 steps: 1 thread 28.1 -> 27.6 ms, 2 threads 14.5 -> 14.2.
constexpr int64_t kPackedAFetchPanels = 2;

// Where both would serve, pack on read instead of reading B raw: up to 3 row panels, or any
// number (up to 5 until stop 34) across at least 32 micro-panels of columns. Raw B sends every
// tile's kc rows of B (one stream each) to L3 or DRAM at the start of each column panel; pack on
// read fetches them ahead, and the panel's other tiles read the packed copy.
// On a narrow block (a 2-thread product cut into chunks of 7-13 panels) 4-5 row panels gained
// nothing or lost. Zen 4, A packed (a conv's filters), median of 100 calls alternating with
// dnnl_sgemm, ms, raw B -> pack on read: 1 thread 16 x 12544 x 32 0.161 -> 0.135, 16 x 3025 x
// 128 0.155 -> 0.125, 64 x 3025 x 16 0.087 -> 0.077, 24 x 3136 x 144 0.210 -> 0.199, 64 x 196 x
// 384 and 48 x 169 x 384 tie; 2 threads 16 x 12544 x 32 0.096 -> 0.078, 16 x 3025 x 128 0.079
// -> 0.066; with 5 row panels on 7-13 panel chunks 64 x 3136 x 64 0.134 -> 0.145 and 64 x 3025 x
// 16 0.045 -> 0.053 (kept raw). gemm_1x1 as fused in MobileNet v2 and SqueezeNet, min of 200
// alternating runs, ms: 32 -> 16 on 112 x 112 0.161 -> 0.134 (2 threads 0.099 -> 0.079), 128 ->
// 16 on 55 x 55 with residual 0.143 -> 0.122, 144 -> 24 on 56 x 56 0.210 -> 0.198, none slower.
// Above 8 row panels too (stop 35; the rest of kRawBTiles stays raw): Xeon (2 vCPUs, model 207),
// median of 7 alternating rounds, ratio to dnnl_sgemm, raw B -> pack on read, 1 thread 128 x 784
// x 512 0.92-0.97 -> 0.95-0.99, 128 x 784 x 1152 0.955-0.963 -> 0.957-0.979 (2 threads 0.945-0.967
// -> 0.961-0.977); with A pre-packed (8 rotating copies, bias and ReLU) 1.01-1.02x. With 7-8 row
// panels and A pre-packed raw B kept 1.5-2% ahead (96 x 784 x 576, 112 x 784 x 480).
bool pack_on_read_first(int64_t rows, int64_t columns, int mr, int nr) {
  return rows <= 3 * mr || rows > 8 * mr || columns >= 32 * nr;
}

// Whether C^T = op(B)^T op(A)^T wastes fewer FMA lanes than C = op(A) op(B). The microkernel's
// rows cost nothing past M's edge, but its columns come in vectors of NR / 2: a 7 x 7 map as N
// (49 columns) fills 49 of 64 lanes, while the same product transposed puts 49 on the rows and
// M (a multiple of 16 in a CNN) on the vectors. The transposed product's C^T goes through a
// buffer and is transposed into C with alpha, beta and the epilogue; packing its B (A's rows)
// needs the kernel's transposing packer. Zen 4, 1 thread, B' pre-packed, ratio to dnnl_sgemm
// normal vs transposed: 512 x 49 x 4608 0.95 vs 1.28, 2048 x 49 x 512 1.01 vs 1.21, 256 x 196 x
// 2304 0.95 vs 0.97. The transposing pass over C costs about a cycle per element, the FMA lanes
// of 32 MACs (two 16-lane pipes), and keeps products that tile evenly either way as they are; it
// replaced a flat 5% margin that had sent ResNet-50's 1024 x 196 x 256 (1x1 expand, 14 x 14)
// through the transpose, 12% of its time by perf. Xeon (2 vCPUs, model 207), ratio to
// dnnl_sgemm, median of 7 alternating calls, three runs each: 1 thread 0.87-0.89 -> 0.94-0.95,
// 2 threads 0.81-0.83 -> 0.88-0.91; 256 x 196 x 2304 stays transposed.
constexpr double kTransposeLanes = 32.0;
bool transpose_pays(const GemmDesc& d, const gemm::Microkernel& k) {
  if (k.pack_b_t == nullptr || d.trans_c || d.M <= 0 || d.N <= 0 || d.K <= 0) return false;
  const int64_t lanes = std::max(1, k.nr / 2);
  const auto K = static_cast<double>(d.K);
  const double normal = static_cast<double>(round_up(d.N, lanes)) * static_cast<double>(d.M) * K;
  const double transposed =
      static_cast<double>(round_up(d.M, lanes)) * static_cast<double>(d.N) * K +
      kTransposeLanes * static_cast<double>(d.M) * static_cast<double>(d.N);
  return transposed < normal;
}

// A tile of a trans_c product on a kernel that stores C row-major only: alpha * AB into a
// buffer, then beta * C, the epilogue and the transposed store here.
// Tiles up to kMaxTransposedTile floats (plan_gemm checks the kernel's).
constexpr int kMaxTransposedTile = 14 * 32;
void transposed_tile(const gemm::Microkernel& k, const gemm::UkrArgs& p) {
  alignas(64) float t[kMaxTransposedTile];
  gemm::UkrArgs q = p;
  q.c = t;
  q.ldc = k.nr;
  q.beta = 0.0f;
  q.epilogue = false;
  q.c_trans = false;
  k.fn(q);
  for (int j = 0; j < p.n; ++j) {
    for (int i = 0; i < p.m; ++i) {
      float& x = p.c[j * p.ldc + i];
      float v = t[i * k.nr + j];
      if (p.beta != 0.0f) v += p.beta * x;
      if (p.epilogue) {
        if (p.row_bias != nullptr) v += p.row_bias[i];
        if (p.col_bias != nullptr) v += p.col_bias[j];
        if (p.residual != nullptr) v += p.residual[j * p.ldr + i];
        if (p.clamp) v = std::min(std::max(v, p.lo), p.hi);
      }
      x = v;
    }
  }
}

// Checks that the epilogue's operands were given and returns the residual's row stride.
int64_t epilogue_ldr(const GemmDesc& d, const GemmEpilogueData& e) {
  if (d.epilogue.bias != BiasKind::none && e.bias == nullptr) {
    fail("gemm: epilogue bias pointer missing");
  }
  if (d.epilogue.residual && e.residual == nullptr) fail("gemm: epilogue residual pointer missing");
  return e.ldr > 0 ? e.ldr : d.trans_c ? d.M : d.N;
}

// The cache lines that n floats from p span, as the address of the first line and a count.
struct LineSpan {
  const float* first = nullptr;
  int64_t lines = 0;
};
LineSpan line_span(const float* p, int64_t n) {
  const auto begin = reinterpret_cast<uintptr_t>(p) / 64;
  const auto end = (reinterpret_cast<uintptr_t>(p + n) + 63) / 64;
  return {reinterpret_cast<const float*>(begin * 64), static_cast<int64_t>(end - begin)};
}

void prefetch_b_rows(int nr, const float* src, int64_t rs, int64_t k0, int64_t k1) {
  for (int64_t k = k0; k < k1; ++k) {
    for (int line = 0; line < nr; line += 16) __builtin_prefetch(src + k * rs + line, 0, 2);
  }
}

// One MR-tall micro-panel of A: the microkernel's own packer when it has one, else the generic.
void pack_a_panel(const gemm::Microkernel& k, int64_t m, int64_t kc, const float* src, int64_t rs,
                  int64_t cs, float* dst) {
  if (k.pack_a != nullptr) {
    k.pack_a(m, kc, src, rs, cs, dst);
  } else {
    pack_a_generic(k.mr, m, kc, src, rs, cs, dst);
  }
}

// Packs the kc x nc block of B at (k0, j0) as consecutive micro-panels.
void pack_b_block(const gemm::Microkernel& uk, int64_t kc, int64_t nc, const float* b, int64_t rs,
                  int64_t cs, float* dst) {
  const int nr = uk.nr;
  for (int64_t jr = 0; jr < nc; jr += nr) {
    pack_b_panel(uk, std::min<int64_t>(nr, nc - jr), kc, b + jr * cs, rs, cs, dst + jr * kc);
  }
}

}  // namespace

// Where B's packed micro-panels come from: packed here per (jc, pc) block, or pre-packed.
struct GemmPlan::BSource {
  const float* b = nullptr;  // raw B, element (k, j) at b[k*rs + j*cs]
  int64_t rs = 0, cs = 0;
  const PackedB* packed = nullptr;
};

GemmPlan plan_gemm(const GemmDesc& desc) {
  GemmDesc d = desc;
  if (d.M < 0 || d.N < 0 || d.K < 0) fail("gemm: negative size M={} N={} K={}", d.M, d.N, d.K);
  const int64_t a_cols = d.trans_a ? d.M : d.K;
  const int64_t b_cols = d.trans_b ? d.K : d.N;
  if (d.lda == 0) d.lda = std::max<int64_t>(1, a_cols);
  if (d.ldb == 0) d.ldb = std::max<int64_t>(1, b_cols);
  const int64_t c_cols = d.trans_c ? d.M : d.N;
  if (d.ldc == 0) d.ldc = std::max<int64_t>(1, c_cols);
  if (d.lda < a_cols || d.ldb < b_cols || d.ldc < c_cols) {
    fail("gemm: leading dimension too small (lda={} ldb={} ldc={} for M={} N={} K={})", d.lda,
         d.ldb, d.ldc, d.M, d.N, d.K);
  }
  if (d.epilogue.clamp && !(d.epilogue.lo <= d.epilogue.hi)) {
    fail("gemm: clamp range [{}, {}] is empty", d.epilogue.lo, d.epilogue.hi);
  }
  GemmPlan plan;
  plan.kernel_ = &gemm::microkernel_for(resolve_isa(d.isa));
  const gemm::Microkernel& k = *plan.kernel_;
  if (d.trans_c && !k.trans_c && k.mr * k.nr > kMaxTransposedTile) {
    fail("gemm: {} tile too large for a transposed C", k.name);
  }
  int threads = d.threads > 0 ? d.threads : ThreadPool::global().size();
  // A product this small is over before a sleeping worker wakes up.
  if (d.M * d.N * d.K < 32 * 1024) threads = 1;
  plan.blocking_ = choose_blocking(d, k, threads);

  // Split C into tm x tn blocks (whole micro-tiles each) minimising the slowest thread's cost:
  // its padded FMAs plus the packing it does (splitting N repacks A in every thread, splitting
  // M repacks B). The choice counts whole tiles per part, although execute() splits rows at
  // part_row: counting rows there moved small products to a column split, which lost on every
  // one (2 threads, median of 200 alternating calls, ms: 192 x 784 x 32 with A packed 0.062 ->
  // 0.075, 49 x 160 x 832 with B packed 0.071 -> 0.080): a part of fewer rows takes other paths
  // (B read raw up to kRawBTiles tiles) that this count does not see.
  const int64_t m_tiles = ceil_div(std::max<int64_t>(d.M, 1), k.mr);
  const int64_t n_tiles = ceil_div(std::max<int64_t>(d.N, 1), k.nr);
  double best = -1.0;
  for (int tm = 1; tm <= threads; ++tm) {
    if (threads % tm != 0) continue;
    const int tn = threads / tm;
    if (tm > m_tiles || tn > n_tiles) continue;
    const double mt = static_cast<double>(ceil_div(m_tiles, tm) * k.mr);
    const double nt = static_cast<double>(ceil_div(n_tiles, tn) * k.nr);
    const double kk = static_cast<double>(d.K);
    const double cost =
        2.0 * mt * nt * kk +
        16.0 *
            (mt * kk * static_cast<double>(ceil_div(static_cast<int64_t>(nt), plan.blocking_.nc)) +
             kk * nt);
    if (best < 0.0 || cost < best) {
      best = cost;
      plan.tm_ = tm;
      plan.tn_ = tn;
    }
  }
  if (best < 0.0) {  // fewer tiles than threads in both directions
    plan.tm_ = static_cast<int>(std::min<int64_t>(threads, m_tiles));
    plan.tn_ = 1;
  }
  plan.desc_ = d;
  if (transpose_pays(d, k)) {
    // C^T (N x M, dense) = op(B)^T op(A)^T: A' is B as stored and B' is A as stored, each with
    // its transpose flag flipped.
    GemmDesc t;
    t.M = d.N;
    t.N = d.M;
    t.K = d.K;
    t.trans_a = !d.trans_b;
    t.lda = d.ldb;
    t.trans_b = !d.trans_a;
    t.ldb = d.lda;
    t.threads = d.threads;
    t.isa = plan.isa();
    t.mc = d.mc;
    t.nc = d.nc;
    t.kc = d.kc;
    plan.transposed_ = std::make_shared<const GemmPlan>(plan_gemm(t));
  }
  return plan;
}

PackedB pack_b(const GemmPlan& plan, const float* b) {
  const GemmDesc& d = plan.desc_;
  const GemmBlocking& bl = plan.blocking_;
  PackedB p;
  p.K_ = d.K;
  p.N_ = d.N;
  p.kc_ = bl.kc;
  p.nr_ = bl.nr;
  p.isa_ = plan.isa();
  p.n_padded_ = round_up(std::max<int64_t>(d.N, 1), bl.nr);
  p.data_ = aligned_floats(std::max<int64_t>(d.K, 1) * p.n_padded_, "packed B");
  const int64_t rs = d.trans_b ? 1 : d.ldb;
  const int64_t cs = d.trans_b ? d.ldb : 1;
  // Layout: K blocks of kc rows one after another; inside a block, micro-panels [kc][NR] over
  // all of N. Block pc starts at pc * n_padded, so any jc range (a multiple of NR) of any block
  // is one contiguous run of micro-panels, exactly what the driver packs on the fly.
  for (int64_t pc = 0; pc < d.K; pc += bl.kc) {
    const int64_t kc = std::min(bl.kc, d.K - pc);
    pack_b_block(*plan.kernel_, kc, d.N, b + pc * rs, rs, cs, p.data_.get() + pc * p.n_padded_);
  }
  return p;
}

PackedA pack_a(const GemmPlan& plan, const float* a) {
  const GemmDesc& d = plan.desc_;
  const GemmBlocking& bl = plan.blocking_;
  const gemm::Microkernel& k = *plan.kernel_;
  PackedA p;
  p.M_ = d.M;
  p.K_ = d.K;
  p.kc_ = bl.kc;
  p.mr_ = bl.mr;
  p.isa_ = plan.isa();
  p.m_padded_ = round_up(std::max<int64_t>(d.M, 1), bl.mr);
  p.data_ = aligned_floats(std::max<int64_t>(d.K, 1) * p.m_padded_, "packed A");
  const int64_t rs = d.trans_a ? 1 : d.lda;
  const int64_t cs = d.trans_a ? d.lda : 1;
  // Block pc starts at pc * m_padded and its row panel i at i * kc inside it: any MC block of any
  // K block is then one contiguous run of micro-panels, as the driver packs them on the fly.
  for (int64_t pc = 0; pc < d.K; pc += bl.kc) {
    const int64_t kc = std::min(bl.kc, d.K - pc);
    float* block = p.data_.get() + pc * p.m_padded_;
    for (int64_t i = 0; i < d.M; i += bl.mr) {
      const int64_t m = std::min<int64_t>(bl.mr, d.M - i);
      pack_a_panel(k, m, kc, a + i * rs + pc * cs, rs, cs, block + i * kc);
    }
  }
  return p;
}

GemmPlan::BSource GemmPlan::raw_b(const float* b) const {
  BSource src;
  src.b = b;
  src.rs = desc_.trans_b ? 1 : desc_.ldb;
  src.cs = desc_.trans_b ? desc_.ldb : 1;
  return src;
}

void GemmPlan::run(const float* a, const float* b, float* c, const GemmEpilogueData& e) const {
  if (transposed_) {
    execute_transposed(a, b, c, e);
  } else {
    execute(a, nullptr, raw_b(b), c, e);
  }
}

void GemmPlan::execute_transposed(const float* a, const float* b, float* c,
                                  const GemmEpilogueData& e) const {
  const GemmDesc& d = desc_;
  const GemmEpilogue& ep = d.epilogue;
  const int64_t ldr = epilogue_ldr(d, e);
  float* t = thread_workspace().t.get(d.M * d.N);
  transposed_->execute(b, nullptr, transposed_->raw_b(a), t, {});
  // C's rows in blocks of 16 (one transposed block tall), split over the product's threads.
  constexpr int64_t kRows = 16;
  gemm::TransposeOut o;
  o.ldt = d.M;
  o.ldc = d.ldc;
  o.n = d.N;
  o.alpha = d.alpha;
  o.beta = d.beta;
  o.col_bias = ep.bias == BiasKind::per_col ? e.bias : nullptr;
  o.ldr = ldr;
  o.clamp = ep.clamp;
  o.lo = ep.lo;
  o.hi = ep.hi;
  const int threads = transposed_->threads();
  const int64_t tasks = ceil_div(d.M, kRows);
  const int64_t per = ceil_div(tasks, threads);
  auto part = [&](int64_t task) {
    const int64_t i0 = std::min(d.M, task * per * kRows);
    const int64_t i1 = std::min(d.M, (task + 1) * per * kRows);
    if (i0 >= i1) return;
    gemm::TransposeOut q = o;
    q.t = t + i0;
    q.c = c + i0 * d.ldc;
    q.m = i1 - i0;
    q.row_bias = ep.bias == BiasKind::per_row ? e.bias + i0 : nullptr;
    q.residual = ep.residual ? e.residual + i0 * q.ldr : nullptr;
    kernel_->transpose_out(q);
  };
  if (threads == 1) {
    part(0);
  } else {
    ThreadPool::global().parallel_for(threads, part, threads);
  }
}

void GemmPlan::run(const PackedA& a, const float* b, float* c, const GemmEpilogueData& e) const {
  if (a.isa_ != isa() || a.M_ != desc_.M || a.K_ != desc_.K || a.kc_ != blocking_.kc ||
      a.mr_ != blocking_.mr) {
    fail("gemm: packed A ({}, M={}, K={}, kc={}) does not fit this plan ({}, M={}, K={}, kc={})",
         isa_name(a.isa_), a.M_, a.K_, a.kc_, isa_name(isa()), desc_.M, desc_.K, blocking_.kc);
  }
  execute(nullptr, &a, raw_b(b), c, e);
}

void GemmPlan::run(const float* a, const PackedB& b, float* c, const GemmEpilogueData& e) const {
  if (b.isa_ != isa() || b.K_ != desc_.K || b.N_ != desc_.N || b.kc_ != blocking_.kc ||
      b.nr_ != blocking_.nr) {
    fail("gemm: packed B ({}, K={}, N={}, kc={}) does not fit this plan ({}, K={}, N={}, kc={})",
         isa_name(b.isa_), b.K_, b.N_, b.kc_, isa_name(isa()), desc_.K, desc_.N, blocking_.kc);
  }
  BSource src;
  src.packed = &b;
  execute(a, nullptr, src, c, e);
}

namespace {
struct TileRows {
  int64_t first, rows;  // of a row block
};
}  // namespace

void GemmPlan::execute(const float* a, const PackedA* packed_a, const BSource& bsrc, float* c,
                       const GemmEpilogueData& e) const {
  const GemmDesc& d = desc_;
  if (d.M == 0 || d.N == 0) return;
  const GemmEpilogue& ep = d.epilogue;
  const int64_t ldr = epilogue_ldr(d, e);
  const bool has_epilogue = ep.bias != BiasKind::none || ep.residual || ep.clamp;

  if (d.K == 0) {  // no product: C = act(beta * C + bias + residual)
    for (int64_t i = 0; i < d.M; ++i) {
      for (int64_t j = 0; j < d.N; ++j) {
        float& x = d.trans_c ? c[j * d.ldc + i] : c[i * d.ldc + j];
        float v = d.beta == 0.0f ? 0.0f : d.beta * x;
        if (ep.bias == BiasKind::per_row) v += e.bias[i];
        if (ep.bias == BiasKind::per_col) v += e.bias[j];
        if (ep.residual) v += d.trans_c ? e.residual[j * ldr + i] : e.residual[i * ldr + j];
        if (ep.clamp) v = std::min(std::max(v, ep.lo), ep.hi);
        x = v;
      }
    }
    return;
  }

  const gemm::Microkernel& k = *kernel_;
  const GemmBlocking& bl = blocking_;
  const int mr = k.mr, nr = k.nr;
  const int64_t a_rs = d.trans_a ? 1 : d.lda;
  const int64_t a_cs = d.trans_a ? d.lda : 1;
  const int64_t n_tiles = ceil_div(d.N, nr);

  // One block per thread, task t on the pool's thread t while both keep pace. With A pre-packed
  // (a conv's filters) each thread's block of columns was cut into up to 4 chunks taken from the
  // pool's counter, so that a preempted vCPU's share would move to the other thread. The
  // chunks then fell to either thread, and a layer's pixels were written by one core and read
  // by the other in the next: on the 2-vCPU Xeon, loupe profile, ResNet-50 at 2 threads, batch
  // 1, six alternating rounds, sum of the gemm_1x1 steps 15.1-15.9 -> 14.1-15.3 ms and latency
  // 26.6-28.2 -> 25.6-27.1 ms; MobileNet v2 and GoogLeNet within noise.
  const int64_t unit = column_unit(nr, bsrc.packed != nullptr);
  const int64_t n_units = ceil_div(d.N, unit);
  // A product only a few micro-panels wide (a conv's 7 x 7 or 14 x 14 output as N) would use
  // each packed element of A only that many times; packing it costs more than reading A's rows
  // in the microkernel, which keeps a row panel in L1 across the thread's columns.
  // Measured on the AVX2 kernel (bench_gemm, 1 thread): 512 x 49 x 4608 6.5 -> 4.2-4.7 ms,
  // 256 x 196 x 2304 4.2 -> 3.4 ms; at 784 columns (33 panels) both ways tie. The AVX-512
  // kernel's (tile_raw_a): 1024 x 196 x 512 0.93 -> 0.98-1.01 of dnnl_sgemm on 1 thread.
  // A one-row product on pre-packed B (a fully connected layer at batch 1) streams B from DRAM
  // once: a row_vector kernel reads A's row as it lies, 4 bytes per k, where a packed 14-row
  // panel would cost a line of A per k step next to B's two. Zen 4, 1 x 4096 x 9216, the
  // packed-B loop in a harness, ms: A contiguous 7.2 (1 thread) / 5.3 (2 threads), A strided
  // as a 14-row panel 8.7 / 6.2.
  const bool row_vector =
      k.row_vector && d.M == 1 && packed_a == nullptr && a_cs == 1 && bsrc.packed != nullptr;
  const bool raw_a = row_vector || (packed_a == nullptr && a_cs == 1 && k.raw_a &&
                                    ceil_div(n_tiles, tn_) <= kRawAPanels);
  // A stored transposed holds each k's MR values contiguously already: a raw_trans_a kernel reads
  // them where they lie (UkrArgs::a_step) instead of copying them into a packed panel, a pass
  // over A with no FMAs to hide it (perf: 6-7% of 256 x 196 x 1024 and 256 x 196 x 2304, whose
  // transposed orientation makes B their A). Unless A's k rows map onto few L1 sets, as B's
  // rows would (b_rows_stay_in_l1). Xeon (2 vCPUs, model 207), median of 7 alternating rounds,
  // ratio to dnnl_sgemm, 1 thread / 2 threads (OMP_WAIT_POLICY=passive): 256 x 196 x 1024
  // 0.91-0.95 -> 0.96-1.00 / 0.88-0.94 -> 1.02-1.05, 256 x 196 x 2304 0.92-0.97 -> 1.03-1.07 /
  // 0.89 -> 1.03; 512 x 196 x 1024 on 2 threads 0.93 -> 0.95-0.98; the 49-column shapes within
  // noise. A 1x1 layer's pixel rows (X^T, pre-packed filters, C stored transposed), 8 rotating
  // inputs, speed-up: 7 x 7 maps within noise (0.93-1.06), 14 x 14 with 256 filters and 1024
  // channels 1.07 (2 threads 1.10-1.11).
  const bool raw_trans_a = !raw_a && packed_a == nullptr && a_rs == 1 && k.raw_trans_a &&
                           b_rows_stay_in_l1(d.lda, bl.kc);
  const int64_t rows_per_part = part_rows(d.M, mr, tm_);
  // The rows of a block of mc rows that the tile of packed slot `slot` (a multiple of mr)
  // computes: slot's own mr, but where the block ends 1-4 rows past whole tiles, its last two
  // slots share the last mr + r rows evenly. A 2-row tile keeps only 4 accumulators, fewer than
  // the FMA latency needs: 128 x 784 x 1152 (9 x 14 + 2 rows) spent 5.7% of its time on 1.6% of
  // the rows there; as 8 + 8 rows its ratio to dnnl_sgemm on 1 thread went 0.92-0.93 -> 0.94-0.95
  // (Xeon model 207, two alternating runs). A 4-row tile's 8 accumulators are just what two FMA
  // pipes of 4-cycle latency need, and a late load stalls it: 256 x 3136 x 64 (18 x 14 + 4 rows)
  // spent 1.8-2.0% of its perf samples on 1.6% of the rows; as 9 + 9 rows 7.0% of the rows take
  // 6.8% (stop 36). A packed per call only: pre-packed A's panels are fixed at load.
  const bool even_edge = packed_a == nullptr && mr >= 8;
  const auto tile_rows = [mr, even_edge](int64_t mc, int64_t slot) {
    const int64_t r = mc % mr, last = mc - r;  // last: the partial slot
    if (!even_edge || mc <= mr || r == 0 || r > 4 || slot < last - mr) {
      return TileRows{slot, std::min<int64_t>(mr, mc - slot)};
    }
    const int64_t shared = mr + r, first = (shared + 1) / 2;
    return slot < last ? TileRows{slot, first} : TileRows{last - mr + first, shared - first};
  };
  auto block = [&](int64_t task) {
    // Row blocks alternate: threads that keep pace each stay on their own rows of A and C.
    const int64_t bi = task % tm_, bj = task / tm_;
    const int64_t m0 = part_row(d.M, rows_per_part, tm_, bi);
    const int64_t m1 = part_row(d.M, rows_per_part, tm_, bi + 1);
    const int64_t n0 = std::min(d.N, ceil_div(n_units, tn_) * bj * unit);
    const int64_t n1 = std::min(d.N, ceil_div(n_units, tn_) * (bj + 1) * unit);
    if (m0 >= m1 || n0 >= n1) return;
    // The thread's rows go in row blocks of about MC: as many as MC makes of them to the nearest
    // whole (at least one), in equal parts of whole tiles, so that no block is a sliver that
    // sweeps all of B again for a tile or two (M = 196 rows at MC 182 were 182 + 14). MC is an
    // eighth of L2 (choose_blocking), so a block up to half as tall again still fits. Xeon (2
    // vCPUs, model 207), median ratio to dnnl_sgemm over 11 alternating rounds, 1 thread / 2
    // threads (OMP_WAIT_POLICY=passive): 512 x 196 x 1024 0.89 / 0.91 -> 0.95 / 0.94, 256 x 196 x
    // 1024 0.89 / 0.90 -> 0.93 / 0.92, 256 x 784 x 512 0.89 -> 0.91 (1 thread), 512 x 784 x 256
    // 0.97 -> 0.99 (2 threads); square 1024 and 2048, 128 x 784 x 1152 unchanged. Block sizes
    // given in the GemmDesc (tests covering every loop) are kept as they are.
    // Rows whose A block takes at most a quarter of L2 stay one block (stop 36): 512 x 784 x 256
    // in two blocks (256 KB of A each) packed B's 784 columns into a block of 800 KB that the
    // second re-read from L2; as one, each micro-panel of B is packed into an L1 buffer by its
    // first tile (pack_in_tile) and the 512 KB of A streams from L2 instead. Xeon (2 vCPUs, model
    // 207), 1 thread, ratio to dnnl_sgemm, two runs each of 15 alternating rounds: 0.955 ->
    // 0.967-0.968; 256 x 784 x 512 (two blocks -> one) 0.957-0.958 -> 0.955-0.960; 2 threads
    // (a thread's rows one block either way) unchanged.
    int64_t block_mc = bl.mc;
    if (d.mc == 0) {
      int64_t blocks = std::max<int64_t>(1, (2 * (m1 - m0) + bl.mc) / (2 * bl.mc));
      if ((m1 - m0) * bl.kc * 4 <= cache_sizes().l2 / 4) blocks = 1;
      block_mc = round_up(ceil_div(m1 - m0, blocks), mr);
    }
    Workspace& ws = thread_workspace();
    float* a_buf = packed_a != nullptr || raw_a || raw_trans_a
                       ? nullptr
                       : ws.a.get(round_up(std::min(block_mc, m1 - m0), mr) * bl.kc);
    // When this thread's rows fit one MC block, a packed B panel would be read exactly once, so
    // each micro-panel is packed just before its ir loop instead: it goes from B straight into
    // L1 and is used there, rather than round-tripping a KC x NC panel through L2/L3.
    const bool few_rows = !raw_a && bsrc.packed == nullptr && m1 - m0 <= block_mc;
    const bool can_pack_on_read = few_rows && k.pack_on_read && bsrc.cs == 1 && m1 - m0 > mr;
    const bool raw_b = !(can_pack_on_read && pack_on_read_first(m1 - m0, n1 - n0, mr, nr)) &&
                       few_rows && k.raw_b && bsrc.cs == 1 && ceil_div(m1 - m0, mr) <= kRawBTiles &&
                       (m1 - m0 <= mr || b_rows_stay_in_l1(bsrc.rs, bl.kc));
    // Pack on read columns outer (the first tile of each micro-panel packs it) or rows outer
    // (the first row panel packs the block).
    const bool pack_in_tile =
        can_pack_on_read && !raw_b && d.K > kRowsOuterMaxK && m1 - m0 > 3 * mr;
    const bool pack_on_read = can_pack_on_read && !raw_b && !pack_in_tile;
    const bool rows_outer =
        !raw_a && !raw_b && bsrc.packed == nullptr && (d.K <= kRowsOuterMaxK || pack_on_read);
    const bool jit_b = few_rows && !rows_outer;
    // Several row blocks above kRowsOuterMaxK: the first row block's first tile of each micro-panel
    // packs it into the block's packed panel as it reads B (pack mode), for that block's other
    // tiles and the later row blocks, instead of a packing pass over the block with no FMAs to
    // hide it (perf: pack_b 4.0% of 512 x 784 x 256). Xeon (2 vCPUs, model 207), median of 7
    // alternating rounds, ratio to dnnl_sgemm, 1 thread: 512 x 784 x 256 0.88-0.93 -> 0.94-0.98;
    // square 1024 and 2048, 1024 x 196 x 256 and 512, 512 x 196 x 1024 within noise, and so on
    // 2 threads. With A pre-packed (8 rotating copies) 1024 x 196 x 256, 2048 x 49 x 512, 512 x
    // 784 x 256 and 512 x 196 x 2304 moved by -3% to +5%, within noise.
    const bool pack_block_in_tile = !few_rows && !raw_a && bsrc.packed == nullptr &&
                                    k.pack_on_read && bsrc.cs == 1 && d.K > kRowsOuterMaxK;
    // Rows outer, the thread's columns go in equal blocks of at most rows_outer_nc, as the row
    // blocks do: 3136 columns at K 64 were 2048 + 1088, the packed block alone a quarter of L2,
    // and with B's and C's rows the call's data outgrew L2; as 1568 + 1568 it stays. Xeon (2
    // vCPUs, model 207), 1 thread, median of 9 alternating rounds, ratio to dnnl_sgemm: 64 x 3136
    // x 64 0.936 -> 0.957, 128 x 3136 x 64 0.927 -> 0.946, 256 x 3136 x 64 0.937 -> 0.949; 512 x
    // 784 x 128 (one block either way) and, A pre-packed, the 1x1 shapes within noise.
    int64_t block_nc = bl.nc;
    if (rows_outer) {
      const int64_t blocks = ceil_div(n1 - n0, rows_outer_nc(k, bl.kc));
      block_nc = round_up(ceil_div(n1 - n0, blocks), nr);
    }
    float* b_buf = bsrc.packed != nullptr ? nullptr
                   : jit_b                ? ws.b.get(bl.kc * nr)
                           : ws.b.get(bl.kc * round_up(std::min(block_nc, n1 - n0), nr));

    gemm::UkrArgs args;
    args.ldc = d.ldc;
    args.alpha = d.alpha;
    args.lda = raw_a ? d.lda : 0;
    args.a_step = raw_trans_a ? d.lda : 0;
    args.ldr = ldr;
    args.clamp = ep.clamp;
    args.lo = ep.lo;
    args.hi = ep.hi;
    // C's tile at (i, j) and its rows' and columns' share of the epilogue operands.
    args.c_trans = d.trans_c;
    const auto at_tile = [&](int64_t i, int64_t j) {
      args.c = d.trans_c ? c + j * d.ldc + i : c + i * d.ldc + j;
      args.row_bias = ep.bias == BiasKind::per_row ? e.bias + i : nullptr;
      args.col_bias = ep.bias == BiasKind::per_col ? e.bias + j : nullptr;
      const int64_t r = d.trans_c ? j * ldr + i : i * ldr + j;
      args.residual = ep.residual ? e.residual + r : nullptr;
    };
    const bool via_buffer = d.trans_c && !k.trans_c;
    const auto run_tile = [&] {
      if (via_buffer) {
        transposed_tile(k, args);
      } else {
        k.fn(args);
      }
    };
    for (int64_t jc = n0; jc < n1; jc += block_nc) {
      const int64_t nc = std::min(block_nc, n1 - jc);
      for (int64_t pc = 0; pc < d.K; pc += bl.kc) {
        const int64_t kc = std::min(bl.kc, d.K - pc);
        // The lines of raw B's micro-panel q of this block in the columns-outer order (q past
        // the block's last: of the blocks after it), from its first row: none past the last.
        const auto fetch_ahead = [&](int64_t q) {
          int64_t jc_q = jc, pc_q = pc, nc_q = nc;
          const int64_t panels = ceil_div(nc, nr);
          if (q >= panels) {
            q -= panels;
            if (pc + kc < d.K) {
              pc_q = pc + kc;
            } else if (jc + block_nc < n1) {
              jc_q = jc + block_nc;
              pc_q = 0;
              nc_q = std::min(block_nc, n1 - jc_q);
            } else {
              return LineSpan{};
            }
            if (q >= ceil_div(nc_q, nr)) return LineSpan{};
          }
          return line_span(bsrc.b + pc_q * bsrc.rs + jc_q + q * nr,
                           std::min<int64_t>(nr, nc_q - q * nr));
        };
        // Pre-packed B's micro-panel q of this block (q past the block's last: of the next K
        // block); null past the last block.
        const auto packed_panel = [&](int64_t q) -> const float* {
          const int64_t panels = ceil_div(nc, nr);
          int64_t p = pc, pkc = kc;
          if (q >= panels) {
            q -= panels;
            p = pc + kc;
            if (p >= d.K || q >= panels) return nullptr;
            pkc = std::min(bl.kc, d.K - p);
          }
          return bsrc.packed->data() + p * bsrc.packed->n_padded_ + (jc + q * nr) * pkc;
        };
        // Tile t of `fetchers` tiles fetches its share of `bytes` from `region` into L2, an equal
        // number of bytes each k step (pointer mode, at most a line pair a step).
        const auto fetch_share = [&](const float* region, int64_t bytes, int64_t fetchers,
                                     int64_t t) {
          const int64_t step =
              std::min<int64_t>(nr * 4, round_up(ceil_div(bytes, fetchers * kc), 4));
          args.l2_fetch = region + t * kc * step / 4;
          args.l2_fetch_step = step;
        };
        const float* b_src = bsrc.packed ? nullptr : bsrc.b + pc * bsrc.rs + jc * bsrc.cs;
        const float* bp = b_buf;
        if (bsrc.packed) {
          bp = bsrc.packed->data() + pc * bsrc.packed->n_padded_ + jc * kc;
        } else if (pack_on_read || pack_block_in_tile) {
          // Full panels are packed by the first row panel's tiles as they read them; only a
          // narrower edge panel is packed here.
          const int64_t full = nc / nr * nr;
          if (full < nc) {
            pack_b_panel(k, nc - full, kc, b_src + full, bsrc.rs, 1, b_buf + full * kc);
          }
        } else if (!jit_b) {
          pack_b_block(k, kc, nc, b_src, bsrc.rs, bsrc.cs, b_buf);
        }
        // beta scales C once, in the first K block; later blocks accumulate onto it.
        args.beta = pc == 0 ? d.beta : 1.0f;
        args.epilogue = has_epilogue && pc + kc == d.K;
        args.kc = kc;
        // Rows [i0, i1) one MR-tall panel of A at a time (its first element at a_at(i)), each
        // across all of the block's packed B micro-panels while it sits in L1. With
        // pack_on_read, the thread's first row panel reads B's full panels where they lie and
        // packs them for the row panels after it.
        const auto rows_across_block = [&](int64_t i0, int64_t i1, auto a_at) {
          for (int64_t slot = 0; slot < i1 - i0; slot += mr) {
            const TileRows t = tile_rows(i1 - i0, slot);
            const int64_t i = i0 + t.first;
            args.a = a_at(i, slot);
            args.m = static_cast<int>(t.rows);
            const bool packing = pack_on_read && i == m0;
            // A sweeping kernel runs the row panel's full micro-panels of packed B in one call
            // (UkrArgs::panels): no call, dispatch and argument set-up per tile, and the tile's
            // stores overlap the next tile's first k steps. At K <= kRowsOuterMaxK a tile is
            // ~900 cycles of FMAs, and that overhead was 4-6% of it. Xeon (2 vCPUs, model 207),
            // 1 thread, median of 9 alternating rounds, ratio to dnnl_sgemm, per-tile calls ->
            // sweep: 256 x 3136 x 64 0.93 -> 0.95, 128 x 3136 x 64 0.91 -> 0.94, 256 x 784 x 64
            // 0.95 -> 1.00, 512 x 784 x 128 0.97 -> 0.98; A pre-packed with bias and ReLU (8
            // rotating copies), speed-up, 1 / 2 threads: 64 x 3136 x 64 1.04 / 1.04, 256 x 3136
            // x 64 1.04 / 1.04, 64 x 12544 x 32 1.06 / 1.07, 144 x 3136 x 24 1.07 / 1.11.
            const int64_t swept = k.sweeps && !packing && !via_buffer && !raw_a ? nc / nr : 0;
            if (swept > 1) {
              args.n = nr;
              args.ldb = 0;
              args.b_pack = nullptr;
              args.b_in_l2 = bsrc.packed == nullptr;
              // Packing on read, the first row panel of the next column block reads its raw B
              // rows from L3, all of them in its few tiles, and ran at two thirds of the others'
              // pace (perf: 8.0% of 256 x 3136 x 64 for 5.5% of its FMAs). Instead this block's
              // sweeps fetch them into L2 first: the next block's kc rows spread evenly over the
              // sweeping row panels, each row over an equal group of its sweep's panels (pointer
              // mode, UkrArgs::l2_fetch_tiles), the panels past the last whole group in a call of
              // their own. One K block only: the next block is then the next columns. Xeon (2
              // vCPUs, model 207), operands 64-byte aligned, ratio to dnnl_sgemm, mean of 4-10 runs
              // of 15-21 alternating rounds (with the 9 + 9 edge of tile_rows): 64 x 12544 x 64
              // 0.88-0.90 -> 0.94-0.96 on 1 thread, 0.95 -> 1.01 on 2; 128 x 3136 x 64 0.95 ->
              // 0.96; 256 x 3136 x 64 0.954 -> 0.955: perf puts its packing row panels at 8.0% ->
              // 6.9% and its sweeps 1.1% higher, the fetch from L3 costing the sweeps what it saves
              // the packing tiles; 64 x 3136 x 64 and 2 threads within noise.
              const int64_t jn = jc + block_nc;
              const int64_t sweeps = ceil_div(i1 - i0, mr) - 1, s = slot / mr - 1;
              int64_t rows = 0, r0 = 0;
              if (pack_on_read && jn < n1 && d.K <= bl.kc && s >= 0) {
                r0 = s * kc / sweeps;
                rows = std::min((s + 1) * kc / sweeps - r0, swept);
              }
              int64_t done = 0;
              if (rows > 0) {
                const int64_t group = swept / rows;
                const LineSpan row =
                    line_span(bsrc.b + (pc + r0) * bsrc.rs + jn, std::min(block_nc, n1 - jn));
                args.l2_fetch = row.first;
                args.l2_fetch_step = std::min<int64_t>(
                    2 * 64, round_up(ceil_div((row.lines + 1) * 64, group * kc), 4));
                args.l2_fetch_tiles = group;
                args.l2_fetch_jump = bsrc.rs * 4 - group * kc * args.l2_fetch_step;
                args.b = bp;
                args.panels = rows * group;
                at_tile(i, jc);
                run_tile();
                done = args.panels;
                args.l2_fetch_tiles = 0;
                args.l2_fetch_jump = 0;
              }
              args.l2_fetch = nullptr;
              if (done < swept) {
                args.b = bp + done * nr * kc;
                args.panels = swept - done;
                at_tile(i, jc + done * nr);
                run_tile();
              }
              args.panels = 1;
            }
            for (int64_t jr = swept > 1 ? swept * nr : 0; jr < nc; jr += nr) {
              args.n = static_cast<int>(std::min<int64_t>(nr, nc - jr));
              if (packing && args.n == nr) {
                args.b = b_src + jr;
                args.ldb = bsrc.rs;
                args.b_pack = b_buf + jr * kc;
              } else {
                args.b = bp + jr * kc;
                args.ldb = 0;
                args.b_pack = nullptr;
              }
              // A block packed here (not pre-packed weights) is in L2 already.
              args.b_in_l2 = args.ldb == 0 && bsrc.packed == nullptr;
              at_tile(i, jc + jr);
              run_tile();
            }
          }
        };
        if (raw_a) {  // A's rows read where they lie
          rows_across_block(m0, m1, [&](int64_t i, int64_t) { return a + i * d.lda + pc; });
          continue;
        }
        for (int64_t ic = m0; ic < m1; ic += block_mc) {
          const int64_t mc = std::min(block_mc, m1 - ic);
          if (packed_a != nullptr)
            a_buf = packed_a->data_.get() + pc * packed_a->m_padded_ + ic * kc;
          // With one K block and one row block, the A block packed for the first column block
          // serves the later ones as it is (256 x 3136 x 64 at K 64, two column blocks: perf,
          // pack_a 1.3% -> 0.9% of the product).
          const bool a_ready = jc != n0 && d.K <= bl.kc && mc == m1 - m0;
          // Columns outer, the tiles of the first column panel read A's rows where they lie and
          // pack them for the tiles after them (pack_a_on_read), where the pass below, packing
          // the block first, had no FMAs to hide it under: A's 16 x 16 transposes shuffle on the
          // FMA pipes (perf: pack_a 2.5-2.9% of 512 x 784 x 256, 256 x 784 x 512 and 128 x 784 x
          // 1152). The packing tiles store each element they broadcast (a store port, not an FMA
          // pipe) but wait on A's rows from L2 or L3: perf, 512 x 784 x 256, pack_a 2.2% -> 0,
          // the first panel's tiles 1.3 times the others' cost for 3.8% of the FMAs. Xeon (2
          // vCPUs, model 207), 1 thread, ratio to dnnl_sgemm, mean of 3 runs of 15 alternating
          // rounds: 512 x 784 x 256 0.947 -> 0.956, 256 x 784 x 512 0.952 -> 0.958, 128 x 784 x
          // 1152 0.952 -> 0.960, square 2048 0.975 -> 0.972; 2 threads within noise.
          const bool pack_a_in_tile = k.pack_a_on_read && packed_a == nullptr && !raw_trans_a &&
                                      !a_ready && !rows_outer && a_cs == 1;
          for (int64_t ir = 0;
               packed_a == nullptr && !raw_trans_a && !a_ready && !pack_a_in_tile && ir < mc;
               ir += mr) {
            const TileRows t = tile_rows(mc, ir);
            pack_a_panel(k, t.rows, kc, a + (ic + t.first) * a_rs + pc * a_cs, a_rs, a_cs,
                         a_buf + ir * kc);
          }
          // The A micro-panel of the tile at row i in slot `slot` of this block: packed (here or
          // at load), or, A stored transposed, read where it lies.
          const auto a_panel = [&](int64_t i, int64_t slot) {
            return raw_trans_a ? a + i + pc * d.lda : a_buf + slot * kc;
          };
          if (rows_outer) {
            rows_across_block(ic, ic + mc, a_panel);
            continue;
          }
          // Pre-packed A: the next block of A this thread reads (the next rows, else the next K
          // block, else the first block of the next columns), fetched by the tiles of the
          // block's second and third column panels (kPackedAFetchPanels).
          const float* next_a = nullptr;
          int64_t next_a_bytes = 0;
          const bool more_rows = ic + mc < m1, more_k = pc + kc < d.K;
          if (packed_a != nullptr && k.pack_on_read && !pack_in_tile &&
              (more_rows || more_k || jc + block_nc < n1)) {
            const int64_t i = more_rows ? ic + mc : m0;
            const int64_t p = more_rows ? pc : more_k ? pc + kc : 0;
            const int64_t pkc = std::min(bl.kc, d.K - p);
            next_a = packed_a->data_.get() + p * packed_a->m_padded_ + i * pkc;
            next_a_bytes = round_up(std::min(block_mc, m1 - i), mr) * pkc * 4;
          }
          const int64_t tiles = ceil_div(mc, mr);
          const int64_t a_panels = std::min(kPackedAFetchPanels, ceil_div(nc, nr) - 1);
          // Pre-packed B: the panel's first tiles each fetch a share of the next panel.
          const int64_t fetchers = std::min(tiles, kPackedFetchers);
          for (int64_t jr = 0; jr < nc; jr += nr) {
            const int64_t j = jc + jr;
            args.n = static_cast<int>(std::min<int64_t>(nr, nc - jr));
            args.ldb = 0;
            // pack_in_tile: the first tile reads the full panel where it lies and packs it into
            // b_buf for the others; each tile fetches its share of a later panel's lines. So
            // does pack_block_in_tile's first row block, packing into the panel's slot of the
            // block, which later row blocks read.
            const bool packing = (pack_in_tile || (pack_block_in_tile && ic == m0)) && args.n == nr;
            float* const pack_to = pack_block_in_tile ? b_buf + jr * kc : b_buf;
            const LineSpan ahead_lines =
                packing ? fetch_ahead(jr / nr + kFetchAheadPanels) : LineSpan{};
            if (packing) {
              args.b = pack_to;
            } else if (raw_b && args.n == nr) {  // a full micro-panel, read where it lies
              args.b = b_src + jr;
              args.ldb = bsrc.rs;
            } else if (jit_b) {
              pack_b_panel(k, args.n, kc, b_src + jr * bsrc.cs, bsrc.rs, bsrc.cs, b_buf);
              args.b = b_buf;
            } else {
              args.b = bp + jr * kc;
            }
            const float* next_panel =
                bsrc.packed != nullptr && k.pack_on_read && ic == m0 && args.n == nr
                    ? packed_panel(jr / nr + 1)
                    : nullptr;
            const int64_t ahead = jr + kPrefetchPanels * nr;
            const bool prefetch =
                jit_b && !packing && !(raw_b && k.fetches_b_ahead) && bsrc.cs == 1 && ahead < nc;
            for (int64_t ir = 0; ir < mc; ir += mr) {
              args.b_pack = nullptr;
              args.l2_fetch = nullptr;
              if (packing) {
                args.b = ir == 0 ? b_src + jr : pack_to;
                args.ldb = ir == 0 ? bsrc.rs : 0;
                args.b_pack = ir == 0 ? pack_to : nullptr;
                // The packing tile fetches nothing; tile t + 1 fetches lines 2t and 2t + 1 of
                // each row.
                const int64_t t = ir / mr - 1;
                if (t >= 0 && 2 * t < ahead_lines.lines) {
                  args.l2_fetch = ahead_lines.first + 2 * t * 16;
                  args.l2_fetch_step = bsrc.rs * 4;
                }
              }
              // Past the first tile a packed micro-panel is in L1: nothing to fetch ahead.
              args.b_in_l2 = ir > 0 && args.ldb == 0 && args.l2_fetch == nullptr;
              if (next_panel != nullptr) {
                const int64_t t = ir / mr;
                args.b_in_l2 = t >= fetchers;
                if (t < fetchers) fetch_share(next_panel, kc * nr * 4, fetchers, t);
              }
              if (next_a != nullptr && args.l2_fetch == nullptr && args.n > 16 && jr >= nr &&
                  jr / nr <= a_panels) {
                fetch_share(next_a, next_a_bytes, a_panels * tiles,
                            (jr / nr - 1) * tiles + ir / mr);
              }
              if (prefetch) {
                const int64_t t = ir / mr;
                prefetch_b_rows(nr, b_src + ahead, bsrc.rs, t * kc / tiles, (t + 1) * kc / tiles);
              }
              const TileRows t = tile_rows(mc, ir);
              args.a = a_panel(ic + t.first, ir);
              if (pack_a_in_tile && jr == 0) {
                args.a = a + (ic + t.first) * d.lda + pc;
                args.lda = d.lda;
                args.a_pack = a_buf + ir * kc;
              }
              args.m = static_cast<int>(t.rows);
              at_tile(ic + t.first, j);
              run_tile();
              args.lda = 0;
              args.a_pack = nullptr;
            }
          }
        }
      }
    }
  };

  const int64_t tasks = tm_ * tn_;
  if (tasks == 1) {
    block(0);
  } else {
    ThreadPool::global().parallel_for(tasks, block, static_cast<int>(tasks));
  }
}

namespace gemm {

const Microkernel& microkernel_for(Isa isa) {
  switch (isa) {
    case Isa::avx512:
      return microkernel_avx512();
    case Isa::avx2:
      return microkernel_avx2();
    default:
      return microkernel_scalar();
  }
}

}  // namespace gemm

}  // namespace loupe::kernels
