// LRN against hand-computed values (ONNX formula: window c - floor((size-1)/2) ..
// c + ceil((size-1)/2), y = x / (bias + alpha/size * square_sum)^beta).
#include "ops/nn_test_util.hpp"

namespace loupe::ops::test {
namespace {

using ::testing::HasSubstr;

TEST(LrnReference, OddSize) {
  // size 3, alpha 3 (alpha/size = 1), beta 1, bias 1: y = x / (1 + sum of squares in c-1..c+1).
  // x = [1,2,3,4] over channels: sums 1+4 = 5, 1+4+9 = 14, 4+9+16 = 29, 9+16 = 25.
  // y = 1/6, 2/15, 3/30, 4/26.
  const Attributes a{{"size", int64_t{3}}, {"alpha", 3.0f}, {"beta", 1.0f}, {"bias", 1.0f}};
  expect_values(run_op("LRN", a, {tensor({1, 4, 1, 1}, {1, 2, 3, 4})})[0], {1, 4, 1, 1},
                {1.0 / 6, 2.0 / 15, 0.1, 4.0 / 26});
}

TEST(LrnReference, EvenSizeLeansForward) {
  // size 2: floor(1/2) = 0 channels before, ceil(1/2) = 1 after: window c..c+1. alpha 2 -> 1.
  // sums 1+4 = 5, 4+9 = 13, 9+16 = 25, 16 -> y = 1/6, 2/14, 3/26, 4/17.
  const Attributes a{{"size", int64_t{2}}, {"alpha", 2.0f}, {"beta", 1.0f}, {"bias", 1.0f}};
  expect_values(run_op("LRN", a, {tensor({1, 4, 1, 1}, {1, 2, 3, 4})})[0], {1, 4, 1, 1},
                {1.0 / 6, 2.0 / 14, 3.0 / 26, 4.0 / 17});
}

TEST(LrnReference, SpatialPositionsAreIndependent) {
  // X [1,2,1,2]: ch0 = [1,2], ch1 = [3,0]; size 3, alpha 3, beta 1, bias 1.
  // Position 0: sum 1+9 = 10 -> 1/11, 3/11. Position 1: sum 4+0 = 4 -> 2/5, 0.
  // Output order is NCHW: ch0 pos0, ch0 pos1, ch1 pos0, ch1 pos1.
  const Attributes a{{"size", int64_t{3}}, {"alpha", 3.0f}, {"beta", 1.0f}, {"bias", 1.0f}};
  expect_values(run_op("LRN", a, {tensor({1, 2, 1, 2}, {1, 2, 3, 0})})[0], {1, 2, 1, 2},
                {1.0 / 11, 0.4, 3.0 / 11, 0});
}

TEST(LrnReference, AlexNetParameters) {
  // AlexNet's LRN: size 5, alpha 1e-4, beta 0.75, bias 2. Two channels [10, 20]: both windows hold
  // both, sum = 500; denominator (2 + 1e-4/5 * 500)^0.75 = 2.01^0.75 = 1.68809562;
  // y = 10/1.68809562 = 5.92383505, 20/1.68809562 = 11.84767010.
  const Attributes a{{"size", int64_t{5}}, {"bias", 2.0f}};  // alpha, beta: ONNX defaults
  expect_values(run_op("LRN", a, {tensor({1, 2, 1, 1}, {10, 20})})[0], {1, 2, 1, 1},
                {5.92383505, 11.84767010});
}

TEST(LrnCount, Flops) {
  // Per element 2*size + 4 = 14 for size 5; 1 x 96 x 55 x 55 elements = 290,400 -> 4,065,600.
  const Counts c = count_op("LRN", {{"size", int64_t{5}}}, {shape_info({1, 96, 55, 55})});
  EXPECT_EQ(c.macs, 0);
  EXPECT_EQ(c.flops, 4'065'600);
}

TEST(LrnErrors, AttributesAndShapes) {
  EXPECT_THAT(error_of([] { make_op("LRN", {}); }), HasSubstr("\"size\" is required"));
  EXPECT_THAT(error_of([] {
                make_op("LRN", {{"size", int64_t{0}}});
              }),
              HasSubstr("size 0 must be positive"));
  EXPECT_THAT(error_of([] {
                make_op("LRN", {{"size", int64_t{5}}, {"axis", int64_t{1}}});
              }),
              HasSubstr("\"axis\" is not supported"));
  const auto op = make_op("LRN", {{"size", int64_t{3}}});
  EXPECT_THAT(error_of([&] { op->infer({{shape_info({2, 3})}}); }), HasSubstr("rank >= 3"));
  EXPECT_THAT(error_of([&] {
                op->infer({{ValueInfo{{1, 3, 2, 2}, DType::u8}}});
              }),
              HasSubstr("input X is u8"));
  std::vector<Tensor> out{Tensor({1, 1, 2, 2})};
  EXPECT_THAT(
      error_of([&] {
        op->reference(std::vector<Tensor>{Tensor({1, 1, 2, 2}, DType::f32, Layout::NHWC)}, out);
      }),
      HasSubstr("NCHW only"));
}

}  // namespace
}  // namespace loupe::ops::test
