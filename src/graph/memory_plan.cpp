#include "graph/memory_plan.hpp"

#include <set>

#include "loupe/checked.hpp"

namespace loupe::graph {

int64_t value_bytes(const ops::ValueInfo& info) {
  return checked_mul(checked_numel(info.shape), static_cast<int64_t>(dtype_size(info.dtype)),
                     "activation bytes");
}

MemoryPlan plan_memory(const Graph& g) {
  LOUPE_CHECK(g.finalized());
  const auto& nodes = g.nodes();
  const std::set<std::string, std::less<>> outputs(g.outputs().begin(), g.outputs().end());

  // Last consumer of every activation; values nobody consumes die where they are produced.
  std::map<std::string, size_t, std::less<>> last_use;
  for (const GraphInput& in : g.inputs()) {
    if (g.initializer(in.name) == nullptr) last_use[in.name] = 0;
  }
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (const std::string& out : nodes[i].outputs) {
      if (!out.empty()) last_use[out] = i;
    }
    for (const std::string& in : nodes[i].inputs) {
      if (!in.empty() && g.initializer(in) == nullptr) last_use[in] = i;
    }
  }

  MemoryPlan plan;
  plan.free_after.resize(nodes.size());
  for (const auto& [name, i] : last_use) {
    if (outputs.count(name) == 0 && !nodes.empty()) plan.free_after[i].push_back(name);
  }

  int64_t live = 0;
  for (const GraphInput& in : g.inputs()) {
    if (g.initializer(in.name) == nullptr) live = checked_add(live, value_bytes(g.info(in.name)));
  }
  plan.peak_activation_bytes = live;
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (const std::string& out : nodes[i].outputs) {
      if (!out.empty()) live = checked_add(live, value_bytes(g.info(out)));
    }
    if (live > plan.peak_activation_bytes) {
      plan.peak_activation_bytes = live;
      plan.peak_node = static_cast<int64_t>(i);
    }
    for (const std::string& dead : plan.free_after[i]) live -= value_bytes(g.info(dead));
  }
  return plan;
}

}  // namespace loupe::graph
