#include <algorithm>
#include <filesystem>
#include <numeric>
#include <optional>

#include "cli/commands.hpp"
#include "graph/executor.hpp"
#include "graph/session.hpp"
#include "io/npy.hpp"

namespace loupe::cli {
namespace {

struct RunOpts {
  std::string model;
  std::vector<std::string> inputs;
  std::string output_dir;
  bool reference = false;
  bool check = false;
  EngineFlags engine;
  int64_t batch = 1;
  uint64_t seed = 1;
};

std::string file_name_for(const std::string& value) {
  std::string s = value;
  for (char& c : s) {
    if (c == '/' || c == '\\' || c == ':' || c == '\0') c = '_';
  }
  if (s.empty() || s == "." || s == "..") s = "output";
  return s + ".npy";
}

void print_output(const std::string& name, const Tensor& t) {
  double lo = 0, hi = 0, sum = 0;
  for (int64_t i = 0; i < t.numel(); ++i) {
    const double v = t.at(i);
    lo = i == 0 ? v : std::min(lo, v);
    hi = i == 0 ? v : std::max(hi, v);
    sum += v;
  }
  fmt::print("output \"{}\": {} {}  min {:.6g}  max {:.6g}  mean {:.6g}\n", name,
             dtype_name(t.dtype()), shape_str(t.shape()), lo, hi,
             t.numel() ? sum / static_cast<double>(t.numel()) : 0.0);
  if (t.rank() != 2 || t.dtype() != DType::f32) return;
  // Class scores: show the top 5 of the first few batch items.
  const int64_t N = t.dim(0), K = t.dim(1);
  for (int64_t n = 0; n < std::min<int64_t>(N, 4); ++n) {
    std::vector<int64_t> idx(static_cast<size_t>(K));
    std::iota(idx.begin(), idx.end(), 0);
    const float* row = t.data<float>() + n * K;
    const size_t k = static_cast<size_t>(std::min<int64_t>(5, K));
    std::partial_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(k), idx.end(),
                      [&](int64_t a, int64_t b) { return row[a] > row[b]; });
    std::string top;
    for (size_t i = 0; i < k; ++i) top += fmt::format("  {}:{:.4f}", idx[i], row[idx[i]]);
    fmt::print("  n={} top-{}{}\n", n, k, top);
  }
}

void print_check(const graph::Session& session, const graph::TensorMap& feeds) {
  const std::vector<graph::StepError> errors = session.check(feeds);
  fmt::print(
      "\nper-step error against the fp64 reference loop nests (each step fed the "
      "reference's inputs):\n");
  fmt::print("{:<32} {:<26} {:<30} {:>12} {:>12}\n", "step", "op", "algorithm", "max abs",
             "rel L2");
  for (size_t i = 0; i < errors.size(); ++i) {
    const graph::StepInfo& st = session.steps()[i];
    std::string algorithm = st.algorithm;
    // A step between blocked values (layout propagation) names its layouts.
    if (st.input_layout != Layout::NCHW || st.output_layout != Layout::NCHW) {
      algorithm +=
          fmt::format(" [{}>{}]", layout_name(st.input_layout), layout_name(st.output_layout));
    }
    fmt::print("{:<32} {:<26} {:<30} {:>12.3e} {:>12.3e}\n", st.name, st.op, algorithm,
               errors[i].max_abs, errors[i].rel_l2);
  }
}

int run(const RunOpts& o) {
  const graph::Graph g = load_model(o.model, o.batch);
  graph::RunStats stats;
  graph::TensorMap outs;
  std::string path = "reference";
  std::optional<graph::Session> session;
  if (o.reference) {
    // The executor checks the memory plan first, so inputs are allocated only for a model that
    // fits.
    const graph::ReferenceExecutor executor(g);
    outs = executor.run(bind_inputs(g, o.inputs, o.seed), &stats);
  } else {
    session.emplace(make_session(g, o.engine, true));
    const graph::TensorMap feeds = bind_inputs(g, o.inputs, o.seed);
    outs = session->run(feeds, &stats);
    path = fmt::format("fast ({} threads)", session->threads());
    if (o.check) print_check(*session, feeds);
  }
  fmt::print("model {}  path {}  batch {}  peak activations {:.2f} MB\n", g.name(), path, o.batch,
             static_cast<double>(stats.peak_activation_bytes) / 1e6);
  for (const std::string& name : g.outputs()) print_output(name, outs.at(name));
  if (!o.output_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.output_dir, ec);
    if (ec) fail("{}: cannot create directory: {}", o.output_dir, ec.message());
    for (const std::string& name : g.outputs()) {
      const std::string p = (std::filesystem::path(o.output_dir) / file_name_for(name)).string();
      io::write_npy(p, outs.at(name));
      fmt::print("wrote {}\n", p);
    }
  }
  return 0;
}

}  // namespace

void add_run(CLI::App& app, Action& action) {
  auto* cmd =
      app.add_subcommand("run", "Run a model on inputs (.npy or ONNX .pb) and write its outputs");
  auto o = std::make_shared<RunOpts>();
  cmd->add_option("MODEL", o->model, "Zoo model name (loupe zoo) or model file")->required();
  cmd->add_option("--input", o->inputs,
                  "NAME=FILE (.npy or ONNX TensorProto .pb), or FILE to fill inputs in order; "
                  "inputs left out get seeded random N(0,1) values");
  cmd->add_option("--output-dir", o->output_dir, "Write each output to DIR/<output name>.npy");
  cmd->add_flag("--reference", o->reference,
                "Run the reference loop nests (the oracle) instead of the fast kernels");
  add_engine_flags(*cmd, o->engine);
  cmd->add_flag("--check", o->check,
                "Also print each step's max abs and relative L2 error against the fp64 "
                "reference loop nests");
  cmd->add_option("--batch", o->batch,
                  "Batch size N (zoo models; the symbolic batch dim of ONNX inputs)")
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed of generated inputs")->capture_default_str();
  cmd->callback([&action, o] { action = [o] { return run(*o); }; });
}

}  // namespace loupe::cli
