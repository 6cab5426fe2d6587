#pragma once
// Fast fp32 element-wise kernels: activations, Add / Mul with NumPy broadcasting, batch-norm
// inference as a per-channel scale and shift, Softmax / LogSoftmax along the last axis. Each has
// AVX-512, AVX2 and scalar paths (LOUPE_ISA forces one) and splits large tensors over the
// thread pool. Every call may run in place (y == x, or y == a).
//
// Accuracy: the SIMD paths evaluate exp with a Cephes-style range reduction (x = n ln2 + r,
// |r| <= ln2 / 2) and a degree-6 polynomial, relative error <= 2 ulp (3e-7) on [-87.3, 88];
// below -87.3 it returns 0 instead of a subnormal (absolute error < 1.2e-38), above 88 it
// returns +inf (the true value overflows from 88.72). Those ends only reach the outputs as
// sigmoid(x < -88) = 0, tanh = +-1, softmax terms = 0. sigmoid, SiLU and softmax inherit the
// error plus
// one rounded division; tanh uses an odd polynomial for |x| < 0.625 (no cancellation near 0)
// and 1 - 2 / (exp(2|x|) + 1) above. The scalar path calls libm. tests/kernels/eltwise/
// compares every path with the ops reference (fp64) and justifies its tolerances.
//
// The graph executor calls, per node (shapes known at plan time):
//   Relu / Clip / LeakyRelu / Sigmoid / Tanh / Silu / HardSigmoid / HardSwish:
//       unary(Unary::relu(), x, y, numel)                       (etc., see the factories)
//   Add / Mul:  binary_broadcast(BinaryKind::add, a, a_shape, b, b_shape, y)
//       (recognises same shape, scalar and per-channel [1,C,1,1] operands and uses the fast
//       paths; binary / binary_scalar / binary_per_channel are those paths, callable directly)
//   BatchNormalization: batch_norm_coefficients(...) once at load, then
//       scale_shift(x, scale, shift, y, N, C, H * W)
//   Softmax / LogSoftmax on the last axis: softmax(x, y, rows, cols, log)
//   LRN: lrn(x, y, N, C, H * W, size, alpha, beta, bias)
#include <cstdint>
#include <limits>

#include "kernels/isa.hpp"
#include "loupe/tensor.hpp"

namespace loupe::kernels::eltwise {

enum class UnaryKind : uint8_t {
  relu,
  clip,        // min(max(x, alpha), beta): ReLU6 is clip(0, 6)
  leaky_relu,  // x >= 0 ? x : alpha * x
  sigmoid,
  tanh,
  silu,          // x * sigmoid(x)
  hard_sigmoid,  // max(0, min(1, alpha * x + beta))
  hard_swish,    // x * hard_sigmoid(x) with alpha 1/6, beta 1/2 (ONNX HardSwish)
};

struct Unary {
  UnaryKind kind = UnaryKind::relu;
  float alpha = 0.0f;
  float beta = 0.0f;

  static Unary relu() { return {UnaryKind::relu}; }
  static Unary clip(float lo, float hi) { return {UnaryKind::clip, lo, hi}; }
  static Unary relu6() { return clip(0.0f, 6.0f); }
  static Unary leaky_relu(float slope = 0.01f) { return {UnaryKind::leaky_relu, slope}; }
  static Unary sigmoid() { return {UnaryKind::sigmoid}; }
  static Unary tanh() { return {UnaryKind::tanh}; }
  static Unary silu() { return {UnaryKind::silu}; }
  static Unary hard_sigmoid(float a = 0.2f, float b = 0.5f) {
    return {UnaryKind::hard_sigmoid, a, b};
  }
  static Unary hard_swish() { return {UnaryKind::hard_swish, 1.0f / 6.0f, 0.5f}; }
};

enum class BinaryKind : uint8_t { add, mul };

// y[i] = f(x[i]), i < n.
void unary(const Unary& u, const float* x, float* y, int64_t n, int threads = 0,
           Isa isa = Isa::automatic);

// y[i] = a[i] op b[i] (same shape), or a[i] op b (scalar).
void binary(BinaryKind k, const float* a, const float* b, float* y, int64_t n, int threads = 0,
            Isa isa = Isa::automatic);
void binary_scalar(BinaryKind k, const float* a, float b, float* y, int64_t n, int threads = 0,
                   Isa isa = Isa::automatic);
// a [N, C, HW] op b [C] (an ONNX operand of shape [1,C,1,1] or [C,1,1]).
void binary_per_channel(BinaryKind k, const float* a, const float* b, float* y, int64_t N,
                        int64_t C, int64_t HW, int threads = 0, Isa isa = Isa::automatic);
// NumPy broadcasting of dense row-major a and b into y (shape broadcast_shapes(a, b)); throws
// Error when the shapes do not broadcast.
void binary_broadcast(BinaryKind k, const float* a, const Shape& a_shape, const float* b,
                      const Shape& b_shape, float* y, int threads = 0, Isa isa = Isa::automatic);

// Batch-norm inference folded once: scale = gamma / sqrt(var + eps), shift = beta - mean * scale
// (computed in double, rounded once).
void batch_norm_coefficients(const float* gamma, const float* beta, const float* mean,
                             const float* var, float epsilon, int64_t C, float* scale,
                             float* shift);
// y[n, c, i] = x[n, c, i] * scale[c] + shift[c], i < HW.
void scale_shift(const float* x, const float* scale, const float* shift, float* y, int64_t N,
                 int64_t C, int64_t HW, int threads = 0, Isa isa = Isa::automatic);

// Softmax (or LogSoftmax when log) of each of `rows` contiguous rows of `cols` floats.
void softmax(const float* x, float* y, int64_t rows, int64_t cols, bool log = false,
             int threads = 0, Isa isa = Isa::automatic);

// LRN across channels, ONNX semantics, x and y [N, C, HW] (y must not alias x):
//   y = x / (bias + alpha / size * sum of x^2 over channels [c - (size-1)/2, c + size/2])^beta.
// Sums in fp32 with FMAs; beta 0.75, 0.5 and 1 are computed with correctly rounded square roots
// and one division, any other beta with std::pow. Throws Error for size < 1.
void lrn(const float* x, float* y, int64_t N, int64_t C, int64_t HW, int64_t size, float alpha,
         float beta, float bias, int threads = 0, Isa isa = Isa::automatic);

}  // namespace loupe::kernels::eltwise
