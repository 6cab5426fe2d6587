#pragma once
// The inner loop of direct_nchw16c: 32 output channels x up to 14 output pixels of one row (with
// AVX-512, of two rows of a map at most 7 wide), accumulated over every input channel block and
// filter tap, from the input in NCHW16c with its padding materialized (no bounds checks) and the
// weights blocked as [M/32][C/16][R][S][16 input channels][32 output channels].
#include <cstdint>

#include "kernels/isa.hpp"
#include "loupe/tensor.hpp"

namespace loupe::kernels::conv {

// Floats of weights the direct tiles (this one and direct_phased's) fetch into L2 ahead of the ones
// in use (past the group's end the next group's, or nothing: a prefetch does not fault). A layer on
// a small map streams its weights from DRAM (ResNet-50's 512 -> 512 stride 2 to 7 x 7: 9.4 MB per
// run), and the hardware prefetcher alone kept 2 threads near 17 GB/s. ResNet-50, loupe profile, 2
// threads, 2-vCPU Xeon, three rounds, ms without / with 256, 1024, 2048, 4096 floats ahead: that
// layer 1.37-1.41 / 1.15-1.22, 1.10-1.16, 1.12-1.15, 1.12-1.15; 256 -> 256 stride 2 to 14 x 14
// 1.05-1.10 / ~1.0, 0.95-0.97, 0.97-0.98, 0.97-0.99; 128 -> 128 to 28 x 28 ~1.0 in all.
inline constexpr int64_t kDirectWeightsAhead = 1024;

// Filter taps (R x S) the AVX-512 assembly tile takes; larger filters run the intrinsics one.
constexpr int64_t kDirectMaxTaps = 64;

// Pixels per tile at most: 14 on AVX-512 (28 accumulators), 12 on AVX2 (sub-tiles of 3).
constexpr int kDirectMaxPixels = 14;

struct DirectTile {
  const float* x = nullptr;  // input, [C/16][Hp][Wp][16], this image
  const float* w = nullptr;  // this 32-channel group's weights, [C/16][R][S][16][32]
  int64_t cblocks = 0, R = 0, S = 0, Hp = 0, Wp = 0;
  int64_t U = 1, U_w = 1, dil_h = 1, dil_w = 1;
  int64_t e = 0, f0 = 0;
  int pixels = 0;  // <= kDirectMaxPixels
  // 0: every pixel lies in row e. Else a two-row tile (the AVX-512 kernel only): pixels
  // [0, row_pixels) are row e's from f0, the rest row e + 1's from f0; pixels = 2 * row_pixels
  // and row_pixels <= 7.
  int row_pixels = 0;
  float* out = nullptr;  // [pixels][32]
  // Fetch the weights kDirectWeightsAhead floats ahead into L2. The AVX-512 assembly tile skips
  // the fetches when false: with its weights already in L2 they cost it 8% (1 thread, 128
  // channels, 14 pixels at stride 2: 183 -> 200 GFLOP/s).
  bool fetch_weights = true;
  // How far ahead, in floats (the assembly tile; the others fetch kDirectWeightsAhead ahead).
  int64_t fetch_ahead = kDirectWeightsAhead;
  // The assembly tile: fetch from w + fetch_ahead on at a quarter of the weights' pace (8 lines a
  // tap), a share of the weights that later tiles read.
  bool fetch_quarter = false;
  // Add to the sums already in out instead of starting from zero (the AVX-512 tiles only): a
  // tile's channel blocks may then come in several calls.
  bool accumulate = false;
};

// Writes a tile's [pixels][32] results (out, rows out_stride apart) to output channels m0 ..
// m0+channels-1 of the plain NCHW output, pixels f0 .. of row e: y points at (m0, e, f0), channel
// planes `plane` floats apart; residual likewise or null; bias at m0 (or null); then the clamp.
// AVX-512 (16 x 16 transposes), AVX2 (8 x 8) or plain loops.
struct DirectStore {
  const float* out = nullptr;
  int64_t out_stride = 32;  // floats from one pixel's channels in `out` to the next pixel's
  int pixels = 0;
  int64_t channels = 0, plane = 0;
  float* y = nullptr;
  const float* residual = nullptr;
  const float* bias = nullptr;
  bool clamp = false;
  float lo = 0.0f, hi = 0.0f;
};
void direct_store_avx512(const DirectStore& s);
void direct_store_avx2(const DirectStore& s);
void direct_store_scalar(const DirectStore& s);
// The same into a channel-blocked y (Layout::NCHWc): y at the strip's first pixel in the block of
// its first channel, `plane` floats from one 16-channel block to the next; the lanes past
// `channels` up to the block's end are written as zeros; no residual.
void direct_store_blocked_avx512(const DirectStore& s);
void direct_store_blocked_avx2(const DirectStore& s);
void direct_store_blocked_scalar(const DirectStore& s);
using DirectStoreFn = void (*)(const DirectStore&);
// The ISA's (resolved) store into a y of that layout (NCHW, or NCHWc: the blocked store).
DirectStoreFn direct_store_for(Isa isa, Layout y_layout = Layout::NCHW);

// Rows [0, H) of channels c0 .. c0+15 (those below C; planes H x W, `plane_stride` floats apart,
// from x) into the interior of a [Hp][Wp][16] block: row h at dst + ((h + pad_top) * Wp +
// pad_left) * 16. Channels past C are written as zeros; the padding is not touched. AVX2 (8 x 8
// transposes).
void direct_reorder_avx2(const float* x, int64_t channels, int64_t H, int64_t W,
                         int64_t plane_stride, float* dst, int64_t Wp, int64_t pad_top,
                         int64_t pad_left);

void direct_tile_scalar(const DirectTile& t);
void direct_tile_avx512(const DirectTile& t);
void direct_tile_avx2(const DirectTile& t);

}  // namespace loupe::kernels::conv
