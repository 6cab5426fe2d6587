#include "ew_test_util.hpp"

namespace loupe::ops {
namespace {

using test::f32;
using test::i64;
using test::run1;

Attributes axis(int64_t a) { return {{"axis", a}}; }

TEST(Gather, RowsOfAMatrix) {
  const Tensor data = f32({3, 2}, {1, 2, 3, 4, 5, 6});
  const Tensor y = run1("Gather", {}, {data, i64({2, 2}, {0, 1, 1, 2})});
  EXPECT_EQ(y.shape(), (Shape{2, 2, 2}));
  test::expect_near(y, {1, 2, 3, 4, 3, 4, 5, 6}, 0);
}

TEST(Gather, InnerAxisAndNegativeIndices) {
  const Tensor data = f32({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  const Tensor y = run1("Gather", axis(1), {data, i64({1, 2}, {0, -1})});
  EXPECT_EQ(y.shape(), (Shape{3, 1, 2}));
  test::expect_near(y, {1, 3, 4, 6, 7, 9}, 0);
  EXPECT_EQ(test::values(run1("Gather", axis(-1), {data, i64({1, 2}, {0, 2})})), test::values(y));
}

TEST(Gather, ScalarIndexDropsTheAxis) {
  // PyTorch's x.size(1): Shape -> Gather(axis 0, scalar index 1).
  const Tensor y = run1("Gather", axis(0), {i64({4}, {1, 3, 224, 224}), i64({}, {1})});
  EXPECT_EQ(y.shape(), (Shape{}));
  EXPECT_EQ(test::ivalues(y), (std::vector<int64_t>{3}));
}

TEST(Gather, Int32IndicesAndByteData) {
  Tensor data(Shape{2, 3}, DType::u8);
  for (int i = 0; i < 6; ++i) data.data<uint8_t>()[i] = static_cast<uint8_t>(10 + i);
  Tensor idx(Shape{2}, DType::i32);
  idx.data<int32_t>()[0] = 2;
  idx.data<int32_t>()[1] = -3;
  const Tensor y = run1("Gather", axis(1), {data, idx});
  EXPECT_EQ(y.shape(), (Shape{2, 2}));
  const auto v = y.span<uint8_t>();
  EXPECT_EQ(std::vector<uint8_t>(v.begin(), v.end()), (std::vector<uint8_t>{12, 10, 15, 13}));
}

TEST(Gather, Errors) {
  const Tensor data = f32({3, 2}, {1, 2, 3, 4, 5, 6});
  EXPECT_LOUPE_ERROR(run1("Gather", {}, {data, i64({1}, {3})}),
                     "index 3 is out of range for an axis of size 3");
  EXPECT_LOUPE_ERROR(run1("Gather", {}, {data, i64({1}, {-4})}), "index -4 is out of range");
  EXPECT_LOUPE_ERROR(run1("Gather", axis(2), {data, i64({1}, {0})}), "axis");
  EXPECT_LOUPE_ERROR(run1("Gather", {}, {data, f32({1}, {0})}),
                     "input indices must be i64 or i32, got f32");
  EXPECT_LOUPE_ERROR(run1("Gather", {}, {data}), "needs 2 inputs (data, indices), got 1");
  // An index known only at run time is checked by the reference.
  const auto op = make_op("Gather", {});
  const Tensor idx = i64({1}, {7});
  std::vector<ValueInfo> in = test::infos({data, idx});
  in[1].constant = nullptr;
  const std::vector<ValueInfo> out = op->infer(in);
  std::vector<Tensor> y{Tensor(out[0].shape)};
  const std::vector<Tensor> runtime{data, idx};
  EXPECT_LOUPE_ERROR(op->reference(runtime, y), "index 7 is out of range");
}

}  // namespace
}  // namespace loupe::ops
