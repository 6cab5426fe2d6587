// Direct convolution from plain NCHW over many channels, any stride, padding and dilation,
// groups 1: each image's channels are padded and split into their column phases once
// (PhasedPlane, the copy direct_nchw makes of a first layer's three), and each job computes 32
// output channels x a strip of one output row in registers (direct_phased_kernel.hpp), taking
// every input k = c R S + (r S + s) from those planes through a table of offsets, and writes them
// to NCHW through direct_nchw16c's fused store (bias, residual, clamp). Weights are laid out
// once in create() as [M/32][K][32], M rounded up to 32 with zero filters. An unpadded layer at
// unit column stride needs no copy: its input planes already are the phased planes.
//
// Against direct_nchw16c (the same register tile over a channel-blocked copy): the phased copy
// is row copies instead of 16 x 16 transposes, and a step's broadcasts read one or two lines
// instead of 14. The AVX-512 tile is vector code; every other ISA runs the plain loop nest.
#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/aligned.hpp"
#include "kernels/conv/direct_kernel.hpp"
#include "kernels/conv/direct_phased_kernel.hpp"
#include "kernels/conv/internal.hpp"

namespace loupe::kernels::conv {

void direct_phased_tile_scalar(const PhasedTile& t) {
  float acc[kDirectMaxPixels][32] = {};
  const int H = t.row_pixels > 0 ? t.row_pixels : t.pixels;
  for (int64_t k = 0; k < t.K; ++k) {
    const float* w = t.w + k * 32;
    for (int j = 0; j < t.pixels; ++j) {
      const float xv = j < H ? t.in[t.offset[k] + j] : t.in[t.row_step + t.offset[k] + j - H];
      for (int m = 0; m < 32; ++m) acc[j][m] += xv * w[m];
    }
  }
  for (int j = 0; j < t.pixels; ++j) std::memcpy(t.out + j * 32, acc[j], sizeof(acc[j]));
}

namespace {

class PhasedPrimitive : public ConvPrimitive {
 public:
  PhasedPrimitive(const ConvDesc& d, const float* weights, const float* bias)
      : d_(d), plane_(d.shape, d.isa, 0, 0) {
    const ops::LayerShape& s = d.shape;
    K_ = s.C * s.R * s.S;
    // Unpadded at unit column stride, the phased planes are the input planes themselves.
    in_place_ =
        s.U_w == 1 && s.pad_top == 0 && s.pad_left == 0 && s.pad_bottom == 0 && s.pad_right == 0;
    mgroups_ = (s.M + 31) / 32;
    for (int64_t c = 0; c < s.C; ++c) {
      for (const int64_t t : plane_.tap_offset) offset_.push_back(c * plane_.floats + t);
    }
    w_.assign(static_cast<size_t>(mgroups_ * K_ * 32), 0.0f);
    for (int64_t m = 0; m < s.M; ++m) {
      for (int64_t k = 0; k < K_; ++k) {
        w_[static_cast<size_t>((m / 32 * K_ + k) * 32 + m % 32)] = weights[m * K_ + k];
      }
    }
    if (d.has_bias) bias_.assign(bias, bias + s.M);
    const Isa isa = resolve_isa(d.isa);
    kernel_ = isa == Isa::avx512 ? direct_phased_tile_avx512 : direct_phased_tile_scalar;
    store_ = direct_store_for(isa);
    threads_ = resolve_threads(d);
    // Strips of equal width (a 14-pixel tile and a 2-pixel one load the weights as often as two
    // 8-pixel ones, for less work), and on a map at most 7 wide tiles of two rows, so that each
    // weight vector still serves up to 14 pixels (as direct_nchw16c).
    const int64_t strips = (s.F + kDirectMaxPixels - 1) / kDirectMaxPixels;
    strip_ = (s.F + strips - 1) / strips;
    if (isa == Isa::avx512 && s.F <= kDirectMaxPixels / 2 && s.E >= 2) rows_per_tile_ = 2;
  }

