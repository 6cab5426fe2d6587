#pragma once
// The strided row copy of the im2col lowering and of PhasedPlane's column phases,
// out[f] = in[f * stride] for f < n, per ISA.
#include <cstdint>

#include "kernels/isa.hpp"

namespace loupe::kernels::conv {

using StridedCopy = void (*)(const float* in, int64_t stride, int64_t n, float* out);

void strided_copy_avx512(const float* in, int64_t stride, int64_t n, float* out);
void strided_copy_avx2(const float* in, int64_t stride, int64_t n, float* out);
void strided_copy_scalar(const float* in, int64_t stride, int64_t n, float* out);
// The copy of the ISA as resolve_isa() resolves it.
StridedCopy strided_copy_for(Isa isa);

}  // namespace loupe::kernels::conv
