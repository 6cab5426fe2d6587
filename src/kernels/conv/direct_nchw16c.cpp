// Direct convolution over channel-blocked data (NCHW16c inside), any stride, padding and
// dilation, groups 1. The primitive takes and returns plain NCHW: run() first reorders the
// image into NCHW16c with the padding written out as zeros (C rounded up to 16), or, on a map
// too large for L2, each band of rows just before it is used (choose_band); then each job
// computes 32 output channels x a strip of one output row in registers (direct_kernel.hpp)
// and writes them back to NCHW through the fused epilogue (bias, residual, clamp). Weights are
// blocked once in create(), M rounded up to 32 with zero filters.
//
// The blocked tile kernels are AVX-512 and AVX2; the scalar ISA runs the same loop nest in plain
// C++.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

#include "kernels/aligned.hpp"
#include "kernels/conv/direct_kernel.hpp"
#include "kernels/conv/internal.hpp"
#include "loupe/thread_pool.hpp"

namespace loupe::kernels::conv {

void direct_tile_scalar(const DirectTile& t) {
  float acc[kDirectMaxPixels][32] = {};
  const float* w = t.w;
  for (int64_t cb = 0; cb < t.cblocks; ++cb) {
    for (int64_t r = 0; r < t.R; ++r) {
      const float* row = t.x + ((cb * t.Hp + t.e * t.U + r * t.dil_h) * t.Wp + t.f0 * t.U_w) * 16;
      for (int64_t s = 0; s < t.S; ++s) {
        const float* in = row + s * t.dil_w * 16;
        for (int ci = 0; ci < 16; ++ci, w += 32) {
          for (int j = 0; j < t.pixels; ++j) {
            const float xv = in[j * t.U_w * 16 + ci];
            for (int m = 0; m < 32; ++m) acc[j][m] += xv * w[m];
          }
        }
      }
    }
  }
  for (int j = 0; j < t.pixels; ++j) std::memcpy(t.out + j * 32, acc[j], sizeof(acc[j]));
}

void direct_store_scalar(const DirectStore& s) {
  const ScalarEpilogue ep{s.clamp, s.lo, s.hi};
  for (int64_t m = 0; m < s.channels; ++m) {
    const float b = s.bias != nullptr ? s.bias[m] : 0.0f;
    for (int j = 0; j < s.pixels; ++j) {
      float v = s.out[j * s.out_stride + m] + b;
      if (s.residual != nullptr) v += s.residual[m * s.plane + j];
      s.y[m * s.plane + j] = ep.apply(v);
    }
  }
}

void direct_store_blocked_scalar(const DirectStore& s) {
  const ScalarEpilogue ep{s.clamp, s.lo, s.hi};
  for (int64_t m = 0; m < (s.channels + 15) / 16 * 16; ++m) {
    float* y = s.y + m / 16 * s.plane + m % 16;
    for (int j = 0; j < s.pixels; ++j) {
      const float b = s.bias != nullptr && m < s.channels ? s.bias[m] : 0.0f;
      y[j * 16] = m < s.channels ? ep.apply(s.out[j * s.out_stride + m] + b) : 0.0f;
    }
  }
}

void store_strip(DirectStoreFn store, const ConvDesc& d, const float* bias, const float* out,
                 int pixels, int64_t mg, int64_t e, int64_t f0, float* y, const float* residual) {
  const ops::LayerShape& s = d.shape;
  const ScalarEpilogue ep = scalar_epilogue(d);
  DirectStore v;
  v.out = out;
  v.pixels = pixels;
  v.channels = std::min<int64_t>(32, s.M - mg * 32);
  v.plane = s.E * s.F;
  const int64_t off = (mg * 32 * s.E + e) * s.F + f0;
  if (d.y_layout == Layout::NCHWc) {
    v.plane *= 16;
    v.y = y + mg * 32 * s.E * s.F + (e * s.F + f0) * 16;
  } else {
    v.y = y + off;
    v.residual = residual != nullptr ? residual + off : nullptr;
  }
  v.bias = d.has_bias ? bias + mg * 32 : nullptr;
  v.clamp = ep.clamp;
  v.lo = ep.lo;
  v.hi = ep.hi;
  store(v);
}

DirectStoreFn direct_store_for(Isa isa, Layout y_layout) {
  const bool blocked = y_layout == Layout::NCHWc;
  switch (isa) {
    case Isa::avx512:
      return blocked ? direct_store_blocked_avx512 : direct_store_avx512;
    case Isa::avx2:
      return blocked ? direct_store_blocked_avx2 : direct_store_avx2;
    default:
      return blocked ? direct_store_blocked_scalar : direct_store_scalar;
  }
}

namespace {

// Tiles per filter group at most for compute_group (a 7 x 7 map: 4).
constexpr int64_t kGroupTiles = 8;

class DirectPrimitive : public ConvPrimitive {
 public:
  DirectPrimitive(const ConvDesc& d, const float* weights, const float* bias) : d_(d) {
    const ops::LayerShape& s = d.shape;
    cblocks_ = (s.C + 15) / 16;
    mgroups_ = (s.M + 31) / 32;
    hp_ = s.H + s.pad_top + s.pad_bottom;
    wp_ = s.W + s.pad_left + s.pad_right;
    switch (resolve_isa(d.isa)) {
      case Isa::avx512: {
        kernel_ = direct_tile_avx512;
        vector_reorder_ = true;
        // Strips of equal width: with 12 pixels a 14-pixel row was 12 + 2, and the 2-pixel tile
        // loads both weight vectors for 4 FMAs. Zen 4, 1 thread, median of 100 runs alternating
        // the two variants, time ratios equal-width 12 / fixed 12 and equal-width 14 / equal-width
        // 12: 256 channels on 14 x 14 0.90 and 0.96 (0.86 in all), 128 on 28 x 28 1.01 and 0.97,
        // 512 on 28 x 28 1.01 and 0.95, 64 on 56 x 56 1.01 and 0.98, 512 on 7 x 7 1.00 and 1.00;
        // 14 / equal-width 12 at stride 2 from 28 x 28 0.93. On AVX2 equal-width strips lost
        // (14 x 14: 1.08), so it keeps 12-pixel strips.
        const int64_t strips = (s.F + kDirectMaxPixels - 1) / kDirectMaxPixels;
        strip_ = (s.F + strips - 1) / strips;
        // Maps at most 7 wide: a tile of one row holds at most 7 pixels, loading each weight
        // vector for 14 FMAs where 14 pixels make it 28; a tile of two rows restores the 28. The
        // weights are what such a layer streams (512 -> 512 on 7 x 7: 9.4 MB, read once per row
        // pair instead of once per row).
        if (s.F <= kDirectMaxPixels / 2 && s.E >= 2) rows_per_tile_ = 2;
        // A group's few tiles take its weights one chunk of channel blocks at a time (see
        // compute_group), the chunk's weights in half of L1.
        if (tile_rows() * this->strips() <= kGroupTiles) {
          const int64_t block_bytes = s.R * s.S * 16 * 32 * 4;
          group_chunk_ = std::max<int64_t>(1, cache_sizes().l1d / 2 / block_bytes);
        }
        break;
      }
      case Isa::avx2:
        kernel_ = direct_tile_avx2;
        vector_reorder_ = true;
        break;
      default:
        kernel_ = direct_tile_scalar;
        break;
    }
    if (d.has_bias) bias_.assign(bias, bias + s.M);
    // [M/32][C/16][R][S][16][32]
    w_.assign(static_cast<size_t>(mgroups_ * cblocks_ * s.R * s.S * 16 * 32), 0.0f);
    for (int64_t m = 0; m < s.M; ++m) {
      for (int64_t c = 0; c < s.C; ++c) {
        for (int64_t r = 0; r < s.R; ++r) {
          for (int64_t q = 0; q < s.S; ++q) {
            const int64_t blk = (((m / 32 * cblocks_ + c / 16) * s.R + r) * s.S + q) * 16;
            w_[static_cast<size_t>((blk + c % 16) * 32 + m % 32)] =
                weights[((m * s.C + c) * s.R + r) * s.S + q];
          }
        }
      }
    }
    threads_ = resolve_threads(d);
    store_ = direct_store_for(resolve_isa(d.isa), d.y_layout);
    choose_band();
    row_split_ = vector_reorder_ && band_rows_ == 0 && group_chunk_ == 0 && rows_per_tile_ == 1 &&
                 threads_ > 1;
  }

