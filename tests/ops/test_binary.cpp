#include <cmath>
#include <limits>

#include "ew_test_util.hpp"

namespace loupe::ops {
namespace {

using test::f32;
using test::i64;
using test::run1;

TEST(Binary, SameShape) {
  const Tensor a = f32({2, 2}, {1, 2, 3, 4});
  const Tensor b = f32({2, 2}, {10, 20, 30, 40});
  test::expect_near(run1("Add", {}, {a, b}), {11, 22, 33, 44}, 0);
  test::expect_near(run1("Sub", {}, {a, b}), {-9, -18, -27, -36}, 0);
  test::expect_near(run1("Mul", {}, {a, b}), {10, 40, 90, 160}, 0);
  test::expect_near(run1("Div", {}, {b, a}), {10, 10, 10, 10}, 0);
}

TEST(Binary, Broadcast231With4) {
  // C[i,j,k] = A[i,j,0] + B[k].
  const Tensor a = f32({2, 3, 1}, {1, 2, 3, 4, 5, 6});
  const Tensor b = f32({4}, {10, 20, 30, 40});
  const Tensor c = run1("Add", {}, {a, b});
  EXPECT_EQ(c.shape(), (Shape{2, 3, 4}));
  test::expect_near(c, {11, 21, 31, 41, 12, 22, 32, 42, 13, 23, 33, 43,
                        14, 24, 34, 44, 15, 25, 35, 45, 16, 26, 36, 46},
                    0);
  // Commutes: the broadcast input may come first.
  EXPECT_EQ(test::values(run1("Add", {}, {b, a})), test::values(c));
}

TEST(Binary, BroadcastBothWays) {
  // [2,1,2] - [3,1] -> [2,3,2]: A repeats along dim 1, B along dims 0 and 2.
  const Tensor c = run1("Sub", {}, {f32({2, 1, 2}, {1, 2, 3, 4}), f32({3, 1}, {10, 20, 30})});
  EXPECT_EQ(c.shape(), (Shape{2, 3, 2}));
  test::expect_near(c, {-9, -8, -19, -18, -29, -28, -7, -6, -17, -16, -27, -26}, 0);
}

TEST(Binary, Scalars) {
  const Tensor s = f32({}, {3});
  const Tensor c = run1("Mul", {}, {f32({2, 2}, {1, 2, 3, 4}), s});
  EXPECT_EQ(c.shape(), (Shape{2, 2}));
  test::expect_near(c, {3, 6, 9, 12}, 0);
  test::expect_near(run1("Div", {}, {f32({2}, {1, 2}), s}), {0.333333343f, 0.666666687f}, 0);
  test::expect_near(run1("Sub", {}, {s, f32({3}, {1, 2, 3})}), {2, 1, 0}, 0);
  const Tensor both = run1("Add", {}, {s, s});
  EXPECT_EQ(both.shape(), Shape{});
  test::expect_near(both, {6}, 0);
}

TEST(Binary, FloatDivisionByZeroIsIeee) {
  const Tensor c = run1("Div", {}, {f32({3}, {1, -1, 0}), f32({}, {0})});
  EXPECT_EQ(c.data<float>()[0], std::numeric_limits<float>::infinity());
  EXPECT_EQ(c.data<float>()[1], -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(c.data<float>()[2]));
}

TEST(Binary, Int64ShapeArithmetic) {
  const Tensor a = i64({4}, {7, -7, 7, -7});
  const Tensor b = i64({4}, {2, 2, -2, -2});
  EXPECT_EQ(test::ivalues(run1("Add", {}, {a, b})), (std::vector<int64_t>{9, -5, 5, -9}));
  EXPECT_EQ(test::ivalues(run1("Sub", {}, {a, b})), (std::vector<int64_t>{5, -9, 9, -5}));
  EXPECT_EQ(test::ivalues(run1("Mul", {}, {a, i64({}, {3})})),
            (std::vector<int64_t>{21, -21, 21, -21}));
  // Truncation toward zero, as C++ and ONNX Runtime divide.
  EXPECT_EQ(test::ivalues(run1("Div", {}, {a, b})), (std::vector<int64_t>{3, -3, -3, 3}));
  EXPECT_EQ(run1("Add", {}, {a, b}).dtype(), DType::i64);
}

TEST(Binary, Int64Errors) {
  EXPECT_LOUPE_ERROR(run1("Div", {}, {i64({2}, {1, 2}), i64({2}, {1, 0})}),
                     "i64 Div: division of 2 by zero");
  const int64_t big = std::numeric_limits<int64_t>::max();
  EXPECT_LOUPE_ERROR(run1("Add", {}, {i64({1}, {big}), i64({1}, {1})}), "i64 Add");
  EXPECT_LOUPE_ERROR(run1("Mul", {}, {i64({1}, {big}), i64({1}, {2})}), "i64 Mul");
  EXPECT_LOUPE_ERROR(run1("Sub", {}, {i64({1}, {-big}), i64({1}, {2})}), "i64 Sub");
}

TEST(Binary, LegacyBroadcastWithAxis) {
  // Opset < 7: B [3] aligned with dim 1 of A [2,3,2], i.e. B as [3,1] in NumPy terms.
  const Tensor a = f32({2, 3, 2}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  const Tensor b = f32({3}, {100, 200, 300});
  const Attributes legacy{{"broadcast", int64_t{1}}, {"axis", int64_t{1}}};
  test::expect_near(run1("Add", legacy, {a, b}),
                    {100, 101, 202, 203, 304, 305, 106, 107, 208, 209, 310, 311}, 0);
  EXPECT_LOUPE_ERROR(run1("Add", {{"broadcast", int64_t{1}}, {"axis", int64_t{2}}},
                          {a, f32({2, 2}, {1, 2, 3, 4})}),
                     "does not fit input A of shape [2,3,2] at axis 2");
  EXPECT_LOUPE_ERROR(make_op("Add", {{"axis", int64_t{1}}}), "axis needs broadcast=1");
}

TEST(Binary, Flops) {
  const Tensor a = f32({2, 3, 1}, {1, 2, 3, 4, 5, 6});
  const Tensor b = f32({4}, {1, 2, 3, 4});
  auto in = test::infos({a, b});
  const auto op = make_op("Mul", {});
  EXPECT_EQ(op->count(in, op->infer(in)).flops, 24);
  const Tensor ia = i64({2}, {1, 2});
  in = test::infos({ia, ia});
  EXPECT_EQ(op->count(in, op->infer(in)).flops, 0);
}

TEST(Binary, Errors) {
  EXPECT_LOUPE_ERROR(
      run1("Add", {}, {f32({1, 3, 4}, std::vector<float>(12)), f32({2, 4}, std::vector<float>(8))}),
      "shapes [1,3,4] and [2,4] cannot be broadcast");
  EXPECT_LOUPE_ERROR(run1("Mul", {}, {f32({2}, {1, 2}), i64({2}, {1, 2})}),
                     "inputs A (f32) and B (i64) must have the same dtype");
  const Tensor u(Shape{2}, DType::u8);
  EXPECT_LOUPE_ERROR(run1("Add", {}, {u, u}), "input dtype u8 is not supported");
  EXPECT_LOUPE_ERROR(run1("Add", {}, {f32({2}, {1, 2})}), "needs 2 inputs, got 1");
}

}  // namespace
}  // namespace loupe::ops
