#include "ew_test_util.hpp"

namespace loupe::ops {
namespace {

using test::f32;
using test::i64;
using test::run1;

TEST(Pow, FloatWithBroadcast) {
  const Tensor y = run1("Pow", {}, {f32({2, 3}, {1, 2, 3, 4, 5, 6}), f32({3}, {2, 0.5f, -1})});
  EXPECT_EQ(y.shape(), (Shape{2, 3}));
  test::expect_near(y, {1, 1.4142135f, 1.0f / 3, 16, 2.236068f, 1.0f / 6}, 1e-7);
  test::expect_near(run1("Pow", {}, {f32({3}, {1, 2, 3}), f32({}, {2})}), {1, 4, 9}, 0);
}

TEST(Pow, MixedDtypesTakeTheBasesDtype) {
  const Tensor a = run1("Pow", {}, {f32({3}, {1, 2, 3}), i64({3}, {4, 5, 6})});
  EXPECT_EQ(a.dtype(), DType::f32);
  test::expect_near(a, {1, 32, 729}, 0);
  const Tensor b = run1("Pow", {}, {i64({3}, {1, 2, 3}), f32({3}, {4, 5, 0.5f})});
  EXPECT_EQ(b.dtype(), DType::i64);
  // 3^0.5 = 1.732... truncates to 1.
  EXPECT_EQ(test::ivalues(b), (std::vector<int64_t>{1, 32, 1}));
}

TEST(Pow, IntegersAreExact) {
  const Tensor y = run1("Pow", {}, {i64({3}, {3, -2, 7}), i64({3}, {39, 3, 0})});
  EXPECT_EQ(test::ivalues(y), (std::vector<int64_t>{4052555153018976267, -8, 1}));
  Tensor x(Shape{1}, DType::i32);
  x.data<int32_t>()[0] = 2;
  EXPECT_LOUPE_ERROR(run1("Pow", {}, {x, i64({1}, {31})}), "does not fit the output dtype");
  EXPECT_LOUPE_ERROR(run1("Pow", {}, {i64({1}, {3}), i64({1}, {40})}), "overflows");
  EXPECT_LOUPE_ERROR(run1("Pow", {}, {i64({1}, {2}), i64({1}, {-1})}),
                     "integer 2 to the negative power -1");
}

TEST(Pow, Errors) {
  Tensor x(Shape{1}, DType::u8);
  EXPECT_LOUPE_ERROR(run1("Pow", {}, {x, f32({1}, {1})}), "input X dtype u8 is not supported");
  EXPECT_LOUPE_ERROR(run1("Pow", {}, {f32({2}, {1, 2}), f32({3}, {1, 2, 3})}),
                     "shapes [2] and [3] cannot be broadcast");
}

}  // namespace
}  // namespace loupe::ops