  std::string_view algorithm() const override { return "direct_nchw16c"; }
  // Strips per output row, and rows of tiles (of rows_per_tile_ output rows) per image.
  int64_t strips() const { return (d_.shape.F + strip_ - 1) / strip_; }
  int64_t tile_rows() const { return (d_.shape.E + rows_per_tile_ - 1) / rows_per_tile_; }
  int64_t workspace_floats() const override {
    return band_rows_ > 0 ? threads_ * band_floats() : cblocks_ * hp_ * wp_ * 16;
  }

  void run(const float* x, float* y, const float* residual, float* workspace) const override {
    if (band_rows_ > 0) {
      run_banded(x, y, residual, workspace);
      return;
    }
    const ops::LayerShape& s = d_.shape;
    const int64_t strips = this->strips(), tile_rows = this->tile_rows();
    const int64_t jobs = mgroups_ * tile_rows * strips;
    for (int64_t n = 0; n < s.N; ++n) {
      const float* xn = x + n * x_image_floats(d_);
      const int64_t y_off = n * s.M * s.E * s.F;
      if (row_split_) {
        run_row_split(xn, workspace, y + n * y_image_floats(d_),
                      d_.residual ? residual + y_off : nullptr);
        continue;
      }
      run_chunked(threads_, cblocks_, [&](int64_t cb) { reorder(xn, cb, workspace); });
      if (group_chunk_ > 0) {
        run_chunked(threads_, mgroups_, [&](int64_t mg) {
          compute_group(workspace, mg, y + n * y_image_floats(d_),
                        d_.residual ? residual + y_off : nullptr);
        });
        continue;
      }
      run_chunked(threads_, jobs, [&](int64_t job) {
        const int64_t mg = job / (tile_rows * strips), strip = job % strips;
        const int64_t e = job / strips % tile_rows * rows_per_tile_;
        compute(workspace, hp_, 0, mg, e, s.E, strip, y + n * y_image_floats(d_),
                d_.residual ? residual + y_off : nullptr, threads_ == 1 ? tile_rows * strips : 0);
      });
    }
  }

