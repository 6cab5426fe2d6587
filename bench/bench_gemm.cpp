// SGEMM side by side: loupe (src/kernels/gemm), oneDNN's dnnl_sgemm and OpenBLAS's cblas_sgemm in
// one binary, on the shapes of REFERENCE.md / shared/peers/gemm_peers.cpp (square 256..2048 and
// ResNet-50's im2col products), at 1 and 2 threads. Row-major C = A * B, beta = 0.
//
// After Google Benchmark's own output, a summary table gives per shape and thread count the
// median GFLOP/s of each library, loupe's % of the FMA peak measured in this binary (before and
// after the runs; the larger is used), and the ratios loupe / oneDNN and loupe / OpenBLAS of
// medians taken in the same run. The machine is shared and noisy: read the ratios, and prefer
// --benchmark_enable_random_interleaving=true, which interleaves the repetitions of all
// benchmarks so that a burst of load hits every library alike.
//
//   build/h-gemm/bench/bench_gemm [--benchmark_filter=sq1024] [--benchmark_repetitions=N]
#include <benchmark/benchmark.h>
#include <cblas.h>
#include <dnnl.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <new>
#include <string>
#include <vector>

#include "fma_peak.hpp"
#include "interleave.hpp"
#include "kernels/aligned.hpp"
#include "kernels/gemm/gemm.hpp"
#include "kernels/isa.hpp"
#include "loupe/random.hpp"

namespace {

struct Shape {
  int64_t M, N, K;
  const char* name;
};

// The anchors of gemm_peers.cpp: (M, N, K) with M = filters, N = E*F, K = C*R*S for the convs.
const Shape kShapes[] = {{256, 256, 256, "sq256"},
                         {512, 512, 512, "sq512"},
                         {1024, 1024, 1024, "sq1024"},
                         {2048, 2048, 2048, "sq2048"},
                         {64, 3136, 576, "r50_s1_3x3"},
                         {128, 784, 1152, "r50_s2_3x3"},
                         {256, 196, 2304, "r50_s3_3x3"},
                         {512, 49, 4608, "r50_s4_3x3"},
                         {256, 3136, 64, "r50_s1_1x1_expand"},
                         {64, 3136, 256, "r50_s1_1x1_reduce"},
                         {1024, 196, 256, "r50_s3_1x1_expand"},
                         {2048, 49, 512, "r50_s4_1x1_expand"},
                         {64, 12544, 147, "r50_conv1_7x7"},
                         {64, 12321, 27, "sq_conv1_3x3"}};

const char* const kLibs[] = {"loupe", "onednn", "openblas"};

// n floats starting `offset` floats past a 64-byte boundary (in 64-byte-aligned storage,
// kernels::AlignedFloats). Where an operand starts decides whether a library that reads it in
// place splits its vector loads across cache lines: oneDNN's sgemm ran 3-7% faster on 64-byte
// aligned operands than 16 bytes off, loupe (packed copies) the same, and a std::vector's data
// lands wherever malloc puts it. 64-byte aligned by default (as tensors are);
// LOUPE_BENCH_OFFSET=4 puts every operand 16 bytes off a line.
size_t operand_offset() {
  const char* v = std::getenv("LOUPE_BENCH_OFFSET");
  return v != nullptr ? static_cast<size_t>(std::atoll(v)) % 16 : 0;
}

class Floats {
 public:
  explicit Floats(int64_t n) : offset_(operand_offset()) {
    try {
      mem_.resize(static_cast<size_t>(n) + offset_);
    } catch (const std::bad_alloc&) {
      std::fprintf(stderr, "bench_gemm: cannot allocate %zu floats\n",
                   static_cast<size_t>(n) + offset_);
      std::exit(1);
    }
  }
  float* data() { return mem_.data() + offset_; }
  float* begin() { return data(); }
  float* end() { return mem_.data() + mem_.size(); }

