#pragma once
// SCALE-Sim style model of a weight-stationary R x C systolic array (REFERENCE.md §5).
// The layer becomes a GEMM: rows of the array hold R*S*C filter taps, columns hold M filters,
// and the T = N*E*F output pixels stream through. The array is folded: ceil(RSC / rows) x
// ceil(M / cols) folds, each fold taking T + 2*rows + cols - 2 cycles (fill the weights, stream
// the inputs, drain the skew), the last fold's final cycle overlapping the next layer (-1).
// Counts are simulated fold by fold so that partial folds read and write only what they use.
#include <cstdint>

#include "accel/workload.hpp"

namespace loupe::accel {

struct SystolicResult {
  int64_t rows = 0, cols = 0;
  int64_t row_folds = 0, col_folds = 0;
  int64_t cycles = 0;
  int64_t macs = 0;
  int64_t ifmap_reads = 0;        // SRAM reads of input activations
  int64_t filter_reads = 0;       // SRAM reads of weights
  int64_t ofmap_writes = 0;       // SRAM writes of (partial) outputs
  double mapping_efficiency = 0;  // mean over folds of used PEs / all PEs
  double utilization = 0;         // MACs / (cycles x PEs)
};

SystolicResult simulate_systolic_ws(const Workload& w, int64_t rows, int64_t cols);

}  // namespace loupe::accel
