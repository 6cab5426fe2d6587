#include <algorithm>

#include "cli/commands.hpp"
#include "graph/executor.hpp"
#include "io/npy.hpp"
#include "io/onnx_import.hpp"
#include "loupe/random.hpp"

namespace loupe::cli {

namespace {

Tensor read_input(const std::string& path) {
  if (path.ends_with(".npy")) return io::read_npy(path);
  if (path.ends_with(".pb")) return io::read_tensor_proto(path);
  fail("{}: unsupported input file type (expected .npy or an ONNX TensorProto .pb)", path);
}

}  // namespace

graph::TensorMap bind_inputs(const graph::Graph& g, const std::vector<std::string>& inputs,
                             uint64_t seed) {
  const std::vector<graph::GraphInput> wanted = graph::feed_inputs(g);
  graph::TensorMap feeds;
  size_t next = 0;
  for (const std::string& arg : inputs) {
    const size_t eq = arg.find('=');
    std::string name;
    std::string path = arg;
    if (eq != std::string::npos) {
      name = arg.substr(0, eq);
      path = arg.substr(eq + 1);
      const bool known = std::any_of(wanted.begin(), wanted.end(),
                                     [&](const graph::GraphInput& in) { return in.name == name; });
      if (!known) {
        std::vector<std::string> names;
        for (const auto& in : wanted) names.push_back(in.name);
        fail("--input {}: the model has no input named \"{}\" (its inputs: {})", arg, name,
             fmt::join(names, ", "));
      }
    } else {
      while (next < wanted.size() && feeds.count(wanted[next].name) != 0) ++next;
      if (next == wanted.size())
        fail("--input {}: the model has only {} input(s)", arg, wanted.size());
      name = wanted[next].name;
    }
    if (feeds.count(name) != 0) fail("--input {}: input \"{}\" is given twice", arg, name);
    Tensor t = read_input(path);
    // Name the file as well as the input when the shape is wrong: the user fixes the file.
    for (const auto& in : wanted) {
      if (in.name == name && (t.shape() != in.shape || t.dtype() != in.dtype)) {
        fail("{}: input \"{}\" expects {} {}, the file holds {} {}", path, name,
             dtype_name(in.dtype), shape_str(in.shape), dtype_name(t.dtype()),
             shape_str(t.shape()));
      }
    }
    feeds.emplace(name, std::move(t));
  }
  // Inputs with no file get seeded N(0,1) values so that a model can be tried with no data.
  Rng rng(seed);
  for (const auto& in : wanted) {
    if (feeds.count(in.name) != 0) continue;
    if (in.dtype != DType::f32)
      fail("input \"{}\" ({}) needs a file: --input {}=FILE.npy", in.name, dtype_name(in.dtype),
           in.name);
    Tensor t(in.shape);
    for (float& v : t.span<float>()) v = static_cast<float>(rng.normal());
    fmt::print(stderr, "input \"{}\": no file given, using seeded N(0,1) values {} (seed {})\n",
               in.name, shape_str(in.shape), seed);
    feeds.emplace(in.name, std::move(t));
  }
  return feeds;
}

}  // namespace loupe::cli