  std::string_view algorithm() const override { return "direct_phased"; }
  int64_t workspace_floats() const override { return in_place_ ? 0 : d_.shape.C * plane_.floats; }

  void run(const float* x, float* y, const float* residual, float* workspace) const override {
    const ops::LayerShape& s = d_.shape;
    const int64_t strips = (s.F + strip_ - 1) / strip_;
    const int64_t tile_rows = (s.E + rows_per_tile_ - 1) / rows_per_tile_;
    const int64_t jobs = mgroups_ * tile_rows * strips;
    for (int64_t n = 0; n < s.N; ++n) {
      const float* image = x + n * s.C * s.H * s.W;
      const int64_t y_off = n * s.M * s.E * s.F;
      if (!in_place_) {
        run_chunked(threads_, s.C, [&](int64_t c) {
          plane_.fill(image + c * s.H * s.W, workspace + c * plane_.floats);
        });
      }
      const float* planes = in_place_ ? image : workspace;
      run_chunked(threads_, jobs, [&](int64_t job) {
        const int64_t mg = job / (tile_rows * strips), strip = job % strips;
        const int64_t e = job / strips % tile_rows * rows_per_tile_;
        compute(planes, mg, e, strip, y + n * y_image_floats(d_),
                d_.residual ? residual + y_off : nullptr);
      });
    }
  }

 private:
  // Output channels mg*32 .. +31 of row e (and of row e + 1 with two-row tiles, where there is
  // one), pixels strip*strip_ .. .
  void compute(const float* planes, int64_t mg, int64_t e, int64_t strip, float* y,
               const float* residual) const {
    const ops::LayerShape& s = d_.shape;
    const int64_t f0 = strip * strip_;
    PhasedTile t;
    t.row_step = s.U * plane_.wq;
    t.in = planes + e * t.row_step + f0;
    t.offset = offset_.data();
    t.K = K_;
    t.w = w_.data() + mg * K_ * 32;
    t.pixels = static_cast<int>(std::min<int64_t>(strip_, s.F - f0));
    const bool two_rows = rows_per_tile_ == 2 && e + 1 < s.E;
    if (two_rows) {
      t.row_pixels = t.pixels;
      t.pixels *= 2;
    }
    alignas(64) float out[kDirectMaxPixels * 32];
    t.out = out;
    kernel_(t);
    const int row_pixels = two_rows ? t.row_pixels : t.pixels;
    for (int r = 0; r < (two_rows ? 2 : 1); ++r) {
      store_strip(store_, d_, bias_.data(), out + r * row_pixels * 32, row_pixels, mg, e + r, f0, y,
                  residual);
    }
  }

  ConvDesc d_;
  PhasedPlane plane_;
  int64_t K_ = 0, mgroups_ = 0;
  std::vector<int64_t> offset_;  // C R S: each input's plane and tap
  AlignedFloats w_;              // 64-byte aligned: the tile loads whole lines of it
  std::vector<float> bias_;
  void (*kernel_)(const PhasedTile&) = direct_phased_tile_scalar;
  DirectStoreFn store_ = direct_store_scalar;
  int64_t strip_ = kDirectMaxPixels;  // output pixels per job
  int64_t rows_per_tile_ = 1;
  bool in_place_ = false;  // the tile reads the input as it lies (no padding, U_w = 1)
  int threads_ = 1;
};

class DirectPhased : public ConvAlgorithm {
 public:
  std::string_view name() const override { return "direct_phased"; }
  bool supports(const ConvDesc& d) const override { return valid_desc(d) && d.shape.G == 1; }
  std::unique_ptr<ConvPrimitive> create(const ConvDesc& d, const float* weights,
                                        const float* bias) const override {
    return std::make_unique<PhasedPrimitive>(d, weights, bias);
  }
};

}  // namespace

const ConvAlgorithm& direct_phased_algorithm() {
  static const DirectPhased algorithm;
  return algorithm;
}

}  // namespace loupe::kernels::conv
