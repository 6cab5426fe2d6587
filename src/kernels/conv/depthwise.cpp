// Depthwise convolution (G = C = M): each channel is filtered by its own R x S window, so there
// is no reduction across channels for a GEMM to exploit. Threads take contiguous ranges of
// (image, channel) planes. MobileNet-like layers (3x3 or 5x5, stride 1 or 2) on AVX-512 and AVX2
// run the direct kernel on the plain plane; every other layer pads and phase-splits each plane into
// the thread's slice of the workspace and runs the ISA's plane kernel over it
// (depthwise_kernel.hpp).
#include <algorithm>
#include <memory>
#include <vector>

#include "kernels/conv/depthwise_kernel.hpp"
#include "kernels/conv/internal.hpp"
#include "loupe/thread_pool.hpp"

namespace loupe::kernels::conv {

void depthwise_plane_scalar(const DepthwisePlane& p) {
  for (int64_t e = 0; e < p.E; ++e) {
    const float* row = p.in + e * p.row_step;
    for (int64_t f = 0; f < p.F; ++f) {
      float acc = p.bias;
      for (int64_t t = 0; t < p.taps; ++t) acc += p.weights[t] * row[p.tap_offset[t] + f];
      if (p.residual != nullptr) acc += p.residual[e * p.F + f];
      if (p.clamp) acc = std::min(std::max(acc, p.lo), p.hi);
      p.out[e * p.F + f] = acc;
    }
  }
}

namespace {

class DepthwisePrimitive : public ConvPrimitive {
 public:
  DepthwisePrimitive(const ConvDesc& d, const float* weights, const float* bias) : d_(d) {
    const ops::LayerShape& s = d.shape;
    weights_.assign(weights, weights + s.M * s.R * s.S);
    bias_.assign(static_cast<size_t>(s.M), 0.0f);
    if (d.has_bias) bias_.assign(bias, bias + s.M);
    switch (resolve_isa(d.isa)) {
      case Isa::avx512:
        kernel_ = depthwise_plane_avx512;
        break;
      case Isa::avx2:
        kernel_ = depthwise_plane_avx2;
        break;
      default:
        kernel_ = depthwise_plane_scalar;
        break;
    }
    // MobileNet's layers take the direct path (depthwise_kernel.hpp): no copy.
    const Isa isa = resolve_isa(d.isa);
    direct_ = (isa == Isa::avx512 || isa == Isa::avx2) && s.R == s.S && (s.R == 3 || s.R == 5) &&
              s.dil_h == 1 && s.dil_w == 1 && s.U == s.U_w && (s.U == 1 || s.U == 2);
    direct_kernel_ = isa == Isa::avx512 ? depthwise_direct_avx512 : depthwise_direct_avx2;
    slots_ = static_cast<int>(std::min<int64_t>(resolve_threads(d), s.N * s.C));
    if (!direct_) plane_ = std::make_unique<PhasedPlane>(s, d.isa);
  }

  std::string_view algorithm() const override { return "depthwise"; }
  // The direct path's only scratch is one row of zeros, shared by every thread.
  int64_t workspace_floats() const override {
    return direct_ ? d_.shape.W : slots_ * plane_->floats;
  }

  void run(const float* x, float* y, const float* residual, float* workspace) const override {
    const ops::LayerShape& s = d_.shape;
    const int64_t planes = s.N * s.C;
    if (direct_) std::fill(workspace, workspace + s.W, 0.0f);
    auto slot = [&](int64_t t) {
      const int64_t begin = planes * t / slots_, end = planes * (t + 1) / slots_;
      if (direct_) {
        run_direct(x, y, residual, workspace, begin, end);
      } else {
        run_padded(x, y, residual, workspace + t * plane_->floats, begin, end);
      }
    };
    if (slots_ == 1) {
      slot(0);
    } else {
      ThreadPool::global().parallel_for(slots_, slot, slots_);
    }
  }

 private:
  void run_direct(const float* x, float* y, const float* residual, const float* zero, int64_t begin,
                  int64_t end) const {
    const ops::LayerShape& s = d_.shape;
    DepthwiseDirect p;
    p.zero = zero;
    p.H = s.H;
    p.W = s.W;
    p.E = s.E;
    p.F = s.F;
    p.pad_top = s.pad_top;
    p.pad_left = s.pad_left;
    p.K = static_cast<int>(s.R);
    p.U = static_cast<int>(s.U);
    p.clamp = d_.activation.clamp;
    p.lo = d_.activation.lo;
    p.hi = d_.activation.hi;
    // One call per image: its planes are consecutive channels.
    for (int64_t pl = begin; pl < end; pl += p.planes) {
      const int64_t c = pl % s.C;
      p.planes = std::min(end - pl, s.C - c);
      p.in = x + pl * s.H * s.W;
      p.out = y + pl * s.E * s.F;
      p.residual = d_.residual ? residual + pl * s.E * s.F : nullptr;
      p.weights = weights_.data() + c * s.R * s.S;
      p.bias = bias_.data() + c;
      direct_kernel_(p);
    }
  }

  // Every other layer: pad and phase-split each plane into the slot's buffer, then filter it.
  void run_padded(const float* x, float* y, const float* residual, float* buf, int64_t begin,
                  int64_t end) const {
    const ops::LayerShape& s = d_.shape;
    for (int64_t pl = begin; pl < end; ++pl) {
      const int64_t c = pl % s.C;
      plane_->fill(x + pl * s.H * s.W, buf);
      DepthwisePlane p;
      p.in = buf;
      p.tap_offset = plane_->tap_offset.data();
      p.weights = weights_.data() + c * s.R * s.S;
      p.taps = s.R * s.S;
      p.row_step = s.U * plane_->wq;
      p.E = s.E;
      p.F = s.F;
      p.bias = bias_[static_cast<size_t>(c)];
      p.residual = d_.residual ? residual + pl * s.E * s.F : nullptr;
      p.out = y + pl * s.E * s.F;
      p.clamp = d_.activation.clamp;
      p.lo = d_.activation.lo;
      p.hi = d_.activation.hi;
      kernel_(p);
    }
  }

  ConvDesc d_;
  std::vector<float> weights_, bias_;
  void (*kernel_)(const DepthwisePlane&) = depthwise_plane_scalar;
  void (*direct_kernel_)(const DepthwiseDirect&) = depthwise_direct_avx512;
  std::unique_ptr<PhasedPlane> plane_;  // every other layer's padded plane
  int slots_ = 1;
  bool direct_ = false;
};

class Depthwise : public ConvAlgorithm {
 public:
  std::string_view name() const override { return "depthwise"; }
  bool supports(const ConvDesc& d) const override {
    const ops::LayerShape& s = d.shape;
    return valid_desc(d) && plain_output(d) && s.G == s.C && s.M == s.C;
  }
  std::unique_ptr<ConvPrimitive> create(const ConvDesc& d, const float* weights,
                                        const float* bias) const override {
    return std::make_unique<DepthwisePrimitive>(d, weights, bias);
  }
};

}  // namespace

const ConvAlgorithm& depthwise_algorithm() {
  static const Depthwise algorithm;
  return algorithm;
}

}  // namespace loupe::kernels::conv
