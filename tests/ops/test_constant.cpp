#include "ew_test_util.hpp"

namespace loupe::ops {
namespace {

using test::f32;
using test::i64;
using test::run1;

TEST(Constant, TensorValue) {
  const Tensor v = f32({2, 2}, {1, -2, 3.5f, 4});
  const Tensor y = run1("Constant", {{"value", v}}, {});
  EXPECT_EQ(y.shape(), (Shape{2, 2}));
  test::expect_near(y, {1, -2, 3.5f, 4}, 0);
}

TEST(Constant, ScalarAndListForms) {
  const Tensor a = run1("Constant", {{"value_float", 2.5f}}, {});
  EXPECT_EQ(a.shape(), (Shape{}));
  test::expect_near(a, {2.5f}, 0);
  const Tensor b = run1("Constant", {{"value_int", int64_t{-7}}}, {});
  EXPECT_EQ(b.shape(), (Shape{}));
  EXPECT_EQ(test::ivalues(b), (std::vector<int64_t>{-7}));
  const Tensor c = run1("Constant", {{"value_floats", std::vector<float>{1, 2, 3}}}, {});
  EXPECT_EQ(c.shape(), (Shape{3}));
  test::expect_near(c, {1, 2, 3}, 0);
  const Tensor d = run1("Constant", {{"value_ints", std::vector<int64_t>{0, -1}}}, {});
  EXPECT_EQ(d.shape(), (Shape{2}));
  EXPECT_EQ(test::ivalues(d), (std::vector<int64_t>{0, -1}));
}

TEST(Constant, FoldsWithoutInputs) {
  const auto op = make_op("Constant", {{"value_ints", std::vector<int64_t>{4, 5}}});
  const std::vector<ValueInfo> out = op->infer({});
  const auto folded = op->fold({}, out);
  ASSERT_TRUE(folded.has_value());
  EXPECT_EQ(test::ivalues(folded->at(0)), (std::vector<int64_t>{4, 5}));
}

TEST(Constant, Errors) {
  EXPECT_LOUPE_ERROR(make_op("Constant", {}), "needs exactly one of value");
  EXPECT_LOUPE_ERROR(make_op("Constant", {{"value_int", int64_t{1}}, {"value_float", 1.0f}}),
                     "got 2 attributes");
  EXPECT_LOUPE_ERROR(make_op("Constant", {{"sparse_value", int64_t{1}}}),
                     "attribute \"sparse_value\" is not supported");
  EXPECT_LOUPE_ERROR(make_op("Constant", {{"value_string", std::string("a")}}),
                     "attribute \"value_string\" is not supported");
}

TEST(ConstantOfShape, DefaultIsFloatZero) {
  const Tensor y = run1("ConstantOfShape", {}, {i64({2}, {2, 3})});
  EXPECT_EQ(y.shape(), (Shape{2, 3}));
  EXPECT_EQ(y.dtype(), DType::f32);
  test::expect_near(y, {0, 0, 0, 0, 0, 0}, 0);
}

TEST(ConstantOfShape, ValueGivesDtypeAndFill) {
  Tensor v(Shape{1}, DType::i32);
  v.data<int32_t>()[0] = -4;
  const Tensor y = run1("ConstantOfShape", {{"value", v}}, {i64({2}, {1, 3})});
  EXPECT_EQ(y.dtype(), DType::i32);
  const auto s = y.span<int32_t>();
  EXPECT_EQ(std::vector<int32_t>(s.begin(), s.end()), (std::vector<int32_t>{-4, -4, -4}));
  const Tensor ones = run1("ConstantOfShape", {{"value", f32({1}, {1})}}, {i64({1}, {2})});
  test::expect_near(ones, {1, 1}, 0);
}

TEST(ConstantOfShape, ZeroDimsAndScalar) {
  EXPECT_EQ(run1("ConstantOfShape", {}, {i64({1}, {0})}).shape(), (Shape{0}));
  EXPECT_EQ(run1("ConstantOfShape", {}, {i64({0}, {})}).shape(), (Shape{}));
}

TEST(ConstantOfShape, Errors) {
  EXPECT_LOUPE_ERROR(run1("ConstantOfShape", {}, {i64({2}, {2, -1})}), "has a negative dim");
  EXPECT_LOUPE_ERROR(run1("ConstantOfShape", {}, {f32({1}, {2})}), "input shape must be i64");
  EXPECT_LOUPE_ERROR(make_op("ConstantOfShape", {{"value", f32({2}, {1, 2})}}),
                     "attribute value must have one element, got shape [2]");
  const auto op = make_op("ConstantOfShape", {});
  const Tensor shape = i64({1}, {3});
  std::vector<ValueInfo> in = test::infos({shape});
  in[0].constant = nullptr;
  EXPECT_LOUPE_ERROR(op->infer(in), "input shape must be a constant");
}

}  // namespace
}  // namespace loupe::ops
