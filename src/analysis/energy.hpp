#pragma once
// Energy, two ways (docs/lab.md):
//  * measured: the CPU package's RAPL counters (/sys/class/powercap/intel-rapl*/energy_uj) read
//    before and after the timed runs, when the kernel exposes them and they are readable;
//  * modeled: access counts per level of the memory hierarchy times a cost per access, the
//    tutorial's normalized Eyeriss costs by default (REFERENCE.md §3: RF 1, NoC 2, global buffer
//    6, DRAM 200, relative to one MAC), mapped onto the CPU as registers / L1 / L2+LLC / DRAM.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "graph/session.hpp"
#include "kernels/isa.hpp"

namespace loupe::analysis {

// Cost of one MAC and of one 4-byte word accessed at each level.
struct CostTable {
  double mac = 1, rf = 1, noc = 2, buffer = 6, dram = 200;
  std::string unit = "MAC";  // "MAC": normalized to one MAC's energy; "pJ" from a table file
};

// `key value` lines (keys mac, rf, noc, buffer, dram, unit; # starts a comment); keys left out
// keep the defaults. Errors name the file and line.
CostTable read_cost_table(const std::string& path);

// Accesses (4-byte words) per level of one step, and their energy under a table.
struct EnergyBreakdown {
  double macs = 0, rf = 0, noc = 0, buffer = 0, dram = 0;  // counts
  double mac_energy = 0, rf_energy = 0, noc_energy = 0, buffer_energy = 0, dram_energy = 0;
  double total() const { return mac_energy + rf_energy + noc_energy + buffer_energy + dram_energy; }
};

// The register tile of the ISA's GEMM microkernel (rows x cols of C kept in registers): each
// reduction step loads rows + cols words from L1 for rows x cols MACs.
struct RegisterTile {
  int rows = 4, cols = 4;
};
RegisterTile register_tile(kernels::Isa isa);

// The CPU-side model of one step (docs/lab.md states it exactly):
//   MAC     macs
//   RF      3 per MAC (two operands and the accumulator, all in registers)
//   NoC/L1  macs * (1/rows + 1/cols) words loaded by the register tile, plus the output words
//   buffer  input + output + weight words + twice the workspace words (L2/LLC <-> L1 once each)
//   DRAM    `dram_bytes` / 4 (the words the roofline's bandwidth step charges to DRAM)
EnergyBreakdown model_energy(const graph::StepInfo& step, int64_t dram_bytes, RegisterTile tile,
                             const CostTable& costs);

// Package energy from RAPL, or why not.
struct RaplReading {
  bool available = false;
  std::string reason;              // "unavailable: ..." when not available
  std::vector<std::string> files;  // the package domains' energy_uj files
  std::vector<double> uj;          // one reading per file
  std::vector<double> max_uj;      // wrap-around range per file
};
// `root` defaults to the kernel's powercap directory; tests point it at a fake tree.
RaplReading read_rapl(const std::string& root = "/sys/class/powercap");
// Joules between two readings of the same files (counters wrap at max_energy_range_uj).
double rapl_joules(const RaplReading& before, const RaplReading& after);

nlohmann::json energy_json(const EnergyBreakdown& e);

}  // namespace loupe::analysis