  // Thread t takes the t-th share of the output rows, every filter group, and first reorders
  // the padded input rows from its first output row's window on (every channel block). Each
  // core then reads its part of the blocked image from its own L2, across all the filter groups.
  // Before, the reorder was split by channel blocks and the tiles handed out in chunks of
  // mixed rows, so each core read about half of its input from the other's cache. ResNet-50,
  // loupe profile, 2 threads, four alternating rounds, ms: 128 -> 128 stride 2 0.79-0.83 ->
  // 0.74-0.82, 256 -> 256 stride 2 0.84-0.87 -> 0.81-0.83; bench_conv (input hot) within noise.
  void run_row_split(const float* x, float* xb, float* y, const float* residual) const {
    const ops::LayerShape& s = d_.shape;
    const int64_t strips = this->strips();
    const int slots = static_cast<int>(std::min<int64_t>(threads_, s.E));
    const auto first_row = [&](int64_t t) { return s.E * t / slots; };
    const auto first_in = [&](int64_t t) { return t == 0 ? 0 : first_row(t) * s.U; };
    ThreadPool::global().parallel_for(
        slots,
        [&](int64_t t) {
          const int64_t h0 = first_in(t), h1 = t + 1 == slots ? hp_ : first_in(t + 1);
          for (int64_t cb = 0; cb < cblocks_; ++cb) {
            fill_rows(x, cb, h0, h1 - h0, xb + (cb * hp_ + h0) * wp_ * 16);
          }
        },
        slots);
    ThreadPool::global().parallel_for(
        slots,
        [&](int64_t t) {
          for (int64_t mg = 0; mg < mgroups_; ++mg) {
            for (int64_t e = first_row(t); e < first_row(t + 1); ++e) {
              for (int64_t strip = 0; strip < strips; ++strip) {
                compute(xb, hp_, 0, mg, e, s.E, strip, y, residual,
                        (first_row(t + 1) - first_row(t)) * strips);
              }
            }
          }
        },
        slots);
  }

