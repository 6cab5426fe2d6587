#include "ew_test_util.hpp"

namespace loupe::ops {
namespace {

using test::f32;
using test::i64;
using test::run1;

TEST(Expand, ColumnToMatrix) {
  const Tensor y = run1("Expand", {}, {f32({3, 1}, {1, 2, 3}), i64({2}, {3, 2})});
  EXPECT_EQ(y.shape(), (Shape{3, 2}));
  test::expect_near(y, {1, 1, 2, 2, 3, 3}, 0);
}

TEST(Expand, HigherRankAndOnesKeepTheInputDim) {
  // shape [2,1,1] against [3,1]: the 1s keep the input's 3, the rank grows to 3.
  const Tensor y = run1("Expand", {}, {f32({3, 1}, {1, 2, 3}), i64({3}, {2, 1, 2})});
  EXPECT_EQ(y.shape(), (Shape{2, 3, 2}));
  test::expect_near(y, {1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3}, 0);
  const Tensor z = run1("Expand", {}, {i64({2}, {5, 6}), i64({1}, {1})});
  EXPECT_EQ(test::ivalues(z), (std::vector<int64_t>{5, 6}));
}

TEST(Expand, Errors) {
  EXPECT_LOUPE_ERROR(run1("Expand", {}, {f32({3}, {1, 2, 3}), i64({1}, {2})}),
                     "shapes [3] and [2] cannot be broadcast");
  EXPECT_LOUPE_ERROR(run1("Expand", {}, {f32({1}, {1}), i64({1}, {-2})}), "negative dim");
  EXPECT_LOUPE_ERROR(run1("Expand", {}, {f32({1}, {1}), f32({1}, {2})}),
                     "input shape must be i64, got f32");
}

}  // namespace
}  // namespace loupe::ops
