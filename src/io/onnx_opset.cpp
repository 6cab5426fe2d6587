#include "io/onnx_opset.hpp"

#include <fmt/format.h>

#include <initializer_list>
#include <string_view>

namespace loupe::io::onnx_detail {
namespace {

ops::Attributes without(const ops::Attributes& attrs,
                        std::initializer_list<std::string_view> drop) {
  ops::Attributes kept;
  for (const auto& [key, value] : attrs.all()) {
    bool dropped = false;
    for (std::string_view d : drop) dropped = dropped || key == d;
    if (!dropped) kept.set(key, value);
  }
  return kept;
}

Tensor i64_vector(const std::vector<int64_t>& values) {
  Tensor t(Shape{static_cast<int64_t>(values.size())}, DType::i64);
  for (size_t i = 0; i < values.size(); ++i) t.data<int64_t>()[i] = values[i];
  return t;
}

// Moves ints attribute `attr` (when present) to input position `position` as an i64 constant,
// filling skipped optional positions with "" (ONNX's absent input).
void ints_attribute_to_input(NodeDraft& node, std::string_view attr, size_t position,
                             DraftGraph& out, bool required = false) {
  if (!node.attrs.has(attr)) {
    if (required) fail("attribute \"{}\" is required", attr);
    return;
  }
  const std::string name = out.add_constant(fmt::format("{}/{}", node.name, attr),
                                            i64_vector(node.attrs.get_ints(attr)));
  if (node.inputs.size() < position) node.inputs.resize(position);
  node.inputs.insert(node.inputs.begin() + static_cast<std::ptrdiff_t>(position), name);
  node.attrs = without(node.attrs, {attr});
}

bool is_softmax_family(std::string_view op) {
  return op == "Softmax" || op == "LogSoftmax" || op == "Hardmax";
}

}  // namespace

std::string DraftGraph::fresh_name(const std::string& hint) {
  std::string name = hint;
  for (int k = 1; names.count(name) != 0; ++k) name = fmt::format("{}_{}", hint, k);
  names.insert(name);
  return name;
}

std::string DraftGraph::add_constant(const std::string& hint, Tensor value) {
  std::string name = fresh_name(hint);
  constants.emplace_back(name, std::move(value));
  return name;
}

std::optional<LegacySoftmax> translate_node(NodeDraft node, int64_t opset, bool decompose,
                                            DraftGraph& out) {
  const std::string& op = node.op_type;
  std::optional<LegacySoftmax> legacy;

  if (is_softmax_family(op) && opset < 13) {
    const int64_t axis = node.attrs.get_int("axis", 1);
    node.attrs.set("axis", int64_t{-1});
    if (axis != -1) {
      if (node.inputs.size() != 1 || node.outputs.size() != 1) {
        fail("expects 1 input and 1 output, has {} and {}", node.inputs.size(),
             node.outputs.size());
      }
      legacy = LegacySoftmax{node.inputs[0], axis};
    }
    if (legacy && decompose) {
      // Opset 1-12: y = reshape(op(flatten(x, axis), axis=-1), shape(x)).
      const std::string x = node.inputs[0];
      const std::string y = node.outputs[0];
      const std::string flat = out.fresh_name(y + "/flat");
      const std::string norm = out.fresh_name(y + "/2d");
      const std::string shape = out.fresh_name(y + "/shape");
      out.nodes.push_back({"Flatten",
                           out.fresh_name(node.name + "/flatten"),
                           {x},
                           {flat},
                           ops::Attributes{{"axis", axis}}});
      out.nodes.push_back({op, node.name, {flat}, {norm}, node.attrs});
      out.nodes.push_back({"Shape", out.fresh_name(node.name + "/shape"), {x}, {shape}, {}});
      out.nodes.push_back(
          {"Reshape", out.fresh_name(node.name + "/reshape"), {norm, shape}, {y}, {}});
      return legacy;
    }
  } else if ((op == "Squeeze" || op == "Unsqueeze") && opset < 13) {
    ints_attribute_to_input(node, "axes", 1, out, op == "Unsqueeze");
  } else if (op == "ReduceSum" && opset < 13) {
    ints_attribute_to_input(node, "axes", 1, out);
  } else if (op == "Split" && opset < 13) {
    ints_attribute_to_input(node, "split", 1, out);
  } else if (op == "Slice" && opset < 10) {
    // Opset 1-9: starts, ends, axes are attributes (no steps); from opset 10 they are inputs.
    const bool has_axes = node.attrs.has("axes");
    ints_attribute_to_input(node, "starts", 1, out, true);
    ints_attribute_to_input(node, "ends", 2, out, true);
    if (has_axes) ints_attribute_to_input(node, "axes", 3, out);
  } else if (op == "TopK" && opset < 10) {
    // Opset 1-9: k is an attribute; opset 10 makes it a 1-element input.
    if (!node.attrs.has("k")) fail("attribute \"k\" is required");
    const int64_t k = node.attrs.get_int("k", 0);
    node.inputs.push_back(out.add_constant(node.name + "/k", i64_vector({k})));
    node.attrs = without(node.attrs, {"k"});
  } else if (op == "Resize" && opset < 11) {
    // Opset 10's Resize has no coordinate_transformation_mode and a different input list; its
    // sampling positions are not pinned down precisely enough to map onto opset 11 faithfully.
    fail("Resize at opset {} is not supported (loupe reads Resize from opset 11)", opset);
  }
  // Clip (opset 6-10 min / max), Pad (opset 2-10 pads / value), BatchNormalization (spatial,
  // is_test), Dropout (is_test, ratio) and the binary ops' opset-6 broadcast / axis attributes
  // are read by the ops themselves, which accept both forms.
  out.nodes.push_back(std::move(node));
  return legacy;
}

}  // namespace loupe::io::onnx_detail
