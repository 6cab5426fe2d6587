// Every zoo model builds into a finalized graph with the documented interface ("data" in, "prob"
// out), for any batch, with weights that depend on the model name only.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "graph/executor.hpp"
#include "graph/graph.hpp"
#include "loupe/error.hpp"
#include "loupe/random.hpp"
#include "zoo/zoo.hpp"

namespace loupe::zoo {
namespace {

std::vector<std::string> names() {
  std::vector<std::string> v;
  for (const ZooModel& m : models()) v.push_back(m.name);
  return v;
}

const ZooModel& model(const std::string& name) {
  for (const ZooModel& m : models()) {
    if (m.name == name) return m;
  }
  throw Error("no model " + name);
}

void expect_same_weights(const graph::Graph& a, const graph::Graph& b) {
  ASSERT_EQ(a.initializers().size(), b.initializers().size());
  for (const auto& [name, t] : a.initializers()) {
    const Tensor* u = b.initializer(name);
    ASSERT_NE(u, nullptr) << name;
    ASSERT_EQ(t.shape(), u->shape()) << name;
    EXPECT_EQ(std::memcmp(t.raw(), u->raw(), t.nbytes()), 0) << name;
  }
}

// Conv nodes carry every ONNX attribute, as an exporter writes them, and weights that fit them.
void expect_onnx_conv_attributes(const graph::Graph& g) {
  int convs = 0;
  for (const graph::Node& n : g.nodes()) {
    if (n.op_type != "Conv") continue;
    ++convs;
    const std::vector<int64_t> k = n.attrs.get_ints("kernel_shape");
    EXPECT_EQ(k.size(), 2u) << n.name;
    EXPECT_EQ(n.attrs.get_ints("strides").size(), 2u) << n.name;
    EXPECT_EQ(n.attrs.get_ints("pads").size(), 4u) << n.name;
    EXPECT_EQ(n.attrs.get_ints("dilations"), (std::vector<int64_t>{1, 1})) << n.name;
    const int64_t G = n.attrs.require_int("group");
    const Shape& w = g.info(n.inputs.at(1)).shape;
    const Shape& x = g.info(n.inputs.at(0)).shape;
    EXPECT_EQ(w, (Shape{w[0], x[1] / G, k[0], k[1]})) << n.name;
  }
  EXPECT_GT(convs, 0);
}

class ZooBuild : public ::testing::TestWithParam<std::string> {};

TEST_P(ZooBuild, BuildsWithDataInputAndProbOutputForBatch1And3) {
  const ZooModel& m = model(GetParam());
  EXPECT_TRUE(exists(m.name));
  EXPECT_FALSE(m.description.empty());
  ASSERT_EQ(m.image.size(), 3u);
  const int64_t classes = m.name == "lenet5" ? 10 : 1000;
  for (int64_t batch : {1, 3}) {
    const graph::Graph g = build(m.name, batch);
    EXPECT_TRUE(g.finalized());
    EXPECT_EQ(g.name(), m.name);
    ASSERT_EQ(g.inputs().size(), 1u);
    EXPECT_EQ(g.inputs()[0].name, "data");
    EXPECT_EQ(g.inputs()[0].shape, (Shape{batch, m.image[0], m.image[1], m.image[2]}));
    ASSERT_EQ(g.outputs(), std::vector<std::string>{"prob"});
    EXPECT_EQ(g.info("prob").shape, (Shape{batch, classes}));
    EXPECT_EQ(g.nodes().back().op_type, "Softmax");
    if (batch == 1) expect_onnx_conv_attributes(g);
  }
}

TEST_P(ZooBuild, WeightsAreDeterministicAndIndependentOfBatch) {
  // Two separate builds, at different batch sizes: bitwise equal weights show both properties.
  expect_same_weights(build(GetParam(), 1), build(GetParam(), 2));
}

INSTANTIATE_TEST_SUITE_P(AllModels, ZooBuild, ::testing::ValuesIn(names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string s = info.param;
                           for (char& c : s) {
                             if (c == '.') c = '_';
                           }
                           return s;
                         });

TEST(Zoo, ListsItsEightModelsInOrder) {
  EXPECT_EQ(names(),
            (std::vector<std::string>{"lenet5", "alexnet", "vgg16", "googlenet", "resnet50",
                                      "resnet50_v1.5", "mobilenet_v1", "squeezenet"}));
}

TEST(Zoo, UnknownNameGivesAClearError) {
  EXPECT_FALSE(exists("resnet51"));
  try {
    (void)build("resnet51");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "unknown zoo model \"resnet51\" (loupe zoo lists them)");
  }
}

TEST(Zoo, BatchBelowOneIsAnError) { EXPECT_THROW((void)build("lenet5", 0), Error); }

TEST(Zoo, ModelsWithTheSameLayersStillGetTheirOwnWeights) {
  const graph::Graph a = build("resnet50");
  const graph::Graph b = build("resnet50_v1.5");
  const Tensor* wa = a.initializer("conv1.weight");
  const Tensor* wb = b.initializer("conv1.weight");
  ASSERT_TRUE(wa != nullptr && wb != nullptr);
  ASSERT_EQ(wa->shape(), wb->shape());
  EXPECT_NE(std::memcmp(wa->raw(), wb->raw(), wa->nbytes()), 0);
}

// He init: std = sqrt(2 / fan_in) with fan_in = C/G * R * S (He et al. 2015).
TEST(Zoo, ConvWeightsAreHeInitialized) {
  const graph::Graph g = build("resnet50");
  for (const char* name : {"res3a_branch2b.weight", "conv1.weight", "res5a_branch2c.weight"}) {
    const Tensor* w = g.initializer(name);
    ASSERT_NE(w, nullptr) << name;
    const int64_t fan_in = w->dim(1) * w->dim(2) * w->dim(3);
    double sum = 0, sum2 = 0;
    for (float v : w->span<float>()) {
      sum += v;
      sum2 += static_cast<double>(v) * v;
    }
    const double n = static_cast<double>(w->numel());
    const double std_dev = std::sqrt(sum2 / n - (sum / n) * (sum / n));
    EXPECT_NEAR(std_dev / std::sqrt(2.0 / static_cast<double>(fan_in)), 1.0, 0.05) << name;
  }
  // Depthwise: fan_in is R * S (C/G = 1).
  const graph::Graph mb = build("mobilenet_v1");
  EXPECT_EQ(mb.initializer("conv2/dw.weight")->shape(), (Shape{32, 1, 3, 3}));
}

// Batch-norm statistics must be non-trivial so that BN folding has something to fold.
void expect_in(const Tensor* t, float lo, float hi, const char* name) {
  ASSERT_NE(t, nullptr) << name;
  for (float v : t->span<float>()) {
    EXPECT_GE(v, lo) << name;
    EXPECT_LT(v, hi) << name;
  }
}

TEST(Zoo, BatchNormStatisticsAreNonTrivial) {
  const graph::Graph g = build("resnet50");
  expect_in(g.initializer("bn2a_branch2a.scale"), 0.5f, 1.5f, "scale");
  expect_in(g.initializer("bn2a_branch2a.var"), 0.5f, 1.5f, "var");
  // The last BN of a residual branch starts 4x smaller (src/zoo/resnet50.cpp).
  expect_in(g.initializer("bn2a_branch2c.scale"), 0.125f, 0.375f, "branch2c scale");
  const Tensor* mean = g.initializer("bn2a_branch2a.mean");
  ASSERT_NE(mean, nullptr);
  int nonzero = 0;
  for (float v : mean->span<float>()) nonzero += v != 0.0f ? 1 : 0;
  EXPECT_EQ(nonzero, mean->numel());
}

TEST(Zoo, AlexNetIsGroupedWithLrnAsInThePaper) {
  const graph::Graph g = build("alexnet");
  for (const graph::Node& n : g.nodes()) {
    if (n.name == "conv2" || n.name == "conv4" || n.name == "conv5") {
      EXPECT_EQ(n.attrs.require_int("group"), 2) << n.name;
    }
    if (n.op_type == "LRN") {
      EXPECT_EQ(n.attrs.require_int("size"), 5);
      EXPECT_FLOAT_EQ(n.attrs.get_float("bias", 0), 2.0f);
      // The paper's alpha 1e-4 is not divided by the size; ONNX's is.
      EXPECT_FLOAT_EQ(n.attrs.get_float("alpha", 0), 5e-4f);
    }
  }
  EXPECT_EQ(g.info("conv1").shape, (Shape{1, 96, 55, 55}));
  EXPECT_EQ(g.info("pool5").shape, (Shape{1, 256, 6, 6}));
}

TEST(Zoo, ResNetVariantsStrideWhereTheirPapersSay) {
  const graph::Graph v1 = build("resnet50");
  const graph::Graph v15 = build("resnet50_v1.5");
  EXPECT_EQ(v1.info("res3a_branch2a").shape, (Shape{1, 128, 28, 28}));
  EXPECT_EQ(v15.info("res3a_branch2a").shape, (Shape{1, 128, 56, 56}));
  EXPECT_EQ(v1.info("res5c").shape, (Shape{1, 2048, 7, 7}));
  EXPECT_EQ(v15.info("res5c").shape, (Shape{1, 2048, 7, 7}));
}

TEST(Zoo, CaffeStylePoolsRoundUp) {
  EXPECT_EQ(build("googlenet").info("pool1/3x3_s2").shape, (Shape{1, 64, 56, 56}));
  EXPECT_EQ(build("googlenet").info("inception_5b/output").shape, (Shape{1, 1024, 7, 7}));
  EXPECT_EQ(build("squeezenet").info("pool1").shape, (Shape{1, 64, 55, 55}));
  EXPECT_EQ(build("squeezenet").info("fire9/concat").shape, (Shape{1, 512, 13, 13}));
}

TEST(Zoo, LeNet5ShapesAreTheDocumentedVariant) {
  const graph::Graph g = build("lenet5");
  EXPECT_EQ(g.info("conv1").shape, (Shape{1, 6, 28, 28}));
  EXPECT_EQ(g.info("pool2").shape, (Shape{1, 16, 5, 5}));
  EXPECT_EQ(g.info("flatten").shape, (Shape{1, 400}));
}

// The seeded weights give a usable network: the oracle's output is a distribution that is not
// saturated (a one-hot softmax would hide numerical differences in parity checks). The small
// models only: the reference loop nests are slow by design.
TEST(Zoo, SmallModelsRunToAnUnsaturatedDistribution) {
  for (const char* name : {"lenet5", "squeezenet"}) {
    const graph::Graph g = build(name, 2);
    Tensor x(g.inputs()[0].shape);
    Rng rng(42);
    for (float& v : x.span<float>()) v = static_cast<float>(rng.normal());
    const graph::TensorMap out = graph::ReferenceExecutor(g).run({{"data", x}});
    const Tensor& prob = out.at("prob");
    const int64_t classes = prob.dim(1);
    for (int64_t n = 0; n < 2; ++n) {
      double sum = 0, max = 0;
      for (int64_t k = 0; k < classes; ++k) {
        const double p = prob.at(n * classes + k);
        ASSERT_TRUE(std::isfinite(p)) << name;
        sum += p;
        max = std::max(max, p);
      }
      EXPECT_NEAR(sum, 1.0, 1e-5) << name;
      EXPECT_LT(max, 0.99) << name;
    }
  }
}

}  // namespace
}  // namespace loupe::zoo
