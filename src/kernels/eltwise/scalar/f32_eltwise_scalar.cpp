// Portable element-wise kernels (libm for exp / tanh): the fallback without AVX2 and a third
// path for the tests.
#include <algorithm>
#include <cmath>

#include "kernels/eltwise/ukernel.hpp"

namespace loupe::kernels::eltwise {
namespace {

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

float apply(const Unary& u, float x) {
  switch (u.kind) {
    case UnaryKind::relu:
      return std::max(x, 0.0f);
    case UnaryKind::clip:
      return std::min(std::max(x, u.alpha), u.beta);
    case UnaryKind::leaky_relu:
      return x >= 0.0f ? x : u.alpha * x;
    case UnaryKind::sigmoid:
      return sigmoid(x);
    case UnaryKind::tanh:
      return std::tanh(x);
    case UnaryKind::silu:
      return x * sigmoid(x);
    case UnaryKind::hard_sigmoid:
      return std::max(0.0f, std::min(1.0f, u.alpha * x + u.beta));
    case UnaryKind::hard_swish:
      return x * std::max(0.0f, std::min(1.0f, u.alpha * x + u.beta));
  }
  return x;
}

void unary(const Unary& u, const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = apply(u, x[i]);
}

void binary(BinaryKind k, const float* a, const float* b, float* y, int64_t n) {
  if (k == BinaryKind::add) {
    for (int64_t i = 0; i < n; ++i) y[i] = a[i] + b[i];
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = a[i] * b[i];
  }
}

void binary_scalar(BinaryKind k, const float* a, float b, float* y, int64_t n) {
  if (k == BinaryKind::add) {
    for (int64_t i = 0; i < n; ++i) y[i] = a[i] + b;
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = a[i] * b;
  }
}

void scale_shift(const float* x, float scale, float shift, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale + shift;
}

void softmax_row(const float* x, float* y, int64_t n, bool log) {
  const float m = *std::max_element(x, x + n);
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    const float e = std::exp(x[i] - m);
    if (!log) y[i] = e;
    sum += e;
  }
  if (log) {
    const float shift = m + std::log(sum);
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] - shift;
  } else {
    const float inv = 1.0f / sum;
    for (int64_t i = 0; i < n; ++i) y[i] *= inv;
  }
}

void lrn_row(const float* window, int64_t count, int64_t stride, const float* x, float* y,
             int64_t n, float scale, float bias, LrnPower power) {
  for (int64_t i = 0; i < n; ++i) {
    float sum = 0.0f;
    for (int64_t j = 0; j < count; ++j) sum += window[j * stride + i] * window[j * stride + i];
    const float d = bias + scale * sum;
    const float r = std::sqrt(d);
    switch (power) {
      case LrnPower::inv:
        y[i] = x[i] / d;
        break;
      case LrnPower::inv_sqrt:
        y[i] = x[i] / r;
        break;
      case LrnPower::inv_pow_075:
        y[i] = x[i] / (r * std::sqrt(r));
        break;
      case LrnPower::base:
        y[i] = d;
        break;
    }
  }
}

}  // namespace

const EltwiseMicrokernels& eltwise_microkernels_scalar() {
  static const EltwiseMicrokernels k{Isa::scalar, unary,       binary, binary_scalar,
                                     scale_shift, softmax_row, lrn_row};
  return k;
}

}  // namespace loupe::kernels::eltwise
