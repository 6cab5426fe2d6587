// MatMul reference against hand-computed products, numpy matmul semantics.
#include "ops/matmul.hpp"
#include "ops/nn_test_util.hpp"

namespace loupe::ops::test {
namespace {

using ::testing::HasSubstr;

TEST(MatMulReference, TwoD) {
  // [[1,2,3],[4,5,6]] x [[1,0],[0,1],[1,1]] = [[4,5],[10,11]].
  expect_values(run_op("MatMul", {},
                       {tensor({2, 3}, {1, 2, 3, 4, 5, 6}), tensor({3, 2}, {1, 0, 0, 1, 1, 1})})[0],
                {2, 2}, {4, 5, 10, 11});
}

TEST(MatMulReference, BatchedBroadcast) {
  // A [2,1,2,2]: A0 = identity, A1 = [[0,1],[1,0]] (swaps rows). B [3,2,2]:
  // B0 = [[1,2],[3,4]], B1 = [[5,6],[7,8]], B2 = [[-1,0],[0,-1]]. Result [2,3,2,2]:
  // Y[0][j] = B_j; Y[1][j] = B_j with its rows swapped.
  const Tensor a = tensor({2, 1, 2, 2}, {1, 0, 0, 1, 0, 1, 1, 0});
  const Tensor b = tensor({3, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8, -1, 0, 0, -1});
  expect_values(run_op("MatMul", {}, {a, b})[0], {2, 3, 2, 2},
                {1, 2, 3, 4, 5, 6, 7, 8, -1, 0,  0,  -1,  //
                 3, 4, 1, 2, 7, 8, 5, 6, 0,  -1, -1, 0});
  // Broadcast the other way round: A [3,2,2] against B [2,1,2,2] = A1-style swap on the right
  // swaps columns: Y[i][j] = A_j * B_i.
  expect_values(run_op("MatMul", {}, {b, a})[0], {2, 3, 2, 2},
                {1, 2, 3, 4, 5, 6, 7, 8, -1, 0,  0,  -1,  //
                 2, 1, 4, 3, 6, 5, 8, 7, 0,  -1, -1, 0});
}

TEST(MatMulReference, OneDOperands) {
  const Tensor m = tensor({3, 2}, {1, 0, 0, 1, 1, 1});
  // [1,2,3] x m = [1+3, 2+3]; the promoted row axis is removed: shape [2].
  expect_values(run_op("MatMul", {}, {tensor({3}, {1, 2, 3}), m})[0], {2}, {4, 5});
  // [[1,2,3],[4,5,6]] x [1,1,1] = row sums [6, 15], shape [2].
  expect_values(
      run_op("MatMul", {}, {tensor({2, 3}, {1, 2, 3, 4, 5, 6}), tensor({3}, {1, 1, 1})})[0], {2},
      {6, 15});
  // Dot product: 1*4 + 2*5 + 3*6 = 32, a scalar.
  expect_values(run_op("MatMul", {}, {tensor({3}, {1, 2, 3}), tensor({3}, {4, 5, 6})})[0], {},
                {32});
  // [1,1] x B [3,2,2] = column sums of each B_j: [4,6], [12,14], [-1,-1].
  const Tensor b = tensor({3, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8, -1, 0, 0, -1});
  expect_values(run_op("MatMul", {}, {tensor({2}, {1, 1}), b})[0], {3, 2}, {4, 6, 12, 14, -1, -1});
}

TEST(MatMulCount, BatchedAndTwoD) {
  // Batch [2,3], M 4, K 5, N 6: 6 * 4 * 6 * 5 = 720 MACs; no single FC nest.
  const std::vector<ValueInfo> batched{shape_info({2, 1, 4, 5}), shape_info({3, 5, 6})};
  const auto op = make_op("MatMul", {});
  EXPECT_EQ(op->infer(batched)[0].shape, (Shape{2, 3, 4, 6}));
  const Counts c = op->count(batched, op->infer(batched));
  EXPECT_EQ(c.macs, 720);
  EXPECT_EQ(c.flops, 1440);
  EXPECT_FALSE(op->layer_shape(batched).has_value());
  // 2-D: [8,16] x [16,32] is an FC layer with N=8, C=16, M=32: 4096 MACs.
  const std::vector<ValueInfo> fc{shape_info({8, 16}), shape_info({16, 32})};
  EXPECT_EQ(count_op("MatMul", {}, fc).macs, 4096);
  const auto ls = op->layer_shape(fc);
  ASSERT_TRUE(ls.has_value());
  EXPECT_EQ(ls->kind, LayerKind::fc);
  EXPECT_EQ(ls->N, 8);
  EXPECT_EQ(ls->C, 16);
  EXPECT_EQ(ls->M, 32);
}

TEST(MatMulErrors, Shapes) {
  const auto infer = [](Shape a, Shape b) {
    return error_of([&] { make_op("MatMul", {})->infer({{shape_info(a), shape_info(b)}}); });
  };
  EXPECT_THAT(infer({2, 3}, {4, 2}), HasSubstr("inner dimensions 3 and 4 differ"));
  EXPECT_THAT(infer({3}, {2}), HasSubstr("inner dimensions 3 and 2 differ"));
  EXPECT_THAT(infer({2, 2, 3}, {3, 3, 2}), HasSubstr("do not broadcast (2 vs 3)"));
  EXPECT_THAT(infer({}, {3, 2}), HasSubstr("scalar"));
  EXPECT_THAT(error_of([] {
                make_op("MatMul", {})->infer({{shape_info({2, 2})}});
              }),
              HasSubstr("needs inputs A and B"));
  EXPECT_THAT(error_of([] {
                make_op("MatMul", {{"transA", int64_t{1}}});
              }),
              HasSubstr("not supported"));
  EXPECT_THAT(error_of([] {
                make_op("MatMul", {})->infer({{shape_info({2, 2}), ValueInfo{{2, 2}, DType::i64}}});
              }),
              HasSubstr("input B is i64"));
}

}  // namespace
}  // namespace loupe::ops::test
