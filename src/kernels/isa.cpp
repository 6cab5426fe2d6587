#include "kernels/isa.hpp"

#include <cpuinfo.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "loupe/error.hpp"

namespace loupe::kernels {

namespace {

bool cpuinfo_ready() {
  static const bool ok = cpuinfo_initialize();
  return ok;
}

}  // namespace

std::string_view isa_name(Isa isa) {
  switch (isa) {
    case Isa::automatic:
      return "auto";
    case Isa::scalar:
      return "scalar";
    case Isa::avx2:
      return "avx2";
    case Isa::avx512:
      return "avx512";
  }
  return "?";
}

Isa parse_isa(std::string_view name) {
  if (name == "avx512") return Isa::avx512;
  if (name == "avx2") return Isa::avx2;
  if (name == "scalar") return Isa::scalar;
  if (name == "auto" || name.empty()) return Isa::automatic;
  fail("unknown ISA \"{}\" (expected avx512, avx2, scalar or auto)", name);
}

bool isa_supported(Isa isa) {
  switch (isa) {
    case Isa::automatic:
    case Isa::scalar:
      return true;
    case Isa::avx2:
      return cpuinfo_ready() && cpuinfo_has_x86_avx2() && cpuinfo_has_x86_fma3();
    case Isa::avx512:
      return cpuinfo_ready() && cpuinfo_has_x86_avx512f() && cpuinfo_has_x86_avx512bw() &&
             cpuinfo_has_x86_avx512vl() && cpuinfo_has_x86_avx512dq() && cpuinfo_has_x86_fma3();
  }
  return false;
}

Isa resolve_isa(Isa requested) {
  if (requested == Isa::automatic) return best_isa();
  if (!isa_supported(requested)) {
    fail("ISA {} was requested but this CPU does not support it (supported: {}{}scalar)",
         isa_name(requested), isa_supported(Isa::avx512) ? "avx512, " : "",
         isa_supported(Isa::avx2) ? "avx2, " : "");
  }
  return requested;
}

Isa best_isa() {
  // Read once: the environment is the process's configuration, not something that changes.
  static const Isa forced = [] {
    const char* env = std::getenv("LOUPE_ISA");
    if (env == nullptr) return Isa::automatic;
    try {
      return parse_isa(env);
    } catch (const Error& e) {
      throw e.prefixed("LOUPE_ISA");
    }
  }();
  if (forced != Isa::automatic) {
    try {
      return resolve_isa(forced);
    } catch (const Error& e) {
      throw e.prefixed("LOUPE_ISA");
    }
  }
  if (isa_supported(Isa::avx512)) return Isa::avx512;
  if (isa_supported(Isa::avx2)) return Isa::avx2;
  return Isa::scalar;
}

const CacheSizes& cache_sizes() {
  static const CacheSizes sizes = [] {
    CacheSizes s;
    if (!cpuinfo_ready()) return s;
    if (const cpuinfo_cache* c = cpuinfo_get_l1d_cache(0); c != nullptr && c->size > 0) {
      s.l1d = c->size;
      if (c->associativity > 0) s.l1d_ways = static_cast<int>(c->associativity);
    }
    if (const cpuinfo_cache* c = cpuinfo_get_l2_cache(0); c != nullptr && c->size > 0) {
      s.l2 = c->size;
    }
    // In a VM cpuinfo reports the host socket's whole L3 (480 MiB on a 2-vCPU Xeon), which the
    // guest's cores share with every other tenant: reads from 2 threads there ran at 60 GB/s up
    // to 64 MiB and at DRAM speed (39 GB/s) from 128 MiB, and the rules that ask whether weights
    // stay in the L3 between runs picked F(4x4) on 7 x 7 maps (2.8 ms against 1.4 direct). The
    // largest L3 one core complex owns on the parts loupe was tuned on is 32 MiB (Zen 3 / Zen 4).
    if (const cpuinfo_cache* c = cpuinfo_get_l3_cache(0); c != nullptr && c->size > 0) {
      s.l3_reported = c->size;
      s.l3 = std::min<int64_t>(c->size, kMaxL3Bytes);
    }
    return s;
  }();
  return sizes;
}

const std::string& cpu_name() {
  static const std::string name = [] {
    std::string n;
    if (cpuinfo_ready()) {
      if (const cpuinfo_package* p = cpuinfo_get_package(0); p != nullptr) n = p->name;
    }
    return n.empty() ? std::string("unknown CPU") : n;
  }();
  return name;
}

}  // namespace loupe::kernels
