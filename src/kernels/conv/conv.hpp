#pragma once
// Fast convolution algorithms (the tutorial's kernel-computation chapter), described then
// executed like the GEMM: a ConvDesc (the loop-nest parameters of ops::LayerShape plus the fused
// epilogue, threads and ISA) is enough to ask an algorithm whether it supports the layer and how
// much workspace it needs; create() prepares the weights once (packing, Winograd transform) and
// the returned primitive's run() only computes.
//
// Tensors are fp32 NCHW (plain) unless a primitive says otherwise through input_layout() /
// output_layout(); the graph reorders at the boundaries. Every algorithm is tested against
// ops::conv_reference on randomized shapes (tests/kernels/conv/).
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
};

// d.y_image_stride resolved: the floats between two images' outputs (supports() refuses a
// nonzero stride below M E F).
inline int64_t y_image_floats(const ConvDesc& d) {
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
  virtual Layout input_layout() const { return Layout::NCHW; }
  virtual Layout output_layout() const { return Layout::NCHW; }
  // x [N,C,H,W], y [N,M,E,F] (in the layouts above); residual like y or null; workspace as sized.
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

}  // namespace loupe::kernels::conv
