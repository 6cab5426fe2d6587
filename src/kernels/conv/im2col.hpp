#pragma once
// The strided row copy of the im2col lowering and of PhasedPlane's column phases,
// out[f] = in[f * stride] for f < n, per ISA.
#include <cstdint>
#include <cstring>

#include "kernels/isa.hpp"

namespace loupe::kernels::conv {

using StridedCopy = void (*)(const float* in, int64_t stride, int64_t n, float* out);

void strided_copy_avx512(const float* in, int64_t stride, int64_t n, float* out);
void strided_copy_avx2(const float* in, int64_t stride, int64_t n, float* out);
void strided_copy_scalar(const float* in, int64_t stride, int64_t n, float* out);
// The copy of the ISA as resolve_isa() resolves it.
StridedCopy strided_copy_for(Isa isa);

// out[f] = in[f * stride] for f < n: a plain copy at stride 1, `copy` (one of the above) else.
inline void copy_row(StridedCopy copy, const float* in, int64_t stride, int64_t n, float* out) {
  if (stride == 1) {
    std::memcpy(out, in, sizeof(float) * static_cast<size_t>(n));
  } else {
    copy(in, stride, n, out);
  }
}

}  // namespace loupe::kernels::conv
