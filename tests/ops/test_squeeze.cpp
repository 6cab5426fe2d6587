#include "ew_test_util.hpp"

namespace loupe::ops {
namespace {

using test::i64;
using test::run1;

Shape squeezed(const Shape& x, std::vector<int64_t> axes) {
  const int64_t n = static_cast<int64_t>(axes.size());
  return run1("Squeeze", {}, {Tensor(x), i64({n}, std::move(axes))}).shape();
}

Shape unsqueezed(const Shape& x, std::vector<int64_t> axes) {
  const int64_t n = static_cast<int64_t>(axes.size());
  return run1("Unsqueeze", {}, {Tensor(x), i64({n}, std::move(axes))}).shape();
}

TEST(Squeeze, AxesInput) {
  EXPECT_EQ(squeezed({1, 3, 4, 5}, {0}), (Shape{3, 4, 5}));
  EXPECT_EQ(squeezed({1, 3, 1, 5}, {-2}), (Shape{1, 3, 5}));
  EXPECT_EQ(squeezed({1, 3, 1, 5}, {2, 0}), (Shape{3, 5}));
  const Tensor x = test::iota_f32({1, 2, 1});
  const Tensor y = run1("Squeeze", {}, {x, i64({1}, {2})});
  EXPECT_EQ(y.shape(), (Shape{1, 2}));
  test::expect_near(y, {0, 1}, 0);
}

TEST(Squeeze, NoAxesRemovesEveryOne) {
  EXPECT_EQ(run1("Squeeze", {}, {Tensor({1, 3, 1, 1, 2})}).shape(), (Shape{3, 2}));
  EXPECT_EQ(run1("Squeeze", {}, {Tensor({1, 1})}).shape(), (Shape{}));
}

TEST(Squeeze, AxesAttributeOfOldOpsets) {
  const Attributes a{{"axes", std::vector<int64_t>{1}}};
  EXPECT_EQ(run1("Squeeze", a, {Tensor({2, 1, 3})}).shape(), (Shape{2, 3}));
}

TEST(Unsqueeze, AxesInput) {
  EXPECT_EQ(unsqueezed({3, 4, 5}, {0}), (Shape{1, 3, 4, 5}));
  EXPECT_EQ(unsqueezed({3, 4, 5}, {3}), (Shape{3, 4, 5, 1}));
  EXPECT_EQ(unsqueezed({3, 4, 5}, {1, 4}), (Shape{3, 1, 4, 5, 1}));
  // Axes refer to the output and may come in any order.
  EXPECT_EQ(unsqueezed({3, 4, 5}, {5, 4, 2}), (Shape{3, 4, 1, 5, 1, 1}));
  EXPECT_EQ(unsqueezed({1, 3, 1, 5}, {-2}), (Shape{1, 3, 1, 1, 5}));
  EXPECT_EQ(unsqueezed({}, {0}), (Shape{1}));
  const Tensor y = run1("Unsqueeze", {}, {i64({2}, {7, 8}), i64({1}, {0})});
  EXPECT_EQ(y.shape(), (Shape{1, 2}));
  EXPECT_EQ(test::ivalues(y), (std::vector<int64_t>{7, 8}));
}

TEST(Unsqueeze, AxesAttributeOfOldOpsets) {
  const Attributes a{{"axes", std::vector<int64_t>{0, 3}}};
  EXPECT_EQ(run1("Unsqueeze", a, {Tensor({2, 3})}).shape(), (Shape{1, 2, 3, 1}));
}

TEST(SqueezeUnsqueeze, Errors) {
  EXPECT_LOUPE_ERROR(squeezed({1, 3}, {1}), "cannot squeeze axis 1 of size 3 (shape [1,3])");
  EXPECT_LOUPE_ERROR(squeezed({1, 3}, {2}), "axes");
  EXPECT_LOUPE_ERROR(squeezed({1, 1}, {0, -2}), "axes [0,-2] repeat an axis");
  EXPECT_LOUPE_ERROR(unsqueezed({3}, {0, 0}), "axes [0,0] repeat an axis");
  EXPECT_LOUPE_ERROR(unsqueezed({3}, {2}), "axes");
  EXPECT_LOUPE_ERROR(run1("Unsqueeze", {}, {Tensor({3})}), "needs axes (an input or attribute)");
  const Attributes a{{"axes", std::vector<int64_t>{0}}};
  EXPECT_LOUPE_ERROR(run1("Unsqueeze", a, {Tensor({3}), i64({1}, {0})}),
                     "axes are given as an attribute and as an input");
  const auto op = make_op("Unsqueeze", {});
  const Tensor axes = i64({1}, {0});
  std::vector<ValueInfo> in = test::infos({Tensor({3}), axes});
  in[1].constant = nullptr;
  EXPECT_LOUPE_ERROR(op->infer(in), "input axes must be a constant");
}

}  // namespace
}  // namespace loupe::ops
