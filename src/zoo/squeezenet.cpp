// SqueezeNet 1.1 (Iandola et al. 2016; the 1.1 revision of the authors' repository, as
// torchvision's squeezenet1_1): 3x3/2 conv1 with 64 filters, fire modules (1x1 squeeze, then 1x1
// and 3x3 expand concatenated), max pools that round their output size up (111 -> 55 -> 27 -> 13),
// conv10 as a 1x1 CONV to the 1000 classes, ReLU, global average pool. No FC layer. Dropout is an
// identity at inference and is left out. 1,235,496 parameters.
#include <string>

#include <fmt/format.h>

#include "graph/builder.hpp"
#include "zoo/models.hpp"

namespace loupe::zoo::detail {
namespace {

std::string fire(graph::GraphBuilder& b, const std::string& x, int index, int64_t squeeze,
                 int64_t expand) {
  const std::string p = fmt::format("fire{}/", index);
  const std::string s = b.relu(b.conv(x, {.M = squeeze, .R = 1}, p + "squeeze1x1"));
  const std::string e1 = b.relu(b.conv(s, {.M = expand, .R = 1}, p + "expand1x1"));
  const std::string e3 = b.relu(b.conv(s, {.M = expand, .R = 3, .pad = 1}, p + "expand3x3"));
  return b.concat({e1, e3}, p + "concat");
}

}  // namespace

graph::Graph squeezenet(int64_t batch) {
  graph::GraphBuilder b("squeezenet", graph::seed_from_name("squeezenet"));
  const graph::PoolSpec pool{.k = 3, .stride = 2, .ceil_mode = true};

  std::string x = b.input("data", {batch, 3, 224, 224});
  x = b.relu(b.conv(x, {.M = 64, .R = 3, .stride = 2}, "conv1"));
  x = b.max_pool(x, pool, "pool1");
  x = fire(b, x, 2, 16, 64);
  x = fire(b, x, 3, 16, 64);
  x = b.max_pool(x, pool, "pool3");
  x = fire(b, x, 4, 32, 128);
  x = fire(b, x, 5, 32, 128);
  x = b.max_pool(x, pool, "pool5");
  x = fire(b, x, 6, 48, 192);
  x = fire(b, x, 7, 48, 192);
  x = fire(b, x, 8, 64, 256);
  x = fire(b, x, 9, 64, 256);
  x = b.relu(b.conv(x, {.M = 1000, .R = 1}, "conv10"));
  x = b.global_avg_pool(x, "pool10");
  x = b.flatten(x, "flatten");
  b.output(b.softmax(x, "prob"));
  return b.finish();
}

}  // namespace loupe::zoo::detail
