#include "analysis/peak.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <barrier>
#include <chrono>
#include <functional>
#include <thread>

#include "kernels/peak/peak.hpp"
#include "loupe/error.hpp"
#include "loupe/tensor.hpp"

namespace loupe::analysis {

namespace {

using Clock = std::chrono::steady_clock;

int resolve_threads(int threads) {
  if (threads > 0) return threads;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

// Runs `blocks_fn` on `threads` threads released together, each for `seconds`, and returns the
// operations of all threads per second of wall time from the first thread's start to the last
// one's end (not a sum of per-thread rates, which would overstate threads that did not run at
// the same time). Each thread stamps its own clock: the coordinating thread may not be scheduled
// while every core is busy.
double run_chains(const std::function<int64_t(int64_t)>& blocks_fn, int threads, double seconds) {
  std::vector<int64_t> ops(static_cast<size_t>(threads)), start_ns(ops.size()), end_ns(ops.size());
  std::barrier sync(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      sync.arrive_and_wait();
      const auto start = Clock::now();
      const auto deadline = start + std::chrono::duration<double>(seconds);
      int64_t mine = 0;
      do {
        mine += blocks_fn(4);
      } while (Clock::now() < deadline);
      const size_t i = static_cast<size_t>(t);
      ops[i] = mine;
      start_ns[i] = start.time_since_epoch().count();
      end_ns[i] = Clock::now().time_since_epoch().count();
    });
  }
  for (std::thread& t : pool) t.join();
  int64_t total = 0;
  for (int64_t o : ops) total += o;
  const int64_t ns = *std::max_element(end_ns.begin(), end_ns.end()) -
                     *std::min_element(start_ns.begin(), start_ns.end());
  return static_cast<double>(total) / (static_cast<double>(ns) / 1e9) / 1e9;
}

double best_of(int repeats, const std::function<double()>& once) {
  double best = 0;
  for (int i = 0; i < std::max(1, repeats); ++i) best = std::max(best, once());
  return best;
}

std::function<int64_t(int64_t)> fp32_kernel(kernels::Isa isa) {
  switch (kernels::resolve_isa(isa)) {
    case kernels::Isa::avx512:
      return kernels::peak::f32_fma_chains_avx512;
    case kernels::Isa::avx2:
      return kernels::peak::f32_fma_chains_avx2;
    default:
      return kernels::peak::f32_mul_add_chains_scalar;
  }
}

using TriadFn = void (*)(float*, const float*, const float*, float, int64_t);

TriadFn triad_kernel() {
  switch (kernels::best_isa()) {
    case kernels::Isa::avx512:
      return kernels::peak::triad_avx512;
    case kernels::Isa::avx2:
      return kernels::peak::triad_avx2;
    default:
      return kernels::peak::triad_scalar;
  }
}

// One level: every thread owns three arrays of n floats (first touched by that thread, so the
// pages sit near it), runs one untimed pass (page faults, cache warm-up), then `passes` timed
// passes. Each thread stamps its own start and end: with as many busy threads as cores, the
// coordinating thread may not be scheduled until they finish, so its clock cannot be used.
double triad_gb_per_s(int threads, int64_t n, int passes, int repeats) {
  const TriadFn triad = triad_kernel();
  std::barrier sync(threads);
  const size_t slots = static_cast<size_t>(repeats) * static_cast<size_t>(threads);
  std::vector<int64_t> start_ns(slots), end_ns(slots);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      Tensor a({n}), b({n}), c({n});
      std::fill_n(b.data<float>(), n, 1.0f);
      std::fill_n(c.data<float>(), n, 2.0f);
      triad(a.data<float>(), b.data<const float>(), c.data<const float>(), 0.5f, n);
      for (int r = 0; r < repeats; ++r) {
        const size_t slot = static_cast<size_t>(r) * static_cast<size_t>(threads) + t;
        sync.arrive_and_wait();
        start_ns[slot] = Clock::now().time_since_epoch().count();
        for (int p = 0; p < passes; ++p) {
          triad(a.data<float>(), b.data<const float>(), c.data<const float>(), 0.5f, n);
        }
        end_ns[slot] = Clock::now().time_since_epoch().count();
      }
    });
  }
  for (std::thread& t : pool) t.join();
  double gbs = 0;
  for (int r = 0; r < repeats; ++r) {
    const auto first = start_ns.begin() + static_cast<ptrdiff_t>(r) * threads;
    const auto last = end_ns.begin() + static_cast<ptrdiff_t>(r) * threads;
    const int64_t ns =
        *std::max_element(last, last + threads) - *std::min_element(first, first + threads);
    const double bytes = 12.0 * static_cast<double>(n) * passes * threads;
    gbs = std::max(gbs, bytes / (static_cast<double>(ns) / 1e9) / 1e9);
  }
  return gbs;
}

