#pragma once
// Opset-dependent semantics: a node read at the model's opset becomes node(s) in loupe's
// canonical form (the opset-13 form of each op), so that ops never see opset differences.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "loupe/tensor.hpp"
#include "ops/attributes.hpp"

namespace loupe::io::onnx_detail {

struct NodeDraft {
  std::string op_type;
  std::string name;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  ops::Attributes attrs;
};

// The nodes and constants a model becomes; names made up for new values never collide with the
// file's names.
struct DraftGraph {
  std::set<std::string, std::less<>> names;  // every value and node name in use
  std::vector<NodeDraft> nodes;
  std::vector<std::pair<std::string, Tensor>> constants;

  std::string fresh_name(const std::string& hint);
  // A new initializer (attribute turned input); returns its name.
  std::string add_constant(const std::string& hint, Tensor value);
};

// Softmax / LogSoftmax / Hardmax before opset 13 flatten the input to 2-D at `axis` and normalize
// over the whole trailing block. When `axis` is the last dimension that is opset 13's
// single-axis form; otherwise the node becomes Flatten -> op(axis=-1) -> Reshape(Shape(x)).
// Which case holds needs the input's rank, known only after shape inference, so the importer
// asks for `decompose` first and rebuilds with the direct form where the rank allows it.
struct LegacySoftmax {
  std::string input;
  int64_t axis = 1;
};

// Appends `node` (read at `opset`) in canonical form to `out`. Returns the legacy-softmax
// description when the node's form depends on its input's rank; `decompose` selects the form of
// such a node. Fails (reason only) when the node's semantics at this opset are not representable.
std::optional<LegacySoftmax> translate_node(NodeDraft node, int64_t opset, bool decompose,
                                            DraftGraph& out);

}  // namespace loupe::io::onnx_detail
