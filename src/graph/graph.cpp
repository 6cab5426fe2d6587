#include "graph/graph.hpp"

#include <optional>
#include <set>

#include "loupe/checked.hpp"

namespace loupe::graph {

namespace {

// Folding runs while a file loads, before anything bounds memory. Shape sub-graphs produce a few
// integers; a constant larger than this (ConstantOfShape([300000, 300000]) costs a few bytes of
// file) is left to run time, where the executor checks the plan against the machine's memory.
constexpr int64_t kMaxFoldBytes = int64_t{64} << 20;

int64_t fold_output_bytes(const std::vector<ops::ValueInfo>& outs) {
  int64_t total = 0;
  for (const ops::ValueInfo& v : outs) {
    total = checked_add(
        total, checked_mul(checked_numel(v.shape), static_cast<int64_t>(dtype_size(v.dtype))));
  }
  return total;
}

}  // namespace

std::string node_context(const Node& node) {
  return fmt::format("node \"{}\" ({})", node.name, node.op_type);
}

void Graph::add_input(std::string name, Shape shape, DType dtype) {
  inputs_.push_back({std::move(name), std::move(shape), dtype});
  finalized_ = false;
}

void Graph::add_initializer(std::string name, Tensor value) {
  initializers_.insert_or_assign(std::move(name), std::move(value));
  finalized_ = false;
}

Node& Graph::add_node(std::string op_type, std::string name, std::vector<std::string> inputs,
                      std::vector<std::string> outputs, ops::Attributes attrs) {
  finalized_ = false;
  Node n;
  n.op_type = std::move(op_type);
  n.name = name.empty() ? fmt::format("{}_{}", n.op_type, nodes_.size()) : std::move(name);
  n.inputs = std::move(inputs);
  n.outputs = std::move(outputs);
  n.attrs = std::move(attrs);
  nodes_.push_back(std::move(n));
  return nodes_.back();
}

void Graph::add_output(std::string name) {
  outputs_.push_back(std::move(name));
  finalized_ = false;
}

const Tensor* Graph::initializer(std::string_view name) const {
  auto it = initializers_.find(name);
  return it == initializers_.end() ? nullptr : &it->second;
}

bool Graph::has_value(std::string_view value) const { return infos_.find(value) != infos_.end(); }

const ops::ValueInfo& Graph::info(std::string_view value) const {
  auto it = infos_.find(value);
  if (it == infos_.end()) fail("graph \"{}\": no value named \"{}\"", name_, value);
  return it->second;
}

std::vector<ops::ValueInfo> Graph::input_infos(const Node& node) const {
  std::vector<ops::ValueInfo> v;
  for (const std::string& in : node.inputs) {
    if (in.empty()) {
      ops::ValueInfo absent;
      absent.present = false;
      v.push_back(absent);
    } else {
      v.push_back(info(in));
    }
  }
  return v;
}

std::vector<ops::ValueInfo> Graph::output_infos(const Node& node) const {
  std::vector<ops::ValueInfo> v;
  for (const std::string& out : node.outputs)
    v.push_back(out.empty() ? ops::ValueInfo{} : info(out));
  return v;
}

void Graph::finalize() {
  infos_.clear();
  // Graph inputs and initializers first. An input that is also an initializer (older ONNX files
  // list weights as inputs) is a constant with a default value.
  std::set<std::string, std::less<>> defined;
  for (const auto& [name, t] : initializers_) {
    infos_[name] = ops::ValueInfo{t.shape(), t.dtype(), &t, true};
    defined.insert(name);
  }
  for (const GraphInput& in : inputs_) {
    if (initializers_.count(in.name) != 0) continue;
    if (!defined.insert(in.name).second)
      fail("graph \"{}\": input \"{}\" is declared twice", name_, in.name);
    checked_numel(in.shape, "input \"" + in.name + "\" shape");
    infos_[in.name] = ops::ValueInfo{in.shape, in.dtype, nullptr, true};
  }

  // Every value is produced once.
  std::map<std::string, size_t, std::less<>> producer;
  std::set<std::string, std::less<>> node_names;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const Node& n = nodes_[i];
    if (!node_names.insert(n.name).second)
      fail("graph \"{}\": two nodes are named \"{}\"", name_, n.name);
    // An op's reference writes its first output at least (found by fuzz/fuzz_onnx).
    if (n.outputs.empty()) fail("{}: has no outputs", node_context(n));
    for (const std::string& out : n.outputs) {
      if (out.empty()) continue;
      if (defined.count(out) != 0 || !producer.emplace(out, i).second) {
        fail("{}: output \"{}\" is already produced elsewhere in the graph", node_context(n), out);
      }
    }
  }
  for (const Node& n : nodes_) {
    for (const std::string& in : n.inputs) {
      if (!in.empty() && defined.count(in) == 0 && producer.count(in) == 0) {
        fail("{}: input \"{}\" is not a graph input, an initializer or any node's output",
             node_context(n), in);
      }
    }
  }

