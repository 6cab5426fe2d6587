#pragma once
// Exact access counts of a mapping (Timeloop's semantics, reproduced count for count in
// tests/accel/test_analysis.cpp against REFERENCE.md §4):
// - tile of a tensor at a level: its projection of every loop at that level and below;
// - fills: tile x the number of times the tile changes, i.e. the product of the temporal loops
//   above, up to the innermost one that indexes the tensor (loops further in reuse the tile);
// - reads serve the fills of the next level keeping the tensor (or every MAC at the innermost),
//   divided by multicast: spatial loops between the two that do not index the tensor;
// - outputs: updates arrive from below (spatial loops that do not index outputs reduce them on
//   the way), reads = updates - distinct outputs (+ partial sums sent back down), fills = partial
//   sums brought back from the parent.
// Counts are per utilized instance (DESIGN.md accel --json); totals multiply by `instances`.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "accel/arch.hpp"
#include "accel/mapping.hpp"
#include "accel/workload.hpp"

namespace loupe::accel {

struct TensorAccess {
  int64_t reads = 0;
  int64_t fills = 0;
  int64_t updates = 0;
  int64_t instances = 0;  // utilized instances of the level
  int64_t tile = 0;       // words of this tensor held per instance
};

struct LevelResult {
  std::string name;
  std::array<bool, kTensorKinds> keeps = {false, false, false};
  std::array<TensorAccess, kTensorKinds> tensors;
  int64_t instances = 0;
  double energy = 0;     // whole level, all instances
  int64_t accesses = 0;  // total words read + filled + updated, all instances
};

struct Analysis {
  int64_t macs = 0;         // the layer's real MACs (all groups)
  int64_t padded_macs = 0;  // MAC slots of the (padded) nest, all groups
  int64_t compute_cycles = 0;
  int64_t cycles = 0;
  double utilization = 0;  // macs / (cycles x PEs)
  int64_t active_pes = 0;  // PEs that see real work
  int64_t used_pes = 0;    // PEs the spatial loops occupy (padded)
  int64_t total_pes = 0;
  std::vector<LevelResult> levels;
  double mac_energy = 0;
  // The array's network (Eyeriss's inter-PE / NoC cost, the PE levels' `network` energy): every
  // word that enters or leaves a PE, once per PE; with no PE-level store for a tensor, every
  // operand a MAC takes (or partial sum it passes on) crosses it.
  double noc_energy = 0;
  double energy = 0;
  int64_t dram_accesses = 0;  // words at level 0, all tensors
  double energy_per_mac() const { return macs ? energy / static_cast<double>(macs) : 0; }
  double dram_per_mac() const { return macs ? static_cast<double>(dram_accesses) / macs : 0; }
};

// Whether a loop over `d` changes which words of tensor `t` a tile holds (weights: M C R S;
// inputs: all but M; outputs: N M E F).
bool indexes(TensorKind t, Dim d);

// The first level with `partial_sums: false` whose outputs are read back (partial sums spilled
// there and brought back), or nullopt.
std::optional<size_t> partial_sum_spill(const Arch& arch, const Analysis& a);

// validate_mapping first, then the counts.
Analysis analyze(const Arch& arch, const Workload& w, const Mapping& m);
// The counts without validation (the mapper validates capacities from these tiles).
Analysis analyze_unchecked(const Arch& arch, const Workload& w, const Mapping& m);

}  // namespace loupe::accel
