#pragma once
// The im2col lowering's strided row copy, out[f] = in[f * stride] for f < n, per ISA.
#include <cstdint>

namespace loupe::kernels::conv {

void strided_copy_avx512(const float* in, int64_t stride, int64_t n, float* out);
void strided_copy_avx2(const float* in, int64_t stride, int64_t n, float* out);

}  // namespace loupe::kernels::conv
