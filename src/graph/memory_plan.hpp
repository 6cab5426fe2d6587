#pragma once
// Liveness of activations: each value is alive from the node that produces it (graph inputs from
// the start) to its last consumer (graph outputs to the end). The reference executor frees by
// this plan, and the peak it reports must equal the planned peak (a test checks it).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "graph/graph.hpp"

namespace loupe::graph {

struct MemoryPlan {
  // For each node (topological index): the values whose last use it is, freed after it runs.
  std::vector<std::vector<std::string>> free_after;
  // Peak bytes of live activations (initializers excluded), at the moment a node's inputs and
  // outputs are all alive.
  int64_t peak_activation_bytes = 0;
  // Index of the node at whose execution the peak is reached (-1 for an empty graph).
  int64_t peak_node = -1;
};

int64_t value_bytes(const ops::ValueInfo& info);
MemoryPlan plan_memory(const Graph& g);

}  // namespace loupe::graph
