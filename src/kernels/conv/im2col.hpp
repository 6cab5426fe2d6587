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

// One input row of W floats, padded (pad_left zeros before it, zeros after) and split into its
// U_w column phases: phase p's wq floats, padded columns p, p + U_w, ..., at out + p *
// phase_stride. AVX-512 for U_w of 1 and 2 (phase_row_for gives null elsewhere).
using PhaseRow = void (*)(const float* in, int64_t W, int64_t pad_left, int64_t U_w, int64_t wq,
                          float* out, int64_t phase_stride);
void phase_row_avx512(const float* in, int64_t W, int64_t pad_left, int64_t U_w, int64_t wq,
                      float* out, int64_t phase_stride);
PhaseRow phase_row_for(Isa isa, int64_t U_w);

// out[f] = in[f * stride] for f < n: a plain copy at stride 1, `copy` (one of the above) else.
inline void copy_row(StridedCopy copy, const float* in, int64_t stride, int64_t n, float* out) {
  if (stride == 1) {
    std::memcpy(out, in, sizeof(float) * static_cast<size_t>(n));
  } else {
    copy(in, stride, n, out);
  }
}

}  // namespace loupe::kernels::conv
