// AlexNet as in Krizhevsky, Sutskever, Hinton 2012 and the survey's Table 2 (REFERENCE.md §1):
// 227x227 input (the paper's "224" does not give its 55x55 conv1 output with stride 4), conv2,
// conv4 and conv5 split in 2 groups as the network was split over 2 GPUs, LRN after the ReLUs of
// conv1 and conv2, overlapping 3x3 stride-2 max pooling. Dropout is an identity at inference and is
// left out.
//
// CONV MACs: conv1 105,415,200; conv2 223,948,800; conv3 149,520,384; conv4 112,140,288;
// conv5 74,760,192 (total 665,784,864); FC MACs 9216*4096 + 4096*4096 + 4096*1000 = 58,621,952.
#include <string>

#include "graph/builder.hpp"
#include "zoo/models.hpp"

namespace loupe::zoo::detail {

graph::Graph alexnet(int64_t batch) {
  graph::GraphBuilder b("alexnet", graph::seed_from_name("alexnet"));
  // The paper normalizes by (k + alpha * sum)^beta with k = 2, n = 5, alpha = 1e-4, beta = 0.75;
  // ONNX divides alpha by size, so the paper's alpha is ONNX alpha = 1e-4 * 5.
  const graph::LrnSpec lrn{.size = 5, .alpha = 5e-4f, .beta = 0.75f, .bias = 2.0f};
  const graph::PoolSpec pool{.k = 3, .stride = 2};

  std::string x = b.input("data", {batch, 3, 227, 227});
  x = b.relu(b.conv(x, {.M = 96, .R = 11, .stride = 4}, "conv1"));
  x = b.lrn(x, lrn, "norm1");
  x = b.max_pool(x, pool, "pool1");
  x = b.relu(b.conv(x, {.M = 256, .R = 5, .pad = 2, .group = 2}, "conv2"));
  x = b.lrn(x, lrn, "norm2");
  x = b.max_pool(x, pool, "pool2");
  x = b.relu(b.conv(x, {.M = 384, .R = 3, .pad = 1}, "conv3"));
  x = b.relu(b.conv(x, {.M = 384, .R = 3, .pad = 1, .group = 2}, "conv4"));
  x = b.relu(b.conv(x, {.M = 256, .R = 3, .pad = 1, .group = 2}, "conv5"));
  x = b.max_pool(x, pool, "pool5");
  x = b.flatten(x, "flatten");
  x = b.relu(b.fc(x, 4096, "fc6"));
  x = b.relu(b.fc(x, 4096, "fc7"));
  x = b.fc(x, 1000, "fc8");
  b.output(b.softmax(x, "prob"));
  return b.finish();
}

}  // namespace loupe::zoo::detail
