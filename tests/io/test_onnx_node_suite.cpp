// Conformance with ONNX's own node tests (Debian's libonnx-testdata): every case of
// data/node/<case>/ is a one-op model (or a function body expanded into primitive ops, the
// *_expanded cases) with test_data_set_N/{input_K.pb, output_K.pb}. Each case runs through the
// code path of `loupe run` (io::parse_onnx, which load_onnx wraps, then ReferenceExecutor) and
// every output is compared with the recorded one.
//
// Each case ends up as one of:
//   passed    every output of every data set matches (same dtype and shape, values within
//             |got - want| <= kAtol + kRtol * |want|; integers exactly; NaN matches NaN);
//   skipped   loupe cannot express it: an op it does not implement (the importer's scan), an
//             opset outside the importer's range, or a tensor dtype / non-tensor type it lacks;
//   excluded  a supported op used in a way loupe deliberately rejects (kExclusions, each with
//             its reason; docs/onnx-conformance.md lists them);
//   failed    anything else — a bug to fix.
//
// loupe infers every shape at load time. Where a case feeds a value that decides a shape (Slice's
// starts, Reshape's shape, Range's bounds) as a graph input, loading reports that the value "must
// be a constant"; the driver then binds the case's recorded inputs as initializers (integer inputs
// first, all if that is not enough) and loads again — what a user does by exporting those values
// as constants. Such cases are counted as passed and tallied separately ("bound").
//
// Environment: LOUPE_ONNX_NODE_DIR overrides the data directory, LOUPE_ONNX_NODE_FILTER runs only
// the cases whose name contains it, LOUPE_ONNX_NODE_VERBOSE=1 prints every case's outcome.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "graph/executor.hpp"
#include "io/onnx_import.hpp"
#include "ops/op.hpp"

namespace loupe {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDefaultDir = "/usr/share/libonnx-testdata/data/node";
constexpr double kRtol = 1e-3;
constexpr double kAtol = 1e-5;

// Cases of supported ops that loupe rejects on purpose, with the reason (kept in step with
// docs/onnx-conformance.md). A listed case that starts to pass is reported, so the list cannot
// go stale silently.
constexpr const char* kU8Arithmetic =
    "Add/Sub/Mul/Div compute f32 and i64 only (ops/binary.cpp); wrapping u8 arithmetic is not "
    "implemented";
constexpr const char* kPool1d3d =
    "pooling takes 2-D spatial inputs (N, C, H, W) only (ops/pool.cpp); 1-D and 3-D pooling are "
    "not implemented";
constexpr const char* kBnTraining =
    "BatchNormalization is inference only (ops/batch_norm.cpp): training_mode=1, which normalizes "
    "with batch statistics and outputs updated running statistics, is rejected";
constexpr const char* kClipInt = "Clip computes f32 only (ops/activation.cpp)";
constexpr const char* kMaxPoolU8 = "MaxPool computes f32 only (ops/pool.cpp)";
constexpr const char* kMaxPoolIndices =
    "MaxPool's optional second output Indices is not produced (ops/pool.cpp)";
constexpr const char* kZeroBatchDim =
    "the importer reads a graph input's first dim_value 0 as the symbolic batch "
    "(io/onnx_import.cpp, as some exporters write 0 for 'unknown'), so this case's [0,3,4] "
    "input becomes [1,3,4]";
const std::map<std::string, std::string, std::less<>> kExclusions = {
    {"test_add_uint8", kU8Arithmetic},
    {"test_averagepool_1d_default", kPool1d3d},
    {"test_averagepool_3d_default", kPool1d3d},
    {"test_batchnorm_epsilon_training_mode", kBnTraining},
    {"test_batchnorm_example_training_mode", kBnTraining},
    {"test_clip_default_int8_inbounds", kClipInt},
    {"test_clip_default_int8_max", kClipInt},
    {"test_clip_default_int8_min", kClipInt},
    {"test_div_uint8", kU8Arithmetic},
    {"test_maxpool_1d_default", kPool1d3d},
    {"test_maxpool_2d_uint8", kMaxPoolU8},
    {"test_maxpool_3d_default", kPool1d3d},
    {"test_maxpool_with_argmax_2d_precomputed_pads", kMaxPoolIndices},
    {"test_maxpool_with_argmax_2d_precomputed_strides", kMaxPoolIndices},
    {"test_mul_uint8", kU8Arithmetic},
    {"test_reshape_allowzero_reordered", kZeroBatchDim},
    {"test_sub_uint8", kU8Arithmetic},
};

enum class Outcome { passed, skipped, excluded, failed };

struct Result {
  Outcome outcome = Outcome::failed;
  std::string detail;  // reason for skipped / excluded / failed
  bool bound = false;  // value inputs were bound as initializers
};

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

std::string read_bytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// ONNX TensorProto.DataType codes that have a loupe dtype.
bool loupe_has_type(int elem_type) {
  using TP = onnx::TensorProto;
  return elem_type == TP::FLOAT || elem_type == TP::UINT8 || elem_type == TP::INT8 ||
         elem_type == TP::INT32 || elem_type == TP::INT64 || elem_type == TP::DOUBLE;
}

// Why loupe cannot express a graph input or output's type, or "" when it can.
std::string type_gap(const onnx::ValueInfoProto& v) {
  if (!v.type().has_tensor_type()) {
    return fmt::format("\"{}\" is not a tensor (sequence, map or optional)", v.name());
  }
  const int t = v.type().tensor_type().elem_type();
  if (loupe_has_type(t)) return "";
  return fmt::format("\"{}\" has dtype {}", v.name(),
                     onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(t)));
}

