#include <fmt/core.h>

#include "analysis/bench.hpp"
#include "cli/commands.hpp"
#include "graph/session.hpp"

namespace loupe::cli {
namespace {

struct BenchOpts {
  std::string model;
  std::vector<std::string> inputs;
  EngineFlags engine;
  int64_t batch = 1;
  int warmup = 3;
  int runs = 10;
  bool json = false;
};

int bench(const BenchOpts& o) {
  const graph::Graph g = load_model(o.model, o.batch);
  const graph::Session session = make_session(g, o.engine, !o.json);
  const graph::TensorMap feeds = bind_inputs(g, o.inputs, 1);
  analysis::BenchResult r = analysis::bench(session, feeds, o.batch, {o.warmup, o.runs});
  r.model = g.name();
  if (o.json) {
    fmt::print("{}\n", analysis::bench_json(r).dump(2));
    return 0;
  }
  fmt::print("model {}  batch {}  threads {}  warm-up {}  runs {}\n", r.model, r.batch, r.threads,
             r.warmup, r.runs);
  if (r.micro_batch < r.batch) {
    fmt::print("micro-batches of {} image(s) through the per-image steps\n", r.micro_batch);
  }
  fmt::print("cpu {}  isa {}\n", r.cpu, r.isa);
  fmt::print("latency ms    min {:.3f}  p10 {:.3f}  median {:.3f}  p90 {:.3f}\n", r.latency_ms.min,
             r.latency_ms.p10, r.latency_ms.median, r.latency_ms.p90);
  fmt::print("throughput    {:.2f} inferences/s (batch {} / median latency)\n", r.throughput_per_s,
             r.batch);
  return 0;
}

}  // namespace

void add_bench(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "bench",
      "Time a model on the fast kernels: warm-up, N runs, latency percentiles, throughput");
  auto o = std::make_shared<BenchOpts>();
  cmd->add_option("MODEL", o->model, "Zoo model name (loupe zoo) or model file")->required();
  cmd->add_option("--input", o->inputs, "NAME=FILE or FILE (.npy / .pb); default seeded N(0,1)");
  cmd->add_option("--batch", o->batch, "Batch size N")->capture_default_str();
  cmd->add_option("--warmup", o->warmup, "Untimed runs first")->capture_default_str();
  cmd->add_option("--runs", o->runs, "Timed runs")->capture_default_str();
  add_engine_flags(*cmd, o->engine);
  cmd->add_flag("--json", o->json, "One JSON document on stdout (DESIGN.md keys)");
  cmd->callback([&action, o] { action = [o] { return bench(*o); }; });
}

}  // namespace loupe::cli
