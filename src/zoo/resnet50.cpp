// ResNet-50, He, Zhang, Ren, Sun 2016, Table 1: conv1 7x7/2, 3x3/2 max pool, bottleneck blocks
// [3, 4, 6, 3] of widths 64, 128, 256, 512 (outputs 4x wider), global average pool, fc1000. Every
// CONV is followed by batch normalization and has no bias; the first block of each stage has a
// projection shortcut (1x1 CONV + BN, option B of the paper); ReLU comes after the addition.
// Names follow the authors' Caffe release (res2a_branch2a, bn2a_branch2a, res2a_branch1, ...).
//
// Two variants differ only in where a downsampling block strides:
//   v1   (the paper, the survey's row): in the first 1x1 CONV (branch2a), 3.86 G MACs;
//   v1.5 (torchvision, NVIDIA): in the 3x3 CONV (branch2b), which sees 4x the positions: 4.09 G.
// Both have 53 CONV layers and 25,557,032 learned parameters (BN scale and shift included).
//
// Seeded weights: the BN statistics are random, so BN does not renormalize, and with full-size
// residual branches each of the 16 additions about doubles the activations' variance (logits
// ~1e4, a one-hot softmax). The last BN of each residual branch therefore draws its scale 4x
// smaller (gain 1/4 = 1/sqrt(16 blocks), in the spirit of Goyal et al. 2017 and Fixup, Zhang et
// al. 2019, which start residual branches small), keeping activations and logits O(1)-O(10).
#include <array>
#include <string>

#include <fmt/format.h>

#include "graph/builder.hpp"
#include "zoo/models.hpp"

namespace loupe::zoo::detail {
namespace {

enum class Variant { v1, v1_5 };

constexpr double kResidualBnGain = 0.25;

std::string conv_bn(graph::GraphBuilder& b, const std::string& x, const graph::ConvSpec& spec,
                    const std::string& id, const std::string& branch, bool relu,
                    double bn_gain = 1.0) {
  graph::ConvSpec s = spec;
  s.bias = false;
  std::string y = b.conv(x, s, "res" + id + "_" + branch);
  y = b.batch_norm(y, "bn" + id + "_" + branch, {.scale_gain = bn_gain});
  return relu ? b.relu(y, "res" + id + "_" + branch + "_relu") : y;
}

std::string bottleneck(graph::GraphBuilder& b, const std::string& x, const std::string& id,
                       int64_t width, int64_t stride, Variant variant) {
  const int64_t out = 4 * width;
  const int64_t stride_1x1 = variant == Variant::v1 ? stride : 1;
  const int64_t stride_3x3 = variant == Variant::v1 ? 1 : stride;
  std::string y = conv_bn(b, x, {.M = width, .R = 1, .stride = stride_1x1}, id, "branch2a", true);
  y = conv_bn(b, y, {.M = width, .R = 3, .stride = stride_3x3, .pad = 1}, id, "branch2b", true);
  y = conv_bn(b, y, {.M = out, .R = 1}, id, "branch2c", false, kResidualBnGain);
  std::string shortcut = x;
  if (stride != 1 || b.channels(x) != out) {
    shortcut = conv_bn(b, x, {.M = out, .R = 1, .stride = stride}, id, "branch1", false);
  }
  return b.relu(b.add(shortcut, y, "res" + id), "res" + id + "_relu");
}

graph::Graph resnet50(const char* name, int64_t batch, Variant variant) {
  graph::GraphBuilder b(name, graph::seed_from_name(name));
  struct Stage {
    int64_t width;
    int blocks;
    int64_t stride;
  };
  constexpr std::array<Stage, 4> kStages{{{64, 3, 1}, {128, 4, 2}, {256, 6, 2}, {512, 3, 2}}};

  std::string x = b.input("data", {batch, 3, 224, 224});
  x = b.conv(x, {.M = 64, .R = 7, .stride = 2, .pad = 3, .bias = false}, "conv1");
  x = b.relu(b.batch_norm(x, "bn_conv1"), "conv1_relu");
  x = b.max_pool(x, {.k = 3, .stride = 2, .pad = 1}, "pool1");
  for (size_t s = 0; s < kStages.size(); ++s) {
    for (int i = 0; i < kStages[s].blocks; ++i) {
      const std::string id = fmt::format("{}{}", s + 2, static_cast<char>('a' + i));
      x = bottleneck(b, x, id, kStages[s].width, i == 0 ? kStages[s].stride : 1, variant);
    }
  }
  x = b.global_avg_pool(x, "pool5");
  x = b.flatten(x, "flatten");
  x = b.fc(x, 1000, "fc1000");
  b.output(b.softmax(x, "prob"));
  return b.finish();
}

}  // namespace

graph::Graph resnet50_v1(int64_t batch) { return resnet50("resnet50", batch, Variant::v1); }
graph::Graph resnet50_v1_5(int64_t batch) {
  return resnet50("resnet50_v1.5", batch, Variant::v1_5);
}

}  // namespace loupe::zoo::detail
