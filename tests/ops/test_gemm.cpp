// Gemm reference against hand-computed products.
#include "ops/gemm.hpp"
#include "ops/nn_test_util.hpp"

namespace loupe::ops::test {
namespace {

using ::testing::HasSubstr;

// A = [[1,2,3],[4,5,6]], B = [[1,0],[0,1],[1,1]]: A*B = [[1+3, 2+3], [4+6, 5+6]] = [[4,5],[10,11]].
const std::vector<float> kA{1, 2, 3, 4, 5, 6};
const std::vector<float> kAt{1, 4, 2, 5, 3, 6};  // A transposed, stored [3,2]
const std::vector<float> kB{1, 0, 0, 1, 1, 1};
const std::vector<float> kBt{1, 0, 1, 0, 1, 1};  // B transposed, stored [2,3]

TEST(GemmReference, PlainAndTransposed) {
  const Tensor a = tensor({2, 3}, kA), at = tensor({3, 2}, kAt);
  const Tensor b = tensor({3, 2}, kB), bt = tensor({2, 3}, kBt);
  const std::vector<double> want{4, 5, 10, 11};
  expect_values(run_op("Gemm", {}, {a, b})[0], {2, 2}, want);
  expect_values(run_op("Gemm", {{"transA", int64_t{1}}}, {at, b})[0], {2, 2}, want);
  expect_values(run_op("Gemm", {{"transB", int64_t{1}}}, {a, bt})[0], {2, 2}, want);
  expect_values(run_op("Gemm", {{"transA", int64_t{1}}, {"transB", int64_t{1}}}, {at, bt})[0],
                {2, 2}, want);
}

TEST(GemmReference, AlphaBetaAndBroadcastC) {
  const Tensor a = tensor({2, 3}, kA), b = tensor({3, 2}, kB);
  // alpha 2, beta 0.5, C = [10, 20] broadcast over rows:
  // 2*[[4,5],[10,11]] + 0.5*[[10,20],[10,20]] = [[13,20],[25,32]].
  const Attributes ab{{"alpha", 2.0f}, {"beta", 0.5f}};
  expect_values(run_op("Gemm", ab, {a, b, tensor({2}, {10, 20})})[0], {2, 2}, {13, 20, 25, 32});
  // C [2,1] = [[1],[2]] broadcast over columns: [[5,6],[12,13]].
  expect_values(run_op("Gemm", {}, {a, b, tensor({2, 1}, {1, 2})})[0], {2, 2}, {5, 6, 12, 13});
  // C [1,1] and scalar C: + 100 everywhere.
  expect_values(run_op("Gemm", {}, {a, b, tensor({1, 1}, {100})})[0], {2, 2}, {104, 105, 110, 111});
  expect_values(run_op("Gemm", {}, {a, b, tensor({}, {100})})[0], {2, 2}, {104, 105, 110, 111});
  // Full C [2,2] with beta -1: [[4-1, 5-2], [10-3, 11-4]].
  expect_values(run_op("Gemm", {{"beta", -1.0f}}, {a, b, tensor({2, 2}, {1, 2, 3, 4})})[0], {2, 2},
                {3, 3, 7, 7});
  // C omitted (opset 11+) or empty input.
  expect_values(run_op("Gemm", ab, {a, b, Tensor()})[0], {2, 2}, {8, 10, 20, 22});
  // The opset-6 "broadcast" attribute reads the same.
  expect_values(run_op("Gemm", {{"broadcast", int64_t{1}}}, {a, b, tensor({2}, {10, 20})})[0],
                {2, 2}, {14, 25, 20, 31});
}

TEST(GemmCount, AlexNetFc6) {
  // AlexNet FC6 at batch 4, weight stored [4096, 9216] (transB = 1, as torch exports Linear):
  // MACs = 4 * 9216 * 4096 = 150,994,944 (37,748,736 per image = the layer's weight count).
  const Attributes a{{"transB", int64_t{1}}};
  const std::vector<ValueInfo> in{shape_info({4, 9216}), shape_info({4096, 9216}),
                                  shape_info({4096})};
  const auto op = make_op("Gemm", a);
  const auto out = op->infer(in);
  EXPECT_EQ(out[0].shape, (Shape{4, 4096}));
  const Counts c = op->count(in, out);
  EXPECT_EQ(c.macs, 150'994'944);
  EXPECT_EQ(c.flops, 301'989'888);
  const auto ls = op->layer_shape(in);
  ASSERT_TRUE(ls.has_value());
  EXPECT_EQ(ls->kind, LayerKind::fc);
  EXPECT_EQ(ls->N, 4);
  EXPECT_EQ(ls->C, 9216);
  EXPECT_EQ(ls->M, 4096);
  EXPECT_EQ(ls->H, 1);
  EXPECT_EQ(ls->R, 1);
  EXPECT_EQ(ls->E, 1);
  EXPECT_EQ(ls->macs(), c.macs);
}

TEST(GemmErrors, ShapesAndAttributes) {
  const auto infer = [](const Attributes& a, std::vector<ValueInfo> in) {
    return error_of([&] { make_op("Gemm", a)->infer(in); });
  };
  EXPECT_THAT(infer({}, {shape_info({2, 3}), shape_info({4, 2})}),
              HasSubstr("inner dimensions 3 and 4 differ"));
  EXPECT_THAT(infer({{"transA", int64_t{1}}}, {shape_info({2, 3}), shape_info({3, 2})}),
              HasSubstr("inner dimensions 2 and 3 differ"));
  EXPECT_THAT(infer({}, {shape_info({2, 3}), shape_info({3, 2}), shape_info({3})}),
              HasSubstr("C of shape [3] does not broadcast to [M,N] = [2,2]"));
  EXPECT_THAT(infer({}, {shape_info({2, 3}), shape_info({3, 2}), shape_info({1, 2, 2})}),
              HasSubstr("does not broadcast"));
  EXPECT_THAT(infer({}, {shape_info({1, 2, 3}), shape_info({3, 2})}), HasSubstr("rank 2"));
  EXPECT_THAT(infer({}, {shape_info({2, 3})}), HasSubstr("needs inputs A, B"));
  EXPECT_THAT(infer({}, {ValueInfo{{2, 3}, DType::f64}, shape_info({3, 2})}),
              HasSubstr("input A is f64"));
  EXPECT_THAT(error_of([] {
                make_op("Gemm", {{"transA", int64_t{2}}});
              }),
              HasSubstr("transA 2 must be 0 or 1"));
  EXPECT_THAT(error_of([] {
                make_op("Gemm", {{"gamma", 1.0f}});
              }),
              HasSubstr("\"gamma\" is not supported"));
  Tensor y({2, 2});
  EXPECT_THAT(
      error_of([&] {
        gemm_reference(parse_gemm({}), Tensor({2, 3}, DType::i32), tensor({3, 2}, kB), nullptr, y);
      }),
      HasSubstr("input A is i32"));
}

}  // namespace
}  // namespace loupe::ops::test
