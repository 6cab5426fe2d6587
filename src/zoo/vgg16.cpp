// VGG-16, configuration D of Simonyan & Zisserman 2015 (Table 1): 13 3x3 CONV layers with padding 1
// in 5 stages, each stage ending in 2x2 stride-2 max pooling, then fc6 25088 -> 4096, fc7, fc8.
// Dropout is an identity at inference and is left out.
#include <array>
#include <string>

#include <fmt/format.h>

#include "graph/builder.hpp"
#include "zoo/models.hpp"

namespace loupe::zoo::detail {

graph::Graph vgg16(int64_t batch) {
  graph::GraphBuilder b("vgg16", graph::seed_from_name("vgg16"));
  struct Stage {
    int64_t M;
    int layers;
  };
  constexpr std::array<Stage, 5> kStages{{{64, 2}, {128, 2}, {256, 3}, {512, 3}, {512, 3}}};

  std::string x = b.input("data", {batch, 3, 224, 224});
  for (size_t s = 0; s < kStages.size(); ++s) {
    for (int l = 1; l <= kStages[s].layers; ++l) {
      x = b.relu(
          b.conv(x, {.M = kStages[s].M, .R = 3, .pad = 1}, fmt::format("conv{}_{}", s + 1, l)));
    }
    x = b.max_pool(x, {.k = 2}, fmt::format("pool{}", s + 1));
  }
  x = b.flatten(x, "flatten");
  x = b.relu(b.fc(x, 4096, "fc6"));
  x = b.relu(b.fc(x, 4096, "fc7"));
  x = b.fc(x, 1000, "fc8");
  b.output(b.softmax(x, "prob"));
  return b.finish();
}

}  // namespace loupe::zoo::detail
