#include "ew_test_util.hpp"

namespace loupe::ops {
namespace {

using test::run1;

Shape flat_shape(const Shape& x, int64_t axis) {
  const Tensor t(x);
  return run1("Flatten", {{"axis", axis}}, {t}).shape();
}

TEST(Flatten, AxisSplitsTheDims) {
  const Tensor x = test::iota_f32({2, 3, 4});
  const Tensor y = run1("Flatten", {}, {x});
  EXPECT_EQ(y.shape(), (Shape{2, 12}));  // default axis 1
  EXPECT_EQ(test::values(y), test::values(x));
  EXPECT_EQ(flat_shape({2, 3, 4}, 0), (Shape{1, 24}));
  EXPECT_EQ(flat_shape({2, 3, 4}, 2), (Shape{6, 4}));
  EXPECT_EQ(flat_shape({2, 3, 4}, 3), (Shape{24, 1}));
  EXPECT_EQ(flat_shape({2, 3, 4}, -1), (Shape{6, 4}));
  EXPECT_EQ(flat_shape({2, 3, 4}, -3), (Shape{1, 24}));
  EXPECT_EQ(flat_shape({1, 256, 6, 6}, 1), (Shape{1, 9216}));  // AlexNet's pool5 -> fc6
}

TEST(Flatten, AnyDtype) {
  const Tensor y = run1("Flatten", {}, {test::i64({2, 1, 2}, {5, -6, 7, -8})});
  EXPECT_EQ(y.dtype(), DType::i64);
  EXPECT_EQ(y.shape(), (Shape{2, 2}));
  EXPECT_EQ(test::ivalues(y), (std::vector<int64_t>{5, -6, 7, -8}));
}

TEST(Flatten, Errors) {
  EXPECT_LOUPE_ERROR(flat_shape({2, 3, 4}, 4), "axis 4 is out of range [-3, 3] for rank 3");
  EXPECT_LOUPE_ERROR(flat_shape({2, 3, 4}, -4), "axis -4 is out of range");
  EXPECT_LOUPE_ERROR(make_op("Flatten", {{"axes", int64_t{1}}}), "attribute \"axes\"");
}

}  // namespace
}  // namespace loupe::ops
