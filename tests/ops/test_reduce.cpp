#include <limits>

#include "ew_test_util.hpp"

namespace loupe::ops {
namespace {

using test::i64;
using test::run1;

Attributes mean(std::vector<int64_t> axes, int64_t keepdims) {
  return {{"axes", std::move(axes)}, {"keepdims", keepdims}};
}

// x = 0..11 as [2,3,2]:
//   [[0,1],[2,3],[4,5]], [[6,7],[8,9],[10,11]]
TEST(ReduceMean, OneAxisKeepOrDrop) {
  const Tensor x = test::iota_f32({2, 3, 2});
  const Tensor k = run1("ReduceMean", mean({1}, 1), {x});
  EXPECT_EQ(k.shape(), (Shape{2, 1, 2}));
  test::expect_near(k, {2, 3, 8, 9}, 0);
  const Tensor d = run1("ReduceMean", mean({-1}, 0), {x});
  EXPECT_EQ(d.shape(), (Shape{2, 3}));
  test::expect_near(d, {0.5f, 2.5f, 4.5f, 6.5f, 8.5f, 10.5f}, 0);
}

TEST(ReduceMean, SeveralAxesAndDefaultAll) {
  const Tensor x = test::iota_f32({2, 3, 2});
  const Tensor y = run1("ReduceMean", mean({0, 2}, 0), {x});
  EXPECT_EQ(y.shape(), (Shape{3}));
  test::expect_near(y, {3.5f, 5.5f, 7.5f}, 0);
  const Tensor all = run1("ReduceMean", {}, {x});
  EXPECT_EQ(all.shape(), (Shape{1, 1, 1}));
  test::expect_near(all, {5.5f}, 0);
  EXPECT_EQ(run1("ReduceMean", {{"keepdims", int64_t{0}}}, {x}).shape(), (Shape{}));
}

TEST(ReduceMean, AxesInputOfOpset18) {
  const Tensor x = test::iota_f32({2, 3, 2});
  const Tensor y = run1("ReduceMean", {{"keepdims", int64_t{0}}}, {x, i64({1}, {0})});
  EXPECT_EQ(y.shape(), (Shape{3, 2}));
  test::expect_near(y, {3, 4, 5, 6, 7, 8}, 0);
  const Tensor same = run1("ReduceMean", {{"noop_with_empty_axes", int64_t{1}}}, {x, i64({0}, {})});
  EXPECT_EQ(test::values(same), test::values(x));
}

TEST(ReduceMean, CountsAnAddPerInputAndADividePerOutput) {
  const auto op = make_op("ReduceMean", mean({1}, 1));
  const Tensor x = test::iota_f32({2, 3, 2});
  const auto in = test::infos({x});
  EXPECT_EQ(op->count(in, op->infer(in)).flops, 12 + 4);
}

// x = [[1, -2], [3, 4]], reduced over axis 1 (rows) unless said otherwise.
TEST(Reduce, EveryKind) {
  const Tensor x = test::f32({2, 2}, {1, -2, 3, 4});
  const Attributes rows = mean({1}, 0);
  test::expect_near(run1("ReduceSum", rows, {x}), {-1, 7}, 0);
  test::expect_near(run1("ReduceMax", rows, {x}), {1, 4}, 0);
  test::expect_near(run1("ReduceMin", rows, {x}), {-2, 3}, 0);
  test::expect_near(run1("ReduceProd", rows, {x}), {-2, 12}, 0);
  test::expect_near(run1("ReduceL1", rows, {x}), {3, 7}, 0);
  test::expect_near(run1("ReduceSumSquare", rows, {x}), {5, 25}, 0);
  // sqrt(5) = 2.2360680, log(1 - 2 + 3 + 4) = log(6) = 1.7917595, log(e^3 + e^4) = 4 + log(1 +
  // e^-1) = 4.3132617.
  test::expect_near(run1("ReduceL2", rows, {x}), {2.236068f, 5}, 1e-6);
  test::expect_near(run1("ReduceLogSum", mean({0, 1}, 0), {x}), {1.7917595f}, 1e-6);
  test::expect_near(run1("ReduceLogSumExp", rows, {test::f32({2, 2}, {0, 0, 3, 4})}),
                    {0.6931472f, 4.3132617f}, 1e-6);
}

TEST(Reduce, LogSumExpOfLargeValuesDoesNotOverflow) {
  // log(2 e^1000) = 1000 + log 2 = 1000.6931...
  Tensor x(Shape{2}, DType::f64);
  x.data<double>()[0] = 1000;
  x.data<double>()[1] = 1000;
  const Tensor y = run1("ReduceLogSumExp", {{"keepdims", int64_t{0}}}, {x});
  EXPECT_EQ(y.dtype(), DType::f64);
  EXPECT_NEAR(y.data<double>()[0], 1000.6931471805599, 1e-12);
}

TEST(Reduce, SumAxesInputOfOpset13AndEmptyWindows) {
  const Tensor x = test::iota_f32({2, 3});
  test::expect_near(run1("ReduceSum", {{"keepdims", int64_t{0}}}, {x, i64({1}, {-1})}), {3, 12}, 0);
  // An empty axes input reduces everything unless noop_with_empty_axes is set.
  test::expect_near(run1("ReduceSum", {}, {x, i64({0}, {})}), {15}, 0);
  const Tensor empty(Shape{2, 0});
  test::expect_near(run1("ReduceSum", mean({1}, 0), {empty}), {0, 0}, 0);
  test::expect_near(run1("ReduceProd", mean({1}, 0), {empty}), {1, 1}, 0);
  EXPECT_EQ(run1("ReduceMax", mean({1}, 0), {empty}).data<float>()[0],
            -std::numeric_limits<float>::infinity());
}

TEST(ReduceMean, Errors) {
  const Tensor x = test::iota_f32({2, 3});
  EXPECT_LOUPE_ERROR(run1("ReduceMean", mean({2}, 1), {x}), "axes");
  EXPECT_LOUPE_ERROR(run1("ReduceMean", mean({1, -1}, 1), {x}), "axes [1,-1] repeat an axis");
  EXPECT_LOUPE_ERROR(run1("ReduceMean", mean({0}, 1), {x, i64({1}, {0})}),
                     "axes are given as an attribute and as an input");
  EXPECT_LOUPE_ERROR(run1("ReduceMean", {}, {i64({1}, {1})}),
                     "input data must be f32 or f64, got i64");
  EXPECT_LOUPE_ERROR(make_op("ReduceMean", {{"keepdims", int64_t{2}}}),
                     "keepdims 2 must be 0 or 1");
}

}  // namespace
}  // namespace loupe::ops
