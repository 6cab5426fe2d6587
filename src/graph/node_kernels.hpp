#pragma once
// Fast kernels for the nodes that are not CONV / FC: pooling, activations, element-wise Add / Mul,
// a batch norm that was not folded, Softmax, Concat and the copy-only shape ops. Each is bound
// at compile time to the node's shapes and attributes; nodes outside this list (or with shapes
// the kernels do not take) keep their reference implementation.
#include <functional>
#include <optional>
#include <span>
#include <string>

#include "graph/graph.hpp"
#include "kernels/isa.hpp"

namespace loupe::graph {

// Runs the node on the buffers of its inputs (constants included) and outputs, in node order.
using NodeFn = std::function<void(std::span<const void* const> in, std::span<void* const> out)>;

struct NodeKernel {
  NodeFn fn;
  std::string algorithm;  // "pool", "eltwise", "copy", ...
};

// batch > 0: bound to that many images instead of the graph's batch (the leading dimension of
// every value that is not a constant), for a session that runs its first steps a few images at a
// time.
std::optional<NodeKernel> node_kernel(const Graph& g, const Node& n, int threads, kernels::Isa isa,
                                      int64_t batch = 0);

}  // namespace loupe::graph
