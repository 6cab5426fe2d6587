#pragma once
// The loop of cmac.hpp, compiled once per ISA folder with that folder's flags (the compiler
// vectorizes it: planar arrays need no shuffles). It lives in an unnamed namespace so that each
// file keeps its own copy: the linker can never merge the AVX-512 one into the portable path.
#include <cstdint>

namespace loupe::kernels::fft {
namespace {

void cmac_conj_loop(const float* __restrict xr, const float* __restrict xi,
                    const float* __restrict wr, const float* __restrict wi, float* __restrict yr,
                    float* __restrict yi, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    yr[i] += xr[i] * wr[i] + xi[i] * wi[i];
    yi[i] += xi[i] * wr[i] - xr[i] * wi[i];
  }
}

}  // namespace
}  // namespace loupe::kernels::fft
