#include "fma_peak.hpp"

#include "analysis/peak.hpp"
#include "kernels/isa.hpp"

double measure_fma_peak_gflops(int threads, double seconds) {
  const loupe::kernels::Isa isa = loupe::kernels::best_isa();
  if (isa == loupe::kernels::Isa::scalar) return 0.0;
  return loupe::analysis::measure_fp32_peak(isa, threads, seconds, 1);
}

const char* fma_peak_isa() {
  const loupe::kernels::Isa isa = loupe::kernels::best_isa();
  // isa_name's views are of string literals, so data() is null-terminated.
  return isa == loupe::kernels::Isa::scalar ? "none" : loupe::kernels::isa_name(isa).data();
}
