#include "graph/fusion.hpp"

#include <algorithm>
#include <limits>
#include <map>

namespace loupe::graph {

namespace {

using Consumers = std::map<std::string, std::vector<size_t>, std::less<>>;

bool is_constant(const Graph& g, const std::string& v) { return g.info(v).constant != nullptr; }

bool all_constant(const Graph& g, const Node& n, size_t from) {
  for (size_t i = from; i < n.inputs.size(); ++i) {
    if (!n.inputs[i].empty() && !is_constant(g, n.inputs[i])) return false;
  }
  return true;
}

// The single node consuming `v` (as any input), when `v` is not a graph output.
std::optional<size_t> sole_consumer(const Consumers& consumers, const Graph& g,
                                    const std::string& v) {
  for (const std::string& out : g.outputs()) {
    if (out == v) return std::nullopt;
  }
  auto it = consumers.find(v);
  if (it == consumers.end() || it->second.size() != 1) return std::nullopt;
  return it->second[0];  // the caller checks it is not already in another step
}

bool single_output(const Node& n) {
  for (size_t i = 1; i < n.outputs.size(); ++i) {
    if (!n.outputs[i].empty()) return false;
  }
  return !n.outputs.empty() && !n.outputs[0].empty();
}

bool fusable_main(const Graph& g, const Node& n) {
  if (n.op_type != "Conv" && n.op_type != "Gemm") return false;
  if (!single_output(n) || g.info(n.outputs[0]).dtype != DType::f32) return false;
  return n.inputs.size() >= 2 && all_constant(g, n, 1);
}

}  // namespace

std::optional<std::pair<float, float>> clamp_bounds(const Graph& g, const Node& n) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  if (n.op_type == "Relu") return std::make_pair(0.0f, kInf);
  if (n.op_type != "Clip") return std::nullopt;
  float lo = n.attrs.get_float("min", -kInf);
  float hi = n.attrs.get_float("max", kInf);
  for (size_t i = 1; i < n.inputs.size() && i < 3; ++i) {
    if (n.inputs[i].empty()) continue;
    const Tensor* t = g.info(n.inputs[i]).constant;
    if (t == nullptr || t->numel() != 1 || t->dtype() != DType::f32) return std::nullopt;
    (i == 1 ? lo : hi) = t->data<float>()[0];
  }
  if (!(lo <= hi)) return std::nullopt;  // ONNX's lo > hi rule is left to the reference
  return std::make_pair(lo, hi);
}

std::vector<StepPlan> plan_steps(const Graph& g, bool fuse) {
  const auto& nodes = g.nodes();
  Consumers consumers;
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (const std::string& in : nodes[i].inputs) {
      if (!in.empty()) consumers[in].push_back(i);
    }
  }
  std::vector<bool> taken(nodes.size(), false);
  std::vector<StepPlan> steps;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (taken[i]) continue;
    StepPlan s;
    s.nodes.push_back(i);
    taken[i] = true;
    s.output = nodes[i].outputs.empty() ? "" : nodes[i].outputs[0];
    if (fuse && fusable_main(g, nodes[i])) {
      std::string cur = s.output;
      const Shape& shape = g.info(cur).shape;
      auto next = sole_consumer(consumers, g, cur);
      if (next && taken[*next]) next.reset();
      // Batch norm folds into a conv's weights (per output channel m).
      if (next && nodes[i].op_type == "Conv") {
        const Node& bn = nodes[*next];
        if (bn.op_type == "BatchNormalization" && bn.inputs.size() == 5 && bn.inputs[0] == cur &&
            single_output(bn) && all_constant(g, bn, 1)) {
          s.batch_norm = *next;
          s.nodes.push_back(*next);
          taken[*next] = true;
          cur = bn.outputs[0];
          next = sole_consumer(consumers, g, cur);
          if (next && taken[*next]) next.reset();
        }
      }
      if (next) {
        const Node& add = nodes[*next];
        if (add.op_type == "Add" && add.inputs.size() == 2 && single_output(add)) {
          const std::string& other = add.inputs[0] == cur ? add.inputs[1] : add.inputs[0];
          const bool ok = (add.inputs[0] == cur) != (add.inputs[1] == cur) &&
                          !is_constant(g, other) && g.info(other).shape == shape &&
                          g.info(other).dtype == DType::f32 &&
                          g.info(add.outputs[0]).shape == shape;
          if (ok) {
            s.residual = other;
            s.nodes.push_back(*next);
            taken[*next] = true;
            cur = add.outputs[0];
            next = sole_consumer(consumers, g, cur);
            if (next && taken[*next]) next.reset();
          }
        }
      }
      if (next && nodes[*next].inputs[0] == cur && single_output(nodes[*next])) {
        if (auto b = clamp_bounds(g, nodes[*next])) {
          s.clamp = true;
          s.lo = b->first;
          s.hi = b->second;
          s.nodes.push_back(*next);
          taken[*next] = true;
          cur = nodes[*next].outputs[0];
        }
      }
      s.output = cur;
    }
    steps.push_back(std::move(s));
  }
  // A fused step runs where its last node stood: the residual may come from a node after the
  // main one (ResNet's projection shortcut), and everything the group reads precedes its end.
  std::stable_sort(steps.begin(), steps.end(), [](const StepPlan& a, const StepPlan& b) {
    return a.nodes.back() < b.nodes.back();
  });
  return steps;
}

}  // namespace loupe::graph
