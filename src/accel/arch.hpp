#pragma once
// The accelerator architecture as plain data: storage levels outer -> inner, the compute unit and
// the energy table. Parsed once from YAML (docs/accel.md) or taken from a built-in preset, then
// validated in one place (validate_arch); the analyzer trusts what it is given.
//
// A "level" is one storage component with its instance count. Per-tensor buffers that sit at the
// same position (Eyeriss's ifmap / weights / psum scratchpads in each PE) are consecutive levels
// with equal instance counts, each keeping one tensor: that is how Timeloop models them and it
// reproduces REFERENCE.md §4 count for count. A level that keeps no tensor is a pure fanout point
// (a PE column, say) that only carries spatial loops.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loupe::accel {

// The three data spaces of the CONV nest (DESIGN.md JSON keys).
enum class TensorKind { weights = 0, inputs = 1, outputs = 2 };
inline constexpr int kTensorKinds = 3;
inline constexpr std::array<TensorKind, kTensorKinds> kAllTensorKinds = {
    TensorKind::weights, TensorKind::inputs, TensorKind::outputs};
std::string_view tensor_name(TensorKind t);

// Energies of one storage level. Access energies are per access of `block_size` words (one vector
// access; Accelergy's ERT numbers), so one word costs energy / block_size. Leakage is per utilized
// instance per cycle (Timeloop multiplies the ERT "leak" action by utilized instances x cycles;
// REFERENCE.md §4's per-level split includes it). `network` is charged per word that enters this
// level from its parent or leaves it for its parent (the NoC hop of Eyeriss's normalized costs).
struct LevelEnergy {
  double read = 0;
  double fill = 0;
  double update = 0;
  double leak = 0;
  double network = 0;
};

struct StorageLevel {
  std::string name;
  int64_t words = 0;  // capacity in words per instance; 0 = unbounded (DRAM)
  int64_t word_bits = 16;
  int64_t block_size = 1;  // words per access (vector width)
  int64_t mesh_x = 1;      // instances at this level = mesh_x * mesh_y (over the whole chip)
  int64_t mesh_y = 1;
  double read_bandwidth = 0;  // words per cycle per instance; 0 = unlimited
  double write_bandwidth = 0;
  std::array<bool, kTensorKinds> keeps = {true, true, true};
  // false: only final outputs reach this level, partial sums stay below it (Eyeriss: ofmaps go
  // to DRAM through ReLU and run-length compression, psums never leave the chip). YAML key
  // `partial_sums: false`; mappings that would send partial sums here are rejected.
  bool partial_sums = true;
  LevelEnergy energy;

  int64_t instances() const { return mesh_x * mesh_y; }
  bool keeps_tensor(TensorKind t) const { return keeps[static_cast<int>(t)]; }
};

struct ComputeUnit {
  std::string name = "mac";
  int64_t mesh_x = 1;  // MAC units = mesh_x * mesh_y (total PEs)
  int64_t mesh_y = 1;
  int64_t word_bits = 16;
  double energy = 1;  // per MAC
  int64_t instances() const { return mesh_x * mesh_y; }
};

// pJ, or normalized costs where one MAC = 1 (Eyeriss's 200 / 6 / 2 / 1 table, REFERENCE.md §3):
// results then come out in MAC-energy units and say so.
enum class EnergyUnit { pj, mac };
std::string_view energy_unit_name(EnergyUnit u);

struct Arch {
  std::string name;
  EnergyUnit energy_unit = EnergyUnit::pj;
  std::vector<StorageLevel> levels;  // outer -> inner
  ComputeUnit compute;
  // ISCA'16 equal-area comparison (docs/accel.md): each dataflow's per-PE storage shrinks to what
  // its PE loops can use and the freed bytes join the buffer that fans out to the PEs
  // (arch_for_dataflow in mapper.hpp). YAML key `equal_area: true`.
  bool equal_area = false;
  // Operands no PE store keeps are passed from PE to PE (ShiDianNao's ifmap propagation, WS's
  // line buffers), as ISCA'16's analysis framework assumes for every dataflow: the level above
  // the PEs then sends each distinct word of the array's tile once (the projection of the
  // spatial loops and the PE loops), not one word per MAC; every MAC operand still pays the NoC.
  // YAML key `inter_pe_forwarding: true`.
  bool inter_pe_forwarding = false;
  // Per dimension (N M C E F R S): spatial loops over it do not add partial sums in the array;
  // every PE's psum goes to the level above (ISCA'16's WS over the filter rows R). Set by
  // arch_for_dataflow from the dataflow, not read from YAML.
  std::array<bool, 7> psums_via_buffer = {false, false, false, false, false, false, false};

  // Spatial fanout below level i: to level i + 1, or to the compute units below the last level.
  int64_t fanout_x(size_t i) const;
  int64_t fanout_y(size_t i) const;
  // Index of a level by name, or nullopt.
  std::optional<size_t> find_level(std::string_view name) const;
};

// Checks instance meshes (positive, each level's mesh divides the next), capacities, word sizes,
// energies and that the outermost level keeps every tensor. Errors name `source` and the level.
void validate_arch(const Arch& arch, std::string_view source);

// YAML (docs/accel.md). `file` names the source in every error: "arch.yaml:12: ...".
Arch parse_arch_yaml(std::string_view text, std::string_view file);
Arch load_arch_file(const std::string& path);

// Built-in presets: eyeriss, eyeriss-isca16, timeloop-eyeriss-like, systolic:RxC.
std::vector<std::string> arch_preset_names();
bool is_arch_preset(std::string_view name);
Arch arch_preset(std::string_view name);
// The preset's YAML text (what `arch_preset` parses), e.g. to start a custom file from.
std::string arch_preset_yaml(std::string_view name);

// An --arch argument: a preset name or a YAML file path.
Arch resolve_arch(std::string_view name_or_path);

}  // namespace loupe::accel
