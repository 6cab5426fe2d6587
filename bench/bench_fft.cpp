// FFT convolution ("fft") against im2col + GEMM ("im2col_gemm") on stride-1 layers with large
// filters (11x11, 7x7, 5x5) and, for contrast, a 3x3 one, 1 and 2 threads, batch 1 (and one
// layer at batch 8, where each weight spectrum is reused over the batch).
// REFERENCE.md §2: FFT convolution pays off for large filters, and the FFT size follows the
// feature map, not the filter: its cost is O(N C + N M) transforms of P x Q plus M C P Q / 2
// complex products, independent of R x S, while im2col + GEMM costs M C R S E F MACs.
// GFLOP/s are effective (2 x the layer's MACs / time) for both, so they compare directly.
// Weights are transformed / packed once, outside the timed loop (create()).
//
//   build/h-fft/bench/bench_fft [--benchmark_filter=7x7] [--benchmark_repetitions=3]
#include <benchmark/benchmark.h>

#include <fmt/format.h>

#include <string>
#include <vector>

#include "interleave.hpp"
#include "kernels/conv/conv.hpp"
#include "loupe/random.hpp"

namespace {

using namespace loupe;
using namespace loupe::kernels;

struct Layer {
  const char* name;
  int64_t C, M, HW, R, pad;
  int64_t N = 1;
};

// Stride-1 layers with large filters: GoogLeNet's inception 3a 5x5 branch, AlexNet conv2
// (5x5, without its two groups), 7x7 and 11x11 layers at 56x56 / 32x32 / 64x64 (11x11 over RGB
// as AlexNet's conv1 but at stride 1), and a ResNet-50 3x3 for contrast.
const Layer kLayers[] = {
    {"googlenet_3a_5x5", 16, 32, 28, 5, 2},    {"alexnet_conv2_5x5", 96, 256, 27, 5, 2},
    {"7x7_c64_56", 64, 64, 56, 7, 3},          {"7x7_c32_112", 32, 32, 112, 7, 3},
    {"11x11_c64_32", 64, 64, 32, 11, 5},       {"11x11_rgb_64", 3, 64, 64, 11, 5},
    {"resnet50_3x3_c64_56", 64, 64, 56, 3, 1}, {"5x5_c64_28_batch8", 64, 64, 28, 5, 2, 8}};

conv::ConvDesc desc_of(const Layer& l, int threads) {
  conv::ConvDesc d;
  ops::LayerShape& s = d.shape;
  s.N = l.N;
  s.C = l.C;
  s.M = l.M;
  s.H = s.W = l.HW;
  s.R = s.S = l.R;
  s.pad_top = s.pad_left = s.pad_bottom = s.pad_right = l.pad;
  s.E = s.F = l.HW + 2 * l.pad - l.R + 1;
  d.has_bias = true;
  d.threads = threads;
  return d;
}

void bench_layer(benchmark::State& state, const Layer& l, int threads, const char* algo) {
  const conv::ConvDesc d = desc_of(l, threads);
  const ops::LayerShape& s = d.shape;
  Rng rng(9);
  std::vector<float> x(s.N * s.C * s.H * s.W), w(s.M * s.C * s.R * s.S), b(s.M);
  for (float& v : x) v = static_cast<float>(rng.uniform(-1, 1));
  for (float& v : w) v = static_cast<float>(rng.uniform(-1, 1));
  const conv::ConvAlgorithm* a = conv::find_algorithm(algo);
  if (a == nullptr || !a->supports(d)) {
    state.SkipWithError("algorithm does not support the layer");
    return;
  }
  const auto prim = a->create(d, w.data(), b.data());
  std::vector<float> ws(prim->workspace_floats() + 16), y(s.N * s.M * s.E * s.F);
  for (auto _ : state) {
    prim->run(x.data(), y.data(), nullptr, ws.data());
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["GFLOPS"] =
      benchmark::Counter(2.0 * s.macs() * state.iterations() * 1e-9, benchmark::Counter::kIsRate);
}

}  // namespace

int main(int argc, char** argv) {
  for (const Layer& l : kLayers) {
    for (int t : {1, 2}) {
      for (const char* algo : {"fft", "im2col_gemm"}) {
        const std::string name = std::string(algo) + "/" + l.name + "/t" + std::to_string(t);
        benchmark::RegisterBenchmark(name.c_str(), bench_layer, l, t, algo)
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
