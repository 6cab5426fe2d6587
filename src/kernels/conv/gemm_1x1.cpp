// 1x1 convolutions without padding are a GEMM on the input as it lies: per image and group,
// B is the C/G x H*W block of x. With a stride > 1 the kept pixels are first gathered into a
// C/G x E*F buffer (a 1/U^2 of the input: cheap next to the product).
#include "kernels/conv/gemm_conv.hpp"

namespace loupe::kernels::conv {
namespace {

constexpr int64_t kPixelRowsMax = 64;
// Kept pixels below which one thread gathers them (a job's wake-up would cost more).
constexpr int64_t kParallelGatherFloats = 16384;

class Gemm1x1 : public ConvAlgorithm {
 public:
  std::string_view name() const override { return "gemm_1x1"; }
  bool supports(const ConvDesc& d) const override {
    const ops::LayerShape& s = d.shape;
    return valid_desc(d) && s.R == 1 && s.S == 1 && s.pad_top == 0 && s.pad_left == 0 &&
           s.pad_bottom == 0 && s.pad_right == 0;
  }
  std::unique_ptr<ConvPrimitive> create(const ConvDesc& d, const float* weights,
                                        const float* bias) const override {
    const ops::LayerShape s = d.shape;
    // Up to 64 pixels (7 x 7 maps), as the GEMM's columns they would leave a quarter of the
    // vector lanes idle: pixels become its rows instead.
    if (s.G == 1 && s.E * s.F <= kPixelRowsMax) return make_pixel_rows_1x1(d, weights, bias);
    if (s.U == 1 && s.U_w == 1) {
      return std::make_unique<GemmConvPrimitive>(name(), d, weights, bias, 0,
                                                 [](const float* x, float*) { return x; });
    }
    const int64_t floats = s.C / s.G * s.E * s.F;
    const StridedCopy copy = strided_copy_for(d.isa);
    const int threads = resolve_threads(d);
    return std::make_unique<GemmConvPrimitive>(
        name(), d, weights, bias, floats, [s, copy, threads](const float* x, float* buffer) {
          gather_kept_pixels(s, s.C / s.G, x, buffer, copy, threads);
          return static_cast<const float*>(buffer);
        });
  }
};

}  // namespace

// The pixels a strided 1x1 layer keeps: `channels` planes of x (H x W) into dense E x F planes.
// Each kept row goes through the ISA's strided copy (AVX-512: one permute per 16 pixels, under
// masks for the 7- and 14-pixel rows of ResNet-50) rather than a loop of single floats. Reading
// x bounds the gather more than the copy: 512 -> 1024 stride 2 on 28 x 28, batch 8, 2 threads,
// medians 9.3-9.6 -> 8.7-9.3 ms; at batch 1 on 1 thread within noise (2.15-2.39 -> 2.11-2.35).
// At batch 1 the gather runs before a threaded GEMM, on the calling thread alone unless it is
// split over the threads by channels (inside the per-image tasks of a larger batch the nested
// parallel_for runs serially). Xeon (2 vCPUs), 2 threads, one layer with 8 weight sets in
// rotation and its input just written by both threads, median ms: ResNet-50's 256 -> 512
// stride-2 layer on 56 x 56 0.75-0.79 -> 0.71, 512 -> 1024 on 28 x 28 0.77-0.82 -> 0.72-0.76;
// in the model (loupe profile, three alternating rounds) the first 0.82-0.87 -> 0.77-0.81, the
// second within noise. Split by output rows instead (each thread the pixels of its GEMM
// columns) measured no better. The pixel rows' 7 x 7 layer (1024 -> 2048) lost in the model
// (0.84-0.90 -> 0.88-0.99) and gathers on one thread.
void gather_kept_pixels(const ops::LayerShape& s, int64_t channels, const float* x, float* out,
                        StridedCopy copy, int threads) {
  if (channels * s.E * s.F < kParallelGatherFloats) threads = 1;
  const auto part = [&](int64_t t) {
    const int64_t c0 = channels * t / threads, c1 = channels * (t + 1) / threads;
    float* o = out + c0 * s.E * s.F;
    for (int64_t c = c0; c < c1; ++c) {
      for (int64_t e = 0; e < s.E; ++e, o += s.F) {
        copy_row(copy, x + (c * s.H + e * s.U) * s.W, s.U_w, s.F, o);
      }
    }
  };
  if (threads > 1) {
    ThreadPool::global().parallel_for(threads, part, threads);
  } else {
    part(0);
  }
}

const ConvAlgorithm& gemm_1x1_algorithm() {
  static const Gemm1x1 algorithm;
  return algorithm;
}

}  // namespace loupe::kernels::conv
