#pragma once
// Runs a finalized graph node by node in topological order with each op's reference loop nest,
// freeing every activation after its last use (graph/memory_plan.hpp).
#include <cstdint>
#include <map>
#include <string>

#include "graph/graph.hpp"
#include "graph/memory_plan.hpp"

namespace loupe::graph {

using TensorMap = std::map<std::string, Tensor, std::less<>>;

struct RunStats {
  int64_t peak_activation_bytes = 0;  // measured while running
};

class ReferenceExecutor {
 public:
  explicit ReferenceExecutor(const Graph& g);

  // `inputs` must name every graph input that is not an initializer, with its exact shape and
  // dtype; anything else is an Error naming the input. Returns the graph outputs by name.
  TensorMap run(const TensorMap& inputs, RunStats* stats = nullptr) const;
  // Every value the graph computes (and the inputs), nothing freed: for per-layer checks.
  TensorMap run_all(const TensorMap& inputs) const;

 private:
  TensorMap execute(const TensorMap& inputs, RunStats* stats, bool keep_all) const;

  const Graph& g_;
  MemoryPlan plan_;
};

// Fails unless `inputs` names exactly the graph inputs to feed, with their shapes and dtypes.
void check_feeds(const Graph& g, const TensorMap& inputs);

// The graph inputs a caller must feed (those that are not initializers), in order.
std::vector<GraphInput> feed_inputs(const Graph& g);

}  // namespace loupe::graph