int64_t round_down_64(int64_t n) { return std::max<int64_t>(64, n / 64 * 64); }

}  // namespace

double PeakResult::fp32_gflops(std::string_view want, int t) const {
  for (const ComputePeak& p : fp32) {
    if (p.isa == want && p.threads == t) return p.gops;
  }
  return 0;
}

double PeakResult::bandwidth_gb_per_s(std::string_view level) const {
  for (const BandwidthLevel& b : bandwidth) {
    if (b.level == level) return b.gb_per_s;
  }
  return 0;
}

double measure_fp32_peak(kernels::Isa isa, int threads, double seconds, int repeats) {
  const auto kernel = fp32_kernel(isa);
  const int t = resolve_threads(threads);
  return best_of(repeats, [&] { return run_chains(kernel, t, seconds); });
}

double measure_int8_vnni_peak(int threads, double seconds, int repeats) {
  if (!kernels::peak::vnni_supported()) fail("int8 peak: this CPU has no AVX-512 VNNI");
  const int t = resolve_threads(threads);
  return best_of(repeats,
                 [&] { return run_chains(kernels::peak::u8s8_dot_chains_vnni, t, seconds); });
}

double measure_frequency_ghz(int repeats) {
  constexpr int64_t kAdds = int64_t{1} << 25;  // ~10 ms at 3 GHz
  return best_of(repeats, [] {
    const auto t0 = Clock::now();
    kernels::peak::dependent_adds(kAdds);
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    return static_cast<double>(kAdds) / s / 1e9;
  });
}

std::vector<BandwidthLevel> measure_bandwidth(int threads, int repeats) {
  const int t = resolve_threads(threads);
  const kernels::CacheSizes& c = kernels::cache_sizes();
  // Per-thread floats of each array: half of a private cache for L1 / L2 (room for the stack and
  // the other lines), half of the shared L3 (as the kernels see it) split between threads, and
  // arrays of twice the reported L3 each for DRAM so that nothing survives in any cache between
  // passes.
  struct Level {
    const char* name;
    int64_t floats_per_array;
  };
  const Level levels[] = {
      {"L1", round_down_64(c.l1d / 2 / 12)},
      {"L2", round_down_64(c.l2 / 2 / 12)},
      {"L3", round_down_64(c.l3 / 2 / 12 / t)},
      {"DRAM", round_down_64(c.l3_reported * 2 / 4 / t)},
  };
  std::vector<BandwidthLevel> out;
  for (const Level& l : levels) {
    const int64_t bytes_per_pass = 12 * l.floats_per_array;
    // About 64 MB moved per thread per repeat: long enough to time, short enough to repeat.
    const int passes = static_cast<int>(std::max<int64_t>(1, (int64_t{64} << 20) / bytes_per_pass));
    BandwidthLevel b;
    b.level = l.name;
    b.bytes = bytes_per_pass * t;
    b.gb_per_s = triad_gb_per_s(t, l.floats_per_array, passes, repeats);
    out.push_back(b);
  }
  return out;
}

PeakResult measure_peak(const PeakOptions& o) {
  PeakResult r;
  r.cpu = kernels::cpu_name();
  r.isa = std::string(kernels::isa_name(kernels::best_isa()));
  r.threads = resolve_threads(o.threads);
  r.repeats = std::max(1, o.repeats);
  r.seconds = o.seconds;
  r.caches = kernels::cache_sizes();
  r.frequency_ghz = measure_frequency_ghz(r.repeats);
  std::vector<kernels::Isa> isas;
  if (o.all_isas) {
    for (kernels::Isa i : {kernels::Isa::avx512, kernels::Isa::avx2, kernels::Isa::scalar}) {
      if (kernels::isa_supported(i)) isas.push_back(i);
    }
  } else {
    isas.push_back(kernels::best_isa());
  }
  for (kernels::Isa i : isas) {
    for (int t = 1; t <= r.threads; ++t) {
      r.fp32.push_back(
          {std::string(kernels::isa_name(i)), t, measure_fp32_peak(i, t, o.seconds, r.repeats)});
    }
  }
  if (kernels::peak::vnni_supported()) {
    for (int t = 1; t <= r.threads; ++t) {
      r.int8.push_back({"avx512_vnni", t, measure_int8_vnni_peak(t, o.seconds, r.repeats)});
    }
  } else {
    r.int8_unavailable = "unavailable: this CPU has no AVX-512 VNNI (vpdpbusd)";
  }
  if (o.bandwidth) r.bandwidth = measure_bandwidth(r.threads, r.repeats);
  return r;
}

