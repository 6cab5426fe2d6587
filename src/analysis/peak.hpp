#pragma once
// The roofline's ceilings, measured on this machine (`loupe peak`): fp32 FMA peak per ISA and
// thread count, int8 VNNI peak where the CPU has it, memory bandwidth per level of the hierarchy
// (STREAM triad on arrays sized for L1, L2, L3 and DRAM), the clock actually running, the CPU
// and its caches. The machine may be shared and its clock varies, so every figure is the best of
// several short repeats (docs/lab.md).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kernels/isa.hpp"

namespace loupe::analysis {

struct PeakOptions {
  int threads = 0;  // measure 1..threads; 0: every core
  // Many short repeats rather than a few long ones: on a shared machine a 10 ms window often
  // finds the cores quiet, a 50 ms one rarely does; the best repeat is kept.
  double seconds = 0.01;  // per repeat of one compute measurement
  int repeats = 20;
  bool all_isas = true;  // false: only the best ISA (what profile needs)
  bool bandwidth = true;
};

struct ComputePeak {
  std::string isa;  // "avx512", "avx2", "scalar", "avx512_vnni"
  int threads = 1;
  double gops = 0;  // GFLOP/s for fp32, GOP/s (2 per MAC) for int8
};

struct BandwidthLevel {
  std::string level;    // "L1", "L2", "L3", "DRAM"
  int64_t bytes = 0;    // the triad's three arrays, all threads together
  double gb_per_s = 0;  // 10^9 bytes per second, STREAM's counting (12 bytes per element)
};

struct PeakResult {
  std::string cpu;
  std::string isa;  // the ISA loupe's kernels use on this CPU (best_isa())
  int threads = 1;
  int repeats = 0;
  double seconds = 0;
  double frequency_ghz = 0;
  kernels::CacheSizes caches;
  std::vector<ComputePeak> fp32;
  std::vector<ComputePeak> int8;          // empty when the CPU has no VNNI
  std::string int8_unavailable;           // why int8 is empty
  std::vector<BandwidthLevel> bandwidth;  // measured with `threads` threads

  // fp32 GFLOP/s of `isa` at `threads` (0 when it was not measured).
  double fp32_gflops(std::string_view isa, int threads) const;
  // Bandwidth of a level in GB/s (0 when not measured).
  double bandwidth_gb_per_s(std::string_view level) const;
};

// fp32 GFLOP/s of the chains of one ISA on `threads` threads (best of `repeats`).
double measure_fp32_peak(kernels::Isa isa, int threads, double seconds, int repeats);
// int8 GOP/s of vpdpbusd chains; call only when kernels::peak::vnni_supported().
double measure_int8_vnni_peak(int threads, double seconds, int repeats);
// Triad bandwidth of each level on `threads` threads (best of `repeats`).
std::vector<BandwidthLevel> measure_bandwidth(int threads, int repeats);
// The clock of one core in GHz, from a chain of dependent 1-cycle adds.
double measure_frequency_ghz(int repeats);

PeakResult measure_peak(const PeakOptions& options);

nlohmann::json peak_json(const PeakResult& r);
std::string peak_table(const PeakResult& r);

}  // namespace loupe::analysis
