#pragma once
// The element-wise kernels written once over a vector type V (included only by the avx2/ and
// avx512/ files, each with its traits and its ISA's compile flags). V provides T, kWidth, load,
// store, set1, add, sub, mul, div, sqrt, fmadd (a * b + c), max, min, round (to nearest), pow2i
// (2^n for an integral-valued float n in [-126, 127]), abs, copysign (magnitude of a, sign of b),
// select_lt (a < b ? c : d) and lane reductions reduce_max / reduce_add.
//
// Tails shorter than a vector go through a small stack buffer, so no load reads past an array.
// No std:: algorithm is called here: an out-of-line instantiation compiled with AVX-512 flags
// could be merged by the linker with the portable files' copy and run on a CPU without it.
#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/eltwise/ukernel.hpp"

namespace loupe::kernels::eltwise::simd {

// exp, Cephes-style: x = n ln2 + r with ln2 split in two (C1 exact in 9 bits, so n * C1 is
// exact for |n| <= 2^15), e^r by a degree-6 polynomial on |r| <= ln2 / 2, then scaled by 2^n.
// The clamp keeps 2^n a normal float; outside it the result is flushed to 0 (below -87.3) or
// +inf (above 88): see eltwise.hpp for the error.
template <typename V>
typename V::T exp(typename V::T in) {
  using T = typename V::T;
  const T lo = V::set1(-87.3f), hi = V::set1(88.0f);
  const T x = V::min(V::max(in, lo), hi);
  const T n = V::round(V::mul(x, V::set1(1.44269504088896341f)));
  T r = V::fmadd(n, V::set1(-0.693359375f), x);
  r = V::fmadd(n, V::set1(2.12194440e-4f), r);
  T p = V::set1(1.9875691500e-4f);
  p = V::fmadd(p, r, V::set1(1.3981999507e-3f));
  p = V::fmadd(p, r, V::set1(8.3334519073e-3f));
  p = V::fmadd(p, r, V::set1(4.1665795894e-2f));
  p = V::fmadd(p, r, V::set1(1.6666665459e-1f));
  p = V::fmadd(p, r, V::set1(5.0000001201e-1f));
  p = V::add(V::fmadd(p, V::mul(r, r), r), V::set1(1.0f));
  const T e = V::mul(p, V::pow2i(n));
  return V::select_lt(in, lo, V::set1(0.0f),
                      V::select_lt(hi, in, V::set1(std::numeric_limits<float>::infinity()), e));
}

template <typename V>
typename V::T sigmoid(typename V::T x) {
  const auto one = V::set1(1.0f);
  return V::div(one, V::add(one, exp<V>(V::sub(V::set1(0.0f), x))));
}

// tanh: an odd minimax polynomial (Cephes tanhf) below 0.625, where 1 - 2 / (e^2x + 1) would
// lose bits to cancellation; that formula above.
template <typename V>
typename V::T tanh(typename V::T x) {
  using T = typename V::T;
  const T a = V::abs(x);
  const T z = V::mul(x, x);
  T p = V::set1(-5.70498872745e-3f);
  p = V::fmadd(p, z, V::set1(2.06390887954e-2f));
  p = V::fmadd(p, z, V::set1(-5.37397155531e-2f));
  p = V::fmadd(p, z, V::set1(1.33314422036e-1f));
  p = V::fmadd(p, z, V::set1(-3.33332819422e-1f));
  const T small = V::fmadd(V::mul(p, z), x, x);
  const T one = V::set1(1.0f);
  const T e = exp<V>(V::add(a, a));
  const T big = V::sub(one, V::div(V::set1(2.0f), V::add(e, one)));
  return V::select_lt(a, V::set1(0.625f), small, V::copysign(big, x));
}

template <typename V>
typename V::T apply(const Unary& u, typename V::T x) {
  using T = typename V::T;
  const T zero = V::set1(0.0f);
  switch (u.kind) {
    case UnaryKind::relu:
      return V::max(x, zero);
    case UnaryKind::clip:
      return V::min(V::max(x, V::set1(u.alpha)), V::set1(u.beta));
    case UnaryKind::leaky_relu:
      return V::fmadd(V::min(x, zero), V::set1(u.alpha), V::max(x, zero));
    case UnaryKind::sigmoid:
      return sigmoid<V>(x);
    case UnaryKind::tanh:
      return tanh<V>(x);
    case UnaryKind::silu:
      return V::mul(x, sigmoid<V>(x));
    case UnaryKind::hard_sigmoid:
    case UnaryKind::hard_swish: {
      const T h =
          V::min(V::max(V::fmadd(x, V::set1(u.alpha), V::set1(u.beta)), zero), V::set1(1.0f));
      return u.kind == UnaryKind::hard_swish ? V::mul(x, h) : h;
    }
  }
  return x;
}

// Calls fn(in_ptrs..., out) on full vectors, then once on a zero-padded copy of the tail.
template <typename V, typename Fn>
void map1(const float* x, float* y, int64_t n, const Fn& fn) {
  int64_t i = 0;
  for (; i + V::kWidth <= n; i += V::kWidth) V::store(y + i, fn(V::load(x + i)));
  if (i < n) {
    alignas(64) float buf[V::kWidth] = {};
    std::memcpy(buf, x + i, (n - i) * sizeof(float));
    V::store(buf, fn(V::load(buf)));
    std::memcpy(y + i, buf, (n - i) * sizeof(float));
  }
}

template <typename V>
void unary(const Unary& u, const float* x, float* y, int64_t n) {
  // Switch outside the loop: the common ReLU / clip loops then carry no branch.
  switch (u.kind) {
    case UnaryKind::relu:
      return map1<V>(x, y, n, [](typename V::T v) { return V::max(v, V::set1(0.0f)); });
    default:
      return map1<V>(x, y, n, [&u](typename V::T v) { return apply<V>(u, v); });
  }
}

template <typename V>
void binary(BinaryKind k, const float* a, const float* b, float* y, int64_t n) {
  int64_t i = 0;
  auto op = [k](typename V::T p, typename V::T q) {
    return k == BinaryKind::add ? V::add(p, q) : V::mul(p, q);
  };
  for (; i + V::kWidth <= n; i += V::kWidth) {
    V::store(y + i, op(V::load(a + i), V::load(b + i)));
  }
  for (; i < n; ++i) y[i] = k == BinaryKind::add ? a[i] + b[i] : a[i] * b[i];
}

template <typename V>
void binary_scalar(BinaryKind k, const float* a, float b, float* y, int64_t n) {
  const auto bv = V::set1(b);
  if (k == BinaryKind::add) {
    map1<V>(a, y, n, [bv](typename V::T v) { return V::add(v, bv); });
  } else {
    map1<V>(a, y, n, [bv](typename V::T v) { return V::mul(v, bv); });
  }
}

template <typename V>
void scale_shift(const float* x, float scale, float shift, float* y, int64_t n) {
  const auto s = V::set1(scale);
  const auto t = V::set1(shift);
  map1<V>(x, y, n, [s, t](typename V::T v) { return V::fmadd(v, s, t); });
}

template <typename V>
void softmax_row(const float* x, float* y, int64_t n, bool log) {
  using T = typename V::T;
  constexpr int w = V::kWidth;
  int64_t i = 0;
  T mv = V::set1(x[0]);
  for (; i + w <= n; i += w) mv = V::max(mv, V::load(x + i));
  float m = V::reduce_max(mv);
  for (; i < n; ++i) m = m > x[i] ? m : x[i];
  // exp(x - m) <= 1 and one term is 1: the sum cannot overflow and is >= 1. Two accumulators
  // halve the dependency chain and the rounding growth.
  const T mb = V::set1(m);
  T s0 = V::set1(0.0f), s1 = V::set1(0.0f);
  i = 0;
  for (; i + 2 * w <= n; i += 2 * w) {
    const T e0 = exp<V>(V::sub(V::load(x + i), mb));
    const T e1 = exp<V>(V::sub(V::load(x + i + w), mb));
    if (!log) {
      V::store(y + i, e0);
      V::store(y + i + w, e1);
    }
    s0 = V::add(s0, e0);
    s1 = V::add(s1, e1);
  }
  float tail = 0.0f;
  for (; i < n; i += w) {
    const int64_t len = n - i < w ? n - i : w;
    alignas(64) float buf[w] = {};
    std::memcpy(buf, x + i, len * sizeof(float));
    V::store(buf, exp<V>(V::sub(V::load(buf), mb)));
    for (int64_t j = 0; j < len; ++j) tail += buf[j];
    if (!log) std::memcpy(y + i, buf, len * sizeof(float));
  }
  const float sum = V::reduce_add(V::add(s0, s1)) + tail;
  if (log) {
    const float shift = m + std::log(sum);
    binary_scalar<V>(BinaryKind::add, x, -shift, y, n);
  } else {
    binary_scalar<V>(BinaryKind::mul, y, 1.0f / sum, y, n);
  }
}

template <typename V>
typename V::T lrn_value(const float* window, int64_t count, int64_t stride, const float* x,
                        int64_t i, float scale, float bias, LrnPower power) {
  using T = typename V::T;
  T sum = V::set1(0.0f);
  for (int64_t j = 0; j < count; ++j) {
    const T v = V::load(window + j * stride + i);
    sum = V::fmadd(v, v, sum);
  }
  const T d = V::fmadd(sum, V::set1(scale), V::set1(bias));
  const T xv = V::load(x + i);
  switch (power) {
    case LrnPower::inv:
      return V::div(xv, d);
    case LrnPower::inv_sqrt:
      return V::div(xv, V::sqrt(d));
    case LrnPower::inv_pow_075: {  // d^0.75 = sqrt(d) * sqrt(sqrt(d)), each correctly rounded
      const T r = V::sqrt(d);
      return V::div(xv, V::mul(r, V::sqrt(r)));
    }
    case LrnPower::base:
      break;
  }
  return d;
}

template <typename V>
void lrn_row(const float* window, int64_t count, int64_t stride, const float* x, float* y,
             int64_t n, float scale, float bias, LrnPower power) {
  constexpr int w = V::kWidth;
  int64_t i = 0;
  for (; i + w <= n; i += w) {
    V::store(y + i, lrn_value<V>(window, count, stride, x, i, scale, bias, power));
  }
  if (i == n) return;
  // The tail through stack copies of each window plane's last floats.
  constexpr int kMaxWindow = 16;
  const int64_t len = n - i;
  alignas(64) float buf[kMaxWindow + 1][w] = {};
  if (count <= kMaxWindow) {
    for (int64_t j = 0; j < count; ++j) std::memcpy(buf[j], window + j * stride + i, len * 4);
    std::memcpy(buf[kMaxWindow], x + i, len * sizeof(float));
    alignas(64) float out[w];
    V::store(out, lrn_value<V>(&buf[0][0], count, w, buf[kMaxWindow], 0, scale, bias, power));
    std::memcpy(y + i, out, len * sizeof(float));
    return;
  }
  for (; i < n; ++i) {  // a window of more than 16 channels: scalar tail
    float sum = 0.0f;
    for (int64_t j = 0; j < count; ++j) sum += window[j * stride + i] * window[j * stride + i];
    const float d = bias + scale * sum;
    const float r = __builtin_sqrtf(d);
    y[i] = power == LrnPower::inv        ? x[i] / d
           : power == LrnPower::inv_sqrt ? x[i] / r
           : power == LrnPower::base     ? d
                                         : x[i] / (r * __builtin_sqrtf(r));
  }
}

template <typename V>
EltwiseMicrokernels microkernels(Isa isa) {
  return {isa, unary<V>, binary<V>, binary_scalar<V>, scale_shift<V>, softmax_row<V>, lrn_row<V>};
}

}  // namespace loupe::kernels::eltwise::simd
