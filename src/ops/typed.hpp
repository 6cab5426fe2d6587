#pragma once
// Helpers for the ops that accept several dtypes (Cast, Pow, Range, Gather's indices, the
// shape-computing ops' integer inputs): a switch from a runtime DType to a C++ type, and the
// reading of a small integer tensor (axes, starts, a target shape) as int64 values.
#include <cstdint>
#include <string_view>
#include <vector>

#include "loupe/tensor.hpp"
#include "ops/op.hpp"

namespace loupe::ops {

// Calls f(T{}) with T the C++ type of `dtype`; every branch must return the same type.
template <typename F>
decltype(auto) visit_dtype(DType dtype, F&& f) {
  switch (dtype) {
    case DType::f32:
      return f(float{});
    case DType::f64:
      return f(double{});
    case DType::i64:
      return f(int64_t{});
    case DType::i32:
      return f(int32_t{});
    case DType::i8:
      return f(int8_t{});
    case DType::u8:
      return f(uint8_t{});
  }
  fail("internal error: dtype {} has no C++ type", static_cast<int>(dtype));
}

inline bool is_integer(DType d) { return d != DType::f32 && d != DType::f64; }

// The values of an i64 or i32 tensor (any shape, row-major); `what` names it in errors.
inline std::vector<int64_t> int_values(const Tensor& t, std::string_view what) {
  std::vector<int64_t> v(static_cast<size_t>(t.numel()));
  if (t.dtype() == DType::i64) {
    for (size_t i = 0; i < v.size(); ++i) v[i] = t.data<int64_t>()[i];
  } else if (t.dtype() == DType::i32) {
    for (size_t i = 0; i < v.size(); ++i) v[i] = t.data<int32_t>()[i];
  } else {
    fail("{} must be i64 or i32, got {}", what, dtype_name(t.dtype()));
  }
  return v;
}

// Shape inference of the ops whose output shape depends on an input's values (a target shape,
// axes, slice bounds): the input must be known at load time, as an initializer or a folded
// value. Returns it.
inline const Tensor& require_constant(const ValueInfo& v, std::string_view what) {
  if (v.constant == nullptr) {
    fail("{} must be a constant (an initializer or computed from constants at load time)", what);
  }
  return *v.constant;
}

}  // namespace loupe::ops
