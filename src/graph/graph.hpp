#pragma once
// The IR: named values (graph inputs, initializers, node outputs) and nodes in ONNX terms.
// finalize() validates the whole graph once — unknown input, duplicate name, cycle, shape
// mismatch — and every error names the node; after it, nodes are in topological order, every
// node has its Op and every value its shape and dtype.
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "loupe/tensor.hpp"
#include "ops/op.hpp"

namespace loupe::graph {

struct Node {
  std::string name;
  std::string op_type;
  std::vector<std::string> inputs;  // "" marks an omitted optional input
  std::vector<std::string> outputs;
  ops::Attributes attrs;
  std::unique_ptr<ops::Op> op;  // set by finalize()
};

struct GraphInput {
  std::string name;
  Shape shape;
  DType dtype = DType::f32;
};

class Graph {
 public:
  explicit Graph(std::string name = "graph") : name_(std::move(name)) {}
  Graph(Graph&&) = default;
  Graph& operator=(Graph&&) = default;

  const std::string& name() const { return name_; }

  void add_input(std::string name, Shape shape, DType dtype = DType::f32);
  void add_initializer(std::string name, Tensor value);
  Node& add_node(std::string op_type, std::string name, std::vector<std::string> inputs,
                 std::vector<std::string> outputs, ops::Attributes attrs = {});
  void add_output(std::string name);

  // Validates, orders nodes topologically, makes each node's Op and infers every value's shape.
  void finalize();
  bool finalized() const { return finalized_; }

  const std::vector<GraphInput>& inputs() const { return inputs_; }
  const std::vector<std::string>& outputs() const { return outputs_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  std::vector<Node>& mutable_nodes() { return nodes_; }
  const std::map<std::string, Tensor, std::less<>>& initializers() const { return initializers_; }
  const Tensor* initializer(std::string_view name) const;

  // Shape / dtype / constant of a value (after finalize()).
  const ops::ValueInfo& info(std::string_view value) const;
  bool has_value(std::string_view value) const;
  // Infos of a node's inputs, in order (absent optional inputs have present = false).
  std::vector<ops::ValueInfo> input_infos(const Node& node) const;
  std::vector<ops::ValueInfo> output_infos(const Node& node) const;

 private:
  std::string name_;
  std::vector<GraphInput> inputs_;
  std::vector<std::string> outputs_;
  std::map<std::string, Tensor, std::less<>> initializers_;
  std::vector<Node> nodes_;
  std::map<std::string, ops::ValueInfo, std::less<>> infos_;
  bool finalized_ = false;
};

// "node \"conv2\" (Conv)" — the context prefix for errors about a node.
std::string node_context(const Node& node);

}  // namespace loupe::graph
