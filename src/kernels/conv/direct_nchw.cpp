// Direct convolution on plain NCHW for layers with few input channels (a network's first layer,
// C = 3). im2col + GEMM lowers K = C R S rows (27 for a 3x3 layer) and packs them again into
// GEMM panels, and with so short a K the product is dominated by those copies and by writing C.
// Here threads take bands of output rows of one image; each band pads and phase-splits the input
// rows its windows read (PhasedPlane), and the kernel (direct_nchw_kernel.hpp) reads every tap
// straight from them: output pixels along the vector lanes, a few output channels per tile, rows
// of output stored as they are.
#include <algorithm>
#include <memory>
#include <vector>

#include "kernels/conv/direct_nchw_kernel.hpp"
#include "kernels/conv/internal.hpp"
#include "loupe/thread_pool.hpp"

namespace loupe::kernels::conv {

void direct_nchw_rows_scalar(const DirectNchwRows& p) {
  const int64_t block = p.K * kDirectNchwMR;
  const ScalarEpilogue ep{p.clamp, p.lo, p.hi};
  for (int64_t m = 0; m < p.M; ++m) {
    const float* w = p.weights + m / kDirectNchwMR * block + m % kDirectNchwMR;
    for (int64_t e = p.e0; e < p.e1; ++e) {
      for (int64_t f = 0; f < p.F; ++f) {
        const float* in = p.in + (e - p.in_e0) * p.row_step + f;
        float acc = 0.0f;
        for (int64_t k = 0; k < p.K; ++k) acc += w[k * kDirectNchwMR] * in[p.offset[k]];
        const int64_t at = (m * p.E + e) * p.F + f;
        float y = acc + p.bias[m];
        if (p.residual != nullptr) y += p.residual[at];
        p.out[at] = ep.apply(y);
      }
    }
  }
}

namespace {

// Inputs of more channels than this go to the blocked direct kernel or a GEMM.
constexpr int64_t kMaxChannels = 16;

// Two bands of output rows per thread: a slow thread's second band goes to the other. Bands
// sized to keep their input rows in half of L1 (1 row for a 7 x 7 stride-2 layer) tied on 1
// thread but lost on 2. Xeon (2 vCPUs), bench_conv medians, 2 threads, us, 1-row (4-row) bands
// -> two per thread: ResNet-50 conv1 1005-1010 (924-940) -> 843-859, AlexNet's 691 (655) ->
// 614-633, MobileNet v2's 201 (162) -> 131-139, SqueezeNet's 316 (257-261) -> 211-220; 1 thread
// within noise.
int64_t band_rows(const ops::LayerShape& s, int threads) {
  return std::max<int64_t>(1, (s.E + 2 * threads - 1) / (2 * threads));
}

// Padded input rows that output rows [e0, e1) read: from e0 U to (e1 - 1) U + (R - 1) dil_h.
int64_t band_end(const ops::LayerShape& s, int64_t e1) {
  return (e1 - 1) * s.U + (s.R - 1) * s.dil_h + 1;
}

class DirectNchwPrimitive : public ConvPrimitive {
 public:
  DirectNchwPrimitive(const ConvDesc& d, const float* weights, const float* bias)
      : d_(d),
        threads_(resolve_threads(d)),
        band_rows_(band_rows(d.shape, threads_)),
        plane_(d.shape, d.isa, band_end(d.shape, band_rows_)) {
    const ops::LayerShape& s = d.shape;
    const int64_t taps = s.R * s.S, blocks = (s.M + kDirectNchwMR - 1) / kDirectNchwMR;
    weights_.assign(static_cast<size_t>(blocks * s.C * taps * kDirectNchwMR), 0.0f);
    for (int64_t m = 0; m < s.M; ++m) {
      for (int64_t k = 0; k < s.C * taps; ++k) {
        weights_[static_cast<size_t>((m / kDirectNchwMR * s.C * taps + k) * kDirectNchwMR +
                                     m % kDirectNchwMR)] = weights[m * s.C * taps + k];
      }
    }
    for (int64_t c = 0; c < s.C; ++c) {
      for (const int64_t t : plane_.tap_offset) offset_.push_back(c * plane_.floats + t);
    }
    bias_.assign(static_cast<size_t>(blocks * kDirectNchwMR), 0.0f);
    if (d.has_bias) std::copy(bias, bias + s.M, bias_.begin());
    const Isa isa = resolve_isa(d.isa);
    kernel_ = isa == Isa::avx512 ? direct_nchw_rows_avx512
              : isa == Isa::avx2 ? direct_nchw_rows_avx2
                                 : direct_nchw_rows_scalar;
  }

