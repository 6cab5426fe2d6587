#pragma once
// The machine's fp32 FMA peak, measured (not assumed) by the same kernels as `loupe peak`
// (src/kernels/peak, src/analysis/peak): independent 512-bit FMA chains in registers on
// `threads` threads at once, GFLOP/s of all threads together. Call only when the CPU has AVX-512.
double measure_fma_peak_gflops(int threads, double seconds = 0.2);
