#pragma once
// The `loupe` subcommands. Each registers its flags on the CLI11 app and returns the action to run
// once parsing succeeded. Commands only parse and print; the work lives in the library layers.
#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "graph/executor.hpp"
#include "graph/graph.hpp"
#include "graph/session.hpp"

namespace loupe::cli {

using Action = std::function<int()>;

void add_zoo(CLI::App& app, Action& action);
void add_summary(CLI::App& app, Action& action);
void add_run(CLI::App& app, Action& action);
void add_eval(CLI::App& app, Action& action);
void add_bench(CLI::App& app, Action& action);
void add_peak(CLI::App& app, Action& action);
void add_accel(CLI::App& app, Action& action);
void add_profile(CLI::App& app, Action& action);

// MODEL is a zoo name or a path to a model file; fails with one line naming it.
graph::Graph load_model(const std::string& model, int64_t batch);

// The flags of the fast executor shared by run and bench: --threads, --tune, --tune-cache,
// --algorithm.
struct EngineFlags {
  int threads = 0;
  std::string algorithm;
  bool tune = false;
  std::string tune_cache;
  int64_t micro_batch = 0;
  bool plain_layouts = false;
};
void add_engine_flags(CLI::App& cmd, EngineFlags& flags);
// Checks the flags (one-line errors naming the flag) and compiles the model's Session; with
// `progress`, tuning draws a bar on a terminal's stderr.
graph::Session make_session(const graph::Graph& g, const EngineFlags& flags, bool progress);

// The --tune cache file: `given` when set, else $XDG_CACHE_HOME/loupe/tune.tsv (or
// ~/.cache/loupe/tune.tsv); its directory is created.
std::string tune_cache_path(const std::string& given);

// --input arguments: NAME=FILE binds by name, a bare FILE fills the next unbound input in the
// model's order (.npy or ONNX TensorProto .pb); inputs left out get seeded N(0,1) values (f32).
graph::TensorMap bind_inputs(const graph::Graph& g, const std::vector<std::string>& inputs,
                             uint64_t seed);

}  // namespace loupe::cli
