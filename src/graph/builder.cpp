#include "graph/builder.hpp"

#include <cmath>
#include <span>
#include <utility>

#include <fmt/format.h>

namespace loupe::graph {

uint64_t seed_from_name(std::string_view name) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : name) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

GraphBuilder::GraphBuilder(std::string graph_name, uint64_t seed)
    : graph_(std::move(graph_name)), rng_(seed) {}

std::string GraphBuilder::input(std::string name, Shape shape) {
  if (infos_.count(name) != 0)
    fail("graph \"{}\": value \"{}\" defined twice", graph_.name(), name);
  infos_[name] = ops::ValueInfo{shape, DType::f32, nullptr, true};
  graph_.add_input(name, std::move(shape));
  return name;
}

const Shape& GraphBuilder::shape(const std::string& value) const {
  auto it = infos_.find(value);
  if (it == infos_.end()) fail("graph \"{}\": no value named \"{}\"", graph_.name(), value);
  return it->second.shape;
}

std::string GraphBuilder::add_constant(const std::string& name, Tensor t) {
  if (infos_.count(name) != 0)
    fail("graph \"{}\": value \"{}\" defined twice", graph_.name(), name);
  // Tensor copies share storage, so the graph and the builder's map hold the same weights.
  graph_.add_initializer(name, t);
  const Tensor& kept = constants_.insert_or_assign(name, std::move(t)).first->second;
  infos_[name] = ops::ValueInfo{kept.shape(), kept.dtype(), &kept, true};
  return name;
}

