#pragma once
// The machine's fp32 FMA peak, measured (not assumed) by the same kernels as `loupe peak`
// (src/kernels/peak, src/analysis/peak): independent FMA chains in registers, as wide as the
// kernels' ISA (best_isa(): 512-bit with AVX-512, else 256-bit with AVX2, or as LOUPE_ISA
// forces), on `threads` threads at once, GFLOP/s of all threads together. 0 for scalar.
double measure_fma_peak_gflops(int threads, double seconds = 0.2);
// "avx512", "avx2" or "none": the chains measure_fma_peak_gflops times.
const char* fma_peak_isa();