  // Kahn's algorithm, keeping the file's order among ready nodes so that output is stable.
  std::vector<int> pending(nodes_.size(), 0);
  std::map<std::string, std::vector<size_t>, std::less<>> consumers;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    for (const std::string& in : nodes_[i].inputs) {
      if (!in.empty() && producer.count(in) != 0) {
        ++pending[i];
        consumers[in].push_back(i);
      }
    }
  }
  std::vector<size_t> order;
  std::set<size_t> ready;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (pending[i] == 0) ready.insert(i);
  }
  while (!ready.empty()) {
    const size_t i = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(i);
    for (const std::string& out : nodes_[i].outputs) {
      auto it = consumers.find(out);
      if (it == consumers.end()) continue;
      for (size_t c : it->second) {
        if (--pending[c] == 0) ready.insert(c);
      }
    }
  }
  if (order.size() != nodes_.size()) {
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (pending[i] != 0) fail("{}: is part of a cycle", node_context(nodes_[i]));
    }
  }
  std::vector<Node> sorted;
  sorted.reserve(nodes_.size());
  for (size_t i : order) sorted.push_back(std::move(nodes_[i]));
  nodes_ = std::move(sorted);

  // Make each op and infer shapes in order; errors get the node's name. A node whose outputs are
  // known at load time (all inputs constant, or only input shapes needed) is folded: its outputs
  // become initializers and the node leaves the graph. This is what turns the shape-computing
  // sub-graphs of PyTorch exports (Shape -> Gather -> Concat -> Reshape) into constants, in order,
  // so that the Reshape after them sees a constant shape when it is inferred.
  std::vector<Node> kept;
  kept.reserve(nodes_.size());
  for (Node& n : nodes_) {
    try {
      n.op = ops::make_op(n.op_type, n.attrs);
      const std::vector<ops::ValueInfo> ins = input_infos(n);
      std::vector<ops::ValueInfo> outs = n.op->infer(ins);
      if (outs.size() < n.outputs.size()) {
        fail("has {} outputs, the op produces {}", n.outputs.size(), outs.size());
      }
      outs.resize(n.outputs.size());
      for (size_t k = 0; k < n.outputs.size(); ++k) {
        if (n.outputs[k].empty()) continue;
        checked_numel(outs[k].shape, "output \"" + n.outputs[k] + "\" shape");
        infos_[n.outputs[k]] = outs[k];
      }
      std::optional<std::vector<Tensor>> folded;
      if (fold_output_bytes(outs) <= kMaxFoldBytes) folded = n.op->fold(ins, outs);
      if (folded) {
        for (size_t k = 0; k < n.outputs.size(); ++k) {
          if (n.outputs[k].empty()) continue;
          auto [it, _] = initializers_.insert_or_assign(n.outputs[k], std::move((*folded)[k]));
          infos_[n.outputs[k]].constant = &it->second;
        }
        continue;
      }
    } catch (const Error& e) {
      throw e.prefixed(node_context(n));
    }
    kept.push_back(std::move(n));
  }
  nodes_ = std::move(kept);
  for (const std::string& out : outputs_) {
    if (infos_.count(out) == 0) fail("graph \"{}\": output \"{}\" is never produced", name_, out);
  }
  finalized_ = true;
}

}  // namespace loupe::graph
