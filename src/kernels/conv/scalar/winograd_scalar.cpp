// The Winograd transforms compiled for scalar (the code is in winograd_lanes.hpp).
#include "kernels/conv/winograd_lanes.hpp"

namespace loupe::kernels::conv {

void winograd_input_scalar(const WinogradInput& p) { winograd_input_lanes<16>(p); }
void winograd_output_scalar(const WinogradOutput& p) { winograd_output_lanes<16>(p); }

}  // namespace loupe::kernels::conv
