// Conv reference against hand-computed cases. x[h][w] below means the input value at row h,
// column w; iota inputs hold 1, 2, 3, ... in row-major order.
#include <limits>

#include "ops/conv.hpp"
#include "ops/nn_test_util.hpp"

namespace loupe::ops::test {
namespace {

using ::testing::HasSubstr;

TEST(ConvReference, PlainWithBias) {
  // X 3x3 = 1..9, W = [[1,2],[3,4]]: y[e][f] = x[e][f] + 2x[e][f+1] + 3x[e+1][f] + 4x[e+1][f+1]
  // y00 = 1+4+12+20 = 37, y01 = 2+6+15+24 = 47, y10 = 4+10+21+32 = 67, y11 = 5+12+24+36 = 77;
  // then + bias 1.
  const Tensor x = iota({1, 1, 3, 3});
  const Tensor w = tensor({1, 1, 2, 2}, {1, 2, 3, 4});
  const Tensor b = tensor({1}, {1});
  expect_values(run_op("Conv", {}, {x, w, b})[0], {1, 1, 2, 2}, {38, 48, 68, 78});
  // The bias is optional, also as an omitted (empty) input.
  expect_values(run_op("Conv", {}, {x, w})[0], {1, 1, 2, 2}, {37, 47, 67, 77});
  expect_values(run_op("Conv", {}, {x, w, Tensor()})[0], {1, 1, 2, 2}, {37, 47, 67, 77});
}

TEST(ConvReference, Stride2Pad1) {
  // X 4x4 = 1..16, W 3x3 of ones, stride 2, pads 1: E = (4+2-3)/2+1 = 2. Window (e,f) covers rows
  // 2e-1..2e+1 and cols 2f-1..2f+1:
  // y00 = 1+2+5+6 = 14; y01 = 2+3+4+6+7+8 = 30; y10 = 5+6+9+10+13+14 = 57;
  // y11 = 6+7+8+10+11+12+14+15+16 = 99.
  const Tensor x = iota({1, 1, 4, 4});
  const Tensor w = tensor({1, 1, 3, 3}, std::vector<float>(9, 1.0f));
  const Attributes a{{"strides", std::vector<int64_t>{2, 2}},
                     {"pads", std::vector<int64_t>{1, 1, 1, 1}},
                     {"kernel_shape", std::vector<int64_t>{3, 3}}};
  expect_values(run_op("Conv", a, {x, w})[0], {1, 1, 2, 2}, {14, 30, 57, 99});
}

TEST(ConvReference, AsymmetricPads) {
  // X 3x3 = 1..9, W 2x2 ones, pads [top=1, left=0, bottom=0, right=1]: 3x3 output, window rows
  // e-1..e, cols f..f+1.
  // e=0 (row 0 only): 1+2 = 3, 2+3 = 5, 3
  // e=1 (rows 0,1):   1+2+4+5 = 12, 2+3+5+6 = 16, 3+6 = 9
  // e=2 (rows 1,2):   4+5+7+8 = 24, 5+6+8+9 = 28, 6+9 = 15
  const Tensor x = iota({1, 1, 3, 3});
  const Tensor w = tensor({1, 1, 2, 2}, {1, 1, 1, 1});
  const Attributes a{{"pads", std::vector<int64_t>{1, 0, 0, 1}}};
  expect_values(run_op("Conv", a, {x, w})[0], {1, 1, 3, 3}, {3, 5, 3, 12, 16, 9, 24, 28, 15});
}

TEST(ConvReference, Dilation2) {
  // X 5x5 = 1..25 (x[h][w] = 5h+w+1), W = [[1,2],[3,4]], dilations 2: dilated kernel 3, E = F = 3.
  // With v = x[e][f]: y = v + 2(v+2) + 3(v+10) + 4(v+12) = 10v + 82, v in {1,2,3,6,7,8,11,12,13}.
  const Tensor x = iota({1, 1, 5, 5});
  const Tensor w = tensor({1, 1, 2, 2}, {1, 2, 3, 4});
  const Attributes a{{"dilations", std::vector<int64_t>{2, 2}}};
  expect_values(run_op("Conv", a, {x, w})[0], {1, 1, 3, 3},
                {92, 102, 112, 142, 152, 162, 192, 202, 212});
}

TEST(ConvReference, Groups2WithBiasAndBatch) {
  // C = 4, M = 4, group 2, 1x1 kernels: filters 0,1 see channels 0,1; filters 2,3 see 2,3.
  // Channel c of image 0 holds 4c+1 .. 4c+4; image 1 is image 0 negated.
  // m0 = [1,0]·(ch0,ch1) = ch0 = 1,2,3,4;      + 0.5
  // m1 = [0,1]         = ch1 = 5,6,7,8;        - 1
  // m2 = [1,1]·(ch2,ch3) = 9+13.. = 22,24,26,28; + 0
  // m3 = [1,-1]        = ch2 - ch3 = -4 (x4);  + 2
  Tensor x({2, 4, 2, 2});
  for (int64_t i = 0; i < 16; ++i) {
    x.data<float>()[i] = static_cast<float>(i + 1);
    x.data<float>()[16 + i] = -static_cast<float>(i + 1);
  }
  const Tensor w = tensor({4, 2, 1, 1}, {1, 0, 0, 1, 1, 1, 1, -1});
  const Tensor b = tensor({4}, {0.5f, -1, 0, 2});
  const Attributes a{{"group", int64_t{2}}};
  expect_values(run_op("Conv", a, {x, w, b})[0], {2, 4, 2, 2},
                {1.5,  2.5,  3.5,  4.5,  4,  5,  6,  7,  22,  24,  26,  28,  -2, -2, -2, -2,
                 -0.5, -1.5, -2.5, -3.5, -6, -7, -8, -9, -22, -24, -26, -28, 6,  6,  6,  6});
}

TEST(ConvReference, Depthwise) {
  // group = C = M = 2. Channel 0 = 1..9 with W0 = [[1,2],[3,4]] -> 37, 47, 67, 77 (as in
  // PlainWithBias); channel 1 = 10..18 with W1 = [[1,0],[0,-1]] -> x[e][f] - x[e+1][f+1] = -4.
  const Tensor x = iota({1, 2, 3, 3});
  const Tensor w = tensor({2, 1, 2, 2}, {1, 2, 3, 4, 1, 0, 0, -1});
  const Attributes a{{"group", int64_t{2}}};
  expect_values(run_op("Conv", a, {x, w})[0], {1, 2, 2, 2}, {37, 47, 67, 77, -4, -4, -4, -4});
}

TEST(ConvReference, MultiChannelStride2AsymmetricPadDilation) {
  // All at once on a small case: C = 2, M = 1, X channel 0 = 1..16 (4x4), channel 1 = all ones;
  // W channel 0 = [[1,0],[0,1]], channel 1 = [[1,1],[1,1]]; stride 2, dilation 2,
  // pads [top 1, left 0, bottom 0, right 1]. E = (4+1-3)/2+1 = 2, F = (4+1-3)/2+1 = 2.
  // Taps of output (e,f): rows 2e-1, 2e+1; cols 2f, 2f+2 (col 4 is padding).
  // ch0 contributes x[2e-1][2f] + x[2e+1][2f+2]; ch1 contributes the number of real taps.
  // (0,0): rows -1,1, cols 0,2: ch0 0 + x[1][2]=7; ch1 taps (1,0),(1,2) = 2  ->  9
  // (0,1): cols 2,4: ch0 0 + x[1][4] pad = 0; ch1 tap (1,2) = 1             ->  1
  // (1,0): rows 1,3: ch0 x[1][0]=5 + x[3][2]=15; ch1 4 taps = 4             -> 24
  // (1,1): cols 2,4: ch0 x[1][2]=7 + pad; ch1 taps (1,2),(3,2) = 2          ->  9
  Tensor x({1, 2, 4, 4});
  for (int64_t i = 0; i < 16; ++i) {
    x.data<float>()[i] = static_cast<float>(i + 1);
    x.data<float>()[16 + i] = 1.0f;
  }
  const Tensor w = tensor({1, 2, 2, 2}, {1, 0, 0, 1, 1, 1, 1, 1});
  const Attributes a{{"strides", std::vector<int64_t>{2, 2}},
                     {"dilations", std::vector<int64_t>{2, 2}},
                     {"pads", std::vector<int64_t>{1, 0, 0, 1}}};
  expect_values(run_op("Conv", a, {x, w})[0], {1, 1, 2, 2}, {9, 1, 24, 9});
}

TEST(ConvReference, AutoPad) {
  // X 3x3 = 1..9, W 2x2 ones, stride 1: SAME gives 3x3 with one row/col of padding in total.
  // SAME_UPPER pads at the end: window rows e..e+1, cols f..f+1.
  const Tensor x = iota({1, 1, 3, 3});
  const Tensor w = tensor({1, 1, 2, 2}, {1, 1, 1, 1});
  expect_values(run_op("Conv", {{"auto_pad", std::string("SAME_UPPER")}}, {x, w})[0], {1, 1, 3, 3},
                {12, 16, 9, 24, 28, 15, 15, 17, 9});
  // SAME_LOWER pads at the beginning: rows e-1..e, cols f-1..f.
  expect_values(run_op("Conv", {{"auto_pad", std::string("SAME_LOWER")}}, {x, w})[0], {1, 1, 3, 3},
                {1, 3, 5, 5, 12, 16, 11, 24, 28});
  expect_values(run_op("Conv", {{"auto_pad", std::string("VALID")}}, {x, w})[0], {1, 1, 2, 2},
                {12, 16, 24, 28});
}

TEST(ConvShape, AutoPadResolvesPads) {
  // SAME_UPPER, 5 wide, kernel 3, stride 2: E = ceil(5/2) = 3, total pad (3-1)*2+3-5 = 2 -> 1, 1.
  // 6 wide, kernel 4, stride 1: total pad 3 -> upper puts the odd one at the end (1, 2).
  ConvParams p = parse_conv(
      {{"auto_pad", std::string("SAME_UPPER")}, {"strides", std::vector<int64_t>{2, 1}}});
  const LayerShape ls = conv_layer_shape(p, {1, 1, 5, 6}, {1, 1, 3, 4});
  EXPECT_EQ(ls.E, 3);
  EXPECT_EQ(ls.F, 6);
  EXPECT_EQ(ls.pad_top, 1);
  EXPECT_EQ(ls.pad_bottom, 1);
  EXPECT_EQ(ls.pad_left, 1);
  EXPECT_EQ(ls.pad_right, 2);
  p.window.auto_pad = AutoPad::same_lower;
  const LayerShape lower = conv_layer_shape(p, {1, 1, 5, 6}, {1, 1, 3, 4});
  EXPECT_EQ(lower.pad_left, 2);
  EXPECT_EQ(lower.pad_right, 1);
}

TEST(ConvCount, AlexNetConv2Grouped) {
  // AlexNet CONV2 (2-GPU grouping): 96x27x27 in, 256 filters of 48x5x5, pads 2, group 2.
  // MACs per image = 256 * 27 * 27 * 48 * 5 * 5 = 223,948,800; x4 = 895,795,200 = the 895.79 M
  // of REFERENCE.md §3 (batch 4).
  const Attributes a{{"pads", std::vector<int64_t>{2, 2, 2, 2}},
                     {"group", int64_t{2}},
                     {"kernel_shape", std::vector<int64_t>{5, 5}}};
  const std::vector<ValueInfo> in{shape_info({1, 96, 27, 27}), shape_info({256, 48, 5, 5}),
                                  shape_info({256})};
  const Counts c = count_op("Conv", a, in);
  EXPECT_EQ(c.macs, 223'948'800);
  EXPECT_EQ(c.flops, 447'897'600);
  const auto op = make_op("Conv", a);
  EXPECT_EQ(op->infer(in)[0].shape, (Shape{1, 256, 27, 27}));
  const auto ls = op->layer_shape(in);
  ASSERT_TRUE(ls.has_value());
  EXPECT_EQ(ls->kind, LayerKind::conv);
  EXPECT_EQ(ls->N, 1);
  EXPECT_EQ(ls->C, 96);
  EXPECT_EQ(ls->H, 27);
  EXPECT_EQ(ls->W, 27);
  EXPECT_EQ(ls->M, 256);
  EXPECT_EQ(ls->R, 5);
  EXPECT_EQ(ls->S, 5);
  EXPECT_EQ(ls->E, 27);
  EXPECT_EQ(ls->F, 27);
  EXPECT_EQ(ls->G, 2);
  EXPECT_EQ(ls->U, 1);
  EXPECT_EQ(ls->pad_top, 2);
  EXPECT_EQ(ls->pad_right, 2);
  const std::vector<ValueInfo> batch4{shape_info({4, 96, 27, 27}), shape_info({256, 48, 5, 5})};
  EXPECT_EQ(count_op("Conv", a, batch4).macs, 895'795'200);
}

TEST(ConvCount, AlexNetConv1) {
  // 3x227x227, 96 filters 11x11, stride 4: E = (227-11)/4+1 = 55; MACs = 96*55*55*3*121 =
  // 105,415,200 per image; x4 = 421,660,800 = the 421.66 M of REFERENCE.md §3.
  const Attributes a{{"strides", std::vector<int64_t>{4, 4}}};
  const std::vector<ValueInfo> in{shape_info({4, 3, 227, 227}), shape_info({96, 3, 11, 11})};
  const Counts c = count_op("Conv", a, in);
  EXPECT_EQ(c.macs, 421'660'800);
  EXPECT_EQ(c.flops, 2 * 421'660'800LL);
  const auto ls = make_op("Conv", a)->layer_shape(in);
  EXPECT_EQ(ls->E, 55);
  EXPECT_EQ(ls->U, 4);
  EXPECT_EQ(ls->U_w, 4);
}

TEST(ConvErrors, ShapeMismatches) {
  const auto infer = [](const Attributes& a, Shape x, Shape w) {
    return error_of([&] { make_op("Conv", a)->infer({{shape_info(x), shape_info(w)}}); });
  };
  EXPECT_THAT(infer({{"kernel_shape", std::vector<int64_t>{3, 3}}}, {1, 32, 8, 8}, {64, 32, 5, 5}),
              HasSubstr("kernel_shape [3,3] does not match weight shape [64,32,5,5]"));
  EXPECT_THAT(infer({}, {1, 30, 8, 8}, {64, 32, 3, 3}),
              HasSubstr("input has 30 channels, weight expects 32 x group 1"));
  EXPECT_THAT(infer({{"group", int64_t{4}}}, {1, 8, 8, 8}, {10, 2, 3, 3}),
              HasSubstr("M=10 not divisible by group 4"));
  EXPECT_THAT(infer({}, {1, 1, 2, 2}, {1, 1, 3, 3}), HasSubstr("output height would be 0"));
  EXPECT_THAT(infer({{"dilations", std::vector<int64_t>{1, 3}}}, {1, 1, 8, 6}, {1, 1, 3, 3}),
              HasSubstr("output width would be 0"));
  EXPECT_THAT(infer({}, {1, 3, 8}, {4, 3, 3, 3}), HasSubstr("rank 4"));
  EXPECT_THAT(infer({}, {1, 3, 8, 8}, {4, 3, 3}), HasSubstr("rank 4"));
  EXPECT_THAT(
      error_of([] {
        make_op("Conv", {})
            ->infer({{shape_info({1, 1, 4, 4}), shape_info({2, 1, 3, 3}), shape_info({3})}});
      }),
      HasSubstr("bias B has shape [3], expected [2]"));
  EXPECT_THAT(error_of([] {
                make_op("Conv", {})->infer({{shape_info({1, 1, 4, 4})}});
              }),
              HasSubstr("needs inputs X, W"));
  EXPECT_THROW(make_op("Conv", {})->infer({{shape_info({1, 1, 4, 4}), shape_info({2, 2, 3, 3})}}),
               Error);
}

TEST(ConvErrors, BadAttributes) {
  const auto make = [](const Attributes& a) { return error_of([&] { make_op("Conv", a); }); };
  EXPECT_THAT(make({{"pads", std::vector<int64_t>{1, 1}}}), HasSubstr("pads [1,1] must have 4"));
  EXPECT_THAT(make({{"strides", std::vector<int64_t>{0, 1}}}), HasSubstr("strides [0,1]"));
  EXPECT_THAT(make({{"dilations", std::vector<int64_t>{1, -1}}}), HasSubstr("dilations"));
  EXPECT_THAT(make({{"pads", std::vector<int64_t>{0, -1, 0, 0}}}), HasSubstr("negative"));
  EXPECT_THAT(make({{"group", int64_t{0}}}), HasSubstr("group 0"));
  EXPECT_THAT(make({{"auto_pad", std::string("SAME")}}), HasSubstr("auto_pad \"SAME\""));
  EXPECT_THAT(
      make({{"auto_pad", std::string("VALID")}, {"pads", std::vector<int64_t>{1, 1, 1, 1}}}),
      HasSubstr("together with auto_pad"));
  EXPECT_THAT(make({{"kernel_shape", std::vector<int64_t>{3, 3, 3}}}),
              HasSubstr("kernel_shape [3,3,3] must have 2"));
  EXPECT_THAT(make({{"kernel_shape", std::vector<int64_t>{3, 0}}}), HasSubstr("positive"));
  EXPECT_THAT(make({{"padding", std::vector<int64_t>{1}}}),
              HasSubstr("\"padding\" is not supported"));
  EXPECT_THAT(make({{"group", std::string("2")}}), HasSubstr("expected int"));
}

TEST(ConvErrors, OverflowingAttributes) {
  constexpr int64_t kBig = std::numeric_limits<int64_t>::max();
  const auto infer = [](const Attributes& a) {
    return error_of([&] {
      make_op("Conv", a)->infer({{shape_info({1, 1, 4, 4}), shape_info({1, 1, 3, 3})}});
    });
  };
  EXPECT_THAT(infer({{"pads", std::vector<int64_t>{kBig, 0, 1, 0}}}), HasSubstr("overflows"));
  EXPECT_THAT(infer({{"dilations", std::vector<int64_t>{kBig, 1}}}), HasSubstr("overflows"));
  EXPECT_THAT(error_of([&] {
                make_op("Conv", {{"group", kBig}})
                    ->infer({{shape_info({1, 2, 4, 4}), shape_info({kBig, 2, 1, 1})}});
              }),
              HasSubstr("overflows"));
}

TEST(ConvErrors, DtypeAndLayout) {
  EXPECT_THAT(error_of([] {
                make_op("Conv", {})
                    ->infer({{ValueInfo{{1, 1, 3, 3}, DType::f64}, shape_info({1, 1, 2, 2})}});
              }),
              HasSubstr("input X is f64"));
  const ConvParams p = parse_conv({});
  const Tensor w = tensor({1, 1, 2, 2}, {1, 2, 3, 4});
  Tensor y({1, 1, 2, 2});
  EXPECT_THAT(error_of([&] {
                conv_reference(p, Tensor({1, 1, 3, 3}, DType::f64), w, nullptr, y);
              }),
              HasSubstr("f32 only"));
  EXPECT_THAT(error_of([&] {
                conv_reference(p, Tensor({1, 1, 3, 3}, DType::f32, Layout::NHWC), w, nullptr, y);
              }),
              HasSubstr("NCHW only"));
  Tensor wrong_y({1, 1, 3, 3});
  EXPECT_THAT(error_of([&] {
                conv_reference(p, iota({1, 1, 3, 3}), w, nullptr, wrong_y);
              }),
              HasSubstr("expected [1,1,2,2]"));
}

}  // namespace
}  // namespace loupe::ops::test
