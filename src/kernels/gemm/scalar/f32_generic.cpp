// Portable SGEMM microkernel, 4 x 8 tile in plain C++ (baseline flags; the compiler may use
// SSE2). It is the path every CPU has and the one the other microkernels are checked against
// besides the reference: 4 x 8 accumulators fit the 16 xmm registers of x86-64 as 8 vectors.
#include "kernels/gemm/ukernel.hpp"

#include <algorithm>

namespace loupe::kernels::gemm {

namespace {

constexpr int kMR = 4;
constexpr int kNR = 8;

void ukernel(const UkrArgs& p) {
  float acc[kMR][kNR] = {};
  const float* a = p.a;
  const float* b = p.b;
  for (int64_t k = 0; k < p.kc; ++k) {
    for (int r = 0; r < kMR; ++r) {
      for (int j = 0; j < kNR; ++j) acc[r][j] += a[r] * b[j];
    }
    a += kMR;
    b += kNR;
  }
  for (int r = 0; r < p.m; ++r) {
    float* c = p.c + r * p.ldc;
    for (int j = 0; j < p.n; ++j) {
      float x = p.alpha * acc[r][j];
      if (p.beta != 0.0f) x += p.beta * c[j];
      if (p.epilogue) {
        if (p.row_bias != nullptr) x += p.row_bias[r];
        if (p.col_bias != nullptr) x += p.col_bias[j];
        if (p.residual != nullptr) x += p.residual[r * p.ldr + j];
        if (p.clamp) x = std::min(std::max(x, p.lo), p.hi);
      }
      c[j] = x;
    }
  }
}

constexpr Microkernel kKernel{Isa::scalar, kMR, kNR, ukernel, nullptr, nullptr, "scalar f32 4x8"};

}  // namespace

const Microkernel& microkernel_scalar() { return kKernel; }

}  // namespace loupe::kernels::gemm