 private:
  // Bands: where the blocked image outgrows L2 (VGG-16's first layers: 13 MB for conv1_2), each
  // thread takes bands of output rows from a shared counter and reorders only the input rows of
  // its band, into its own buffer of up to half of L2, and computes every filter group over it.
  // The whole-image reorder wrote the blocked copy out to L3 / DRAM and the tiles read it back;
  // a band's rows are still in L2. A band cycles all the filters, so only layers whose weights
  // fit in half of L2 band: with 256 channels on 56 x 56 (2.4 MB of weights) banding lost 3-4%.
  // At least 4 bands per thread keep the counter's share even. Zen 4, median of 20-40 runs
  // alternating the two in one process, time ratio banded / whole image: conv1_2 (64 ch, 224 x
  // 224) 0.95-0.97 on 2 threads, 0.97 on 1; conv2_2 (128 ch, 112 x 112) 0.97 / 0.97 (weights
  // 590 KB, not banded by this rule); conv2_1 (64 -> 128) 0.99 / 0.98.
  void choose_band() {
    const ops::LayerShape& s = d_.shape;
    const int64_t l2 = cache_sizes().l2;
    const int64_t row_bytes = cblocks_ * wp_ * 16 * 4;
    const auto weight_bytes = static_cast<int64_t>(w_.size() * sizeof(float));
    if (!vector_reorder_ || hp_ * row_bytes <= l2 || weight_bytes > l2 / 2) return;
    const int64_t most = std::max<int64_t>(1, s.E / (4 * threads_));
    int64_t b = 1;
    while (b < most && band_in_rows(b + 1) * row_bytes <= l2 / 2) ++b;
    band_rows_ = b;
    band_in_rows_ = band_in_rows(b);
  }

  // Padded input rows that `rows` consecutive output rows read.
  int64_t band_in_rows(int64_t rows) const {
    const ops::LayerShape& s = d_.shape;
    return (rows - 1) * s.U + (s.R - 1) * s.dil_h + 1;
  }
  int64_t band_floats() const { return cblocks_ * band_in_rows_ * wp_ * 16; }

  // Padded rows [h0, h0 + rows) of every channel block of one image into buf,
  // [C/16][band_in_rows_][Wp][16].
  void fill_band(const float* x, int64_t h0, int64_t rows, float* buf) const {
    for (int64_t cb = 0; cb < cblocks_; ++cb) {
      fill_rows(x, cb, h0, rows, buf + cb * band_in_rows_ * wp_ * 16);
    }
  }

  // Padded rows [h0, h0 + rows) of channel block cb into dst, [rows][Wp][16]: the real rows'
  // interior by AVX2 transposes (zeros in the channels past C), or row by row from an x that is
  // blocked already, then zeros in the padding only.
  void fill_rows(const float* x, int64_t cb, int64_t h0, int64_t rows, float* dst) const {
    const ops::LayerShape& s = d_.shape;
    const int64_t first = std::max<int64_t>(h0, s.pad_top);              // first real row
    const int64_t last = std::min<int64_t>(h0 + rows, s.pad_top + s.H);  // past the last
    if (d_.x_layout == Layout::NCHWc) {
      for (int64_t h = first; h < last; ++h) {
        std::memcpy(dst + ((h - h0) * wp_ + s.pad_left) * 16,
                    x + ((cb * s.H + h - s.pad_top) * s.W) * 16, sizeof(float) * 16 * s.W);
      }
    } else if (first < last) {
      direct_reorder_avx2(x + cb * 16 * s.H * s.W + (first - s.pad_top) * s.W,
                          std::min<int64_t>(16, s.C - cb * 16), last - first, s.W, s.H * s.W,
                          dst + (first - h0) * wp_ * 16, wp_, 0, s.pad_left);
    }
    const auto zero = [&](int64_t r, int64_t w0, int64_t w1) {
      std::memset(dst + (r * wp_ + w0) * 16, 0, sizeof(float) * 16 * (w1 - w0));
    };
    for (int64_t h = h0; h < h0 + rows; ++h) {
      if (h < first || h >= last) {
        zero(h - h0, 0, wp_);
      } else {
        zero(h - h0, 0, s.pad_left);
        zero(h - h0, s.pad_left + s.W, wp_);
      }
    }
  }