std::string GraphBuilder::add_normal(const std::string& name, Shape shape, double mean,
                                     double std_dev) {
  Tensor t(std::move(shape));
  // Marsaglia's polar method on the Rng's uniforms: two normals per accepted pair and no
  // trigonometry, as Rng::normal() spends a log, a sqrt and a cos on each of VGG-16's 138 M
  // weights.
  std::span<float> out = t.span<float>();
  size_t i = 0;
  while (i < out.size()) {
    double u = 0, v = 0, s = 0;
    do {
      u = rng_.uniform(-1.0, 1.0);
      v = rng_.uniform(-1.0, 1.0);
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double f = std_dev * std::sqrt(-2.0 * std::log(s) / s);
    out[i++] = static_cast<float>(mean + u * f);
    if (i < out.size()) out[i++] = static_cast<float>(mean + v * f);
  }
  return add_constant(name, std::move(t));
}

std::string GraphBuilder::add_weight(const std::string& name, Shape shape, double std_dev) {
  return add_normal(name, std::move(shape), 0.0, std_dev);
}

std::string GraphBuilder::add_uniform(const std::string& name, Shape shape, double lo, double hi) {
  Tensor t(std::move(shape));
  for (float& v : t.span<float>()) v = static_cast<float>(rng_.uniform(lo, hi));
  return add_constant(name, std::move(t));
}

std::string GraphBuilder::node(std::string op_type, std::string name,
                               std::vector<std::string> inputs, ops::Attributes attrs) {
  if (infos_.count(name) != 0)
    fail("graph \"{}\": value \"{}\" defined twice", graph_.name(), name);
  std::vector<ops::ValueInfo> in;
  in.reserve(inputs.size());
  for (const std::string& v : inputs) {
    auto it = infos_.find(v);
    if (it == infos_.end()) {
      fail("graph \"{}\": node \"{}\" ({}): input \"{}\" does not exist yet", graph_.name(), name,
           op_type, v);
    }
    in.push_back(it->second);
  }
  ops::ValueInfo out;
  try {
    std::vector<ops::ValueInfo> outs = ops::make_op(op_type, attrs)->infer(in);
    LOUPE_CHECK(!outs.empty());
    out = outs[0];
  } catch (const Error& e) {
    throw e.prefixed(fmt::format("graph \"{}\": node \"{}\" ({})", graph_.name(), name, op_type));
  }
  out.constant = nullptr;
  infos_[name] = std::move(out);
  graph_.add_node(std::move(op_type), name, std::move(inputs), {name}, std::move(attrs));
  return name;
}

std::string GraphBuilder::conv(const std::string& x, const ConvSpec& spec, std::string name) {
  const int64_t C = channels(x);
  const int64_t R = spec.R;
  const int64_t S = spec.S == 0 ? spec.R : spec.S;
  if (spec.M < 1 || spec.group < 1 || C % spec.group != 0 || spec.M % spec.group != 0) {
    fail("graph \"{}\": conv \"{}\": C = {} and M = {} must both be multiples of group {}",
         graph_.name(), name, C, spec.M, spec.group);
  }
  const int64_t fan_in = C / spec.group * R * S;
  std::vector<std::string> inputs{x, add_weight(name + ".weight", {spec.M, C / spec.group, R, S},
                                                std::sqrt(2.0 / static_cast<double>(fan_in)))};
  if (spec.bias) inputs.push_back(add_uniform(name + ".bias", {spec.M}, -0.01, 0.01));
  const int64_t p = spec.pad;
  ops::Attributes attrs{{"kernel_shape", std::vector<int64_t>{R, S}},
                        {"strides", std::vector<int64_t>{spec.stride, spec.stride}},
                        {"pads", std::vector<int64_t>{p, p, p, p}},
                        {"dilations", std::vector<int64_t>{spec.dilation, spec.dilation}},
                        {"group", spec.group}};
  return node("Conv", std::move(name), std::move(inputs), std::move(attrs));
}

std::string GraphBuilder::batch_norm(const std::string& x, std::string name,
                                     const BatchNormSpec& spec) {
  const int64_t C = channels(x);
  const double g = spec.scale_gain;
  // A braced list is evaluated left to right, so the draws happen in this order everywhere.
  std::vector<std::string> inputs{x, add_uniform(name + ".scale", {C}, 0.5 * g, 1.5 * g),
                                  add_normal(name + ".B", {C}, 0.0, 0.1),
                                  add_normal(name + ".mean", {C}, 0.0, 0.1),
                                  add_uniform(name + ".var", {C}, 0.5, 1.5)};
  return node("BatchNormalization", std::move(name), std::move(inputs),
              {{"epsilon", spec.epsilon}});
}

std::string GraphBuilder::fc(const std::string& x, int64_t M, std::string name) {
  const Shape& xs = shape(x);
  if (xs.size() != 2) {
    fail("graph \"{}\": fc \"{}\" needs a 2-D input, got {} (flatten first)", graph_.name(), name,
         shape_str(xs));
  }
  const int64_t K = xs[1];
  std::vector<std::string> inputs{
      x, add_weight(name + ".weight", {M, K}, std::sqrt(2.0 / static_cast<double>(K))),
      add_uniform(name + ".bias", {M}, -0.01, 0.01)};
  return node("Gemm", std::move(name), std::move(inputs), {{"transB", int64_t{1}}});
}

std::string GraphBuilder::relu(const std::string& x, std::string name) {
  if (name.empty()) name = x + "/relu";
  return node("Relu", std::move(name), {x});
}

namespace {
ops::Attributes pool_attrs(const PoolSpec& spec) {
  const int64_t stride = spec.stride == 0 ? spec.k : spec.stride;
  const int64_t p = spec.pad;
  return {{"kernel_shape", std::vector<int64_t>{spec.k, spec.k}},
          {"strides", std::vector<int64_t>{stride, stride}},
          {"pads", std::vector<int64_t>{p, p, p, p}},
          {"ceil_mode", int64_t{spec.ceil_mode ? 1 : 0}}};
}
}  // namespace

std::string GraphBuilder::max_pool(const std::string& x, const PoolSpec& spec, std::string name) {
  return node("MaxPool", std::move(name), {x}, pool_attrs(spec));
}

std::string GraphBuilder::avg_pool(const std::string& x, const PoolSpec& spec, std::string name) {
  return node("AveragePool", std::move(name), {x}, pool_attrs(spec));
}

std::string GraphBuilder::global_avg_pool(const std::string& x, std::string name) {
  return node("GlobalAveragePool", std::move(name), {x});
}

std::string GraphBuilder::lrn(const std::string& x, const LrnSpec& spec, std::string name) {
  return node(
      "LRN", std::move(name), {x},
      {{"size", spec.size}, {"alpha", spec.alpha}, {"beta", spec.beta}, {"bias", spec.bias}});
}

std::string GraphBuilder::add(const std::string& a, const std::string& b, std::string name) {
  return node("Add", std::move(name), {a, b});
}

std::string GraphBuilder::concat(const std::vector<std::string>& xs, std::string name,
                                 int64_t axis) {
  return node("Concat", std::move(name), xs, {{"axis", axis}});
}

std::string GraphBuilder::flatten(const std::string& x, std::string name, int64_t axis) {
  return node("Flatten", std::move(name), {x}, {{"axis", axis}});
}

std::string GraphBuilder::softmax(const std::string& x, std::string name, int64_t axis) {
  return node("Softmax", std::move(name), {x}, {{"axis", axis}});
}

void GraphBuilder::output(const std::string& x) {
  (void)shape(x);
  graph_.add_output(x);
}

Graph GraphBuilder::finish() {
  graph_.finalize();
  Graph g = std::move(graph_);
  graph_ = Graph(g.name());
  infos_.clear();
  constants_.clear();
  return g;
}

}  // namespace loupe::graph
