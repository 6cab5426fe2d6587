#include <limits>

#include "ew_test_util.hpp"

namespace loupe::ops {
namespace {

using test::i64;
using test::run1;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

Tensor list(std::vector<int64_t> v) {
  const auto n = static_cast<int64_t>(v.size());
  return i64({n}, std::move(v));
}

// x = 0..11 as [3,4]:
//   0  1  2  3
//   4  5  6  7
//   8  9 10 11
Tensor slice(std::vector<int64_t> starts, std::vector<int64_t> ends, std::vector<int64_t> axes,
             std::vector<int64_t> steps = {}) {
  std::vector<Tensor> in{test::iota_f32({3, 4}), list(std::move(starts)), list(std::move(ends)),
                         list(std::move(axes))};
  if (!steps.empty()) in.push_back(list(std::move(steps)));
  return run1("Slice", {}, in);
}

TEST(Slice, Window) {
  const Tensor y = slice({1, 0}, {3, 3}, {0, 1});
  EXPECT_EQ(y.shape(), (Shape{2, 3}));
  test::expect_near(y, {4, 5, 6, 8, 9, 10}, 0);
}

TEST(Slice, StepsAndNegativeAxes) {
  const Tensor y = slice({0, 1}, {3, 4}, {0, -1}, {2, 2});
  EXPECT_EQ(y.shape(), (Shape{2, 2}));
  test::expect_near(y, {1, 3, 9, 11}, 0);
}

TEST(Slice, NegativeSteps) {
  // -5 + 4 = -1 is "before the first element" for a negative step: columns 3, 1.
  const Tensor y = slice({-1}, {-5}, {1}, {-2});
  EXPECT_EQ(y.shape(), (Shape{3, 2}));
  test::expect_near(y, {3, 1, 7, 5, 11, 9}, 0);
  // INT64_MIN as end: the whole axis reversed.
  test::expect_near(slice({kMax}, {kMin}, {0}, {-1}), {8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3}, 0);
  // A start past the end clamps to the last element.
  test::expect_near(slice({10}, {1}, {1}, {-1}), {3, 2, 7, 6, 11, 10}, 0);
}

TEST(Slice, ClampingOutOfRangeBounds) {
  EXPECT_EQ(slice({1}, {kMax}, {1}).shape(), (Shape{3, 3}));
  EXPECT_EQ(slice({-100}, {2}, {1}).shape(), (Shape{3, 2}));
  EXPECT_EQ(slice({10}, {20}, {0}).shape(), (Shape{0, 4}));
  EXPECT_EQ(slice({0}, {-100}, {1}).shape(), (Shape{3, 0}));
  EXPECT_EQ(slice({2}, {1}, {1}).shape(), (Shape{3, 0}));
  EXPECT_EQ(slice({0}, {4}, {1}, {kMax}).shape(), (Shape{3, 1}));
}

TEST(Slice, DefaultAxesAndSteps) {
  const Tensor x = test::iota_f32({3, 4});
  const Tensor y = run1("Slice", {}, {x, list({1, 2}), list({2, 4})});
  EXPECT_EQ(y.shape(), (Shape{1, 2}));
  test::expect_near(y, {6, 7}, 0);
  // Omitted axes (empty name) with steps given.
  const Tensor z = run1("Slice", {}, {x, list({0}), list({3}), Tensor(), list({2})});
  EXPECT_EQ(z.shape(), (Shape{2, 4}));
  test::expect_near(z, {0, 1, 2, 3, 8, 9, 10, 11}, 0);
}

TEST(Slice, Int32BoundsAndIntegerData) {
  Tensor starts(Shape{1}, DType::i32);
  Tensor ends(Shape{1}, DType::i32);
  starts.data<int32_t>()[0] = 1;
  ends.data<int32_t>()[0] = -1;
  const Tensor y = run1("Slice", {}, {i64({4}, {10, 20, 30, 40}), starts, ends});
  EXPECT_EQ(test::ivalues(y), (std::vector<int64_t>{20, 30}));
}

TEST(Slice, AttributesOfOpsetsBeforeTen) {
  const Attributes a{{"starts", std::vector<int64_t>{1}},
                     {"ends", std::vector<int64_t>{kMax}},
                     {"axes", std::vector<int64_t>{0}}};
  const Tensor y = run1("Slice", a, {test::iota_f32({3, 4})});
  EXPECT_EQ(y.shape(), (Shape{2, 4}));
  test::expect_near(y, {4, 5, 6, 7, 8, 9, 10, 11}, 0);
}

TEST(Slice, Errors) {
  EXPECT_LOUPE_ERROR(slice({0}, {1}, {0}, {0}), "step of axis 0 is 0");
  EXPECT_LOUPE_ERROR(slice({0, 0}, {1, 1}, {1, -1}), "axis -1 is sliced twice");
  EXPECT_LOUPE_ERROR(slice({0, 0}, {1}, {0}), "starts has 2 entries, ends has 1");
  EXPECT_LOUPE_ERROR(slice({0}, {1}, {2}), "axes");
  EXPECT_LOUPE_ERROR(make_op("Slice", {{"starts", std::vector<int64_t>{0}}}),
                     "attributes starts and ends must be given together");
  const auto op = make_op("Slice", {});
  const std::vector<Tensor> t{test::iota_f32({3, 4}), list({0}), list({1})};
  std::vector<ValueInfo> in = test::infos(t);
  in[1].constant = nullptr;
  EXPECT_LOUPE_ERROR(op->infer(in), "input starts must be a constant");
}

}  // namespace
}  // namespace loupe::ops
