#include "analysis/progress.hpp"
#include "cli/commands.hpp"
#include "kernels/conv/conv.hpp"

namespace loupe::cli {

void add_engine_flags(CLI::App& cmd, EngineFlags& f) {
  cmd.add_option("--threads", f.threads, "Threads for the fast kernels (0: every core)")
      ->capture_default_str();
  cmd.add_flag("--tune", f.tune,
               "Time every applicable conv algorithm per layer once and keep the fastest, "
               "unless the default choice is within 5% (remembered in the tuning cache)");
  cmd.add_option("--tune-cache", f.tune_cache,
                 "Tuning cache file (default: $XDG_CACHE_HOME/loupe/tune.tsv or "
                 "~/.cache/loupe/tune.tsv)");
  cmd.add_option("--algorithm", f.algorithm,
                 "Force a conv algorithm wherever it applies (im2col_gemm, winograd_f4x3, ...)");
  cmd.add_option("--micro-batch", f.micro_batch,
                 "Images per pass of the leading per-image steps at batch > 1, a divisor of the "
                 "batch (0: the most whose largest step fits in a quarter of the L3)")
      ->capture_default_str();
  cmd.add_flag("--plain-layouts", f.plain_layouts,
               "Keep every activation in NCHW (no 16-channel blocks between two direct_nchw16c "
               "convs)");
}

graph::Session make_session(const graph::Graph& g, const EngineFlags& f, bool progress) {
  if (f.threads < 0 || f.threads > 1024)
    fail("--threads {}: must be between 0 (every core) and 1024", f.threads);
  if (!f.algorithm.empty() && kernels::conv::find_algorithm(f.algorithm) == nullptr)
    fail("--algorithm {}: unknown conv algorithm", f.algorithm);
  if (f.micro_batch < 0) fail("--micro-batch {}: must be 0 (chosen) or more", f.micro_batch);
  graph::SessionOptions so;
  so.threads = f.threads;
  so.micro_batch = f.micro_batch;
  so.conv_algorithm = f.algorithm;
  so.propagate_layouts = !f.plain_layouts;
  so.tune = f.tune;
  so.tune_cache = f.tune ? tune_cache_path(f.tune_cache) : "";
  analysis::Progress bar("tune " + g.name(), 0, f.tune && progress);
  so.on_tune_step = [&bar](size_t done, size_t total) {
    bar.set_total(static_cast<int64_t>(total));
    bar.update(static_cast<int64_t>(done), "steps");
  };
  return graph::Session(g, so);
}

}  // namespace loupe::cli
