#pragma once
// MaxPool, AveragePool, GlobalMaxPool, GlobalAveragePool (ONNX, opset 13 semantics), rank 4
// only: X [N,C,H,W] -> Y [N,C,E,F]. A pooling layer is the depthwise CONV nest without weights,
// so its window is described by a LayerShape with M = G = C (kind conv); pooling still counts no
// MACs (Op::layer_shape returns nullopt for it).
#include "loupe/tensor.hpp"
#include "ops/attributes.hpp"
#include "ops/conv.hpp"
#include "ops/op.hpp"

namespace loupe::ops {

enum class PoolKind { max, average };

struct PoolParams {
  PoolKind kind = PoolKind::max;
  bool global = false;  // GlobalMaxPool / GlobalAveragePool: the window is the whole H x W
  Window2D window;      // unused when global
  bool ceil_mode = false;
  bool count_include_pad = false;  // AveragePool: padded positions count in the divisor
};

// Parses the attributes of the op type ("MaxPool", "AveragePool", "GlobalMaxPool",
// "GlobalAveragePool").
PoolParams parse_pool(std::string_view op_type, const Attributes& attrs);

// The window nest for input shape x (auto_pad resolved into the pads); fails on a rank other
// than 4 or a non-positive output size.
LayerShape pool_layer_shape(const PoolParams& p, const Shape& x);

// The oracle: f32 NCHW in and out; y must be allocated as [N,C,E,F].
void pool_reference(const PoolParams& p, const Tensor& x, Tensor& y);

}  // namespace loupe::ops
