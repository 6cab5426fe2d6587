#include <limits>

#include "ew_test_util.hpp"

namespace loupe::ops {
namespace {

using test::f32;
using test::i64;
using test::run1;

Attributes mode(const char* m) { return {{"mode", std::string(m)}}; }

// [[1,2,3],[4,5,6]]
Tensor x23() { return f32({2, 3}, {1, 2, 3, 4, 5, 6}); }

TEST(Pad, ConstantWithValueInput) {
  // pads = [row_begin, col_begin, row_end, col_end].
  const Tensor y =
      run1("Pad", {}, {f32({2, 2}, {1, 2, 3, 4}), i64({4}, {1, 2, 0, 1}), f32({}, {9})});
  EXPECT_EQ(y.shape(), (Shape{3, 5}));
  test::expect_near(y, {9, 9, 9, 9, 9, 9, 9, 1, 2, 9, 9, 9, 3, 4, 9}, 0);
}

TEST(Pad, ConstantDefaultsToZeroOnSpatialDims) {
  // The padding of a 3x3 convolution on an NCHW tensor: only H and W grow.
  const Tensor y =
      run1("Pad", {}, {f32({1, 1, 2, 2}, {1, 2, 3, 4}), i64({8}, {0, 0, 1, 1, 0, 0, 1, 1})});
  EXPECT_EQ(y.shape(), (Shape{1, 1, 4, 4}));
  test::expect_near(y, {0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0}, 0);
}

TEST(Pad, Reflect) {
  const Tensor cols = run1("Pad", mode("reflect"), {x23(), i64({4}, {0, 2, 0, 2})});
  EXPECT_EQ(cols.shape(), (Shape{2, 7}));
  test::expect_near(cols, {3, 2, 1, 2, 3, 2, 1, 6, 5, 4, 5, 6, 5, 4}, 0);
  const Tensor rows = run1("Pad", mode("reflect"), {x23(), i64({4}, {1, 0, 1, 0})});
  EXPECT_EQ(rows.shape(), (Shape{4, 3}));
  test::expect_near(rows, {4, 5, 6, 1, 2, 3, 4, 5, 6, 1, 2, 3}, 0);
}

TEST(Pad, Edge) {
  const Tensor y = run1("Pad", mode("edge"), {x23(), i64({4}, {0, 2, 0, 1})});
  EXPECT_EQ(y.shape(), (Shape{2, 6}));
  test::expect_near(y, {1, 1, 1, 2, 3, 3, 4, 4, 4, 5, 6, 6}, 0);
  const Tensor corners = run1("Pad", mode("edge"), {x23(), i64({4}, {1, 1, 1, 1})});
  EXPECT_EQ(corners.shape(), (Shape{4, 5}));
  test::expect_near(corners, {1, 1, 2, 3, 3, 1, 1, 2, 3, 3, 4, 4, 5, 6, 6, 4, 4, 5, 6, 6}, 0);
}

TEST(Pad, AttributesOfOldOpsets) {
  const Attributes a{{"pads", std::vector<int64_t>{0, 1, 0, 0}}, {"value", 7.0f}};
  const Tensor y = run1("Pad", a, {x23()});
  EXPECT_EQ(y.shape(), (Shape{2, 4}));
  test::expect_near(y, {7, 1, 2, 3, 7, 4, 5, 6}, 0);
}

TEST(Pad, NegativePadsCrop) {
  const Tensor y = run1("Pad", {}, {x23(), i64({4}, {0, -1, 0, 1})});
  EXPECT_EQ(y.shape(), (Shape{2, 3}));
  test::expect_near(y, {2, 3, 0, 5, 6, 0}, 0);
  // Edge repeats the edge of what is left after the crop.
  const Tensor e = run1("Pad", mode("edge"), {x23(), i64({4}, {0, 1, 0, -1})});
  test::expect_near(e, {1, 1, 2, 4, 4, 5}, 0);
}

TEST(Pad, AxesInputOfOpset18) {
  const Tensor y = run1("Pad", {}, {x23(), i64({2}, {1, 1}), Tensor(), i64({1}, {-1})});
  EXPECT_EQ(y.shape(), (Shape{2, 5}));
  test::expect_near(y, {0, 1, 2, 3, 0, 0, 4, 5, 6, 0}, 0);
}

TEST(Pad, Int64Data) {
  const Tensor y = run1("Pad", {}, {i64({2}, {5, 6}), i64({2}, {1, 0}), i64({}, {-1})});
  EXPECT_EQ(test::ivalues(y), (std::vector<int64_t>{-1, 5, 6}));
}

TEST(Pad, Errors) {
  EXPECT_LOUPE_ERROR(run1("Pad", mode("reflect"), {x23(), i64({4}, {0, 3, 0, 0})}),
                     "reflect pad 3 on dim 1 needs a dim larger than the pad, got 3");
  EXPECT_LOUPE_ERROR(run1("Pad", {}, {x23(), i64({2}, {1, 1})}),
                     "pads [1,1] has 2 entries, expected 4");
  EXPECT_LOUPE_ERROR(run1("Pad", {}, {x23(), i64({4}, {0, -2, 0, -2})}),
                     "pads -2 and -2 on dim 1 remove more than its 3 elements");
  EXPECT_LOUPE_ERROR(make_op("Pad", mode("wrap")), "attribute mode \"wrap\" is not supported");
  EXPECT_LOUPE_ERROR(run1("Pad", {}, {x23(), i64({4}, {0, 1, 0, 1}), i64({}, {0})}),
                     "constant_value input is i64, data is f32");
  EXPECT_LOUPE_ERROR(run1("Pad", {}, {x23(), i64({4}, {1, 1, 1, 1}), Tensor(), i64({2}, {1, -1})}),
                     "axes [1,-1] names dim 1 twice");
  const int64_t big = std::numeric_limits<int64_t>::max();
  EXPECT_LOUPE_ERROR(run1("Pad", {}, {x23(), i64({4}, {0, -big - 1, 0, big})}),
                     "on dim 1 remove more than its 3 elements");
  EXPECT_LOUPE_ERROR(run1("Pad", {}, {x23(), i64({4}, {0, big, 0, 1})}), "overflows");
  EXPECT_LOUPE_ERROR(
      run1("Pad", {{"pads", std::vector<int64_t>{1, 0}}, {"value", 0.5f}}, {i64({2}, {1, 2})}),
      "attribute value 0.5 is not representable");
  const Tensor pads = i64({4}, {0, 1, 0, 1});
  const Tensor x = x23();
  std::vector<ValueInfo> in = test::infos({x, pads});
  in[1].constant = nullptr;
  EXPECT_LOUPE_ERROR(make_op("Pad", {})->infer(in), "pads input must be a constant (initializer)");
}

}  // namespace
}  // namespace loupe::ops
