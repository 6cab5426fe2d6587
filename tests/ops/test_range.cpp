#include "ew_test_util.hpp"

namespace loupe::ops {
namespace {

using test::f32;
using test::i64;
using test::run1;

TEST(Range, Int64) {
  const Tensor y = run1("Range", {}, {i64({}, {10}), i64({}, {4}), i64({}, {-3})});
  EXPECT_EQ(y.shape(), (Shape{2}));
  EXPECT_EQ(test::ivalues(y), (std::vector<int64_t>{10, 7}));
  EXPECT_EQ(run1("Range", {}, {i64({}, {0}), i64({}, {5}), i64({}, {1})}).shape(), (Shape{5}));
  EXPECT_EQ(run1("Range", {}, {i64({}, {5}), i64({}, {0}), i64({}, {1})}).shape(), (Shape{0}));
}

TEST(Range, Float) {
  const Tensor y = run1("Range", {}, {f32({}, {1}), f32({}, {2}), f32({}, {0.25f})});
  test::expect_near(y, {1, 1.25f, 1.5f, 1.75f}, 0);
  EXPECT_EQ(run1("Range", {}, {f32({}, {0}), f32({}, {1}), f32({}, {0.3f})}).numel(), 4);
}

TEST(Range, Int32) {
  Tensor s(Shape{}, DType::i32), l(Shape{}, DType::i32), d(Shape{}, DType::i32);
  s.data<int32_t>()[0] = 10;
  l.data<int32_t>()[0] = 6;
  d.data<int32_t>()[0] = -3;
  const Tensor y = run1("Range", {}, {s, l, d});
  EXPECT_EQ(y.dtype(), DType::i32);
  const auto v = y.span<int32_t>();
  EXPECT_EQ(std::vector<int32_t>(v.begin(), v.end()), (std::vector<int32_t>{10, 7}));
}

TEST(Range, Errors) {
  EXPECT_LOUPE_ERROR(run1("Range", {}, {i64({}, {0}), i64({}, {5}), i64({}, {0})}),
                     "input delta is 0");
  EXPECT_LOUPE_ERROR(run1("Range", {}, {i64({}, {0}), f32({}, {5}), i64({}, {1})}),
                     "input limit is f32, input start is i64");
  EXPECT_LOUPE_ERROR(run1("Range", {}, {i64({2}, {0, 1}), i64({}, {5}), i64({}, {1})}),
                     "input start must be a scalar");
  EXPECT_LOUPE_ERROR(run1("Range", {}, {i64({}, {0}), i64({}, {int64_t{1} << 40}), i64({}, {1})}),
                     "exceeds the limit");
}

}  // namespace
}  // namespace loupe::ops
