#pragma once
// The per-ISA pieces of the element-wise kernels (avx512/, avx2/, scalar/); eltwise.cpp holds
// the broadcasting, the channel loops and the threading around them.
#include <cstdint>

#include "kernels/eltwise/eltwise.hpp"

namespace loupe::kernels::eltwise {

struct EltwiseMicrokernels {
  Isa isa = Isa::scalar;
  void (*unary)(const Unary& u, const float* x, float* y, int64_t n) = nullptr;
  void (*binary)(BinaryKind k, const float* a, const float* b, float* y, int64_t n) = nullptr;
  void (*binary_scalar)(BinaryKind k, const float* a, float b, float* y, int64_t n) = nullptr;
  // y[i] = x[i] * scale + shift
  void (*scale_shift)(const float* x, float scale, float shift, float* y, int64_t n) = nullptr;
  // One row of n >= 1 floats.
  void (*softmax_row)(const float* x, float* y, int64_t n, bool log) = nullptr;
};

const EltwiseMicrokernels& eltwise_microkernels_avx512();
const EltwiseMicrokernels& eltwise_microkernels_avx2();
const EltwiseMicrokernels& eltwise_microkernels_scalar();

}  // namespace loupe::kernels::eltwise