 private:
  size_t offset_;
  loupe::kernels::AlignedFloats mem_;  // zero-filled
};

struct Operands {
  Floats a, b, c;
  explicit Operands(const Shape& s) : a(s.M * s.K), b(s.K * s.N), c(s.M * s.N) {
    loupe::Rng rng(1);
    for (float& x : a) x = static_cast<float>(rng.uniform(-1, 1));
    for (float& x : b) x = static_cast<float>(rng.uniform(-1, 1));
  }
};

void set_flops(benchmark::State& state, const Shape& s) {
  state.counters["GFLOPS"] = benchmark::Counter(
      2.0 * static_cast<double>(s.M * s.N * s.K) * static_cast<double>(state.iterations()) / 1e9,
      benchmark::Counter::kIsRate);
}

void bench_loupe(benchmark::State& state, Shape s, int threads) {
  Operands o(s);
  loupe::kernels::GemmDesc d;
  d.M = s.M;
  d.N = s.N;
  d.K = s.K;
  d.threads = threads;
  // Block-size experiments without rebuilding: LOUPE_GEMM_MC / _NC / _KC.
  if (const char* v = std::getenv("LOUPE_GEMM_MC")) d.mc = std::atoll(v);
  if (const char* v = std::getenv("LOUPE_GEMM_NC")) d.nc = std::atoll(v);
  if (const char* v = std::getenv("LOUPE_GEMM_KC")) d.kc = std::atoll(v);
  const loupe::kernels::GemmPlan plan = loupe::kernels::plan_gemm(d);
  state.SetLabel(std::string(plan.kernel_name()));
  for (auto _ : state) {
    plan.run(o.a.data(), o.b.data(), o.c.data());
    benchmark::DoNotOptimize(o.c.data());
    benchmark::ClobberMemory();
  }
  set_flops(state, s);
}

void bench_onednn(benchmark::State& state, Shape s, int threads) {
  Operands o(s);
  omp_set_num_threads(threads);  // Debian's oneDNN uses the OpenMP runtime
  for (auto _ : state) {
    dnnl_sgemm('N', 'N', s.M, s.N, s.K, 1.0f, o.a.data(), s.K, o.b.data(), s.N, 0.0f, o.c.data(),
               s.N);
    benchmark::DoNotOptimize(o.c.data());
    benchmark::ClobberMemory();
  }
  set_flops(state, s);
}

void bench_openblas(benchmark::State& state, Shape s, int threads) {
  Operands o(s);
  openblas_set_num_threads(threads);
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(s.M),
                static_cast<int>(s.N), static_cast<int>(s.K), 1.0f, o.a.data(),
                static_cast<int>(s.K), o.b.data(), static_cast<int>(s.N), 0.0f, o.c.data(),
                static_cast<int>(s.N));
    benchmark::DoNotOptimize(o.c.data());
    benchmark::ClobberMemory();
  }
  set_flops(state, s);
}

// Collects the median GFLOP/s of each run for the summary table.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      const std::string name = r.run_name.function_name;
      if (r.run_type == Run::RT_Aggregate && r.aggregate_name != "median") continue;
      auto it = r.counters.find("GFLOPS");
      if (it == r.counters.end()) continue;
      // An aggregate (median) overrides the single-run value of the same name.
      if (r.run_type == Run::RT_Aggregate || !medians.count(name)) medians[name] = it->second;
    }
  }
  std::map<std::string, double> medians;
};

std::string bench_name(const char* lib, const Shape& s, int threads) {
  return std::string("gemm/") + s.name + "/threads:" + std::to_string(threads) + "/" + lib;
}

double median_peak(int threads) {
  std::vector<double> v;
  for (int i = 0; i < 5; ++i) v.push_back(measure_fma_peak_gflops(threads, 0.1));
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  // OpenBLAS's idle threads spin for 2^28 cycles (~0.1 s) after each call by default and would
  // steal the second core from whichever benchmark runs next. The variable is read when the
  // library loads, before main, so set it and start again.
  if (std::getenv("OPENBLAS_THREAD_TIMEOUT") == nullptr) {
    setenv("OPENBLAS_THREAD_TIMEOUT", "4", 1);
    execv("/proc/self/exe", argv);
  }
  const int max_threads =
      std::min(2, static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN))));
  std::vector<int> thread_counts{1};
  if (max_threads >= 2) thread_counts.push_back(2);

  bool repetitions_given = false;
  for (int i = 1; i < argc; ++i) {
    repetitions_given |= std::string(argv[i]).starts_with("--benchmark_repetitions");
  }
  std::map<int, double> peak;
  for (int t : thread_counts) peak[t] = median_peak(t);

  for (const Shape& s : kShapes) {
    for (int t : thread_counts) {
      for (auto* b :
           {benchmark::RegisterBenchmark(bench_name("loupe", s, t).c_str(), bench_loupe, s, t),
            benchmark::RegisterBenchmark(bench_name("onednn", s, t).c_str(), bench_onednn, s, t),
            benchmark::RegisterBenchmark(bench_name("openblas", s, t).c_str(), bench_openblas, s,
                                         t)}) {
        b->UseRealTime()->MinTime(0.1);
        if (!repetitions_given) b->Repetitions(5)->ReportAggregatesOnly(true);
      }
    }
  }
  initialize_interleaved(argc, argv);
  SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);

  for (int t : thread_counts) peak[t] = std::max(peak[t], median_peak(t));
  std::printf("\nFMA peak measured here (%s chains): ", fma_peak_isa());
  for (int t : thread_counts)
    std::printf("%d thread%s %.1f GFLOP/s  ", t, t > 1 ? "s" : "", peak[t]);
  std::printf("\n\n%-20s %3s %9s %7s %9s %9s %8s %8s\n", "shape (M,N,K)", "thr", "loupe", "%peak",
              "onednn", "openblas", "lp/dnnl", "lp/oblas");
  for (const Shape& s : kShapes) {
    for (int t : thread_counts) {
      auto get = [&](const char* lib) {
        auto it = reporter.medians.find(bench_name(lib, s, t));
        return it == reporter.medians.end() ? 0.0 : it->second;
      };
      const double lp = get("loupe"), dn = get("onednn"), ob = get("openblas");
      if (lp == 0.0 && dn == 0.0 && ob == 0.0) continue;
      std::printf("%-20s %3d %9.1f %6.0f%% %9.1f %9.1f %8.2f %8.2f\n", s.name, t, lp,
                  peak[t] > 0 ? 100.0 * lp / peak[t] : 0.0, dn, ob, dn > 0 ? lp / dn : 0.0,
                  ob > 0 ? lp / ob : 0.0);
    }
  }
  benchmark::Shutdown();
  return 0;
}
