#pragma once
// Gemm (ONNX, opset 13 semantics): Y = alpha * op(A) * op(B) + beta * C, with op(A) [M,K] and
// op(B) [K,N] after the optional transposes, C optional and unidirectionally broadcastable to
// [M,N]. The names M, N, K here are the matrix product's; as an FC layer (tutorial letters) the
// product's rows are the batch N, its K the input channels C and its columns the filters M.
#include <cstdint>

#include "loupe/tensor.hpp"
#include "ops/attributes.hpp"
#include "ops/op.hpp"

namespace loupe::ops {

struct GemmParams {
  float alpha = 1.0f;
  float beta = 1.0f;
  bool trans_a = false;
  bool trans_b = false;
};

GemmParams parse_gemm(const Attributes& attrs);

// The product's sizes after the transposes.
struct GemmDims {
  int64_t M = 0, N = 0, K = 0;
};

// Checks A, B (rank 2, matching K) and C (broadcastable to [M,N]; pass nullptr when absent).
GemmDims gemm_dims(const GemmParams& p, const Shape& a, const Shape& b, const Shape* c);

// The FC loop nest of the product: N = M rows (batch), C = K, M = N columns, all else 1.
LayerShape gemm_layer_shape(const GemmDims& d);

// The oracle: f32 in and out, fp64 accumulation; y must be allocated as [M,N]. `c` may be null.
void gemm_reference(const GemmParams& p, const Tensor& a, const Tensor& b, const Tensor* c,
                    Tensor& y);

}  // namespace loupe::ops
