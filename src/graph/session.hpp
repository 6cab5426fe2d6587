#pragma once
// The fast executor. A Session compiles a finalized Graph once — batch-norm folding, conv + bias
// + activation (+ residual add) fusion, one kernel primitive per step with its algorithm chosen
// by the heuristic (or forced / tuned), weights pre-packed, activation buffers assigned by
// liveness — and then runs it any number of times. The ReferenceExecutor stays the oracle: every
// Session result is tested against it.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "graph/executor.hpp"
#include "graph/graph.hpp"
#include "kernels/isa.hpp"
#include "ops/op.hpp"

namespace loupe::graph {

struct SessionOptions {
  int threads = 0;  // 0: every core (ThreadPool::global())
  kernels::Isa isa = kernels::Isa::automatic;
  bool fuse = true;  // BN folding and conv/gemm epilogue fusion
  // Algorithm forced for every conv step that supports it ("" = heuristic); per step name wins.
  std::string conv_algorithm;
  std::map<std::string, std::string, std::less<>> step_algorithm;
  // --tune: time every algorithm that supports a conv layer and keep the fastest, remembered in
  // `tune_cache` (graph/tuning.hpp) when a path is given. Forced algorithms still win.
  bool tune = false;
  std::string tune_cache;
  // At batch > 1 the leading run of per-image steps (convolutions, pools, element-wise ops,
  // Concat) goes `micro_batch` images at a time, so that one pass's activations stay in the
  // caches; the steps after it (Flatten, FC, ...) take the whole batch. 0: the most images whose
  // largest step fits in a quarter of the L3 (a divisor of the batch).
  int64_t micro_batch = 0;
  // Layout propagation: a conv's output that only convs read, all of them taking the
  // channel-blocked layout (direct_nchw16c), stays blocked between them (no reorder to NCHW and
  // back). Off: every value is NCHW.
  bool propagate_layouts = true;
  // Called after each step is compiled while tuning (steps done, steps in all): a progress bar.
  // Used by the constructor only; the Session does not keep it.
  std::function<void(size_t, size_t)> on_tune_step;
};

// One executed step: a fused group of graph nodes run by one kernel (or by the op's reference
// when loupe has no fast kernel for it, algorithm "reference").
struct StepInfo {
  std::string name;                      // the first node's name
  std::string op;                        // "Conv", "Conv+Relu", "Conv+Add+Relu", "MaxPool", ...
  std::vector<size_t> nodes;             // indices into Graph::nodes()
  std::string algorithm;                 // "im2col_gemm", "winograd_f4x3", "gemm", "reference", ...
  std::optional<ops::LayerShape> layer;  // CONV / FC nest (for MACs, roofline, accel)
  int64_t macs = 0;
  int64_t flops = 0;
  int64_t input_bytes = 0;      // activations read
  int64_t output_bytes = 0;     // activations written
  int64_t weight_bytes = 0;     // parameters read
  int64_t workspace_bytes = 0;  // the algorithm's scratch
  // The layouts the step's kernel reads its input and writes its output in (layout propagation:
  // NCHWc between two direct_nchw16c convs).
  Layout input_layout = Layout::NCHW;
  Layout output_layout = Layout::NCHW;
  // Images per call of the step's kernel: one pass's for the micro-batched steps, else the batch.
  int64_t images = 1;
};

struct StepTiming {
  double ms = 0;
};

// A step's output against the fp64 reference loop nests, the step being fed the reference's
// values of its inputs (so that errors of earlier steps do not accumulate into it).
struct StepError {
  double max_abs = 0;
  double rel_l2 = 0;  // ||y - ref||_2 / ||ref||_2 (the absolute norm when ref is all zeros)
};

class Session {
 public:
  Session(const Graph& g, SessionOptions options = {});
  ~Session();
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;

  // Same contract as ReferenceExecutor::run. With `timings`, it is resized to steps().size() and
  // each step's wall time of this run is stored.
  TensorMap run(const TensorMap& inputs, RunStats* stats = nullptr,
                std::vector<StepTiming>* timings = nullptr) const;

  // Runs the reference executor on `inputs`, then every step on the reference's inputs to it.
  std::vector<StepError> check(const TensorMap& inputs) const;

  const std::vector<StepInfo>& steps() const;
  // Bytes of the activation arena (buffers reused by liveness) and of the largest workspace.
  int64_t arena_bytes() const;
  int threads() const;
  // Images per pass of the leading per-image steps (SessionOptions::micro_batch); the batch when
  // they take it whole.
  int64_t micro_batch() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace loupe::graph
