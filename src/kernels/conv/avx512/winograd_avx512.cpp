// The Winograd transforms compiled for avx512 (the code is in winograd_lanes.hpp).
// GCC 12 flags _mm512_undefined_ps() inside its own intrinsics (GCC PR 105593, see gemm/avx512).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include "kernels/conv/winograd_lanes.hpp"

namespace loupe::kernels::conv {

void winograd_input_avx512(const WinogradInput& p) { winograd_input_lanes<16>(p); }
void winograd_output_avx512(const WinogradOutput& p) { winograd_output_lanes<16>(p); }

}  // namespace loupe::kernels::conv
