// Compiled with -mavx512f -mfma (bench/CMakeLists.txt); the caller checks that the CPU has
// AVX-512 before calling.
//
// 16 independent accumulator chains (zmm0..15): enough to keep 2 FMA ports busy through a 4-cycle
// latency (8 in flight) with room to spare, so the loop runs at the FMA throughput limit: peak =
// FMAs per cycle x 16 lanes x 2 flops x the clock actually running.
#include "fma_peak.hpp"

#include <immintrin.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace {

// One block of 16 x 1024 FMAs in inline assembly, so that the compiler can neither keep the
// accumulators in memory nor fold the chains: zmm0..zmm15 accumulate zmm16 * zmm17 (zeros, so
// no denormal or overflow slow path can appear).
void fma_block() {
  int64_t n = 1024;
  __asm__ volatile(
      "vpxord %%zmm16, %%zmm16, %%zmm16\n\t"
      "vpxord %%zmm17, %%zmm17, %%zmm17\n\t"
      "1:\n\t"
      "vfmadd231ps %%zmm16, %%zmm17, %%zmm0\n\t"
      "vfmadd231ps %%zmm16, %%zmm17, %%zmm1\n\t"
      "vfmadd231ps %%zmm16, %%zmm17, %%zmm2\n\t"
      "vfmadd231ps %%zmm16, %%zmm17, %%zmm3\n\t"
      "vfmadd231ps %%zmm16, %%zmm17, %%zmm4\n\t"
      "vfmadd231ps %%zmm16, %%zmm17, %%zmm5\n\t"
      "vfmadd231ps %%zmm16, %%zmm17, %%zmm6\n\t"
      "vfmadd231ps %%zmm16, %%zmm17, %%zmm7\n\t"
      "vfmadd231ps %%zmm16, %%zmm17, %%zmm8\n\t"
      "vfmadd231ps %%zmm16, %%zmm17, %%zmm9\n\t"
      "vfmadd231ps %%zmm16, %%zmm17, %%zmm10\n\t"
      "vfmadd231ps %%zmm16, %%zmm17, %%zmm11\n\t"
      "vfmadd231ps %%zmm16, %%zmm17, %%zmm12\n\t"
      "vfmadd231ps %%zmm16, %%zmm17, %%zmm13\n\t"
      "vfmadd231ps %%zmm16, %%zmm17, %%zmm14\n\t"
      "vfmadd231ps %%zmm16, %%zmm17, %%zmm15\n\t"
      "dec %0\n\t"
      "jnz 1b\n\t"
      : "+r"(n)
      :
      : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
        "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17", "cc");
}

double chains(double seconds) {
  const auto start = std::chrono::steady_clock::now();
  int64_t blocks = 0;
  double elapsed = 0.0;
  do {
    for (int i = 0; i < 64; ++i) fma_block();
    blocks += 64;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  } while (elapsed < seconds);
  // FMAs x 16 lanes x 2 flops.
  return static_cast<double>(blocks) * 1024 * 16 * 16 * 2 / elapsed / 1e9;
}

}  // namespace

double measure_fma_peak_gflops(int threads, double seconds) {
  std::vector<double> per(static_cast<size_t>(threads));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] { per[static_cast<size_t>(t)] = chains(seconds); });
  }
  for (std::thread& t : pool) t.join();
  double total = 0.0;
  for (double g : per) total += g;
  return total;
}
