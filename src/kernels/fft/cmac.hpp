#pragma once
// The pointwise stage of FFT convolution, per ISA: y += x * conj(w) on planar complex arrays
// (the spectrum of a correlation is X times the conjugate of the filter's spectrum).
#include <cstdint>

#include "kernels/isa.hpp"

namespace loupe::kernels::fft {

// yr/yi[i] += (xr + i xi)(wr - i wi) for i < n.
using CmacFn = void (*)(const float* xr, const float* xi, const float* wr, const float* wi,
                        float* yr, float* yi, int64_t n);

CmacFn cmac_conj_avx512();
CmacFn cmac_conj_avx2();
CmacFn cmac_conj_scalar();
// The one for this ISA (resolved; Error when unsupported).
CmacFn cmac_conj(Isa isa);

}  // namespace loupe::kernels::fft
