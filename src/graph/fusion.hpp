#pragma once
// Groups graph nodes into the steps the fast executor runs. A CONV or FC node absorbs what its
// GEMM epilogue can do while the output tile is still in registers (docs/kernels.md):
//   Conv -> BatchNormalization (folded into the weights and bias at load)
//        -> Add with another activation of the same shape (the residual, ResNet's shortcut)
//        -> Relu | Clip with constant bounds (the clamp)
// each link only when the intermediate value has no other consumer and is not a graph output.
// Every other node is a step of its own.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "graph/graph.hpp"

namespace loupe::graph {

struct StepPlan {
  std::vector<size_t> nodes;  // graph node indices in order; nodes[0] is the main node
  std::optional<size_t> batch_norm;
  std::string residual;  // value added before the activation; "" = none
  bool clamp = false;
  float lo = 0, hi = 0;
  std::string output;  // the step's (last node's) output value
};

std::vector<StepPlan> plan_steps(const Graph& g, bool fuse);

// Bounds of a Relu / Clip node whose bounds are known at load time, else nullopt.
std::optional<std::pair<float, float>> clamp_bounds(const Graph& g, const Node& n);

}  // namespace loupe::graph