std::vector<fs::path> data_sets(const fs::path& dir) {
  std::vector<fs::path> sets;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_directory() && e.path().filename().string().starts_with("test_data_set_")) {
      sets.push_back(e.path());
    }
  }
  std::sort(sets.begin(), sets.end());
  return sets;
}

// "" when `got` matches `want`, else what differs.
std::string compare(const Tensor& got, const Tensor& want) {
  if (got.dtype() != want.dtype()) {
    return fmt::format("dtype {} instead of {}", dtype_name(got.dtype()), dtype_name(want.dtype()));
  }
  if (got.shape() != want.shape()) {
    return fmt::format("shape {} instead of {}", shape_str(got.shape()), shape_str(want.shape()));
  }
  const bool is_float = want.dtype() == DType::f32 || want.dtype() == DType::f64;
  for (int64_t i = 0; i < want.numel(); ++i) {
    const double g = got.at(i);
    const double w = want.at(i);
    bool ok = g == w || (std::isnan(g) && std::isnan(w));
    if (!ok && is_float && std::isfinite(w)) ok = std::fabs(g - w) <= kAtol + kRtol * std::fabs(w);
    if (!ok) return fmt::format("element {} is {} instead of {}", i, g, w);
  }
  return "";
}

// The model with the given graph inputs turned into initializers holding `values`.
std::string bind_inputs(const onnx::ModelProto& model, const std::vector<std::string>& names,
                        const std::vector<std::string>& pb_bytes) {
  onnx::ModelProto m = model;
  for (size_t i = 0; i < names.size(); ++i) {
    onnx::TensorProto* t = m.mutable_graph()->add_initializer();
    if (!t->ParseFromString(pb_bytes[i])) fail("input \"{}\": .pb does not decode", names[i]);
    t->set_name(names[i]);
  }
  return m.SerializeAsString();
}

graph::Graph load(const std::string& bytes, const fs::path& model_path) {
  const auto* p = reinterpret_cast<const std::byte*>(bytes.data());
  return io::parse_onnx({p, bytes.size()}, model_path.string(), model_path.parent_path().string());
}

