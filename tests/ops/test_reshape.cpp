#include "ew_test_util.hpp"

namespace loupe::ops {
namespace {

using test::i64;
using test::run1;

Shape reshaped(const Shape& x, std::vector<int64_t> spec, int64_t allow_zero = 0) {
  const Tensor t(x);
  const int64_t n = static_cast<int64_t>(spec.size());
  return run1("Reshape", {{"allowzero", allow_zero}}, {t, i64({n}, std::move(spec))}).shape();
}

TEST(Reshape, ZeroCopiesAndMinusOneInfers) {
  const Tensor x = test::iota_f32({2, 3, 4});
  const Tensor y = run1("Reshape", {}, {x, i64({2}, {0, -1})});
  EXPECT_EQ(y.shape(), (Shape{2, 12}));
  EXPECT_EQ(test::values(y), test::values(x));
  EXPECT_EQ(reshaped({2, 3, 4}, {4, 0, 2}), (Shape{4, 3, 2}));
  EXPECT_EQ(reshaped({2, 3, 4}, {-1}), (Shape{24}));
  EXPECT_EQ(reshaped({2, 3, 4}, {2, -1, 2}), (Shape{2, 6, 2}));
  EXPECT_EQ(reshaped({2, 3, 4}, {0, 0, -1}), (Shape{2, 3, 4}));
  EXPECT_EQ(reshaped({2, 3, 4}, {1, 1, 24, 1}), (Shape{1, 1, 24, 1}));
}

TEST(Reshape, AllowZeroKeepsARealZero) {
  EXPECT_EQ(reshaped({0, 3}, {3, 0}, 1), (Shape{3, 0}));
  // Without allowzero the 0 copies the input's dim 1 (3), so the counts no longer match.
  EXPECT_LOUPE_ERROR(reshaped({0, 3}, {3, 0}, 0),
                     "cannot reshape [0,3] (0 elements) to [3,3] (9 elements)");
}

TEST(Reshape, ShapeAttributeOfOldOpsets) {
  const Tensor y = run1("Reshape", {{"shape", std::vector<int64_t>{3, -1}}},
                        {test::i64({2, 3}, {1, 2, 3, 4, 5, 6})});
  EXPECT_EQ(y.shape(), (Shape{3, 2}));
  EXPECT_EQ(test::ivalues(y), (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
}

TEST(Reshape, ShapeInputMustBeConstantButReferenceUsesTheRuntimeTensor) {
  const auto op = make_op("Reshape", {});
  const Tensor x = test::iota_f32({2, 3, 4});
  const Tensor spec = i64({2}, {0, -1});
  std::vector<ValueInfo> in = test::infos({x, spec});
  in[1].constant = nullptr;  // computed by another node
  EXPECT_LOUPE_ERROR(op->infer(in), "shape input must be a constant (initializer)");
  // The executor (or constant folding) still runs it once the shape is known.
  std::vector<Tensor> out{Tensor({2, 12})};
  const std::vector<Tensor> runtime{x, spec};
  op->reference(runtime, out);
  EXPECT_EQ(test::values(out[0]), test::values(x));
  std::vector<Tensor> wrong{Tensor({4, 6})};
  EXPECT_LOUPE_ERROR(op->reference(runtime, wrong), "the shape input gives [2,12]");
}

TEST(Reshape, Errors) {
  EXPECT_LOUPE_ERROR(reshaped({2, 3, 4}, {-1, -1}), "shape [-1,-1] has more than one -1");
  EXPECT_LOUPE_ERROR(reshaped({2, 3, 4}, {5, 5}),
                     "cannot reshape [2,3,4] (24 elements) to [5,5] (25 elements)");
  EXPECT_LOUPE_ERROR(reshaped({2, 3, 4}, {5, -1}), "24 is not a multiple of 5");
  EXPECT_LOUPE_ERROR(reshaped({2, 3}, {6, 1, 0}), "0 at index 2 copies a dim");
  EXPECT_LOUPE_ERROR(reshaped({2, 3}, {-2, -3}), "negative dim -2");
  EXPECT_LOUPE_ERROR(reshaped({0, 3}, {0, -1}, 1), "has both 0 and -1 with allowzero=1");
  EXPECT_LOUPE_ERROR(reshaped({2, 3}, {0, -1, 0}, 0), "0 at index 2 copies a dim");
  const Tensor x = test::iota_f32({2, 3});
  EXPECT_LOUPE_ERROR(run1("Reshape", {}, {x, test::f32({2}, {3, 2})}),
                     "shape input must be i64, got f32");
  EXPECT_LOUPE_ERROR(run1("Reshape", {}, {x, i64({1, 2}, {3, 2})}), "shape input must be 1-D");
  EXPECT_LOUPE_ERROR(run1("Reshape", {}, {x}), "needs 2 inputs (data, shape), got 1");
  EXPECT_LOUPE_ERROR(make_op("Reshape", {{"allowzero", int64_t{2}}}), "allowzero 2 must be 0 or 1");
}

}  // namespace
}  // namespace loupe::ops
