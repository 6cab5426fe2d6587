// ModelProto -> graph::Graph. Order of checks, so that a user sees the most useful line first:
// decodable file, opset range, the complete list of unsupported ops, then initializers, inputs,
// nodes, and last the graph's own validation (finalize), every error prefixed with the file name.
#include "io/onnx_import.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "io/onnx_detail.hpp"
#include "io/onnx_opset.hpp"
#include "loupe/checked.hpp"
#include "ops/op.hpp"

namespace loupe::io {
namespace {

namespace fs = std::filesystem;
using namespace onnx_detail;

bool is_default_domain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

onnx::ModelProto parse_model(std::span<const std::byte> bytes) {
  onnx::ModelProto model;
  if (bytes.size() > static_cast<size_t>(kMaxProtoBytes)) {
    fail("{} bytes is over protobuf's 2 GiB limit (keep the weights in external data)",
         bytes.size());
  }
  if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    fail("not an ONNX model (protobuf decoding failed: the file is truncated or not ONNX)");
  }
  // Any byte string that happens to decode as protobuf gives a ModelProto; a model has a graph
  // and names its opsets.
  if (!model.has_graph() || model.opset_import_size() == 0) {
    fail("not an ONNX model (no graph or no opset_import)");
  }
  return model;
}

// The default domain's opset; 0 when the model imports none.
int64_t default_opset(const onnx::ModelProto& model) {
  int64_t opset = 0;
  for (const auto& imp : model.opset_import()) {
    if (is_default_domain(imp.domain())) opset = std::max(opset, imp.version());
  }
  return opset;
}

// Node names as errors and the graph show them: the file's, or "<op>_<index>" for unnamed nodes
// (made unique, so that a generated name never collides with one from the file).
std::vector<std::string> node_names(const onnx::GraphProto& g) {
  std::set<std::string, std::less<>> used;
  for (const auto& n : g.node()) used.insert(n.name());
  std::vector<std::string> names;
  for (int i = 0; i < g.node_size(); ++i) {
    const onnx::NodeProto& n = g.node(i);
    if (!n.name().empty()) {
      names.push_back(n.name());
      continue;
    }
    std::string name = fmt::format("{}_{}", n.op_type(), i);
    for (int k = 1; used.count(name) != 0; ++k) name = fmt::format("{}_{}_{}", n.op_type(), i, k);
    used.insert(name);
    names.push_back(name);
  }
  return names;
}

OnnxScan scan_model(const onnx::ModelProto& model) {
  OnnxScan s;
  s.opset = default_opset(model);
  s.producer = model.producer_name();
  if (!model.producer_version().empty()) s.producer += " " + model.producer_version();
  const auto& nodes = model.graph().node();
  const std::vector<std::string> names = node_names(model.graph());
  s.node_count = nodes.size();
  std::set<std::string, std::less<>> seen;
  for (int i = 0; i < nodes.size(); ++i) {
    const onnx::NodeProto& n = nodes[i];
    const bool ok = is_default_domain(n.domain()) && ops::is_registered(n.op_type());
    if (ok) continue;
    std::string type = n.op_type().empty() ? "(no op_type)" : n.op_type();
    if (!is_default_domain(n.domain())) type = n.domain() + "." + type;
    if (seen.insert(type).second) s.unsupported.emplace_back(type, names[i]);
  }
  return s;
}

void check_opset(int64_t opset) {
  if (opset == 0) fail("imports no opset of the default ONNX domain");
  if (opset < kOnnxMinOpset || opset > kOnnxMaxOpset) {
    fail("opset {} is not supported (loupe reads opsets {} to {})", opset, kOnnxMinOpset,
         kOnnxMaxOpset);
  }
}

ops::Attribute map_attribute(const onnx::AttributeProto& a, const std::string& base_dir) {
  using AP = onnx::AttributeProto;
  if (!a.ref_attr_name().empty()) fail("refers to a function attribute, which loupe does not read");
  int type = a.type();
  if (type == AP::UNDEFINED) {
    // Files from before the type field was written: the field that is set says the type.
    if (a.has_f())
      type = AP::FLOAT;
    else if (a.has_i())
      type = AP::INT;
    else if (a.has_s())
      type = AP::STRING;
    else if (a.has_t())
      type = AP::TENSOR;
    else if (a.floats_size() != 0)
      type = AP::FLOATS;
    else if (a.ints_size() != 0)
      type = AP::INTS;
  }
  switch (type) {
    case AP::FLOAT:
      return a.f();
    case AP::INT:
      return a.i();
    case AP::STRING:
      return a.s();
    case AP::FLOATS:
      return std::vector<float>(a.floats().begin(), a.floats().end());
    case AP::INTS:
      return std::vector<int64_t>(a.ints().begin(), a.ints().end());
    case AP::TENSOR:
      return decode_tensor(a.t(), base_dir);
    default:
      fail(
          "has type {} ({}), which loupe does not read (it reads INT, FLOAT, STRING, INTS, "
          "FLOATS, TENSOR)",
          AP::AttributeType_Name(static_cast<AP::AttributeType>(type)), type);
  }
}

std::string dims_str(const onnx::TensorShapeProto& shape) {
  std::vector<std::string> parts;
  for (const auto& d : shape.dim()) {
    parts.push_back(d.has_dim_value()   ? std::to_string(d.dim_value())
                    : d.has_dim_param() ? d.dim_param()
                                        : "?");
  }
  return fmt::format("[{}]", fmt::join(parts, ","));
}

// A graph input's static shape: a symbolic (dim_param, 0 or missing) first dimension is the batch.
Shape input_shape(const onnx::ValueInfoProto& v, int64_t batch) {
  if (!v.type().has_tensor_type()) fail("input \"{}\" is not a tensor", v.name());
  const auto& tt = v.type().tensor_type();
  if (!tt.has_shape()) fail("input \"{}\" has no shape (loupe needs static shapes)", v.name());
  Shape shape;
  for (int i = 0; i < tt.shape().dim_size(); ++i) {
    const auto& d = tt.shape().dim(i);
    const bool symbolic = !d.has_dim_value() || d.dim_value() == 0;
    if (d.has_dim_value() && d.dim_value() < 0) {
      fail("input \"{}\" has a negative dimension in {}", v.name(), dims_str(tt.shape()));
    }
    if (symbolic && i != 0) {
      fail(
          "input \"{}\" has symbolic dimension {} in {} (only the first, the batch, may be "
          "symbolic)",
          v.name(), i, dims_str(tt.shape()));
    }
    shape.push_back(symbolic ? batch : d.dim_value());
  }
  checked_numel(shape, "input \"" + v.name() + "\" shape");
  return shape;
}

struct Decoded {
  std::vector<std::pair<std::string, Tensor>> initializers;
  std::set<std::string, std::less<>> initializer_names;
};

Decoded decode_initializers(const onnx::GraphProto& g, const std::string& base_dir) {
  if (g.sparse_initializer_size() != 0) fail("has sparse initializers, which loupe does not read");
  Decoded d;
  for (const onnx::TensorProto& t : g.initializer()) {
    if (t.name().empty()) fail("has an initializer with no name");
    if (!d.initializer_names.insert(t.name()).second) {
      fail("initializer \"{}\" is declared twice", t.name());
    }
    try {
      d.initializers.emplace_back(t.name(), decode_tensor(t, base_dir));
    } catch (const Error& e) {
      throw e.prefixed(fmt::format("initializer \"{}\"", t.name()));
    }
  }
  return d;
}

// Builds the graph (not finalized). `direct` holds the indices of legacy Softmax-family nodes
// known to normalize over their last axis; the others are decomposed (see onnx_opset.hpp).
graph::Graph build_graph(const onnx::ModelProto& model, const Decoded& init, std::string_view stem,
                         const std::string& base_dir, const OnnxOptions& options,
                         const std::set<int>& direct, std::map<int, LegacySoftmax>* legacy) {
  const onnx::GraphProto& g = model.graph();
  const int64_t opset = default_opset(model);
  graph::Graph graph{std::string(stem)};

  const std::vector<std::string> names = node_names(g);
  DraftGraph draft;
  for (const auto& [name, _] : init.initializers) draft.names.insert(name);
  for (const auto& v : g.input()) draft.names.insert(v.name());
  for (int i = 0; i < g.node_size(); ++i) {
    const onnx::NodeProto& n = g.node(i);
    draft.names.insert(names[i]);
    for (const auto& s : n.input()) draft.names.insert(s);
    for (const auto& s : n.output()) draft.names.insert(s);
  }

  for (const onnx::ValueInfoProto& v : g.input()) {
    // Older exports list every initializer as an input too: those are constants.
    if (init.initializer_names.count(v.name()) != 0) continue;
    if (!v.type().has_tensor_type()) fail("input \"{}\" is not a tensor", v.name());
    DType dtype;
    try {
      dtype = onnx_dtype(v.type().tensor_type().elem_type());
    } catch (const Error& e) {
      throw e.prefixed(fmt::format("input \"{}\"", v.name()));
    }
    graph.add_input(v.name(), input_shape(v, options.batch), dtype);
  }

  for (int i = 0; i < g.node_size(); ++i) {
    const onnx::NodeProto& n = g.node(i);
    NodeDraft node{n.op_type(),
                   names[i],
                   {n.input().begin(), n.input().end()},
                   {n.output().begin(), n.output().end()},
                   {}};
    try {
      for (const onnx::AttributeProto& a : n.attribute()) {
        if (node.attrs.has(a.name())) fail("attribute \"{}\" is given twice", a.name());
        try {
          node.attrs.set(a.name(), map_attribute(a, base_dir));
        } catch (const Error& e) {
          throw e.prefixed(fmt::format("attribute \"{}\"", a.name()));
        }
      }
      std::optional<LegacySoftmax> ls =
          translate_node(std::move(node), opset, direct.count(i) == 0, draft);
      if (ls && legacy != nullptr) legacy->emplace(i, *ls);
    } catch (const Error& e) {
      throw e.prefixed(fmt::format("node \"{}\" ({})", names[i], n.op_type()));
    }
  }

  for (const auto& [name, t] : init.initializers) graph.add_initializer(name, t);
  for (auto& [name, t] : draft.constants) graph.add_initializer(name, std::move(t));
  for (NodeDraft& n : draft.nodes) {
    graph.add_node(std::move(n.op_type), std::move(n.name), std::move(n.inputs),
                   std::move(n.outputs), std::move(n.attrs));
  }
  if (g.output_size() == 0) fail("the graph has no outputs");
  for (const onnx::ValueInfoProto& v : g.output()) graph.add_output(v.name());
  return graph;
}

graph::Graph import_model(const onnx::ModelProto& model, std::string_view stem,
                          const std::string& base_dir, const OnnxOptions& options) {
  check_opset(default_opset(model));
  const OnnxScan scan = scan_model(model);
  if (!scan.unsupported.empty()) fail("{}", unsupported_ops_message(scan));
  if (options.batch < 1) fail("batch {} must be at least 1", options.batch);

  const Decoded init = decode_initializers(model.graph(), base_dir);
  std::map<int, LegacySoftmax> legacy;
  graph::Graph g = build_graph(model, init, stem, base_dir, options, {}, &legacy);
  g.finalize();
  if (legacy.empty()) return g;

  // Legacy Softmax whose axis turns out to be the input's last: rebuild with the single node.
  std::set<int> direct;
  for (const auto& [index, ls] : legacy) {
    if (!g.has_value(ls.input)) continue;
    const auto rank = static_cast<int64_t>(g.info(ls.input).shape.size());
    const int64_t axis = ls.axis < 0 ? ls.axis + rank : ls.axis;
    if (axis == rank - 1) direct.insert(index);
  }
  if (direct.empty()) return g;
  graph::Graph rebuilt = build_graph(model, init, stem, base_dir, options, direct, nullptr);
  rebuilt.finalize();
  return rebuilt;
}

}  // namespace

