#include "accel/systolic.hpp"

#include <algorithm>

#include "loupe/error.hpp"

namespace loupe::accel {

SystolicResult simulate_systolic_ws(const Workload& w, int64_t rows, int64_t cols) {
  if (rows <= 0 || cols <= 0)
    fail("systolic array {}x{}: rows and cols must be positive", rows, cols);
  SystolicResult r;
  r.rows = rows;
  r.cols = cols;
  const int64_t K = w.dim(Dim::R) * w.dim(Dim::S) * w.dim(Dim::C);  // taps per filter
  const int64_t M = w.dim(Dim::M);
  const int64_t T = w.dim(Dim::N) * w.dim(Dim::E) * w.dim(Dim::F);  // output pixels
  r.row_folds = (K + rows - 1) / rows;
  r.col_folds = (M + cols - 1) / cols;
  int64_t used_sum = 0;
  for (int64_t g = 0; g < w.G; ++g) {
    for (int64_t rf = 0; rf < r.row_folds; ++rf) {
      const int64_t used_rows = std::min(rows, K - rf * rows);
      for (int64_t cf = 0; cf < r.col_folds; ++cf) {
        const int64_t used_cols = std::min(cols, M - cf * cols);
        // Weights are loaded once per fold; every output pixel reads one input per used row and
        // writes one partial sum per used column.
        r.filter_reads += used_rows * used_cols;
        r.ifmap_reads += T * used_rows;
        r.ofmap_writes += T * used_cols;
        r.cycles += T + 2 * rows + cols - 2;
        used_sum += used_rows * used_cols;
      }
    }
  }
  r.cycles -= 1;
  r.macs = w.macs();
  const int64_t folds = r.row_folds * r.col_folds * w.G;
  r.mapping_efficiency = static_cast<double>(used_sum) / static_cast<double>(folds * rows * cols);
  r.utilization = static_cast<double>(r.macs) / (static_cast<double>(r.cycles) * rows * cols);
  return r;
}

}  // namespace loupe::accel