  void run_banded(const float* x, float* y, const float* residual, float* workspace) const {
    const ops::LayerShape& s = d_.shape;
    const int64_t strips = this->strips();
    const int64_t bands = (s.E + band_rows_ - 1) / band_rows_;
    const int64_t units = s.N * bands;
    const int slots = static_cast<int>(std::min<int64_t>(threads_, units));
    std::atomic<int64_t> next{0};
    const auto work = [&](int64_t slot) {
      float* buf = workspace + slot * band_floats();
      for (int64_t u = next.fetch_add(1); u < units; u = next.fetch_add(1)) {
        const int64_t n = u / bands, e0 = u % bands * band_rows_;
        const int64_t e1 = std::min(s.E, e0 + band_rows_);
        const int64_t y_off = n * s.M * s.E * s.F;
        fill_band(x + n * x_image_floats(d_), e0 * s.U, band_in_rows(e1 - e0), buf);
        for (int64_t mg = 0; mg < mgroups_; ++mg) {
          for (int64_t e = e0; e < e1; e += rows_per_tile_) {
            for (int64_t strip = 0; strip < strips; ++strip) {
              compute(buf, band_in_rows_, e0, mg, e, e1, strip, y + n * y_image_floats(d_),
                      d_.residual ? residual + y_off : nullptr);
            }
          }
        }
      }
    };
    if (slots <= 1) {
      work(0);
    } else {
      ThreadPool::global().parallel_for(slots, work, slots);
    }
  }

  // Channel block cb of one image into [Hp][Wp][16] with zeros in the padding and in the
  // channels past C.
  void reorder(const float* x, int64_t cb, float* xb) const {
    const ops::LayerShape& s = d_.shape;
    float* dst = xb + cb * hp_ * wp_ * 16;
    if (vector_reorder_ || d_.x_layout == Layout::NCHWc) {
      fill_rows(x, cb, 0, hp_, dst);
      return;
    }
    std::memset(dst, 0, sizeof(float) * hp_ * wp_ * 16);
    const int64_t c_end = std::min(s.C, cb * 16 + 16);
    for (int64_t c = cb * 16; c < c_end; ++c) {
      const float* plane = x + c * s.H * s.W;
      for (int64_t h = 0; h < s.H; ++h) {
        float* row = dst + ((h + s.pad_top) * wp_ + s.pad_left) * 16 + c % 16;
        for (int64_t w = 0; w < s.W; ++w) row[w * 16] = plane[h * s.W + w];
      }
    }
  }