std::string unsupported_ops_message(const OnnxScan& scan) {
  std::vector<std::string> parts;
  for (const auto& [type, node] : scan.unsupported) {
    parts.push_back(fmt::format("{} (node \"{}\")", type, node));
  }
  return fmt::format("unsupported ops: {}", fmt::join(parts, ", "));
}

graph::Graph parse_onnx(std::span<const std::byte> bytes, std::string_view name,
                        const std::string& base_dir, const OnnxOptions& options) {
  const std::string stem = fs::path(std::string(name)).stem().string();
  try {
    const onnx::ModelProto model = parse_model(bytes);
    return import_model(model, stem.empty() ? "model" : stem, base_dir, options);
  } catch (const Error& e) {
    throw e.prefixed(name);
  }
}

graph::Graph load_onnx(const std::string& path, const OnnxOptions& options) {
  const std::vector<std::byte> bytes = read_file(path, kMaxProtoBytes);
  const fs::path dir = fs::path(path).parent_path();
  return parse_onnx(bytes, path, (dir.empty() ? fs::path(".") : dir).string(), options);
}

OnnxScan scan_onnx(const std::string& path) {
  const std::vector<std::byte> bytes = read_file(path, kMaxProtoBytes);
  try {
    return scan_model(parse_model(bytes));
  } catch (const Error& e) {
    throw e.prefixed(path);
  }
}

}  // namespace loupe::io
