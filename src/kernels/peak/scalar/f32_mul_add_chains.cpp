// Baseline x86-64 (no ISA flags). A scalar microkernel without FMA issues a mulss and an addss
// per MAC; 12 chains of (multiply, add) cover their latency on two ports. Inline assembly keeps
// the compiler from vectorizing or folding the chains; the operands are zeros.
#include "kernels/peak/peak.hpp"

namespace loupe::kernels::peak {

namespace {
constexpr int64_t kIters = 1024;
}

int64_t f32_mul_add_chains_scalar(int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b) {
    int64_t n = kIters;
    __asm__ volatile(
        "xorps %%xmm14, %%xmm14\n\t"
        "xorps %%xmm15, %%xmm15\n\t"
        "1:\n\t"
        "mulss %%xmm14, %%xmm0\n\t"
        "mulss %%xmm14, %%xmm1\n\t"
        "mulss %%xmm14, %%xmm2\n\t"
        "mulss %%xmm14, %%xmm3\n\t"
        "mulss %%xmm14, %%xmm4\n\t"
        "mulss %%xmm14, %%xmm5\n\t"
        "mulss %%xmm14, %%xmm6\n\t"
        "mulss %%xmm14, %%xmm7\n\t"
        "mulss %%xmm14, %%xmm8\n\t"
        "mulss %%xmm14, %%xmm9\n\t"
        "mulss %%xmm14, %%xmm10\n\t"
        "mulss %%xmm14, %%xmm11\n\t"
        "addss %%xmm15, %%xmm0\n\t"
        "addss %%xmm15, %%xmm1\n\t"
        "addss %%xmm15, %%xmm2\n\t"
        "addss %%xmm15, %%xmm3\n\t"
        "addss %%xmm15, %%xmm4\n\t"
        "addss %%xmm15, %%xmm5\n\t"
        "addss %%xmm15, %%xmm6\n\t"
        "addss %%xmm15, %%xmm7\n\t"
        "addss %%xmm15, %%xmm8\n\t"
        "addss %%xmm15, %%xmm9\n\t"
        "addss %%xmm15, %%xmm10\n\t"
        "addss %%xmm15, %%xmm11\n\t"
        "dec %0\n\t"
        "jnz 1b\n\t"
        : "+r"(n)
        :
        : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
          "xmm11", "xmm14", "xmm15", "cc");
  }
  // 12 chains x (1 multiply + 1 add) per trip.
  return blocks * kIters * 12 * 2;
}

// 64 dependent adds per trip: each waits for the previous one, one per cycle on every x86-64
// core since the P6; the loop counter runs on another port in parallel. The chain adds the
// register to itself: Golden Cove and later fold an add of an immediate into the renamer, so a
// chain of "add $1" ran ~6 per cycle there (a 2-vCPU Xeon read 20.5 GHz; "add reg, reg" 3.55).
void dependent_adds(int64_t adds) {
  int64_t trips = adds / 64;
  int64_t x = 1;
  __asm__ volatile(
      "1:\n\t"
      ".rept 64\n\t"
      "add %1, %1\n\t"
      ".endr\n\t"
      "dec %0\n\t"
      "jnz 1b\n\t"
      : "+r"(trips), "+r"(x)
      :
      : "cc");
}

}  // namespace loupe::kernels::peak
