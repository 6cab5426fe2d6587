// GoogLeNet (Inception v1), Szegedy et al. 2015, Table 1, without the two auxiliary classifiers
// (they are used only in training). Layer names and the details the paper leaves open follow the
// reference Caffe model (bvlc_googlenet): max pools round their output size up (112 -> 56 -> 28 ->
// 14 -> 7), LRN of size 5, alpha 1e-4, beta 0.75 and k 1 (Caffe divides alpha by the size as ONNX
// does, so the value carries over unchanged), biases on every CONV, dropout left out.
//
// 57 CONV layers: conv1, conv2/3x3_reduce, conv2/3x3 and 6 per inception module (9 modules).
// The survey counts 1.43 G MACs; recounting Table 1 gives about 1.5-1.6 G depending on what is
// counted (REFERENCE.md §1). Here: every CONV and FC multiply-accumulate, nothing else.
#include <array>
#include <string>

#include <fmt/format.h>

#include "graph/builder.hpp"
#include "zoo/models.hpp"

namespace loupe::zoo::detail {
namespace {

// Table 1's columns: #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj.
struct Inception {
  const char* name;
  int64_t c1x1, c3x3_reduce, c3x3, c5x5_reduce, c5x5, pool_proj;
};

std::string inception(graph::GraphBuilder& b, const std::string& x, const Inception& m) {
  const std::string p = fmt::format("inception_{}/", m.name);
  auto conv_relu = [&](const std::string& in, int64_t M, int64_t R, const char* suffix) {
    return b.relu(b.conv(in, {.M = M, .R = R, .pad = R / 2}, p + suffix));
  };
  const std::string a = conv_relu(x, m.c1x1, 1, "1x1");
  const std::string c3 = conv_relu(conv_relu(x, m.c3x3_reduce, 1, "3x3_reduce"), m.c3x3, 3, "3x3");
  const std::string c5 = conv_relu(conv_relu(x, m.c5x5_reduce, 1, "5x5_reduce"), m.c5x5, 5, "5x5");
  const std::string pool = b.max_pool(x, {.k = 3, .stride = 1, .pad = 1}, p + "pool");
  const std::string proj = conv_relu(pool, m.pool_proj, 1, "pool_proj");
  return b.concat({a, c3, c5, proj}, p + "output");
}

}  // namespace

graph::Graph googlenet(int64_t batch) {
  graph::GraphBuilder b("googlenet", graph::seed_from_name("googlenet"));
  const graph::LrnSpec lrn{.size = 5, .alpha = 1e-4f, .beta = 0.75f, .bias = 1.0f};
  const graph::PoolSpec pool{.k = 3, .stride = 2, .ceil_mode = true};
  constexpr std::array<Inception, 2> k3{
      {{"3a", 64, 96, 128, 16, 32, 32}, {"3b", 128, 128, 192, 32, 96, 64}}};
  constexpr std::array<Inception, 5> k4{{{"4a", 192, 96, 208, 16, 48, 64},
                                         {"4b", 160, 112, 224, 24, 64, 64},
                                         {"4c", 128, 128, 256, 24, 64, 64},
                                         {"4d", 112, 144, 288, 32, 64, 64},
                                         {"4e", 256, 160, 320, 32, 128, 128}}};
  constexpr std::array<Inception, 2> k5{
      {{"5a", 256, 160, 320, 32, 128, 128}, {"5b", 384, 192, 384, 48, 128, 128}}};

  std::string x = b.input("data", {batch, 3, 224, 224});
  x = b.relu(b.conv(x, {.M = 64, .R = 7, .stride = 2, .pad = 3}, "conv1/7x7_s2"));
  x = b.max_pool(x, pool, "pool1/3x3_s2");
  x = b.lrn(x, lrn, "pool1/norm1");
  x = b.relu(b.conv(x, {.M = 64, .R = 1}, "conv2/3x3_reduce"));
  x = b.relu(b.conv(x, {.M = 192, .R = 3, .pad = 1}, "conv2/3x3"));
  x = b.lrn(x, lrn, "conv2/norm2");
  x = b.max_pool(x, pool, "pool2/3x3_s2");
  for (const Inception& m : k3) x = inception(b, x, m);
  x = b.max_pool(x, pool, "pool3/3x3_s2");
  for (const Inception& m : k4) x = inception(b, x, m);
  x = b.max_pool(x, pool, "pool4/3x3_s2");
  for (const Inception& m : k5) x = inception(b, x, m);
  x = b.avg_pool(x, {.k = 7, .stride = 1}, "pool5/7x7_s1");
  x = b.flatten(x, "flatten");
  x = b.fc(x, 1000, "loss3/classifier");
  b.output(b.softmax(x, "prob"));
  return b.finish();
}

}  // namespace loupe::zoo::detail
