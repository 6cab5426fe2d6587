// Strassen (src/kernels/gemm/strassen.hpp) against loupe's plain GEMM in the same binary, square
// 1024-4096, 1 and 2 threads. REFERENCE.md §2: Strassen saves 1/8 of the multiplies per level
// but adds 18 quarter-size matrix additions (memory-bound), so it pays off only on large
// matrices, and less the faster the GEMM is. GFLOP/s are "effective": 2 n^3 / time for every
// variant, so a Strassen speed-up shows as a higher figure. Strassen's temporaries are allocated
// inside each call (as a user of strassen_gemm would see it).
//
//   build/h-fft/bench/bench_strassen [--benchmark_filter=n2048] [--benchmark_repetitions=3]
#include <benchmark/benchmark.h>

#include <fmt/format.h>

#include <string>
#include <vector>

#include "interleave.hpp"
#include "kernels/gemm/gemm.hpp"
#include "kernels/gemm/strassen.hpp"
#include "loupe/random.hpp"

namespace {

using namespace loupe;
using namespace loupe::kernels;

struct Operands {
  std::vector<float> a, b, c;
  explicit Operands(int64_t n) : a(n * n), b(n * n), c(n * n) {
    Rng rng(7);
    for (float& v : a) v = static_cast<float>(rng.uniform(-1, 1));
    for (float& v : b) v = static_cast<float>(rng.uniform(-1, 1));
  }
};

void set_flops(benchmark::State& state, int64_t n) {
  state.counters["GFLOPS"] =
      benchmark::Counter(2.0 * n * n * n * state.iterations() * 1e-9, benchmark::Counter::kIsRate);
}

void bench_gemm(benchmark::State& state, int64_t n, int threads) {
  Operands o(n);
  GemmDesc d;
  d.M = d.N = d.K = n;
  d.threads = threads;
  const GemmPlan plan = plan_gemm(d);
  for (auto _ : state) {
    plan.run(o.a.data(), o.b.data(), o.c.data());
    benchmark::DoNotOptimize(o.c.data());
  }
  set_flops(state, n);
}

void bench_strassen(benchmark::State& state, int64_t n, int threads, int levels) {
  Operands o(n);
  StrassenDesc d;
  d.M = d.N = d.K = n;
  d.threads = threads;
  d.levels = levels;
  d.cutoff = 256;
  for (auto _ : state) {
    strassen_gemm(d, o.a.data(), o.b.data(), o.c.data());
    benchmark::DoNotOptimize(o.c.data());
  }
  set_flops(state, n);
}

}  // namespace

int main(int argc, char** argv) {
  for (int64_t n : {1024, 2048, 3072, 4096}) {
    for (int t : {1, 2}) {
      const std::string tag = fmt::format("n{}/t{}", n, t);
      benchmark::RegisterBenchmark(("gemm/" + tag).c_str(), bench_gemm, n, t)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
      for (int levels : {1, 2}) {
        benchmark::RegisterBenchmark(("strassen_l" + std::to_string(levels) + "/" + tag).c_str(),
                                     bench_strassen, n, t, levels)
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
      }
    }
  }
  initialize_interleaved(argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
