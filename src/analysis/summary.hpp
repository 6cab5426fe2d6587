#pragma once
// Per-layer counts of a finalized graph: what `loupe summary` prints. The counting conventions
// (REFERENCE.md §1) are in docs/metrics.md: MACs are CONV/FC/MatMul multiply-accumulates only;
// FLOPs = 2 x MACs plus every other op's arithmetic; params are learned weights (biases and
// batch-norm scale/shift included, running statistics not).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "graph/graph.hpp"

namespace loupe::analysis {

struct LayerSummary {
  std::string name;
  std::string op;
  Shape in_shape;   // first input
  Shape out_shape;  // first output
  int64_t params = 0;
  int64_t macs = 0;
  int64_t flops = 0;
  std::optional<ops::LayerShape> nest;  // CONV / FC loop-nest parameters
};

struct Totals {
  int64_t params = 0;
  int64_t macs = 0;
  int64_t flops = 0;
  int64_t activation_bytes = 0;  // peak live activation bytes under the liveness plan
  int64_t conv_layers = 0, conv_params = 0, conv_macs = 0;
  int64_t fc_layers = 0, fc_params = 0, fc_macs = 0;
};

struct ModelSummary {
  std::string model;
  int64_t batch = 1;
  std::vector<LayerSummary> layers;
  Totals total;
};

ModelSummary summarize(const graph::Graph& g, int64_t batch);

nlohmann::json to_json(const ModelSummary& s);
// The human table (tutorial letters N C H W M R S E F U), for a terminal.
std::string to_table(const ModelSummary& s);

}  // namespace loupe::analysis
