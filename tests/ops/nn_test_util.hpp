#pragma once
// Helpers for the op tests: run an op as the graph would (infer, allocate, reference) and compare
// with expected numbers written out in the test.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "loupe/error.hpp"
#include "loupe/tensor.hpp"
#include "ops/op.hpp"
#include "test_util.hpp"

namespace loupe::ops::test {

// A default-constructed Tensor stands for an absent optional input.
inline std::vector<ValueInfo> infos_of(const std::vector<Tensor>& inputs, bool constants = false) {
  std::vector<ValueInfo> v;
  for (const Tensor& t : inputs) {
    ValueInfo i;
    if (t.defined()) {
      i.shape = t.shape();
      i.dtype = t.dtype();
      i.constant = constants ? &t : nullptr;
    } else {
      i.present = false;
    }
    v.push_back(i);
  }
  return v;
}

// Makes the op, infers the output shapes, allocates the outputs and runs the reference.
inline std::vector<Tensor> run_op(std::string_view type, const Attributes& attrs,
                                  const std::vector<Tensor>& inputs) {
  const auto op = make_op(type, attrs);
  const std::vector<ValueInfo> out_infos = op->infer(infos_of(inputs));
  std::vector<Tensor> outputs;
  for (const ValueInfo& o : out_infos) outputs.emplace_back(o.shape, o.dtype);
  op->reference(inputs, outputs);
  return outputs;
}

inline Counts count_op(std::string_view type, const Attributes& attrs,
                       const std::vector<ValueInfo>& inputs) {
  const auto op = make_op(type, attrs);
  const std::vector<ValueInfo> outputs = op->infer(inputs);
  return op->count(inputs, outputs);
}

inline ValueInfo shape_info(Shape shape) { return ValueInfo{std::move(shape), DType::f32}; }

// Every element within an absolute-plus-relative tolerance (fp32 output of an fp64 sum).
inline void expect_values(const Tensor& t, const Shape& shape, const std::vector<double>& want,
                          double tol = 1e-5) {
  ASSERT_EQ(t.shape(), shape);
  ASSERT_EQ(t.numel(), static_cast<int64_t>(want.size()));
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_NEAR(t.at(static_cast<int64_t>(i)), want[i], tol * (1.0 + std::abs(want[i])))
        << "at element " << i;
  }
}

using loupe::testing::error_of;

inline Tensor tensor(Shape shape, const std::vector<float>& values) {
  return Tensor::from(std::move(shape), values);
}

// 1, 2, 3, ... in row-major order.
inline Tensor iota(Shape shape, float start = 1.0f) {
  Tensor t(std::move(shape));
  float v = start;
  for (float& x : t.span<float>()) x = v++;
  return t;
}

}  // namespace loupe::ops::test
