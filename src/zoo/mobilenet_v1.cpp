// MobileNet v1 1.0-224, Howard et al. 2017, Table 1: a 3x3 stride-2 CONV then 13 depthwise
// separable blocks (3x3 depthwise CONV, group = C, then 1x1 pointwise CONV), each CONV followed by
// batch normalization and ReLU, global average pool, FC 1024 -> 1000. Paper: 569 M mult-adds,
// 4.2 M parameters (REFERENCE.md §1). Stride-2 CONVs pad 1 on every side; TensorFlow's SAME pads
// only bottom and right there, which gives the same output sizes and counts.
#include <array>
#include <string>

#include <fmt/format.h>

#include "graph/builder.hpp"
#include "zoo/models.hpp"

namespace loupe::zoo::detail {
namespace {

std::string conv_bn_relu(graph::GraphBuilder& b, const std::string& x, graph::ConvSpec spec,
                         const std::string& name) {
  spec.bias = false;
  const std::string y = b.batch_norm(b.conv(x, spec, name), name + "/bn");
  return b.relu(y, name + "/relu");
}

}  // namespace

graph::Graph mobilenet_v1(int64_t batch) {
  graph::GraphBuilder b("mobilenet_v1", graph::seed_from_name("mobilenet_v1"));
  struct Block {
    int64_t M;  // pointwise filters
    int64_t stride;
  };
  constexpr std::array<Block, 13> kBlocks{{{64, 1},
                                           {128, 2},
                                           {128, 1},
                                           {256, 2},
                                           {256, 1},
                                           {512, 2},
                                           {512, 1},
                                           {512, 1},
                                           {512, 1},
                                           {512, 1},
                                           {512, 1},
                                           {1024, 2},
                                           {1024, 1}}};

  std::string x = b.input("data", {batch, 3, 224, 224});
  x = conv_bn_relu(b, x, {.M = 32, .R = 3, .stride = 2, .pad = 1}, "conv1");
  for (size_t i = 0; i < kBlocks.size(); ++i) {
    const int64_t C = b.channels(x);
    const std::string id = fmt::format("conv{}", i + 2);
    x = conv_bn_relu(b, x, {.M = C, .R = 3, .stride = kBlocks[i].stride, .pad = 1, .group = C},
                     id + "/dw");
    x = conv_bn_relu(b, x, {.M = kBlocks[i].M, .R = 1}, id + "/pw");
  }
  x = b.global_avg_pool(x, "pool6");
  x = b.flatten(x, "flatten");
  x = b.fc(x, 1000, "fc7");
  b.output(b.softmax(x, "prob"));
  return b.finish();
}

}  // namespace loupe::zoo::detail
