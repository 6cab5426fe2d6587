// The Winograd transforms compiled for avx2 (the code is in winograd_lanes.hpp).
#include "kernels/conv/winograd_lanes.hpp"

namespace loupe::kernels::conv {

void winograd_input_avx2(const WinogradInput& p) { winograd_input_lanes<8>(p); }
void winograd_output_avx2(const WinogradOutput& p) { winograd_output_lanes<8>(p); }

}  // namespace loupe::kernels::conv
