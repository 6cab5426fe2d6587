#pragma once
// Instruction sets the kernels are written for, and what this CPU offers (cpuinfo). Every fast
// kernel picks its microkernel at run time from here: the build machine's ISA is never assumed.
//
// LOUPE_ISA=avx512|avx2|scalar forces a path (tests use it to cover every microkernel on one
// machine); forcing an ISA this CPU lacks is an Error, never a silent fallback.
#include <cstdint>
#include <string>
#include <string_view>

namespace loupe::kernels {

enum class Isa : uint8_t { automatic, scalar, avx2, avx512 };

std::string_view isa_name(Isa isa);
// Parses "avx512" / "avx2" / "scalar" / "auto"; throws Error otherwise.
Isa parse_isa(std::string_view name);

// Whether this CPU (and its OS, for the wide register state) can run the path. AVX-512 means
// F+BW+VL+DQ (what the avx512/ files are compiled for), AVX2 means AVX2+FMA3.
bool isa_supported(Isa isa);

// The widest supported ISA, or LOUPE_ISA when set (Error if that ISA is not supported).
Isa best_isa();

// `automatic` becomes best_isa(); an explicit ISA is checked and returned (Error if unsupported).
Isa resolve_isa(Isa requested);

// Data-cache sizes of one core in bytes, with conservative fallbacks when cpuinfo cannot tell.
// l3 is the whole shared cache as the kernels' rules see it, at most kMaxL3Bytes (isa.cpp says
// why); l3_reported is what the CPU reports.
inline constexpr int64_t kMaxL3Bytes = 32 * 1024 * 1024;
struct CacheSizes {
  int64_t l1d = 32 * 1024;
  int64_t l2 = 256 * 1024;
  int64_t l3 = 8 * 1024 * 1024;
  int64_t l3_reported = 8 * 1024 * 1024;
  int l1d_ways = 8;
};
const CacheSizes& cache_sizes();

// The CPU's marketing name as cpuinfo reports it ("unknown CPU" when it cannot tell); benchmark
// records carry it.
const std::string& cpu_name();

}  // namespace loupe::kernels
