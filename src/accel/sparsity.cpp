#include "accel/sparsity.hpp"

#include <algorithm>
#include <cmath>

#include "loupe/error.hpp"

namespace loupe::accel {

SparseMode parse_sparse_mode(std::string_view text) {
  if (text == "gating") return SparseMode::gating;
  if (text == "skipping") return SparseMode::skipping;
  fail("--sparse {}: expected gating or skipping", text);
}

std::string_view sparse_mode_name(SparseMode m) {
  return m == SparseMode::gating ? "gating" : "skipping";
}

SparseResult apply_sparsity(const Arch& arch, const Analysis& a, double z, SparseMode mode) {
  SparseResult r;
  z = std::clamp(z, 0.0, 1.0);
  const double nz = 1 - z;
  r.input_zero_fraction = z;
  r.effectual_macs = static_cast<int64_t>(std::llround(static_cast<double>(a.macs) * nz));
  double saved = a.mac_energy * z;
  auto innermost = [&](TensorKind t) -> int {
    for (size_t i = a.levels.size(); i-- > 0;) {
      if (a.levels[i].keeps[static_cast<int>(t)]) return static_cast<int>(i);
    }
    return -1;
  };
  auto level_cost = [&](int i, TensorKind t, bool reads, bool updates) {
    const StorageLevel& l = arch.levels[static_cast<size_t>(i)];
    const TensorAccess& ta = a.levels[static_cast<size_t>(i)].tensors[static_cast<int>(t)];
    double e = 0;
    if (reads) e += static_cast<double>(ta.reads) * l.energy.read;
    if (updates) e += static_cast<double>(ta.updates) * l.energy.update;
    return e * static_cast<double>(ta.instances) / static_cast<double>(l.block_size);
  };
  if (const int w = innermost(TensorKind::weights); w >= 0) {
    saved += z * level_cost(w, TensorKind::weights, true, false);
  }
  r.cycles = a.cycles;
  if (mode == SparseMode::skipping) {
    if (const int o = innermost(TensorKind::outputs); o >= 0) {
      saved += z * level_cost(o, TensorKind::outputs, true, true);
    }
    r.cycles =
        std::max<int64_t>(1, static_cast<int64_t>(std::ceil(static_cast<double>(a.cycles) * nz)));
  }
  // RLC of the input activations read from DRAM.
  r.dram_accesses = a.dram_accesses;
  if (!a.levels.empty() && a.levels[0].keeps[static_cast<int>(TensorKind::inputs)]) {
    const double ratio = std::min(1.0, nz * 4.0 / 3.0);
    const TensorAccess& in = a.levels[0].tensors[static_cast<int>(TensorKind::inputs)];
    const double words = static_cast<double>(in.reads * in.instances);
    const double cut = words * (1 - ratio);
    r.dram_accesses -= static_cast<int64_t>(std::llround(cut));
    saved += cut * arch.levels[0].energy.read / static_cast<double>(arch.levels[0].block_size);
  }
  r.energy = a.energy - saved;
  return r;
}

std::map<std::string, double> measure_input_zeros(const graph::Graph& g,
                                                  const graph::TensorMap& inputs) {
  const graph::ReferenceExecutor ex(g);
  const graph::TensorMap values = ex.run_all(inputs);
  std::map<std::string, double> out;
  for (const graph::Node& n : g.nodes()) {
    if (!n.op || n.inputs.empty() || !n.op->layer_shape(g.input_infos(n))) continue;
    const auto it = values.find(n.inputs[0]);
    if (it == values.end() || it->second.dtype() != DType::f32) continue;
    const Tensor& t = it->second;
    const float* p = t.data<float>();
    int64_t zeros = 0;
    for (int64_t i = 0; i < t.numel(); ++i) zeros += p[i] == 0.0f;
    out[n.name] = t.numel() ? static_cast<double>(zeros) / static_cast<double>(t.numel()) : 0;
  }
  return out;
}

}  // namespace loupe::accel
