#include "ew_test_util.hpp"

namespace loupe::ops {
namespace {

using test::f32;
using test::run1;

TEST(Softmax, LastAxisByDefault) {
  const Tensor y = run1("Softmax", {}, {f32({2, 3}, {1, 2, 3, 1, 1, 1})});
  test::expect_near(
      y, {0.0900305732f, 0.244728471f, 0.665240956f, 0.333333333f, 0.333333333f, 0.333333333f});
}

TEST(Softmax, LargeValuesAreStable) {
  // exp(1000) overflows even in double; subtracting the row maximum first makes this [1,2,3].
  test::expect_near(run1("Softmax", {}, {f32({1, 3}, {1000, 1001, 1002})}),
                    {0.0900305732f, 0.244728471f, 0.665240956f});
  test::expect_near(run1("Softmax", {}, {f32({3}, {-1000, 0, 1000})}), {0, 0, 1});
}

TEST(Softmax, AxisZeroNormalizesColumns) {
  test::expect_near(run1("Softmax", {{"axis", int64_t{0}}}, {f32({2, 3}, {1, 2, 3, 3, 2, 1})}),
                    {0.119202922f, 0.5f, 0.880797078f, 0.880797078f, 0.5f, 0.119202922f});
}

TEST(Softmax, MiddleAxisPositiveAndNegative) {
  // [2,2,2] over axis 1: pairs (x[n,0,w], x[n,1,w]) are normalized; they are 2 elements apart.
  const Tensor x = f32({2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 9});
  const std::vector<float> want{0.119202922f, 0.119202922f,  0.880797078f, 0.880797078f,
                                0.119202922f, 0.0474258732f, 0.880797078f, 0.952574127f};
  test::expect_near(run1("Softmax", {{"axis", int64_t{1}}}, {x}), want);
  test::expect_near(run1("Softmax", {{"axis", int64_t{-2}}}, {x}), want);
}

TEST(Softmax, LogSoftmax) {
  test::expect_near(run1("LogSoftmax", {}, {f32({1, 3}, {1, 2, 3})}),
                    {-2.40760596f, -1.40760596f, -0.407605964f});
  test::expect_near(run1("LogSoftmax", {}, {f32({1, 3}, {1001, 1002, 1003})}),
                    {-2.40760596f, -1.40760596f, -0.407605964f}, 1e-5);
  // Not log(0) = -inf: the shifted form keeps the exact value.
  test::expect_near(run1("LogSoftmax", {}, {f32({3}, {-1000, 0, 1000})}), {-2000, -1000, 0});
}

TEST(Softmax, Flops) {
  const Tensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  const auto in = test::infos({x});
  for (const auto& [type, flops] : {std::pair{"Softmax", 30}, std::pair{"LogSoftmax", 32}}) {
    const auto op = make_op(type, {});
    EXPECT_EQ(op->count(in, op->infer(in)).flops, flops) << type;
  }
}

TEST(Softmax, Errors) {
  const Tensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_LOUPE_ERROR(run1("Softmax", {{"axis", int64_t{2}}}, {x}),
                     "axis 2 is out of range [-2, 1] for rank 2");
  EXPECT_LOUPE_ERROR(run1("LogSoftmax", {{"axis", int64_t{-3}}}, {x}), "axis -3 is out of range");
  EXPECT_LOUPE_ERROR(run1("Softmax", {}, {test::i64({2}, {1, 2})}), "input must be f32, got i64");
  EXPECT_LOUPE_ERROR(make_op("Softmax", {{"axes", int64_t{1}}}), "attribute \"axes\"");
}

}  // namespace
}  // namespace loupe::ops
