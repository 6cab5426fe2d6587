#pragma once
// MatMul (ONNX, numpy.matmul semantics): the last two axes are the matrices, the leading axes are
// batch axes broadcast against each other; a 1-D A is a row vector [1,K] and a 1-D B a column
// vector [K,1], and the promoted axis is removed from the result.
#include <cstdint>

#include "loupe/tensor.hpp"
#include "ops/op.hpp"

namespace loupe::ops {

struct MatMulDims {
  Shape batch;  // broadcast batch axes of the result
  int64_t M = 1, N = 1, K = 1;
  Shape out;  // the result's shape
};

// Fails on rank 0, a K mismatch or batch axes that do not broadcast.
MatMulDims matmul_dims(const Shape& a, const Shape& b);

// The oracle: f32 in and out, fp64 accumulation; y must be allocated with matmul_dims().out.
void matmul_reference(const Tensor& a, const Tensor& b, Tensor& y);

}  // namespace loupe::ops
