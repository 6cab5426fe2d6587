#pragma once
// Effectual MACs: the multiply-accumulates of a CONV / FC nest whose two operands (weight and
// input activation) are both non-zero, counted on the actual weights and on the activations of
// one input (the tutorial's "effectual" operations, which a zero-skipping engine could avoid).
// Zero-padding positions are never effectual: their input is zero by definition.
//
// The count is exact without visiting every MAC: for each weight position (g, c, r, s) the number
// of filters m in the group with a non-zero weight is counted once, and each input position that
// a window visits adds that number when the activation there is non-zero. Cost: MACs / (M/G).
#include <cstdint>
#include <map>
#include <string>

#include "graph/executor.hpp"
#include "graph/graph.hpp"
#include "ops/op.hpp"

namespace loupe::analysis {

// x: [N, C, H, W] fp32 (NCHW), w: [M, C/G, R, S] (ONNX), shape: the CONV nest with pads resolved.
int64_t effectual_macs_conv(const ops::LayerShape& shape, const float* x, const float* w);

// The same count by the literal 7-deep loop nest (the oracle of the fast count above).
int64_t effectual_macs_conv_nest(const ops::LayerShape& shape, const float* x, const float* w);

// A matrix product y[rows x cols] = a[rows x K] * b[K x cols]; a_t / b_t: a is stored [K x rows] /
// b is stored [cols x K] (Gemm's transA / transB).
int64_t effectual_macs_matmul(int64_t rows, int64_t K, int64_t cols, const float* a, bool a_t,
                              const float* b, bool b_t);

// Effectual MACs of every Conv, Gemm and 2-D-weight MatMul node, by node name, using `values`
// (every value of one reference run: ReferenceExecutor::run_all) and the graph's initializers.
// Nodes loupe cannot count (other dtypes, batched MatMul weights) are left out.
std::map<std::string, int64_t> effectual_macs(const graph::Graph& g,
                                              const graph::TensorMap& values);

}  // namespace loupe::analysis
