#pragma once
// The per-ISA pieces of the element-wise kernels (avx512/, avx2/, scalar/); eltwise.cpp holds
// the broadcasting, the channel loops and the threading around them.
#include <cstdint>

#include "kernels/eltwise/eltwise.hpp"

namespace loupe::kernels::eltwise {

// What lrn_row raises its base to: the exact forms of the exponents models use (AlexNet and
// GoogLeNet: beta = 0.75), or `base` alone for the caller to apply any other power.
enum class LrnPower : uint8_t { base, inv, inv_sqrt, inv_pow_075 };

struct EltwiseMicrokernels {
  Isa isa = Isa::scalar;
  void (*unary)(const Unary& u, const float* x, float* y, int64_t n) = nullptr;
  void (*binary)(BinaryKind k, const float* a, const float* b, float* y, int64_t n) = nullptr;
  void (*binary_scalar)(BinaryKind k, const float* a, float b, float* y, int64_t n) = nullptr;
  // y[i] = x[i] * scale + shift
  void (*scale_shift)(const float* x, float scale, float shift, float* y, int64_t n) = nullptr;
  // One row of n >= 1 floats.
  void (*softmax_row)(const float* x, float* y, int64_t n, bool log) = nullptr;
  // LRN of one channel plane: d[i] = bias + scale * sum_{j < count} window[j * stride + i]^2
  // (the channel planes of the window), y[i] = x[i] * d[i]^-beta by `power`, i < n; with
  // LrnPower::base, y[i] = d[i]. y must not alias the window.
  void (*lrn_row)(const float* window, int64_t count, int64_t stride, const float* x, float* y,
                  int64_t n, float scale, float bias, LrnPower power) = nullptr;
};

const EltwiseMicrokernels& eltwise_microkernels_avx512();
const EltwiseMicrokernels& eltwise_microkernels_avx2();
const EltwiseMicrokernels& eltwise_microkernels_scalar();

}  // namespace loupe::kernels::eltwise
