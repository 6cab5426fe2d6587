#include "graph/executor.hpp"

#include <unistd.h>

#include <set>

namespace loupe::graph {

std::vector<GraphInput> feed_inputs(const Graph& g) {
  std::vector<GraphInput> v;
  for (const GraphInput& in : g.inputs()) {
    if (g.initializer(in.name) == nullptr) v.push_back(in);
  }
  return v;
}

ReferenceExecutor::ReferenceExecutor(const Graph& g) : g_(g) {
  if (!g.finalized()) fail("graph \"{}\" must be finalized before it runs", g.name());
  plan_ = plan_memory(g);
  // Refuse before allocating anything: a model file's shapes are untrusted, and an allocation the
  // kernel overcommits would end in the OOM killer instead of a message.
  const int64_t pages = sysconf(_SC_PHYS_PAGES);
  const int64_t page_size = sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page_size > 0) {
    const int64_t physical = pages * page_size;
    if (plan_.peak_activation_bytes > physical) {
      fail(
          "graph \"{}\": running it needs {:.1f} GB of activations, more than this machine's "
          "{:.1f} GB",
          g.name(), static_cast<double>(plan_.peak_activation_bytes) / 1e9,
          static_cast<double>(physical) / 1e9);
    }
  }
}

void check_feeds(const Graph& g, const TensorMap& inputs) {
  const std::vector<GraphInput> wanted = feed_inputs(g);
  std::set<std::string, std::less<>> names;
  for (const GraphInput& in : wanted) names.insert(in.name);
  for (const auto& [name, t] : inputs) {
    if (names.count(name) == 0) {
      std::vector<std::string> list(names.begin(), names.end());
      fail("input \"{}\": the model has no such input (its inputs: {})", name,
           fmt::join(list, ", "));
    }
  }
  for (const GraphInput& in : wanted) {
    auto it = inputs.find(in.name);
    if (it == inputs.end())
      fail("input \"{}\": not given ({} {})", in.name, dtype_name(in.dtype), shape_str(in.shape));
    const Tensor& t = it->second;
    if (t.dtype() != in.dtype || t.shape() != in.shape) {
      fail("input \"{}\": expected {} {}, got {} {}", in.name, dtype_name(in.dtype),
           shape_str(in.shape), dtype_name(t.dtype()), shape_str(t.shape()));
    }
    if (t.layout() != Layout::NCHW) fail("input \"{}\": expected a plain (NCHW) tensor", in.name);
  }
}

TensorMap ReferenceExecutor::run(const TensorMap& inputs, RunStats* stats) const {
  return execute(inputs, stats, false);
}

TensorMap ReferenceExecutor::run_all(const TensorMap& inputs) const {
  return execute(inputs, nullptr, true);
}

TensorMap ReferenceExecutor::execute(const TensorMap& inputs, RunStats* stats,
                                     bool keep_all) const {
  check_feeds(g_, inputs);
  TensorMap live;
  int64_t live_bytes = 0;
  int64_t peak = 0;
  for (const auto& [name, t] : inputs) {
    live.emplace(name, t);
    live_bytes += value_bytes(g_.info(name));
  }
  peak = live_bytes;

  const auto& nodes = g_.nodes();
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Node& n = nodes[i];
    std::vector<Tensor> in;
    in.reserve(n.inputs.size());
    for (const std::string& name : n.inputs) {
      if (name.empty()) {
        in.emplace_back();
      } else if (const Tensor* w = g_.initializer(name)) {
        in.push_back(*w);
      } else {
        in.push_back(live.at(name));
      }
    }
    std::vector<Tensor> out;
    out.reserve(n.outputs.size());
    for (const std::string& name : n.outputs) {
      if (name.empty()) {
        out.emplace_back();
      } else {
        const ops::ValueInfo& info = g_.info(name);
        out.emplace_back(info.shape, info.dtype);
      }
    }
    try {
      n.op->reference(in, out);
    } catch (const Error& e) {
      throw e.prefixed(node_context(n));
    }
    for (size_t k = 0; k < n.outputs.size(); ++k) {
      if (n.outputs[k].empty()) continue;
      live_bytes += value_bytes(g_.info(n.outputs[k]));
      live.insert_or_assign(n.outputs[k], std::move(out[k]));
    }
    peak = std::max(peak, live_bytes);
    if (keep_all) continue;
    for (const std::string& dead : plan_.free_after[i]) {
      live_bytes -= value_bytes(g_.info(dead));
      live.erase(dead);
    }
  }

  if (keep_all) return live;
  TensorMap result;
  for (const std::string& name : g_.outputs()) {
    auto it = live.find(name);
    if (it != live.end()) {
      result.emplace(name, it->second);
    } else if (const Tensor* w = g_.initializer(name)) {
      result.emplace(name, *w);
    }
  }
  if (stats != nullptr) stats->peak_activation_bytes = peak;
  return result;
}

}  // namespace loupe::graph