  // Every tile of filter group mg over the whole image xb, for maps of few tiles (a 7 x 7
  // output: four two-row tiles). Tile by tile, each would stream all of the group's weights
  // (512 -> 512 channels: 590 KB) from L3 or DRAM for the first tile and from L2 for the rest,
  // the first waiting on memory and the others not. Here the tiles take the weights a chunk of
  // channel blocks at a time, adding to their sums between chunks, and read the chunk from L1.
  // ResNet-50's 512 -> 512 stride-2 layer, loupe profile, 2 threads, three alternating rounds,
  // ms, tile by tile -> by group with chunks of 1 / 2 / 8 blocks: 1.02-1.08 -> 0.95-1.03 /
  // 1.00-1.04 / 1.07-1.11; 1 thread 1.93-2.21 -> 1.82-1.97 (1 block).
  // The next chunk is fetched into L2 a quarter by each of the first four tiles, at a quarter of
  // the pace they read their own (DirectTile::fetch_quarter). With the first tile fetching all of
  // it at its own pace (2 lines a step, more than one core draws from DRAM, 14 GB/s here) that
  // tile stalled on full fill buffers. Xeon (2 vCPUs), 512 -> 512 with bias and ReLU, 30 layers'
  // weights rotated (cold), ms, 1 / 2 threads, one tile -> four: on 7 x 7 2.01-2.09 -> 1.52-1.53
  // / 1.05-1.08 -> 0.77-0.79, stride 2 from 14 x 14 2.02-2.07 -> 1.58-1.62 / 1.05-1.11 ->
  // 0.83-0.86; with the weights hot the same or up to 7% faster.
  void compute_group(const float* xb, int64_t mg, float* y, const float* residual) const {
    const ops::LayerShape& s = d_.shape;
    const int64_t strips = this->strips(), tiles = tile_rows() * strips;
    alignas(64) float out[kGroupTiles][kDirectMaxPixels * 32];
    DirectTile t[kGroupTiles];
    for (int64_t i = 0; i < tiles; ++i) {
      t[i] = tile(xb, hp_, 0, mg, i / strips * rows_per_tile_, s.E, i % strips, out[i]);
    }
    const int64_t block_floats = s.R * s.S * 16 * 32;
    for (int64_t cb = 0; cb < cblocks_; cb += group_chunk_) {
      for (int64_t i = 0; i < tiles; ++i) {
        DirectTile c = t[i];
        c.x += cb * hp_ * wp_ * 16;
        c.w += cb * block_floats;
        c.cblocks = std::min(group_chunk_, cblocks_ - cb);
        c.accumulate = cb > 0;
        if (tiles >= 4) {
          c.fetch_weights = false;
          if (i < 4) fetch_quarter(c, c.cblocks * block_floats, group_chunk_ * block_floats, i);
        } else {
          c.fetch_weights = i == 0;
          c.fetch_ahead = group_chunk_ * block_floats;
        }
        kernel_(c);
      }
    }
    for (int64_t i = 0; i < tiles; ++i) {
      store_tile(t[i], mg, i / strips * rows_per_tile_, y, residual);
    }
  }

  // The tile of output channels mg*32 .. +31 of row e (and of row e + 1 with two-row tiles,
  // where it is below e_end), pixels strip*strip_ .., over xb, which holds `rows` padded input
  // rows per channel block from the first row that output row e0 reads; its sums go to out.
  DirectTile tile(const float* xb, int64_t rows, int64_t e0, int64_t mg, int64_t e, int64_t e_end,
                  int64_t strip, float* out) const {
    const ops::LayerShape& s = d_.shape;
    DirectTile t;
    t.x = xb;
    t.w = w_.data() + mg * cblocks_ * s.R * s.S * 16 * 32;
    t.cblocks = cblocks_;
    t.R = s.R;
    t.S = s.S;
    t.Hp = rows;
    t.Wp = wp_;
    t.U = s.U;
    t.U_w = s.U_w;
    t.dil_h = s.dil_h;
    t.dil_w = s.dil_w;
    t.e = e - e0;
    t.f0 = strip * strip_;
    t.pixels = static_cast<int>(std::min<int64_t>(strip_, s.F - t.f0));
    const bool two_rows = rows_per_tile_ == 2 && e + 1 < e_end;
    if (two_rows) {
      t.row_pixels = t.pixels;
      t.pixels *= 2;
    }
    t.out = out;
    return t;
  }

  // The finished tile t (rows e and, of two, e + 1) through the epilogue into y.
  void store_tile(const DirectTile& t, int64_t mg, int64_t e, float* y,
                  const float* residual) const {
    const bool two_rows = t.row_pixels > 0;
    const int row_pixels = two_rows ? t.row_pixels : t.pixels;
    for (int r = 0; r < (two_rows ? 2 : 1); ++r) {
      store_strip(store_, d_, bias_.data(), t.out + r * row_pixels * 32, row_pixels, mg, e + r,
                  t.f0, y, residual);
    }
  }

