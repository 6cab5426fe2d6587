#include "fma_peak.hpp"

#include "analysis/peak.hpp"

double measure_fma_peak_gflops(int threads, double seconds) {
  return loupe::analysis::measure_fp32_peak(loupe::kernels::Isa::avx512, threads, seconds, 1);
}