Result run_case(const fs::path& dir) {
  const fs::path model_path = dir / "model.onnx";
  const std::string bytes = read_bytes(model_path);
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes)) return {Outcome::failed, "model.onnx does not decode"};

  // What the importer will refuse as a whole, classified before loading.
  const io::OnnxScan scan = io::scan_onnx(model_path.string());
  if (!scan.unsupported.empty()) return {Outcome::skipped, io::unsupported_ops_message(scan)};
  if (scan.opset < io::kOnnxMinOpset || scan.opset > io::kOnnxMaxOpset) {
    return {Outcome::skipped, fmt::format("opset {}", scan.opset)};
  }
  std::vector<std::string> inits;
  for (const auto& t : model.graph().initializer()) inits.push_back(t.name());
  // The inputs the test feeds, in order (input_K.pb is the K-th graph input not an initializer).
  std::vector<const onnx::ValueInfoProto*> feeds;
  for (const auto& v : model.graph().input()) {
    if (std::find(inits.begin(), inits.end(), v.name()) == inits.end()) feeds.push_back(&v);
  }
  for (const auto* v : feeds) {
    if (std::string gap = type_gap(*v); !gap.empty()) return {Outcome::skipped, "input " + gap};
  }
  for (const auto& v : model.graph().output()) {
    if (std::string gap = type_gap(v); !gap.empty()) return {Outcome::skipped, "output " + gap};
  }

  const std::vector<fs::path> sets = data_sets(dir);
  if (sets.empty()) return {Outcome::failed, "no test_data_set_N directory"};
  Result result{Outcome::passed, "", false};
  for (const fs::path& set : sets) {
    std::vector<std::string> pbs;
    for (size_t k = 0; k < feeds.size(); ++k) {
      pbs.push_back(read_bytes(set / fmt::format("input_{}.pb", k)));
    }
    // Plain load; then, if a shape-deciding value is an input, bind integer inputs, then all.
    std::optional<graph::Graph> g;
    std::vector<bool> bound(feeds.size(), false);
    for (int attempt = 0; attempt < 3 && !g; ++attempt) {
      std::vector<std::string> names;
      std::vector<std::string> values;
      for (size_t k = 0; k < feeds.size(); ++k) {
        const int t = feeds[k]->type().tensor_type().elem_type();
        bound[k] = attempt == 2 || (attempt == 1 && t != onnx::TensorProto::FLOAT &&
                                    t != onnx::TensorProto::DOUBLE);
        if (bound[k]) {
          names.push_back(feeds[k]->name());
          values.push_back(pbs[k]);
        }
      }
      if (attempt > 0 && names.empty()) continue;
      try {
        g.emplace(load(names.empty() ? bytes : bind_inputs(model, names, values), model_path));
        result.bound = result.bound || !names.empty();
      } catch (const Error& e) {
        const std::string what = e.what();
        if (attempt == 2 || what.find("must be a constant") == std::string::npos) {
          return {Outcome::failed, "load: " + what};
        }
      }
    }
    if (!g) return {Outcome::failed, "load: no binding of the inputs made the shapes known"};

    graph::TensorMap in;
    for (size_t k = 0; k < feeds.size(); ++k) {
      if (bound[k]) continue;
      in.emplace(feeds[k]->name(),
                 io::read_tensor_proto((set / fmt::format("input_{}.pb", k)).string()));
    }
    graph::TensorMap out;
    try {
      out = graph::ReferenceExecutor(*g).run(in);
    } catch (const Error& e) {
      return {Outcome::failed, fmt::format("run ({}): {}", set.filename().string(), e.what())};
    }
    for (int k = 0; k < model.graph().output_size(); ++k) {
      const std::string& name = model.graph().output(k).name();
      const Tensor want = io::read_tensor_proto((set / fmt::format("output_{}.pb", k)).string());
      auto it = out.find(name);
      if (it == out.end()) return {Outcome::failed, fmt::format("output \"{}\" missing", name)};
      if (std::string diff = compare(it->second, want); !diff.empty()) {
        return {Outcome::failed,
                fmt::format("{}: output \"{}\": {}", set.filename().string(), name, diff)};
      }
    }
  }
  return result;
}