  // Tile t fetches quarter q of the `floats` weights `ahead` floats past its own into L2, at a
  // quarter of the pace it reads its own (DirectTile::fetch_quarter).
  static void fetch_quarter(DirectTile& t, int64_t ahead, int64_t floats, int64_t q) {
    t.fetch_weights = true;
    t.fetch_quarter = true;
    t.fetch_ahead = ahead + q * floats / 4;
  }

  // One tile, computed and stored (see tile()). group_tiles: how many tiles in a row this thread
  // runs on filter group mg (0: unknown).
  void compute(const float* xb, int64_t rows, int64_t e0, int64_t mg, int64_t e, int64_t e_end,
               int64_t strip, float* y, const float* residual, int64_t group_tiles = 0) const {
    alignas(64) float out[kDirectMaxPixels * 32];
    DirectTile t = tile(xb, rows, e0, mg, e, e_end, strip, out);
    // A thread's first tile on a filter group streams its weights from L3 or DRAM; its later
    // tiles on the group find them in its L2, where fetching ahead only costs the tile.
    // With enough tiles on the group, four of them each fetch a quarter of the next group's
    // weights at a quarter of the pace they read (DirectTile::fetch_quarter), and the next
    // group's first tile fetches nothing. Alone, that first tile read at DRAM speed with the fill
    // buffers full. ResNet-50, loupe profile, alternating rounds, ms: its 256 -> 256 stride-2
    // layer 1.40 -> 1.29 on 1 thread, 0.76-0.81 -> 0.72-0.74 on 2; the 128 -> 128 one 1.46 ->
    // 1.40 on 1 thread, within noise on 2.
    thread_local const float* last_group = nullptr;
    thread_local const float* fetched = nullptr;  // the group this thread's tiles fetched
    thread_local int64_t on_group = 0;            // tiles run on last_group so far
    if (t.w != last_group) {
      last_group = t.w;
      on_group = 0;
    }
    const int64_t j = on_group++;
    const bool own = t.w != fetched;
    const int64_t q = own ? j - 1 : j;  // the quarter of the next group this tile fetches
    const int64_t group_floats = cblocks_ * d_.shape.R * d_.shape.S * 16 * 32;
    t.fetch_weights = own && j == 0;
    if (!t.fetch_weights && group_tiles >= 5 && q >= 0 && q < 4 && mg + 1 < mgroups_) {
      fetch_quarter(t, group_floats, group_floats, q);
      if (q == 3) fetched = t.w + group_floats;
    }
    kernel_(t);
    store_tile(t, mg, e, y, residual);
  }

  ConvDesc d_;
  AlignedFloats w_;  // 64-byte aligned: the tile loads whole lines of it
  std::vector<float> bias_;
  void (*kernel_)(const DirectTile&) = direct_tile_scalar;
  // direct_reorder_avx2 (AVX2 and AVX-512 CPUs) instead of the loop
  bool vector_reorder_ = false;
  DirectStoreFn store_ = direct_store_scalar;
  int64_t cblocks_ = 0, mgroups_ = 0, hp_ = 0, wp_ = 0;
  int64_t strip_ = 12;         // output pixels per job, <= kDirectMaxPixels
  int64_t band_rows_ = 0;      // output rows per band; 0: the whole image reordered first
  int64_t band_in_rows_ = 0;   // input rows a band's buffer holds per channel block
  int64_t rows_per_tile_ = 1;  // 2: tiles of two output rows (AVX-512, maps at most 7 wide)
  int64_t group_chunk_ = 0;    // > 0: compute_group, this many channel blocks per chunk
  bool row_split_ = false;     // run_row_split
  int threads_ = 1;
};

class DirectNchw16c : public ConvAlgorithm {
 public:
  std::string_view name() const override { return "direct_nchw16c"; }
  bool supports(const ConvDesc& d) const override { return valid_desc(d, true) && d.shape.G == 1; }
  std::unique_ptr<ConvPrimitive> create(const ConvDesc& d, const float* weights,
                                        const float* bias) const override {
    return std::make_unique<DirectPrimitive>(d, weights, bias);
  }
};

}  // namespace

const ConvAlgorithm& direct_nchw16c_algorithm() {
  static const DirectNchw16c algorithm;
  return algorithm;
}

}  // namespace loupe::kernels::conv