  std::string_view algorithm() const override { return "direct_nchw"; }
  // One band's C phased planes per band.
  int64_t workspace_floats() const override { return bands() * d_.shape.C * plane_.floats; }

  // Each band fills its own padded input rows just before it computes them, in its own buffer:
  // the rows are then in that core's cache, and no barrier separates the fill from the compute.
  // Before, one fill of the whole image (split over the threads) preceded the bands. Xeon (2
  // vCPUs), bench_conv medians of three alternating rounds, 2 threads, us, whole fill -> band
  // fills: AlexNet conv1 612-634 -> 568-624, MobileNet v2's 127-128 -> 113-118, SqueezeNet's
  // 215-241 -> 196-211, ResNet-50's 836-849 -> 750-864; 1 thread within noise. Overlapping
  // windows fill their shared rows twice (R - U of them per band).
  void run(const float* x, float* y, const float* residual, float* workspace) const override {
    const ops::LayerShape& s = d_.shape;
    DirectNchwRows p;
    p.offset = offset_.data();
    p.K = static_cast<int64_t>(offset_.size());
    p.row_step = s.U * plane_.wq;
    p.weights = weights_.data();
    p.bias = bias_.data();
    p.M = s.M;
    p.E = s.E;
    p.F = s.F;
    p.clamp = d_.activation.clamp;
    p.lo = d_.activation.lo;
    p.hi = d_.activation.hi;
    const int64_t n_bands = bands();
    for (int64_t n = 0; n < s.N; ++n) {
      const float* image = x + n * s.C * s.H * s.W;
      p.out = y + n * s.M * s.E * s.F;
      p.residual = d_.residual ? residual + n * s.M * s.E * s.F : nullptr;
      auto band = [&](int64_t b) {
        DirectNchwRows q = p;
        q.e0 = b * band_rows_;
        q.e1 = std::min(s.E, q.e0 + band_rows_);
        float* buf = workspace + b * s.C * plane_.floats;
        const int64_t first = q.e0 * s.U;
        for (int64_t c = 0; c < s.C; ++c) {
          plane_.fill_rows(image + c * s.H * s.W, buf + c * plane_.floats, first, band_end(s, q.e1),
                           first);
        }
        q.in = buf;
        q.in_e0 = q.e0;
        kernel_(q);
      };
      if (threads_ == 1) {
        for (int64_t b = 0; b < n_bands; ++b) band(b);
      } else {
        ThreadPool::global().parallel_for(n_bands, band, threads_);
      }
    }
  }

 private:
  int64_t bands() const { return (d_.shape.E + band_rows_ - 1) / band_rows_; }

  ConvDesc d_;
  int threads_ = 1;
  int64_t band_rows_ = 1;
  PhasedPlane plane_;  // one band's
  std::vector<float> weights_, bias_;
  std::vector<int64_t> offset_;  // C R S: each input's plane and tap
  void (*kernel_)(const DirectNchwRows&) = direct_nchw_rows_scalar;
};

class DirectNchw : public ConvAlgorithm {
 public:
  std::string_view name() const override { return "direct_nchw"; }
  bool supports(const ConvDesc& d) const override {
    const ops::LayerShape& s = d.shape;
    return valid_desc(d) && plain_output(d) && s.G == 1 && s.C <= kMaxChannels;
  }
  std::unique_ptr<ConvPrimitive> create(const ConvDesc& d, const float* weights,
                                        const float* bias) const override {
    return std::make_unique<DirectNchwPrimitive>(d, weights, bias);
  }
};

}  // namespace

const ConvAlgorithm& direct_nchw_algorithm() {
  static const DirectNchw algorithm;
  return algorithm;
}

}  // namespace loupe::kernels::conv
