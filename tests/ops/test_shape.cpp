#include "ew_test_util.hpp"

namespace loupe::ops {
namespace {

using test::run1;

std::vector<int64_t> shape_of(const Shape& x, Attributes a = {}) {
  return test::ivalues(run1("Shape", a, {Tensor(x)}));
}

TEST(Shape, AllDims) {
  const Tensor y = run1("Shape", {}, {Tensor({3, 4, 5})});
  EXPECT_EQ(y.dtype(), DType::i64);
  EXPECT_EQ(y.shape(), (Shape{3}));
  EXPECT_EQ(test::ivalues(y), (std::vector<int64_t>{3, 4, 5}));
  EXPECT_EQ(run1("Shape", {}, {Tensor(Shape{})}).shape(), (Shape{0}));
}

TEST(Shape, StartAndEndOfOpset15) {
  const Shape x{3, 4, 5};
  EXPECT_EQ(shape_of(x, {{"start", int64_t{1}}}), (std::vector<int64_t>{4, 5}));
  EXPECT_EQ(shape_of(x, {{"end", int64_t{1}}}), (std::vector<int64_t>{3}));
  EXPECT_EQ(shape_of(x, {{"end", int64_t{-1}}}), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(shape_of(x, {{"start", int64_t{-1}}}), (std::vector<int64_t>{5}));
  EXPECT_EQ(shape_of(x, {{"start", int64_t{1}}, {"end", int64_t{2}}}), (std::vector<int64_t>{4}));
  // Out-of-range bounds clamp to [0, rank]; start past end is empty.
  EXPECT_EQ(shape_of(x, {{"start", int64_t{-10}}}), (std::vector<int64_t>{3, 4, 5}));
  EXPECT_EQ(shape_of(x, {{"end", int64_t{10}}}), (std::vector<int64_t>{3, 4, 5}));
  EXPECT_EQ(shape_of(x, {{"start", int64_t{2}}, {"end", int64_t{1}}}), (std::vector<int64_t>{}));
}

TEST(Shape, FoldsFromTheShapeAloneWhateverTheDtype) {
  const auto op = make_op("Shape", {});
  ValueInfo x;
  x.shape = {2, 7};
  x.dtype = DType::u8;  // a graph input: no constant
  const std::vector<ValueInfo> in{x};
  const std::vector<ValueInfo> out = op->infer(in);
  const auto folded = op->fold(in, out);
  ASSERT_TRUE(folded.has_value());
  EXPECT_EQ(test::ivalues(folded->at(0)), (std::vector<int64_t>{2, 7}));
}

TEST(Size, ElementCountFoldedFromTheShape) {
  const Tensor y = run1("Size", {}, {Tensor({3, 4, 5})});
  EXPECT_EQ(y.shape(), (Shape{}));
  EXPECT_EQ(test::ivalues(y), (std::vector<int64_t>{60}));
  EXPECT_EQ(test::ivalues(run1("Size", {}, {Tensor({2, 0})})), (std::vector<int64_t>{0}));
  const auto op = make_op("Size", {});
  ValueInfo x;
  x.shape = {2, 7};
  const std::vector<ValueInfo> in{x};
  const auto folded = op->fold(in, op->infer(in));
  ASSERT_TRUE(folded.has_value());
  EXPECT_EQ(test::ivalues(folded->at(0)), (std::vector<int64_t>{14}));
}

TEST(Shape, Errors) {
  EXPECT_LOUPE_ERROR(run1("Shape", {}, {}), "needs 1 input, got 0");
  EXPECT_LOUPE_ERROR(make_op("Shape", {{"axis", int64_t{1}}}),
                     "attribute \"axis\" is not supported");
}

}  // namespace
}  // namespace loupe::ops