nlohmann::json peak_json(const PeakResult& r) {
  nlohmann::json j;
  j["cpu"] = r.cpu;
  j["isa"] = r.isa;
  j["threads"] = r.threads;
  j["repeats"] = r.repeats;
  j["seconds_per_repeat"] = r.seconds;
  j["frequency_ghz"] = r.frequency_ghz;
  j["caches"] = {
      {"l1d_bytes", r.caches.l1d}, {"l2_bytes", r.caches.l2}, {"l3_bytes", r.caches.l3_reported}};
  j["fp32"] = nlohmann::json::array();
  for (const ComputePeak& p : r.fp32) {
    j["fp32"].push_back({{"isa", p.isa}, {"threads", p.threads}, {"gflops", p.gops}});
  }
  if (r.int8.empty()) {
    j["int8"] = r.int8_unavailable;
  } else {
    j["int8"] = nlohmann::json::array();
    for (const ComputePeak& p : r.int8) {
      j["int8"].push_back({{"isa", p.isa}, {"threads", p.threads}, {"gops", p.gops}});
    }
  }
  j["bandwidth"] = nlohmann::json::array();
  for (const BandwidthLevel& b : r.bandwidth) {
    j["bandwidth"].push_back({{"level", b.level}, {"bytes", b.bytes}, {"gb_per_s", b.gb_per_s}});
  }
  j["peak_gflops"] = r.fp32_gflops(r.isa, r.threads);
  j["dram_gb_per_s"] = r.bandwidth_gb_per_s("DRAM");
  return j;
}

std::string peak_table(const PeakResult& r) {
  std::string s;
  s += fmt::format("cpu        {}\n", r.cpu);
  s += fmt::format("isa        {} (the kernels' choice on this CPU)\n", r.isa);
  s += fmt::format("clock      {:.2f} GHz (dependent adds, best of {})\n", r.frequency_ghz,
                   r.repeats);
  s += fmt::format("caches     L1d {} KiB, L2 {} KiB, L3 {} KiB", r.caches.l1d / 1024,
                   r.caches.l2 / 1024, r.caches.l3_reported / 1024);
  if (r.caches.l3 != r.caches.l3_reported) {
    s += fmt::format(" (the kernels' rules assume {} KiB)", r.caches.l3 / 1024);
  }
  s += "\n";
  s += fmt::format("\nfp32 FMA peak, GFLOP/s (best of {} x {:.0f} ms)\n", r.repeats,
                   r.seconds * 1e3);
  s += fmt::format("{:<12}{:>8}{:>12}\n", "isa", "threads", "GFLOP/s");
  for (const ComputePeak& p : r.fp32) {
    s += fmt::format("{:<12}{:>8}{:>12.1f}\n", p.isa, p.threads, p.gops);
  }
  if (r.int8.empty()) {
    s += fmt::format("\nint8 peak  {}\n", r.int8_unavailable);
  } else {
    s += "\nint8 peak, GOP/s (2 ops per MAC)\n";
    for (const ComputePeak& p : r.int8) {
      s += fmt::format("{:<12}{:>8}{:>12.1f}\n", p.isa, p.threads, p.gops);
    }
  }
  if (!r.bandwidth.empty()) {
    s += fmt::format("\nmemory bandwidth, STREAM triad on {} thread(s), GB/s\n", r.threads);
    s += fmt::format("{:<8}{:>14}{:>12}\n", "level", "arrays", "GB/s");
    for (const BandwidthLevel& b : r.bandwidth) {
      s += fmt::format("{:<8}{:>10} KiB{:>12.1f}\n", b.level, b.bytes / 1024, b.gb_per_s);
    }
    const double peak = r.fp32_gflops(r.isa, r.threads);
    const double dram = r.bandwidth_gb_per_s("DRAM");
    if (peak > 0 && dram > 0) {
      s += fmt::format("\nroofline ridge ({} x {} threads vs DRAM): {:.1f} FLOP/byte\n", r.isa,
                       r.threads, peak / dram);
    }
  }
  return s;
}

}  // namespace loupe::analysis
