#pragma once
// Conv (ONNX, opset 13 semantics), rank 4 only: X [N,C,H,W], W [M,C/G,R,S], optional B [M],
// Y [N,M,E,F]. The parameters, their shape inference and the reference loop nest are exposed here
// so that fast kernels (src/kernels/conv/) are described by the same ConvParams and tested against
// conv_reference.
//
// The spatial rules (auto_pad, explicit asymmetric pads, ceil_mode) are shared with pooling, so
// they are exposed here too: pool.hpp includes this header.
#include <cstdint>
#include <string_view>
#include <vector>

#include "loupe/tensor.hpp"
#include "ops/attributes.hpp"
#include "ops/op.hpp"

namespace loupe::ops {

enum class AutoPad { notset, valid, same_upper, same_lower };

// Reads the "auto_pad" attribute (default NOTSET).
AutoPad parse_auto_pad(const Attributes& attrs);

// The 2-D window attributes common to Conv, MaxPool and AveragePool, already validated
// (ONNX order for pads: [top, left, bottom, right]).
struct Window2D {
  int64_t R = 0, S = 0;  // kernel_shape; 0 = not given (Conv then takes it from the weight)
  int64_t U = 1, U_w = 1;
  int64_t dil_h = 1, dil_w = 1;
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  AutoPad auto_pad = AutoPad::notset;
};

// Parses kernel_shape, strides, dilations, pads and auto_pad; fails on wrong lengths, strides or
// dilations < 1, negative pads, and explicit pads combined with auto_pad.
Window2D parse_window(const Attributes& attrs, bool kernel_required);

// The output size along one spatial axis, and the pads actually used (auto_pad resolves them).
struct AxisOut {
  int64_t out = 0;
  int64_t pad_begin = 0;
  int64_t pad_end = 0;
};

// ONNX output-size rule along one axis: `in` input size, `k` kernel, `stride`, `dil` dilation.
// With ceil_mode (pooling) the last window must start inside the input or the left padding.
// Fails when the (dilated) window does not fit; `axis` ("height", "width") names the axis.
AxisOut axis_out(int64_t in, int64_t k, int64_t stride, int64_t dil, int64_t pad_begin,
                 int64_t pad_end, AutoPad auto_pad, bool ceil_mode, std::string_view axis);

struct ConvParams {
  Window2D window;
  int64_t G = 1;  // group
};

ConvParams parse_conv(const Attributes& attrs);

// The loop nest of Conv given the shapes of X and W, with auto_pad resolved into the pads.
// Fails on rank, channel, group and kernel mismatches and on a non-positive output size.
// Fills the spatial part of a nest (R, S, strides, dilation, E, F, resolved pads) from a window
// over ls.H x ls.W; shared by CONV and pooling so both apply ONNX's output-size rules alike.
void apply_window(LayerShape& ls, const Window2D& win, bool ceil_mode);

LayerShape conv_layer_shape(const ConvParams& p, const Shape& x, const Shape& w);

// The oracle: fp32 tensors in NCHW, fp64 accumulation; y must be allocated as [N,M,E,F] f32.
// `bias` may be null.
void conv_reference(const ConvParams& p, const Tensor& x, const Tensor& w, const Tensor* bias,
                    Tensor& y);

// Fails unless t is an f32 tensor in plain NCHW layout (`what` names it in the message).
void require_f32_nchw(const Tensor& t, std::string_view what);

}  // namespace loupe::ops
