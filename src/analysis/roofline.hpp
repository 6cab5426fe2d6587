#pragma once
// The roofline of this machine and an Eyexam-style attribution of one step's time: starting from
// the time at peak, each step applies one more constraint of the hardware as a lower bound on the
// time, so the gap between two steps is the cost of that constraint and the last gap (to the
// measured time) is what the model does not explain (docs/lab.md):
//   ideal      flops / peak (the measured FMA peak of the ISA and thread count that ran)
//   simd       ideal / lane utilization (the vectorized dimension padded to the vector width)
//   imbalance  simd / thread balance (work units split over the threads)
//   cache      max(imbalance, bytes moved / bandwidth of the level that holds the working set)
//   bandwidth  max(cache, DRAM bytes / DRAM bandwidth)
//   measured   the step's median wall time
#include <cstdint>
#include <string>

#include "analysis/peak.hpp"
#include "graph/session.hpp"
#include "kernels/isa.hpp"

namespace loupe::analysis {

// The ceilings one profile is judged against: measured for the ISA and thread count that ran.
struct Ceilings {
  std::string isa;
  int threads = 1;
  int simd_lanes = 1;      // fp32 lanes per vector register of the ISA
  double peak_gflops = 0;  // fp32 FMA chains
  double l1_gb_per_s = 0, l2_gb_per_s = 0, l3_gb_per_s = 0, dram_gb_per_s = 0;
  kernels::CacheSizes caches;

  double ridge() const { return dram_gb_per_s > 0 ? peak_gflops / dram_gb_per_s : 0; }
};

// Ceilings from a `loupe peak` measurement of `isa` at `threads` (both must have been measured).
Ceilings ceilings_from(const PeakResult& peak, kernels::Isa isa, int threads);

struct Attribution {
  double ideal_ms = 0, simd_ms = 0, imbalance_ms = 0, cache_ms = 0, bandwidth_ms = 0,
         measured_ms = 0;
  double lane_utilization = 1;  // (0, 1]
  double thread_balance = 1;    // (0, 1]
  std::string cache_level;      // "L1", "L2", "L3", "DRAM": the smallest that holds the working set
  int64_t working_set_bytes = 0;
  int64_t dram_bytes = 0;
};

// Compulsory traffic plus the algorithm's workspace: the roofline's bytes of one step.
int64_t step_bytes(const graph::StepInfo& s);
int64_t step_flops(const graph::StepInfo& s);
// "compute" when the step's arithmetic intensity reaches the ridge point, else "memory".
std::string roofline_bound(double arithmetic_intensity, const Ceilings& c);
// Attainable GFLOP/s at an arithmetic intensity: min(peak, intensity x DRAM bandwidth).
double attainable_gflops(double arithmetic_intensity, const Ceilings& c);

// `weights_in_dram`: whether the model's weights exceed the last-level cache, so that every run
// streams them from DRAM again.
Attribution attribute(const graph::StepInfo& s, double measured_ms, const Ceilings& c,
                      bool weights_in_dram);

}  // namespace loupe::analysis
