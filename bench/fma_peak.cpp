#include "fma_peak.hpp"

#include "analysis/peak.hpp"
#include "kernels/isa.hpp"

namespace {
loupe::kernels::Isa peak_isa() {
  using loupe::kernels::Isa;
  if (loupe::kernels::isa_supported(Isa::avx512)) return Isa::avx512;
  if (loupe::kernels::isa_supported(Isa::avx2)) return Isa::avx2;
  return Isa::scalar;
}
}  // namespace

double measure_fma_peak_gflops(int threads, double seconds) {
  if (peak_isa() == loupe::kernels::Isa::scalar) return 0.0;
  return loupe::analysis::measure_fp32_peak(peak_isa(), threads, seconds, 1);
}

const char* fma_peak_isa() {
  switch (peak_isa()) {
    case loupe::kernels::Isa::avx512:
      return "avx512";
    case loupe::kernels::Isa::avx2:
      return "avx2";
    default:
      return "none";
  }
}
