// Effectual MACs (analysis/effectual.hpp): hand-counted layers with a known number of zeros, the
// fast count against the literal loop nest on random shapes, and a zoo model end to end.
#include <gtest/gtest.h>

#include <random>

#include "analysis/effectual.hpp"
#include "graph/executor.hpp"
#include "zoo/zoo.hpp"

namespace loupe::analysis {
namespace {

ops::LayerShape conv(int64_t C, int64_t M, int64_t H, int64_t W, int64_t R, int64_t S,
                     int64_t pad = 0, int64_t U = 1, int64_t G = 1, int64_t dil = 1,
                     int64_t N = 1) {
  ops::LayerShape s;
  s.N = N;
  s.C = C;
  s.M = M;
  s.H = H;
  s.W = W;
  s.R = R;
  s.S = S;
  s.U = s.U_w = U;
  s.G = G;
  s.dil_h = s.dil_w = dil;
  s.pad_top = s.pad_left = s.pad_bottom = s.pad_right = pad;
  s.E = (H + 2 * pad - dil * (R - 1) - 1) / U + 1;
  s.F = (W + 2 * pad - dil * (S - 1) - 1) / U + 1;
  return s;
}

TEST(Effectual, KnownZeroFilterAndZeroChannel) {
  // C=2, M=3, 5x5 input, 3x3 filters, no padding: E=F=3, 486 MACs. Filter 0 is all zeros and
  // input channel 1 is all zeros, everything else is 1: the effectual MACs are those of filters
  // 1..2 on channel 0: 2 filters x 9 outputs x 9 taps = 162.
  const ops::LayerShape s = conv(2, 3, 5, 5, 3, 3);
  ASSERT_EQ(s.macs(), 486);
  std::vector<float> x(2 * 25, 1.0f), w(3 * 2 * 9, 1.0f);
  std::fill(x.begin() + 25, x.end(), 0.0f);
  std::fill(w.begin(), w.begin() + 18, 0.0f);
  EXPECT_EQ(effectual_macs_conv(s, x.data(), w.data()), 162);
  EXPECT_EQ(effectual_macs_conv_nest(s, x.data(), w.data()), 162);
}

TEST(Effectual, PaddingIsNeverEffectual) {
  // 3x3 input of ones, 3x3 filter of ones, pad 1: 81 MACs, of which the windows cover
  // 4 (corners) x 4 + 6 (edges) x 4 + 9 (centre) = 49 real input positions.
  const ops::LayerShape s = conv(1, 1, 3, 3, 3, 3, 1);
  ASSERT_EQ(s.macs(), 81);
  std::vector<float> x(9, 1.0f), w(9, 1.0f);
  EXPECT_EQ(effectual_macs_conv(s, x.data(), w.data()), 49);
  EXPECT_EQ(effectual_macs_conv_nest(s, x.data(), w.data()), 49);
}

TEST(Effectual, FastCountMatchesTheLoopNestOnRandomShapes) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1, 1);
  struct Case {
    ops::LayerShape s;
    double zero_x, zero_w;
  };
  const Case cases[] = {
      {conv(3, 5, 9, 7, 3, 3, 1, 1), 0.5, 0.3},          {conv(4, 6, 11, 11, 5, 5, 2, 2), 0.7, 0.0},
      {conv(6, 6, 8, 8, 3, 3, 1, 1, 6), 0.4, 0.5},        // depthwise
      {conv(4, 8, 10, 9, 3, 3, 2, 1, 2, 2), 0.5, 0.5},    // groups, dilation
      {conv(5, 7, 6, 6, 1, 1, 0, 2, 1, 1, 2), 0.3, 0.2},  // 1x1 stride 2, batch 2
  };
  for (const Case& c : cases) {
    const ops::LayerShape& s = c.s;
    std::vector<float> x(static_cast<size_t>(s.N * s.C * s.H * s.W));
    std::vector<float> w(static_cast<size_t>(s.M * (s.C / s.G) * s.R * s.S));
    std::uniform_real_distribution<double> p(0, 1);
    for (float& v : x) v = p(rng) < c.zero_x ? 0.0f : u(rng);
    for (float& v : w) v = p(rng) < c.zero_w ? 0.0f : u(rng);
    const int64_t nest = effectual_macs_conv_nest(s, x.data(), w.data());
    EXPECT_EQ(effectual_macs_conv(s, x.data(), w.data()), nest);
    EXPECT_LE(nest, s.macs());
    EXPECT_GT(nest, 0);
  }
}

TEST(Effectual, MatrixProductWithKnownZeros) {
  // a [2 x 3] = [[1 0 2] [0 0 3]], b [3 x 2] = [[1 1] [1 1] [0 5]]: row 0 pairs k=0 (2 non-zero
  // in b's row) + k=2 (1) = 3; row 1: k=2 (1) = 1. Total 4 of 12 MACs.
  const float a[] = {1, 0, 2, 0, 0, 3};
  const float b[] = {1, 1, 1, 1, 0, 5};
  EXPECT_EQ(effectual_macs_matmul(2, 3, 2, a, false, b, false), 4);
  // The same operands stored transposed.
  const float at[] = {1, 0, 0, 0, 2, 3};
  const float bt[] = {1, 1, 0, 1, 1, 5};
  EXPECT_EQ(effectual_macs_matmul(2, 3, 2, at, true, bt, true), 4);
}

TEST(Effectual, ZooModelCountsEveryConvAndFc) {
  const graph::Graph g = zoo::build("lenet5", 1);
  graph::TensorMap feeds;
  const graph::GraphInput in = graph::feed_inputs(g).at(0);
  Tensor x(in.shape);
  std::mt19937 rng(3);
  std::normal_distribution<float> nd;
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = nd(rng);
  feeds[in.name] = x;
  const graph::TensorMap values = graph::ReferenceExecutor(g).run_all(feeds);
  const std::map<std::string, int64_t> eff = effectual_macs(g, values);
  int counted = 0;
  for (const graph::Node& n : g.nodes()) {
    const auto s = n.op->layer_shape(g.input_infos(n));
    if (!s) continue;
    ASSERT_TRUE(eff.count(n.name)) << n.name;
    ++counted;
    EXPECT_LE(eff.at(n.name), s->macs()) << n.name;
    if (n.op_type == "Conv") {
      const Tensor& xin = values.at(n.inputs[0]);
      const Tensor* w = g.initializer(n.inputs[1]);
      ASSERT_NE(w, nullptr);
      EXPECT_EQ(eff.at(n.name),
                effectual_macs_conv_nest(*s, xin.data<const float>(), w->data<const float>()));
    }
  }
  EXPECT_GE(counted, 4);  // LeNet-5: 2 CONV + 3 FC (docs/zoo.md)
  // The first layer sees the N(0,1) input: no zero there, so only zero weights (none in the
  // seeded He-init) or padding make a MAC ineffectual; later layers follow a ReLU, where about
  // half the activations are zero.
  int64_t total = 0, effectual = 0;
  for (const graph::Node& n : g.nodes()) {
    if (auto s = n.op->layer_shape(g.input_infos(n))) {
      total += s->macs();
      effectual += eff.at(n.name);
    }
  }
  EXPECT_LT(effectual, total);
}

}  // namespace
}  // namespace loupe::analysis
