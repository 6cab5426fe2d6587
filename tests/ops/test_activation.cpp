#include <cmath>
#include <limits>

#include "ew_test_util.hpp"

namespace loupe::ops {
namespace {

using test::f32;
using test::i64;
using test::run1;

// One input used by most cases: negative, zero, positive, and above Clip's 6.
Tensor x6() { return f32({2, 3}, {-2, -0.5f, 0, 0.5f, 2, 7}); }

TEST(Activation, Relu) { test::expect_near(run1("Relu", {}, {x6()}), {0, 0, 0, 0.5f, 2, 7}, 0); }

TEST(Activation, ReluPropagatesNan) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Tensor y = run1("Relu", {}, {f32({2}, {nan, -1})});
  EXPECT_TRUE(std::isnan(y.data<float>()[0]));
  EXPECT_EQ(y.data<float>()[1], 0.0f);
}

TEST(Activation, LeakyReluDefaultAndGivenAlpha) {
  test::expect_near(run1("LeakyRelu", {}, {x6()}), {-0.02f, -0.005f, 0, 0.5f, 2, 7});
  test::expect_near(run1("LeakyRelu", {{"alpha", 0.2f}}, {x6()}), {-0.4f, -0.1f, 0, 0.5f, 2, 7});
}

TEST(Activation, PReluSlopePerChannel) {
  // X [1,2,2,2], slope [2,1,1]: channel 0 scales negatives by 0.1, channel 1 by 0.5.
  const Tensor x = f32({1, 2, 2, 2}, {-1, 2, -3, 4, -5, 6, -7, 8});
  const Tensor slope = f32({2, 1, 1}, {0.1f, 0.5f});
  const Tensor y = run1("PRelu", {}, {x, slope});
  EXPECT_EQ(y.shape(), (Shape{1, 2, 2, 2}));
  test::expect_near(y, {-0.1f, 2, -0.3f, 4, -2.5f, 6, -3.5f, 8});
}

TEST(Activation, PReluScalarSlope) {
  test::expect_near(run1("PRelu", {}, {x6(), f32({1}, {0.25f})}), {-0.5f, -0.125f, 0, 0.5f, 2, 7});
}

TEST(Activation, PReluSlopeMustBroadcastToX) {
  // [3] aligns with X's last dim 2; and slope may not enlarge X ([2,1] -> [2,2,3] changes X).
  EXPECT_LOUPE_ERROR(run1("PRelu", {}, {f32({3, 2}, {1, 2, 3, 4, 5, 6}), f32({3}, {1, 2, 3})}),
                     "input slope of shape [3] does not broadcast to input X of shape [3,2]");
  EXPECT_LOUPE_ERROR(run1("PRelu", {}, {x6(), f32({2, 2, 1}, {1, 2, 3, 4})}), "does not broadcast");
}

TEST(Activation, Elu) {
  test::expect_near(run1("Elu", {}, {x6()}), {-0.864664717f, -0.39346934f, 0, 0.5f, 2, 7});
  test::expect_near(run1("Elu", {{"alpha", 0.5f}}, {x6()}),
                    {-0.432332358f, -0.19673467f, 0, 0.5f, 2, 7});
}

TEST(Activation, Sigmoid) {
  test::expect_near(run1("Sigmoid", {}, {x6()}),
                    {0.119202922f, 0.377540669f, 0.5f, 0.622459331f, 0.880797078f, 0.999088949f});
}

TEST(Activation, SigmoidSaturatesWithoutNan) {
  const Tensor y = run1("Sigmoid", {}, {f32({3}, {-1000, 1000, -100})});
  EXPECT_EQ(y.data<float>()[0], 0.0f);
  EXPECT_EQ(y.data<float>()[1], 1.0f);
  EXPECT_NEAR(y.data<float>()[2], 3.72e-44, 1e-45);
}

TEST(Activation, Tanh) {
  test::expect_near(run1("Tanh", {}, {x6()}),
                    {-0.96402758f, -0.462117157f, 0, 0.462117157f, 0.96402758f, 0.999998337f});
}

TEST(Activation, ClipBoundsAsAttributesOpset6) {
  test::expect_near(run1("Clip", {{"min", 0.0f}, {"max", 6.0f}}, {x6()}), {0, 0, 0, 0.5f, 2, 6}, 0);
  test::expect_near(run1("Clip", {{"max", 1.0f}}, {x6()}), {-2, -0.5f, 0, 0.5f, 1, 1}, 0);
}

TEST(Activation, ClipBoundsAsInputsIsRelu6) {
  const Tensor lo = f32({}, {0});
  const Tensor hi = f32({}, {6});
  test::expect_near(run1("Clip", {}, {x6(), lo, hi}), {0, 0, 0, 0.5f, 2, 6}, 0);
  // min omitted (ONNX's empty input name), max given.
  test::expect_near(run1("Clip", {}, {x6(), Tensor(), f32({1}, {0.5f})}),
                    {-2, -0.5f, 0, 0.5f, 0.5f, 0.5f}, 0);
  // No bounds at all: the identity.
  test::expect_near(run1("Clip", {}, {x6()}), {-2, -0.5f, 0, 0.5f, 2, 7}, 0);
}

TEST(Activation, ClipMinAboveMaxGivesMax) {
  test::expect_near(run1("Clip", {}, {x6(), f32({}, {3}), f32({}, {1})}), {1, 1, 1, 1, 1, 1}, 0);
}

TEST(Activation, ClipErrors) {
  EXPECT_LOUPE_ERROR(run1("Clip", {}, {x6(), f32({2}, {0, 1})}),
                     "input min must be a scalar, got shape [2]");
  EXPECT_LOUPE_ERROR(run1("Clip", {{"min", 0.0f}}, {x6(), Tensor(), f32({}, {6})}),
                     "input max given together with min/max attributes");
}

TEST(Activation, HardSigmoid) {
  // Defaults alpha 0.2, beta 0.5: 0.2x + 0.5 clamped to [0, 1].
  test::expect_near(run1("HardSigmoid", {}, {x6()}), {0.1f, 0.4f, 0.5f, 0.6f, 0.9f, 1});
  test::expect_near(run1("HardSigmoid", {{"alpha", 0.5f}, {"beta", 0.1f}}, {x6()}),
                    {0, 0, 0.1f, 0.35f, 1, 1});
}

TEST(Activation, HardSwish) {
  test::expect_near(run1("HardSwish", {}, {x6()}),
                    {-0.333333333f, -0.208333333f, 0, 0.291666667f, 1.66666667f, 7});
  test::expect_near(run1("HardSwish", {}, {f32({2}, {-4, 3})}), {0, 3});
}

TEST(Activation, Silu) {
  test::expect_near(run1("Silu", {}, {x6()}),
                    {-0.238405844f, -0.188770334f, 0, 0.311229666f, 1.76159416f, 6.99362264f});
}

TEST(Activation, FlopsPerElement) {
  const Tensor x = x6();
  const auto in = test::infos({x});
  const struct {
    const char* type;
    int64_t flops;
  } cases[] = {{"Relu", 6},  {"LeakyRelu", 12}, {"Elu", 24},         {"Sigmoid", 18},  {"Tanh", 6},
               {"Clip", 12}, {"Silu", 24},      {"HardSigmoid", 24}, {"HardSwish", 30}};
  for (const auto& c : cases) {
    const auto op = make_op(c.type, {});
    const auto out = op->infer(in);
    const Counts n = op->count(in, out);
    EXPECT_EQ(n.flops, c.flops) << c.type;
    EXPECT_EQ(n.macs, 0) << c.type;
  }
}

TEST(Activation, RejectsNonF32AndUnknownAttributes) {
  EXPECT_LOUPE_ERROR(run1("Relu", {}, {i64({2}, {1, -1})}), "input X must be f32, got i64");
  EXPECT_LOUPE_ERROR(make_op("Relu", {{"alpha", 1.0f}}), "attribute \"alpha\"");
  EXPECT_LOUPE_ERROR(make_op("HardSwish", {{"alpha", 1.0f}}), "attribute \"alpha\"");
  EXPECT_LOUPE_ERROR(run1("Sigmoid", {}, {x6(), x6()}), "needs 1 input(s), got 2");
}

TEST(Activation, ReferenceRejectsBlockedLayout) {
  const auto op = make_op("Relu", {});
  const Tensor x({1, 16, 2, 2}, DType::f32, Layout::NCHWc, 16);
  Tensor y({1, 16, 2, 2});
  std::vector<Tensor> out{y};
  EXPECT_LOUPE_ERROR(op->reference(std::span<const Tensor>(&x, 1), out),
                     "input X has layout NCHWc");
}

}  // namespace
}  // namespace loupe::ops
