#pragma once
// GraphBuilder: writes a network as straight-line code (the zoo's models) and emits the same
// nodes, ONNX op types and ONNX attribute names that an ONNX import of that network would give,
// so every later pass sees one kind of graph whatever its source.
//
// Each call adds one node whose node name is also the name of its (single) output value, infers
// that value's shape at once through the op's own infer() (no second copy of the shape formulas),
// and sizes and draws the node's weights from one seeded Rng. Weights are therefore a function of
// (seed, the sequence of calls) only: the same model code gives bitwise equal weights everywhere,
// whatever the batch size.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "graph/graph.hpp"
#include "loupe/random.hpp"
#include "loupe/tensor.hpp"
#include "ops/attributes.hpp"
#include "ops/op.hpp"

namespace loupe::graph {

// A CONV layer in the tutorial's letters: M filters of R x S (S = 0 means square, S = R),
// stride U, symmetric zero padding, G groups (G = C = M for depthwise).
struct ConvSpec {
  int64_t M = 0;
  int64_t R = 1;
  int64_t S = 0;
  int64_t stride = 1;
  int64_t pad = 0;
  int64_t dilation = 1;
  int64_t group = 1;
  bool bias = true;
};

// A pooling window of k x k, symmetric padding; ceil_mode as ONNX (Caffe-trained models such as
// GoogLeNet and SqueezeNet round the output size up).
struct PoolSpec {
  int64_t k = 2;
  int64_t stride = 0;  // 0 means stride = k
  int64_t pad = 0;
  bool ceil_mode = false;
};

// ONNX LRN: y = x / (bias + alpha / size * sum of x^2 over `size` channels)^beta.
struct LrnSpec {
  int64_t size = 5;
  float alpha = 1e-4f;
  float beta = 0.75f;
  float bias = 1.0f;
};

// BatchNormalization's epsilon, and a gain on its drawn scale: a residual branch's last BN can be
// made small so that the identity path dominates (see resnet50.cpp), as in a trained network.
struct BatchNormSpec {
  float epsilon = 1e-5f;
  double scale_gain = 1.0;
};

class GraphBuilder {
 public:
  GraphBuilder(std::string graph_name, uint64_t seed);

  // Graph input; returns its value name.
  std::string input(std::string name, Shape shape);

  // Conv with weights [M, C/G, R, S] drawn He-normal (std = sqrt(2 / (C/G * R * S)), He et al.
  // 2015) and, if spec.bias, a bias [M] drawn uniform in +-0.01.
  std::string conv(const std::string& x, const ConvSpec& spec, std::string name);
  // BatchNormalization with non-trivial statistics so that BN folding has something to fold:
  // scale ~ U(0.5, 1.5) x spec.scale_gain, B ~ N(0, 0.1), mean ~ N(0, 0.1), var ~ U(0.5, 1.5).
  std::string batch_norm(const std::string& x, std::string name, const BatchNormSpec& spec = {});
  // Gemm with transB = 1: x [N, K] times weights [M, K] (He-normal, std = sqrt(2 / K)) plus a bias
  // [M] in +-0.01. x must already be 2-D (flatten() first).
  std::string fc(const std::string& x, int64_t M, std::string name);

  // Element-wise and shape ops. An empty name gives "<x>/<op>" (e.g. "conv1/relu").
  std::string relu(const std::string& x, std::string name = "");
  std::string max_pool(const std::string& x, const PoolSpec& spec, std::string name);
  std::string avg_pool(const std::string& x, const PoolSpec& spec, std::string name);
  std::string global_avg_pool(const std::string& x, std::string name);
  std::string lrn(const std::string& x, const LrnSpec& spec, std::string name);
  std::string add(const std::string& a, const std::string& b, std::string name);
  std::string concat(const std::vector<std::string>& xs, std::string name, int64_t axis = 1);
  std::string flatten(const std::string& x, std::string name, int64_t axis = 1);
  std::string softmax(const std::string& x, std::string name, int64_t axis = 1);

  // Any other op: one output named after the node, shape inferred like the others.
  std::string node(std::string op_type, std::string name, std::vector<std::string> inputs,
                   ops::Attributes attrs = {});

  void output(const std::string& x);

  // Shape of a value created so far (graph input, initializer or node output).
  const Shape& shape(const std::string& value) const;
  int64_t channels(const std::string& value) const { return shape(value).at(1); }

  // Finalizes and hands over the graph; the builder is empty afterwards.
  Graph finish();

 private:
  std::string add_weight(const std::string& name, Shape shape, double std_dev);
  std::string add_uniform(const std::string& name, Shape shape, double lo, double hi);
  std::string add_normal(const std::string& name, Shape shape, double mean, double std_dev);
  std::string add_constant(const std::string& name, Tensor t);

  Graph graph_;
  Rng rng_;
  std::map<std::string, ops::ValueInfo, std::less<>> infos_;
  std::map<std::string, Tensor, std::less<>> constants_;
};

// FNV-1a of a name: a stable per-model seed (std::hash is not specified across platforms).
uint64_t seed_from_name(std::string_view name);

}  // namespace loupe::graph
