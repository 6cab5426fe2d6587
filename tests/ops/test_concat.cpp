#include "ew_test_util.hpp"

namespace loupe::ops {
namespace {

using test::f32;
using test::i64;
using test::run1;

Attributes axis(int64_t a) { return {{"axis", a}}; }

TEST(Concat, InnerAxis) {
  const Tensor a = f32({2, 1}, {1, 2});
  const Tensor b = f32({2, 2}, {3, 4, 5, 6});
  const Tensor c = run1("Concat", axis(1), {a, b});
  EXPECT_EQ(c.shape(), (Shape{2, 3}));
  test::expect_near(c, {1, 3, 4, 2, 5, 6}, 0);
  EXPECT_EQ(test::values(run1("Concat", axis(-1), {a, b})), test::values(c));
}

TEST(Concat, ChannelsOfNchw) {
  // [2,1,1,2] and [2,2,1,2] along C: each image takes its own channels from both inputs.
  const Tensor a = f32({2, 1, 1, 2}, {1, 2, 3, 4});
  const Tensor b = f32({2, 2, 1, 2}, {10, 20, 30, 40, 50, 60, 70, 80});
  const Tensor c = run1("Concat", axis(1), {a, b});
  EXPECT_EQ(c.shape(), (Shape{2, 3, 1, 2}));
  test::expect_near(c, {1, 2, 10, 20, 30, 40, 3, 4, 50, 60, 70, 80}, 0);
}

TEST(Concat, ThreeInt64InputsOnAxisZero) {
  const Tensor c = run1("Concat", axis(0), {i64({1}, {-1}), i64({2}, {3, 4}), i64({1}, {7})});
  EXPECT_EQ(c.dtype(), DType::i64);
  EXPECT_EQ(test::ivalues(c), (std::vector<int64_t>{-1, 3, 4, 7}));
}

TEST(Concat, BytesAndEmptyInputs) {
  Tensor a(Shape{2, 1}, DType::u8);
  Tensor b(Shape{2, 0}, DType::u8);
  Tensor d(Shape{2, 2}, DType::u8);
  a.data<uint8_t>()[0] = 1;
  a.data<uint8_t>()[1] = 2;
  for (int i = 0; i < 4; ++i) d.data<uint8_t>()[i] = static_cast<uint8_t>(10 + i);
  const Tensor c = run1("Concat", axis(-1), {a, b, d});
  ASSERT_EQ(c.shape(), (Shape{2, 3}));
  const uint8_t want[] = {1, 10, 11, 2, 12, 13};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(c.data<uint8_t>()[i], want[i]) << i;
}

TEST(Concat, Errors) {
  const Tensor a = f32({2, 1}, {1, 2});
  EXPECT_LOUPE_ERROR(run1("Concat", axis(1), {a, f32({3, 2}, {1, 2, 3, 4, 5, 6})}),
                     "input 1 of shape [3,2] does not match input 0 of shape [2,1] outside axis 1");
  EXPECT_LOUPE_ERROR(run1("Concat", axis(0), {a, f32({2}, {1, 2})}), "does not match");
  EXPECT_LOUPE_ERROR(run1("Concat", axis(0), {a, i64({2, 1}, {1, 2})}), "input 1 is i64");
  EXPECT_LOUPE_ERROR(run1("Concat", axis(2), {a, a}), "axis 2 is out of range [-2, 1]");
  EXPECT_LOUPE_ERROR(make_op("Concat", {}), "attribute \"axis\" is required");
  EXPECT_LOUPE_ERROR(run1("Concat", axis(0), {}), "needs at least 1 input");
}

}  // namespace
}  // namespace loupe::ops
