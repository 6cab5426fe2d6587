// Pooling references against hand-computed cases. x[h][w] is the input at row h, column w; iota
// inputs hold 1, 2, 3, ... in row-major order, so a max over a window is its bottom-right element.
#include <cmath>
#include <limits>

#include "ops/nn_test_util.hpp"
#include "ops/pool.hpp"

namespace loupe::ops::test {
namespace {

using ::testing::HasSubstr;
using Ints = std::vector<int64_t>;

TEST(PoolReference, MaxPool2x2Stride2) {
  // X 4x4 = 1..16: the four 2x2 blocks have maxima 6, 8, 14, 16.
  const Attributes a{{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}};
  expect_values(run_op("MaxPool", a, {iota({1, 1, 4, 4})})[0], {1, 1, 2, 2}, {6, 8, 14, 16});
}

TEST(PoolReference, MaxPoolCeilMode) {
  // X 5x5 = 1..25 (x[h][w] = 5h+w+1), kernel 2, stride 2. Floor: 2x2 output, maxima at
  // (1,1),(1,3),(3,1),(3,3) = 7, 9, 17, 19. Ceil: 3x3, the last window holds row/col 4 only:
  // rows {0,1},{2,3},{4} x cols {0,1},{2,3},{4} -> 7 9 10 / 17 19 20 / 22 24 25.
  Attributes a{{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}};
  expect_values(run_op("MaxPool", a, {iota({1, 1, 5, 5})})[0], {1, 1, 2, 2}, {7, 9, 17, 19});
  a.set("ceil_mode", int64_t{1});
  expect_values(run_op("MaxPool", a, {iota({1, 1, 5, 5})})[0], {1, 1, 3, 3},
                {7, 9, 10, 17, 19, 20, 22, 24, 25});
}

TEST(PoolReference, CeilModeLastWindowMustStartInside) {
  // X 3x3 = 1..9, kernel 2, stride 2, pads 1, ceil_mode: ceil((3+2-2)/2)+1 = 3, but the third
  // window would start at row 3 = in the bottom padding, so it is dropped (ONNX, PyTorch): 2x2.
  // Windows rows {-1,0},{1,2}, cols likewise: maxima x[0][0]=1, x[0][2]=3, x[2][0]=7, x[2][2]=9.
  const Attributes a{{"kernel_shape", Ints{2, 2}},
                     {"strides", Ints{2, 2}},
                     {"pads", Ints{1, 1, 1, 1}},
                     {"ceil_mode", int64_t{1}}};
  expect_values(run_op("MaxPool", a, {iota({1, 1, 3, 3})})[0], {1, 1, 2, 2}, {1, 3, 7, 9});
  // The same windows averaged. count_include_pad=1: every window lies inside the padded input,
  // divisor 4: 1/4, (2+3)/4, (4+7)/4, (5+6+8+9)/4. count_include_pad=0: divisors 1, 2, 2, 4.
  Attributes avg = a;
  expect_values(run_op("AveragePool", avg, {iota({1, 1, 3, 3})})[0], {1, 1, 2, 2},
                {1, 2.5, 5.5, 7});
  avg.set("count_include_pad", int64_t{1});
  expect_values(run_op("AveragePool", avg, {iota({1, 1, 3, 3})})[0], {1, 1, 2, 2},
                {0.25, 1.25, 2.75, 7});
}

TEST(PoolReference, AveragePoolAsymmetricPadsCountIncludePad) {
  // X 3x3 = 1..9, kernel 2, stride 1, pads [top 1, left 1, bottom 0, right 0]: 3x3 output,
  // window rows e-1..e, cols f-1..f. Sums: 1 3 5 / 5 12 16 / 11 24 28.
  // Real elements per window: 1 2 2 / 2 4 4 / 2 4 4.
  Attributes a{{"kernel_shape", Ints{2, 2}}, {"pads", Ints{1, 1, 0, 0}}};
  expect_values(run_op("AveragePool", a, {iota({1, 1, 3, 3})})[0], {1, 1, 3, 3},
                {1, 1.5, 2.5, 2.5, 3, 4, 5.5, 6, 7});
  a.set("count_include_pad", int64_t{1});
  expect_values(run_op("AveragePool", a, {iota({1, 1, 3, 3})})[0], {1, 1, 3, 3},
                {0.25, 0.75, 1.25, 1.25, 3, 4, 2.75, 6, 7});
}

TEST(PoolReference, AveragePoolCeilModeClipsDivisorToPaddedInput) {
  // X 3x3 = 1..9, kernel 2, stride 2, no pads, ceil_mode: windows rows {0,1},{2} x cols {0,1},{2}.
  // Positions past the (unpadded) input are not padding, so even count_include_pad=1 divides by
  // the real count: (1+2+4+5)/4 = 3, (3+6)/2 = 4.5, (7+8)/2 = 7.5, 9/1 = 9.
  Attributes a{{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}, {"ceil_mode", int64_t{1}}};
  expect_values(run_op("AveragePool", a, {iota({1, 1, 3, 3})})[0], {1, 1, 2, 2}, {3, 4.5, 7.5, 9});
  a.set("count_include_pad", int64_t{1});
  expect_values(run_op("AveragePool", a, {iota({1, 1, 3, 3})})[0], {1, 1, 2, 2}, {3, 4.5, 7.5, 9});
}

TEST(PoolReference, MaxPoolDilation) {
  // Kernel 2, dilations 2 -> taps (e,f), (e,f+2), (e+2,f), (e+2,f+2); 4x4 input -> 2x2.
  //   9 1 2 3
  //   4 8 5 6
  //   7 0 1 2
  //   3 4 5 0
  // (0,0): 9,2,7,1 -> 9; (0,1): 1,3,0,2 -> 3; (1,0): 4,5,3,5 -> 5; (1,1): 8,6,4,0 -> 8.
  const Tensor x = tensor({1, 1, 4, 4}, {9, 1, 2, 3, 4, 8, 5, 6, 7, 0, 1, 2, 3, 4, 5, 0});
  const Attributes a{{"kernel_shape", Ints{2, 2}}, {"dilations", Ints{2, 2}}};
  expect_values(run_op("MaxPool", a, {x})[0], {1, 1, 2, 2}, {9, 3, 5, 8});
}

TEST(PoolReference, MaxPoolNegativeValuesIgnorePadding) {
  // Padding never wins a max: all-negative input, kernel 3, pads 1, stride 2 on 3x3 -> 2x2.
  // x = -1..-9; windows rows {-1,0,1},{1,2,3} x cols likewise; maxima = top-left real element:
  // x[0][0] = -1, x[0][1] = -2, x[1][0] = -4, x[1][1] = -5.
  Tensor x = iota({1, 1, 3, 3});
  for (float& v : x.span<float>()) v = -v;
  const Attributes a{
      {"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}};
  expect_values(run_op("MaxPool", a, {x})[0], {1, 1, 2, 2}, {-1, -2, -4, -5});
}

TEST(PoolReference, AutoPadSameUpper) {
  // X 3x3 = 1..9, kernel 2, stride 1, SAME_UPPER pads one row/col at the end: window rows
  // e..e+1 -> maxima 5 6 6 / 8 9 9 / 8 9 9.
  const Attributes a{{"kernel_shape", Ints{2, 2}}, {"auto_pad", std::string("SAME_UPPER")}};
  expect_values(run_op("MaxPool", a, {iota({1, 1, 3, 3})})[0], {1, 1, 3, 3},
                {5, 6, 6, 8, 9, 9, 8, 9, 9});
  // SAME_LOWER pads at the beginning, rows e-1..e; averages without the padding:
  // 1/1, (1+2)/2, (2+3)/2 / (1+4)/2, 12/4, 16/4 / (4+7)/2, 24/4, 28/4.
  const Attributes b{{"kernel_shape", Ints{2, 2}}, {"auto_pad", std::string("SAME_LOWER")}};
  expect_values(run_op("AveragePool", b, {iota({1, 1, 3, 3})})[0], {1, 1, 3, 3},
                {1, 1.5, 2.5, 2.5, 3, 4, 5.5, 6, 7});
}

TEST(PoolReference, Global) {
  // N=2, C=2, 2x2. Image 0: ch0 = 1 2 3 4 (avg 2.5, max 4), ch1 = -1 -5 0 2 (avg -1, max 2);
  // image 1: ch0 = 0 0 0 0, ch1 = 7 7 7 8 (avg 7.25, max 8).
  const Tensor x = tensor({2, 2, 2, 2}, {1, 2, 3, 4, -1, -5, 0, 2, 0, 0, 0, 0, 7, 7, 7, 8});
  expect_values(run_op("GlobalAveragePool", {}, {x})[0], {2, 2, 1, 1}, {2.5, -1, 0, 7.25});
  expect_values(run_op("GlobalMaxPool", {}, {x})[0], {2, 2, 1, 1}, {4, 2, 0, 8});
}

TEST(PoolReference, ChannelsAndBatchAreIndependent) {
  // N=2, C=2, 2x2 input, kernel 2: one window per plane; planes hold iota 1..16 -> maxima
  // 4, 8, 12, 16 and averages 2.5, 6.5, 10.5, 14.5.
  const Attributes a{{"kernel_shape", Ints{2, 2}}};
  expect_values(run_op("MaxPool", a, {iota({2, 2, 2, 2})})[0], {2, 2, 1, 1}, {4, 8, 12, 16});
  expect_values(run_op("AveragePool", a, {iota({2, 2, 2, 2})})[0], {2, 2, 1, 1},
                {2.5, 6.5, 10.5, 14.5});
}

TEST(PoolCount, ResNetStemMaxPool) {
  // ResNet-50's 3x3 stride-2 max pool, pads 1, on 64x112x112: E = (112+2-3)/2+1 = 56.
  // One FLOP per window element visited: 64 * 56 * 56 * 9 = 1,806,336; no MACs, no FC/CONV nest.
  const Attributes a{
      {"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}};
  const std::vector<ValueInfo> in{shape_info({1, 64, 112, 112})};
  const auto op = make_op("MaxPool", a);
  EXPECT_EQ(op->infer(in)[0].shape, (Shape{1, 64, 56, 56}));
  const Counts c = op->count(in, op->infer(in));
  EXPECT_EQ(c.macs, 0);
  EXPECT_EQ(c.flops, 1'806'336);
  EXPECT_FALSE(op->layer_shape(in).has_value());
  const LayerShape ls = pool_layer_shape(parse_pool("MaxPool", a), {1, 64, 112, 112});
  EXPECT_EQ(ls.E, 56);
  EXPECT_EQ(ls.G, 64);
  EXPECT_EQ(ls.M, 64);
  EXPECT_EQ(ls.U, 2);
  // Global average pool over 2048x7x7: 2048 * 49 = 100,352.
  EXPECT_EQ(count_op("GlobalAveragePool", {}, {shape_info({1, 2048, 7, 7})}).flops, 100'352);
}

TEST(PoolErrors, Attributes) {
  const auto make = [](std::string_view type, const Attributes& a) {
    return error_of([&] { make_op(type, a); });
  };
  EXPECT_THAT(make("MaxPool", {}), HasSubstr("\"kernel_shape\" is required"));
  EXPECT_THAT(make("MaxPool", {{"kernel_shape", Ints{2, 2}}, {"count_include_pad", int64_t{1}}}),
              HasSubstr("\"count_include_pad\" is not supported"));
  EXPECT_THAT(make("AveragePool", {{"kernel_shape", Ints{2, 2}}, {"ceil_mode", int64_t{2}}}),
              HasSubstr("ceil_mode 2"));
  EXPECT_THAT(make("AveragePool", {{"kernel_shape", Ints{2}}}), HasSubstr("must have 2 values"));
  EXPECT_THAT(make("GlobalMaxPool", {{"kernel_shape", Ints{2, 2}}}), HasSubstr("not supported"));
  // storage_order only matters for the Indices output; accepted.
  EXPECT_NO_THROW(
      make_op("MaxPool", {{"kernel_shape", Ints{2, 2}}, {"storage_order", int64_t{0}}}));
}

TEST(PoolErrors, Shapes) {
  const Attributes a{{"kernel_shape", Ints{3, 3}}};
  EXPECT_THAT(error_of([&] {
                make_op("MaxPool", a)->infer({{shape_info({1, 2, 8})}});
              }),
              HasSubstr("rank 4"));
  EXPECT_THAT(error_of([&] {
                make_op("MaxPool", a)->infer({{shape_info({1, 2, 2, 8})}});
              }),
              HasSubstr("output height would be 0"));
  EXPECT_THAT(error_of([&] {
                make_op("AveragePool", a)->infer({{ValueInfo{{1, 2, 8, 8}, DType::i8}}});
              }),
              HasSubstr("input X is i8"));
  EXPECT_THAT(error_of([] { make_op("GlobalAveragePool", {})->infer({}); }),
              HasSubstr("needs 1 input"));
  // MaxPool produces Y only: a node asking for Indices is refused by the graph's output count.
  EXPECT_EQ(make_op("MaxPool", a)->infer({{shape_info({1, 2, 8, 8})}}).size(), 1u);
  Tensor y({1, 1, 1, 1});
  EXPECT_THAT(
      error_of([&] {
        pool_reference(parse_pool("MaxPool", a), Tensor({1, 1, 3, 3}, DType::f32, Layout::NHWC), y);
      }),
      HasSubstr("NCHW only"));
}

}  // namespace
}  // namespace loupe::ops::test
