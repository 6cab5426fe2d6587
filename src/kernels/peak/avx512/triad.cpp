// STREAM triad vectorized with this folder's ISA flags (src/CMakeLists.txt).
#include "kernels/peak/peak.hpp"
#include "kernels/peak/triad_impl.hpp"

namespace loupe::kernels::peak {

void triad_avx512(float* a, const float* b, const float* c, float s, int64_t n) {
  triad_loop(a, b, c, s, n);
}

}  // namespace loupe::kernels::peak
