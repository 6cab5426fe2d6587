#pragma once
// ONNX import: a ModelProto file (opsets 6..17 of the default domain) becomes a graph::Graph whose
// nodes use loupe's canonical (opset-13) attribute forms, so ops never see opset differences.
// Also reads single TensorProto (.pb) files, the format of ONNX's own test data, with the same
// decoding code as initializers.
//
// Every failure is a loupe::Error with one line that starts with the file name, e.g.
//   model.onnx: node "conv2" (Conv): kernel_shape [3,3] does not match weight shape [...]
//   model.onnx: unsupported ops: Resize (node "up1"), NonMaxSuppression (node "nms")
// Sizes read from the file are overflow-checked and every allocation is bounded by the size of
// the file that holds the data (the model, or its external-data file).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "graph/graph.hpp"
#include "loupe/tensor.hpp"

namespace loupe::io {

struct OnnxOptions {
  // Value bound to a symbolic first dimension (dim_param, or dim_value 0 / missing) of a graph
  // input. Any other symbolic dimension is an error naming the input.
  int64_t batch = 1;
};

// The opsets of the default domain ("" / "ai.onnx") that the importer accepts.
inline constexpr int64_t kOnnxMinOpset = 6;
inline constexpr int64_t kOnnxMaxOpset = 17;

// Loads and finalizes (validates, orders, infers shapes, folds shape sub-graphs) an .onnx file.
// External-data files are looked up relative to the model's directory. Graph name: file stem.
graph::Graph load_onnx(const std::string& path, const OnnxOptions& options = {});

// Same for a model already in memory. `name` prefixes every error and names the graph (its stem);
// `base_dir` is where external-data files live ("" to reject external data).
graph::Graph parse_onnx(std::span<const std::byte> bytes, std::string_view name,
                        const std::string& base_dir, const OnnxOptions& options = {});

// What `loupe summary` shows for a model it cannot run: the file is decoded and every node's op
// type checked, without building the graph, so the list is complete rather than the first failure.
struct OnnxScan {
  int64_t opset = 0;     // default-domain opset (0 when the file imports none)
  std::string producer;  // producer_name + " " + producer_version
  int64_t node_count = 0;
  // (op type, first node name) per unsupported op type, in order of first appearance. Op types
  // of other domains are listed as "domain.Type".
  std::vector<std::pair<std::string, std::string>> unsupported;
};
// Fails (one line) only when the file cannot be decoded as an ONNX model at all.
OnnxScan scan_onnx(const std::string& path);

// "unsupported ops: Resize (node \"up1\"), NonMaxSuppression (node \"nms\")"
std::string unsupported_ops_message(const OnnxScan& scan);

// A serialized onnx.TensorProto (.pb, as in ONNX's test data) as a Tensor.
Tensor read_tensor_proto(const std::string& path);
Tensor parse_tensor_proto(std::span<const std::byte> bytes, std::string_view name_for_errors);

}  // namespace loupe::io
