#include "ew_test_util.hpp"

namespace loupe::ops {
namespace {

using test::run1;

Attributes perm(std::vector<int64_t> p) { return {{"perm", std::move(p)}}; }

TEST(Transpose, DefaultReversesTheDims) {
  const Tensor y = run1("Transpose", {}, {test::iota_f32({2, 3})});
  EXPECT_EQ(y.shape(), (Shape{3, 2}));
  test::expect_near(y, {0, 3, 1, 4, 2, 5}, 0);
  const Tensor z = run1("Transpose", {}, {test::iota_f32({2, 3, 4})});
  EXPECT_EQ(z.shape(), (Shape{4, 3, 2}));
  test::expect_near(
      z, {0, 12, 4, 16, 8, 20, 1, 13, 5, 17, 9, 21, 2, 14, 6, 18, 10, 22, 3, 15, 7, 19, 11, 23}, 0);
}

TEST(Transpose, FourDimsNonTrivialPerm) {
  // y[a,b,c,d] = x[b,d,c,a] for x [2,1,3,4].
  const Tensor y = run1("Transpose", perm({3, 0, 2, 1}), {test::iota_f32({2, 1, 3, 4})});
  EXPECT_EQ(y.shape(), (Shape{4, 2, 3, 1}));
  test::expect_near(
      y, {0, 4, 8, 12, 16, 20, 1, 5, 9, 13, 17, 21, 2, 6, 10, 14, 18, 22, 3, 7, 11, 15, 19, 23}, 0);
}

TEST(Transpose, NchwToNhwc) {
  const Tensor y = run1("Transpose", perm({0, 2, 3, 1}), {test::iota_f32({1, 2, 3, 4})});
  EXPECT_EQ(y.shape(), (Shape{1, 3, 4, 2}));
  test::expect_near(
      y, {0, 12, 1, 13, 2, 14, 3, 15, 4, 16, 5, 17, 6, 18, 7, 19, 8, 20, 9, 21, 10, 22, 11, 23}, 0);
}

TEST(Transpose, AnyDtype) {
  const Tensor y = run1("Transpose", {}, {test::i64({2, 2}, {1, -2, 3, -4})});
  EXPECT_EQ(y.dtype(), DType::i64);
  EXPECT_EQ(test::ivalues(y), (std::vector<int64_t>{1, 3, -2, -4}));
  Tensor b(Shape{1, 3}, DType::u8);
  for (int i = 0; i < 3; ++i) b.data<uint8_t>()[i] = static_cast<uint8_t>(7 * i);
  const Tensor c = run1("Transpose", perm({1, 0}), {b});
  EXPECT_EQ(c.shape(), (Shape{3, 1}));
  EXPECT_EQ(c.data<uint8_t>()[2], 14);
}

TEST(Transpose, Errors) {
  EXPECT_LOUPE_ERROR(make_op("Transpose", perm({0, 0, 1})),
                     "attribute perm [0,0,1] is not a permutation of 0..2");
  EXPECT_LOUPE_ERROR(make_op("Transpose", perm({-1, 0})), "not a permutation");
  EXPECT_LOUPE_ERROR(run1("Transpose", perm({1, 0}), {test::iota_f32({2, 3, 4})}),
                     "attribute perm [1,0] has 2 entries for an input of rank 3");
}

}  // namespace
}  // namespace loupe::ops
