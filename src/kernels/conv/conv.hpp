#pragma once
// Fast convolution algorithms (the tutorial's kernel-computation chapter), described then
// executed like the GEMM: a ConvDesc (the loop-nest parameters of ops::LayerShape plus the fused
// epilogue, threads and ISA) is enough to ask an algorithm whether it supports the layer and how
// much workspace it needs; create() prepares the weights once (packing, Winograd transform) and
// the returned primitive's run() only computes.
//
// Tensors are fp32 NCHW (plain) unless the description asks for the channel-blocked layout
// (Layout::NCHWc, 16 channels per block: [N][ceil(C/16)][H][W][16], the tail block's channels
// past C zero) on either side; only direct_nchw16c supports that, so that two such layers in a
// row skip the reorders between them (the graph's layout propagation). Every algorithm is tested
// against ops::conv_reference on randomized shapes (tests/kernels/conv/).
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "kernels/gemm/gemm.hpp"
#include "kernels/isa.hpp"
#include "loupe/tensor.hpp"
#include "ops/op.hpp"

namespace loupe::kernels::conv {

struct ConvDesc {
  ops::LayerShape shape;    // N C H W M R S E F, strides, dilation, groups, resolved pads
  bool has_bias = false;    // bias[M]
  GemmEpilogue activation;  // only clamp / lo / hi are read (ReLU, ReLU6, none)
  bool residual = false;    // y = act(conv + bias + residual), residual shaped like y
  int threads = 0;          // 0: ThreadPool::global().size()
  Isa isa = Isa::automatic;
  // Floats from one image's output to the next's: 0 (or M E F) for a plain [N, M, E, F] y;
  // larger when each image's y is a slice of a wider tensor (a Concat's channels at batch > 1).
  // The residual stays plain. Only some algorithms take it (their supports() say so).
  int64_t y_image_stride = 0;
  // Layout::NCHW or Layout::NCHWc (16-channel blocks). A blocked y takes no residual and no
  // image stride.
  Layout x_layout = Layout::NCHW;
  Layout y_layout = Layout::NCHW;
};

// Channels rounded up to whole 16-channel blocks: a blocked tensor's channel extent.
inline int64_t blocked_channels(int64_t C) { return (C + 15) / 16 * 16; }
// Floats of one image of x, in d's input layout.
inline int64_t x_image_floats(const ConvDesc& d) {
  const int64_t C = d.x_layout == Layout::NCHWc ? blocked_channels(d.shape.C) : d.shape.C;
  return C * d.shape.H * d.shape.W;
}

// d.y_image_stride resolved: the floats between two images' outputs (supports() refuses a
// nonzero stride below M E F).
inline int64_t y_image_floats(const ConvDesc& d) {
  if (d.y_layout == Layout::NCHWc) return blocked_channels(d.shape.M) * d.shape.E * d.shape.F;
  return d.y_image_stride > 0 ? d.y_image_stride : d.shape.M * d.shape.E * d.shape.F;
}
// Whether y is plain [N, M, E, F] (the algorithms without strided images require it).
inline bool plain_output(const ConvDesc& d) {
  return d.y_image_stride == 0 || d.y_image_stride == d.shape.M * d.shape.E * d.shape.F;
}

class ConvPrimitive {
 public:
  virtual ~ConvPrimitive() = default;
  virtual std::string_view algorithm() const = 0;
  // Floats of scratch memory run() needs (the caller owns it, 64-byte aligned).
  virtual int64_t workspace_floats() const = 0;
  // x [N,C,H,W], y [N,M,E,F] in the description's layouts; residual plain NCHW like y, or null;
  // workspace as sized.
  virtual void run(const float* x, float* y, const float* residual, float* workspace) const = 0;
};

class ConvAlgorithm {
 public:
  virtual ~ConvAlgorithm() = default;
  virtual std::string_view name() const = 0;
  virtual bool supports(const ConvDesc& d) const = 0;
  // weights [M, C/G, R, S] as in ONNX, bias [M] or null; both are copied / transformed, the
  // caller's buffers need not outlive the primitive.
  virtual std::unique_ptr<ConvPrimitive> create(const ConvDesc& d, const float* weights,
                                                const float* bias) const = 0;
};

// Every algorithm loupe has, in a fixed order (names: "im2col_gemm", "gemm_1x1", "direct_nchw16c",
// "winograd_f2x3", "winograd_f4x3", "depthwise", "fft", ...).
const std::vector<const ConvAlgorithm*>& algorithms();
const ConvAlgorithm* find_algorithm(std::string_view name);  // nullptr when unknown
// The default heuristic's pick for a layer (always one that supports it).
const ConvAlgorithm& choose_algorithm(const ConvDesc& d);

// Plain NCHW [N][C][H*W] to 16-channel blocks [N][C/16][H*W][16] (the tail block's channels past
// C zero), and back. For the graph's edges and the tests; the kernels block their own tiles.
void nchw_to_blocked(const float* x, int64_t N, int64_t C, int64_t HW, float* out);
void blocked_to_nchw(const float* x, int64_t N, int64_t C, int64_t HW, float* out);

}  // namespace loupe::kernels::conv
