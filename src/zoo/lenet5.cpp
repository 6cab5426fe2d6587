// LeNet-5 as loupe ships it: the variant issue 4 trains on Fashion-MNIST (28x28, so conv1 pads by
// 2 to see the 32x32 field of the original), with ReLU and max pooling in place of the original's
// scaled tanh and trainable sub-sampling, C3 fully connected, and a plain 10-way FC output in place
// of the RBF layer.
//
//   layer  shape                         weights (incl. biases)       MACs
//   conv1  6 x 1 x 5x5, out 6x28x28      150 + 6       =    156       6*28*28*25     = 117,600
//   conv2  16 x 6 x 5x5, out 16x10x10    2,400 + 16    =  2,416       16*10*10*150   = 240,000
//   fc1    400 -> 120                    48,000 + 120  = 48,120                        48,000
//   fc2    120 -> 84                     10,080 + 84   = 10,164                        10,080
//   fc3    84 -> 10                      840 + 10      =    850                           840
//   CONV 2 layers: 2,572 weights, 357,600 MACs; FC 3 layers: 59,134 weights, 58,920 MACs;
//   total 61,706 weights, 416,520 MACs.
//
// Against the survey's row (REFERENCE.md §1: CONV 2.6k / 283k, FC 58k / 58k, total 60k / 341k):
// the weights agree within 3%. The CONV MACs do not, and no single configuration reproduces 283k:
// the original sparse C3 connection table (60 of the 96 feature-map pairs, LeCun 1998 Table I)
// gives 117,600 + 150,000 = 267,600 (5% under 283k) with 1,516 C3 weights (which would contradict
// the survey's 2.6k), while full connectivity gives 357,600 (26% over). loupe keeps the full C3
// because that is what is trained and exported today; its CONV MACs are 357,600 exactly, 90,000
// more than the sparse table's, and the total is 416,520 against the survey's 341k. The survey's
// 2 FC layers with 58k MACs match C5 + F6 (48,000 + 10,080 = 58,080) without the output layer;
// counting all three FC layers, as here, adds 840.
#include <string>

#include "graph/builder.hpp"
#include "zoo/models.hpp"

namespace loupe::zoo::detail {

graph::Graph lenet5(int64_t batch) {
  graph::GraphBuilder b("lenet5", graph::seed_from_name("lenet5"));
  std::string x = b.input("data", {batch, 1, 28, 28});
  x = b.relu(b.conv(x, {.M = 6, .R = 5, .pad = 2}, "conv1"));
  x = b.max_pool(x, {.k = 2}, "pool1");
  x = b.relu(b.conv(x, {.M = 16, .R = 5}, "conv2"));
  x = b.max_pool(x, {.k = 2}, "pool2");
  x = b.flatten(x, "flatten");
  x = b.relu(b.fc(x, 120, "fc1"));
  x = b.relu(b.fc(x, 84, "fc2"));
  x = b.fc(x, 10, "fc3");
  b.output(b.softmax(x, "prob"));
  return b.finish();
}

}  // namespace loupe::zoo::detail