TEST(OnnxNodeSuite, EveryCaseOfASupportedOpPasses) {
  const std::string dir_env = env("LOUPE_ONNX_NODE_DIR");
  const fs::path root = dir_env.empty() ? fs::path(kDefaultDir) : fs::path(dir_env);
  if (!fs::is_directory(root)) {
    GTEST_SKIP() << root.string()
                 << " is absent: install Debian's libonnx-testdata to run ONNX's node tests";
  }
  const std::string filter = env("LOUPE_ONNX_NODE_FILTER");
  const bool verbose = env("LOUPE_ONNX_NODE_VERBOSE") == "1";

  std::vector<fs::path> cases;
  for (const auto& e : fs::directory_iterator(root)) {
    if (!e.is_directory()) continue;
    if (!filter.empty() && e.path().filename().string().find(filter) == std::string::npos) continue;
    cases.push_back(e.path());
  }
  std::sort(cases.begin(), cases.end());

  const auto t0 = std::chrono::steady_clock::now();
  std::map<Outcome, int> counts;
  int bound = 0;
  std::map<std::string, int> skip_reasons;  // first unsupported op or type, for the summary
  std::vector<std::string> failures;
  std::vector<std::string> stale_exclusions;
  for (const fs::path& c : cases) {
    const std::string name = c.filename().string();
    Result r;
    try {
      r = run_case(c);
    } catch (const Error& e) {
      r = {Outcome::failed, e.what()};
    }
    const auto ex = kExclusions.find(name);
    if (ex != kExclusions.end()) {
      if (r.outcome == Outcome::passed) stale_exclusions.push_back(name);
      if (r.outcome == Outcome::failed) r = {Outcome::excluded, ex->second};
    }
    ++counts[r.outcome];
    if (r.outcome == Outcome::passed && r.bound) ++bound;
    if (r.outcome == Outcome::failed) failures.push_back(name + ": " + r.detail);
    if (r.outcome == Outcome::skipped) {
      // "unsupported ops: Foo (node ...), Bar (...)" -> "op Foo"; types as they are.
      std::string key = r.detail;
      if (key.starts_with("unsupported ops: "))
        key = "op " + key.substr(17, key.find(' ', 17) - 17);
      ++skip_reasons[key];
    }
    if (verbose) {
      constexpr const char* kNames[] = {"passed", "skipped", "excluded", "FAILED"};
      std::printf("%-8s %s%s %s\n", kNames[static_cast<int>(r.outcome)], name.c_str(),
                  r.bound ? " (bound)" : "", r.detail.c_str());
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  std::printf("\nONNX node suite (%s): %zu cases in %.1f s\n", root.string().c_str(), cases.size(),
              seconds);
  std::printf("  passed   %d (of which %d with value inputs bound as initializers)\n",
              counts[Outcome::passed], bound);
  std::printf("  failed   %d\n", counts[Outcome::failed]);
  std::printf("  skipped  %d (unsupported op, opset or dtype)\n", counts[Outcome::skipped]);
  std::printf("  excluded %d (documented in docs/onnx-conformance.md)\n",
              counts[Outcome::excluded]);
  if (verbose) {
    std::printf("skip reasons:\n");
    for (const auto& [reason, n] : skip_reasons) std::printf("  %4d  %s\n", n, reason.c_str());
  }
  std::printf("supported ops: %s\n",
              fmt::format("{}", fmt::join(ops::registered_ops(), " ")).c_str());
  for (const std::string& f : failures) ADD_FAILURE() << f;
  for (const std::string& s : stale_exclusions) {
    ADD_FAILURE() << s << " is excluded but passes: remove it from kExclusions and the docs";
  }
}

}  // namespace
}  // namespace loupe
