#pragma once
// Strassen's algorithm (1969) on top of the BLIS-style GEMM: C = A * B (row-major, fp32) with
// 7 half-size products per level instead of 8 (REFERENCE.md §2: pays off only on large
// matrices). Each level splits M, N and K in two; an odd dimension is peeled (the even part
// recurses, the last row / column / rank-1 update goes to the plain GEMM), and products below
// `cutoff` in any dimension, or past `levels`, run on the plain GEMM. Rectangular shapes split
// the same way.
//
// Accuracy: Strassen's error bound is norm-wise, not element-wise, and grows by up to ~12x per
// level (Higham, "Accuracy and Stability of Numerical Algorithms", §23.2.2); tests/kernels/
// strassen/ checks that bound against fp64. bench/bench_strassen.cpp measures where it pays off.
#include <cstdint>

#include "kernels/isa.hpp"

namespace loupe::kernels {

struct StrassenDesc {
  int64_t M = 0, N = 0, K = 0;
  int64_t lda = 0, ldb = 0, ldc = 0;  // 0: dense rows (K, N, N)
  int levels = 1;                     // recursion levels at most
  int64_t cutoff = 512;               // a product with min(M, N, K) < cutoff uses the GEMM
  int threads = 0;                    // 0: ThreadPool::global().size()
  Isa isa = Isa::automatic;
};

// C = A * B. Temporaries (3 quarter-size matrices per level) are allocated inside. Throws Error
// for negative sizes, leading dimensions too small, or an unsupported ISA.
void strassen_gemm(const StrassenDesc& d, const float* a, const float* b, float* c);

}  // namespace loupe::kernels
