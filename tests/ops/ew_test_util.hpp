#pragma once
// Helpers for the element-wise and data-movement op tests: make an op, infer its outputs, run
// its reference, and compare with numbers written out in the test.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "ops/op.hpp"
#include "test_util.hpp"

namespace loupe::ops::test {

inline Tensor f32(Shape shape, std::vector<float> values) {
  return Tensor::from(std::move(shape), values);
}

inline Tensor i64(Shape shape, std::vector<int64_t> values) {
  Tensor t(std::move(shape), DType::i64);
  EXPECT_EQ(static_cast<int64_t>(values.size()), t.numel());
  if (!values.empty()) std::memcpy(t.raw(), values.data(), values.size() * sizeof(int64_t));
  return t;
}

// 0, 1, 2, ... in row-major order: inputs whose every element is told apart by its value.
inline Tensor iota_f32(Shape shape) {
  Tensor t(std::move(shape));
  float* d = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) d[i] = static_cast<float>(i);
  return t;
}

// Infos of tensors as the graph gives them for initializers (every present input a constant);
// a default-constructed Tensor is an absent optional input.
inline std::vector<ValueInfo> infos(const std::vector<Tensor>& in) {
  std::vector<ValueInfo> v;
  for (const Tensor& t : in) {
    ValueInfo info;
    if (t.defined()) {
      info = ValueInfo{t.shape(), t.dtype(), &t, true};
    } else {
      info.present = false;
    }
    v.push_back(info);
  }
  return v;
}

// Shape inference, then the reference on outputs allocated as inferred.
inline std::vector<Tensor> run_op(const std::string& type, const Attributes& attrs,
                                  const std::vector<Tensor>& in) {
  const auto op = make_op(type, attrs);
  const std::vector<ValueInfo> in_infos = infos(in);
  std::vector<Tensor> out;
  for (const ValueInfo& o : op->infer(in_infos)) out.emplace_back(o.shape, o.dtype);
  op->reference(in, out);
  return out;
}

inline Tensor run1(const std::string& type, const Attributes& attrs,
                   const std::vector<Tensor>& in) {
  return run_op(type, attrs, in).at(0);
}

inline std::vector<float> values(const Tensor& t) {
  const auto s = t.span<float>();
  return {s.begin(), s.end()};
}

inline std::vector<int64_t> ivalues(const Tensor& t) {
  const auto s = t.span<int64_t>();
  return {s.begin(), s.end()};
}

// Element-wise comparison within `tol` (absolute), naming the first index that differs.
inline void expect_near(const Tensor& t, const std::vector<float>& want, double tol = 1e-6) {
  ASSERT_EQ(t.dtype(), DType::f32);
  ASSERT_EQ(t.numel(), static_cast<int64_t>(want.size()));
  const float* d = t.data<float>();
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_NEAR(d[i], want[i], tol) << "at index " << i;
  }
}

using loupe::testing::error_of;

inline std::string run_error(const std::string& type, const Attributes& attrs,
                             const std::vector<Tensor>& in) {
  return error_of([&] { (void)run_op(type, attrs, in); });
}

}  // namespace loupe::ops::test

// The statement throws loupe::Error and its message contains `substr`.
#define EXPECT_LOUPE_ERROR(statement, substr)                                                    \
  do {                                                                                           \
    EXPECT_THROW(statement, ::loupe::Error);                                                     \
    EXPECT_THAT(::loupe::ops::test::error_of([&] { statement; }), ::testing::HasSubstr(substr)); \
  } while (0)
