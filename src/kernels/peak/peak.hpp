#pragma once
// Ceiling kernels for `loupe peak`: the roofline's compute and memory ceilings are measured on
// this machine, never assumed. Each compute kernel runs `blocks` blocks of independent
// multiply-accumulate chains held in registers (enough chains to cover the FMA latency on every
// FMA port, so the loop runs at the instruction-throughput limit) and returns the arithmetic
// operations it executed (a MAC counts 2). The caller times it.
//
// Only call a kernel whose ISA kernels::isa_supported() (or vnni_supported()) says this CPU has.
#include <cstdint>

namespace loupe::kernels::peak {

// fp32: 16 chains of 512-bit vfmadd231ps (16 lanes).
int64_t f32_fma_chains_avx512(int64_t blocks);
// fp32: 12 chains of 256-bit vfmadd231ps (8 lanes).
int64_t f32_fma_chains_avx2(int64_t blocks);
// fp32, one lane: 12 chains of mulss + addss (what a scalar microkernel can issue without FMA).
int64_t f32_mul_add_chains_scalar(int64_t blocks);
// int8: 16 chains of 512-bit vpdpbusd (16 lanes x 4 u8*s8 MACs = 128 ops per instruction).
int64_t u8s8_dot_chains_vnni(int64_t blocks);
// AVX-512 VNNI (vpdpbusd) on top of the AVX-512 the avx512/ kernels need.
bool vnni_supported();

// A chain of `adds` dependent 1-cycle integer adds: its time gives the core clock actually
// running (adds / seconds), the same way for every x86-64 CPU.
void dependent_adds(int64_t adds);

// STREAM's triad a[i] = b[i] + s * c[i] over n floats (n a multiple of 64), vectorized by the
// compiler with the widest ISA available. Three arrays of 4n bytes each move 12n bytes.
void triad_avx512(float* a, const float* b, const float* c, float s, int64_t n);
void triad_avx2(float* a, const float* b, const float* c, float s, int64_t n);
void triad_scalar(float* a, const float* b, const float* c, float s, int64_t n);

}  // namespace loupe::kernels::peak
