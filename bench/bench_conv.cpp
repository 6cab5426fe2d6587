// Convolution side by side: every loupe conv algorithm (src/kernels/conv) that supports a layer,
// and oneDNN's convolution (its own choice of implementation and of blocked layouts, reorders
// done once outside the timed loop: oneDNN's best case) in one binary, on the 3x3 layers of
// ResNet-50 and VGG-16 and a few 1x1 layers and every depthwise layer of MobileNet v1 and v2, batch
// 1, at 1 and 2 threads.
//
// After Google Benchmark's output, a summary gives per layer and thread count the median GFLOP/s
// (2 * MACs of the direct nest / time, also for Winograd, so that speedups read directly), the %
// of the FMA peak measured in this binary, the best direct/GEMM path, the Winograd F(4x4,3x3)
// speedup over it, and loupe's best / oneDNN. The machine is shared and noisy: prefer
// --benchmark_enable_random_interleaving=true.
//
// --weight_copies=N times each call on the next of N copies of the layer's weights (N loupe
// primitives, N reordered weight buffers for oneDNN). In a model a layer's weights were last read
// one inference ago and come from DRAM; with the default of 1 they stay in the caches. 30 copies
// of ResNet-50's 512-channel layers (9.4 MB each) outgrow any L3 a core of this VM can use.
//
//   build/release/bench/bench_conv [--benchmark_filter=r50] [--benchmark_repetitions=N]
//                                  [--weight_copies=N]
#include <benchmark/benchmark.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dnnl.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fma_peak.hpp"
#include "interleave.hpp"
#include "kernels/conv/conv.hpp"
#include "kernels/isa.hpp"
#include "loupe/random.hpp"

namespace {

namespace conv = loupe::kernels::conv;

struct Layer {
  const char* name;
  int64_t C, M, HW, R, U, pad, G;
};

const Layer kLayers[] = {
    {"r50_3x3_s1", 64, 64, 56, 3, 1, 1, 1},
    {"r50_3x3_s2", 128, 128, 28, 3, 1, 1, 1},
    {"r50_3x3_s3", 256, 256, 14, 3, 1, 1, 1},
    {"r50_3x3_s4", 512, 512, 7, 3, 1, 1, 1},
    // The first 3x3 of stages 2-4, stride 2 (HW is the input's size).
    {"r50_3x3_s2_down", 128, 128, 56, 3, 2, 1, 1},
    {"r50_3x3_s3_down", 256, 256, 28, 3, 2, 1, 1},
    {"r50_3x3_s4_down", 512, 512, 14, 3, 2, 1, 1},
    {"vgg_conv1_2", 64, 64, 224, 3, 1, 1, 1},
    {"vgg_conv2_2", 128, 128, 112, 3, 1, 1, 1},
    {"vgg_conv3_2", 256, 256, 56, 3, 1, 1, 1},
    {"vgg_conv4_2", 512, 512, 28, 3, 1, 1, 1},
    {"vgg_conv5_2", 512, 512, 14, 3, 1, 1, 1},
    // First layers (C = 3): ResNet-50 / GoogLeNet, AlexNet (torchvision), MobileNet v2.
    {"r50_conv1_7x7_s2", 3, 64, 224, 7, 2, 3, 1},
    {"alexnet_conv1_11x11_s4", 3, 64, 224, 11, 4, 2, 1},
    {"mbv2_conv1_3x3_s2", 3, 32, 224, 3, 2, 1, 1},
    // SqueezeNet 1.1: its first layer and the 3x3 expand of fire modules 2, 4 and 6 / 8.
    {"sq_conv1_3x3_s2", 3, 64, 224, 3, 2, 0, 1},
    {"sq_fire2_e3", 16, 64, 55, 3, 1, 1, 1},
    {"sq_fire4_e3", 32, 128, 27, 3, 1, 1, 1},
    {"sq_fire6_e3", 48, 192, 13, 3, 1, 1, 1},
    // GoogLeNet's (torchvision) "5x5" branches, 3x3 kernels: inception 3a-5b.
    {"gn_3a_5x5", 16, 32, 28, 3, 1, 1, 1},
    {"gn_3b_5x5", 32, 96, 28, 3, 1, 1, 1},
    {"gn_4b_5x5", 24, 64, 14, 3, 1, 1, 1},
    {"gn_4e_5x5", 32, 128, 14, 3, 1, 1, 1},
    {"gn_5a_5x5", 32, 128, 7, 3, 1, 1, 1},
    {"gn_5b_5x5", 48, 128, 7, 3, 1, 1, 1},
    // GoogLeNet's conv3 and inception 3a's 3x3 branch.
    {"gn_conv3", 64, 192, 56, 3, 1, 1, 1},
    {"gn_3a_3x3", 96, 128, 28, 3, 1, 1, 1},
    {"r50_1x1_expand", 64, 256, 56, 1, 1, 0, 1},
    {"r50_1x1_l1_reduce", 256, 64, 56, 1, 1, 0, 1},
    {"r50_1x1_reduce", 1024, 256, 14, 1, 1, 0, 1},
    {"r50_1x1_s2", 512, 1024, 28, 1, 2, 0, 1},
    {"r50_1x1_7x7", 2048, 512, 7, 1, 1, 0, 1},
    // Every depthwise layer shape of MobileNet v1 and v2 (224 x 224 input); HW is the input size.
    {"mbv1_dw_112", 32, 32, 112, 3, 1, 1, 32},
    {"mbv1_dw_112_s2", 64, 64, 112, 3, 2, 1, 64},
    {"mbv1_dw_56", 128, 128, 56, 3, 1, 1, 128},
    {"mbv1_dw_56_s2", 128, 128, 56, 3, 2, 1, 128},
    {"mbv1_dw_28", 256, 256, 28, 3, 1, 1, 256},
    {"mbv1_dw_28_s2", 256, 256, 28, 3, 2, 1, 256},
    {"mbv1_dw_14", 512, 512, 14, 3, 1, 1, 512},
    {"mbv1_dw_14_s2", 512, 512, 14, 3, 2, 1, 512},
    {"mbv1_dw_7", 1024, 1024, 7, 3, 1, 1, 1024},
    {"mbv2_dw_112_s2", 96, 96, 112, 3, 2, 1, 96},
    {"mbv2_dw_56", 144, 144, 56, 3, 1, 1, 144},
    {"mbv2_dw_56_s2", 144, 144, 56, 3, 2, 1, 144},
    {"mbv2_dw_28", 192, 192, 28, 3, 1, 1, 192},
    {"mbv2_dw_28_s2", 192, 192, 28, 3, 2, 1, 192},
    {"mbv2_dw_14", 384, 384, 14, 3, 1, 1, 384},
    {"mbv2_dw_14_576", 576, 576, 14, 3, 1, 1, 576},
    {"mbv2_dw_14_s2", 576, 576, 14, 3, 2, 1, 576},
    {"mbv2_dw_7", 960, 960, 7, 3, 1, 1, 960},
};

// Copies of each layer's weights the timed calls rotate through (--weight_copies).
int weight_copies = 1;

// MobileNet's depthwise layers end in ReLU6 (the graph fuses it), the others in ReLU.
bool relu6(const Layer& l) { return l.G > 1; }

conv::ConvDesc desc_of(const Layer& l, int threads) {
  conv::ConvDesc d;
  loupe::ops::LayerShape& s = d.shape;
  s.C = l.C;
  s.M = l.M;
  s.H = s.W = l.HW;
  s.R = s.S = l.R;
  s.U = s.U_w = l.U;
  s.G = l.G;
  s.pad_top = s.pad_left = s.pad_bottom = s.pad_right = l.pad;
  s.E = s.F = (l.HW + 2 * l.pad - l.R) / l.U + 1;
  d.has_bias = true;
  d.activation =
      relu6(l) ? loupe::kernels::GemmEpilogue::relu6() : loupe::kernels::GemmEpilogue::relu();
  d.threads = threads;
  return d;
}

double flops(const Layer& l) {
  const conv::ConvDesc d = desc_of(l, 1);
  return 2.0 * static_cast<double>(d.shape.macs());
}

std::vector<float> random_floats(size_t n) {
  std::vector<float> v(n);
  loupe::Rng rng(7);
  for (float& x : v) x = static_cast<float>(rng.uniform(-1, 1));
  return v;
}

void set_flops(benchmark::State& state, const Layer& l) {
  state.counters["GFLOPS"] = benchmark::Counter(
      flops(l) * static_cast<double>(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
}

struct FreeDeleter {
  void operator()(float* p) const { std::free(p); }
};
std::unique_ptr<float, FreeDeleter> aligned_floats(int64_t n) {
  const size_t bytes = (static_cast<size_t>(std::max<int64_t>(n, 1)) * 4 + 63) / 64 * 64;
  return std::unique_ptr<float, FreeDeleter>(static_cast<float*>(std::aligned_alloc(64, bytes)));
}

void bench_loupe(benchmark::State& state, Layer l, int threads, const conv::ConvAlgorithm* algo) {
  const conv::ConvDesc d = desc_of(l, threads);
  const auto& s = d.shape;
  const auto x = random_floats(static_cast<size_t>(s.C * s.H * s.W));
  const auto w = random_floats(static_cast<size_t>(s.M * s.C / s.G * s.R * s.S));
  const auto b = random_floats(static_cast<size_t>(s.M));
  std::vector<float> y(static_cast<size_t>(s.M * s.E * s.F));
  std::vector<std::unique_ptr<conv::ConvPrimitive>> prims;
  for (int i = 0; i < weight_copies; ++i) prims.push_back(algo->create(d, w.data(), b.data()));
  auto ws = aligned_floats(prims[0]->workspace_floats());
  size_t next = 0;
  for (auto _ : state) {
    prims[next++ % prims.size()]->run(x.data(), y.data(), nullptr, ws.get());
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  set_flops(state, l);
}

void bench_onednn(benchmark::State& state, Layer l, int threads) {
  using namespace dnnl;
  using tag = memory::format_tag;
  using dt = memory::data_type;
  omp_set_num_threads(threads);  // Debian's oneDNN uses the OpenMP runtime
  const conv::ConvDesc d = desc_of(l, threads);
  const auto& s = d.shape;
  engine eng(engine::kind::cpu, 0);
  stream strm(eng);
  const memory::dims src_dims{1, s.C, s.H, s.W}, dst_dims{1, s.M, s.E, s.F}, bias_dims{s.M};
  const memory::dims w_dims = s.G == 1 ? memory::dims{s.M, s.C, s.R, s.S}
                                       : memory::dims{s.G, s.M / s.G, s.C / s.G, s.R, s.S};
  const memory::desc src_any(src_dims, dt::f32, tag::any), dst_any(dst_dims, dt::f32, tag::any),
      w_any(w_dims, dt::f32, tag::any), bias_md(bias_dims, dt::f32, tag::x);
  convolution_forward::desc cd(prop_kind::forward_inference, algorithm::convolution_direct, src_any,
                               w_any, bias_md, dst_any, {s.U, s.U_w}, {0, 0},
                               {s.pad_top, s.pad_left}, {s.pad_bottom, s.pad_right});
  post_ops po;
  if (relu6(l)) {
    po.append_eltwise(1.0f, algorithm::eltwise_clip, 0.0f, 6.0f);
  } else {
    po.append_eltwise(1.0f, algorithm::eltwise_relu, 0.0f, 0.0f);
  }
  primitive_attr attr;
  attr.set_post_ops(po);
  convolution_forward::primitive_desc pd(cd, attr, eng);
  const auto x = random_floats(static_cast<size_t>(s.C * s.H * s.W));
  const auto w = random_floats(static_cast<size_t>(s.M * s.C / s.G * s.R * s.S));
  auto b = random_floats(static_cast<size_t>(s.M));
  memory x_plain({src_dims, dt::f32, tag::nchw}, eng, const_cast<float*>(x.data()));
  memory w_plain({w_dims, dt::f32, s.G == 1 ? tag::oihw : tag::goihw}, eng,
                 const_cast<float*>(w.data()));
  memory x_mem(pd.src_desc(), eng), y_mem(pd.dst_desc(), eng);
  memory b_mem(bias_md, eng, b.data());
  reorder(x_plain, x_mem).execute(strm, x_plain, x_mem);
  std::vector<memory> w_mems;
  for (int i = 0; i < weight_copies; ++i) {
    w_mems.emplace_back(pd.weights_desc(), eng);
    reorder(w_plain, w_mems.back()).execute(strm, w_plain, w_mems.back());
  }
  strm.wait();
  convolution_forward prim(pd);
  state.SetLabel(pd.impl_info_str());
  size_t next = 0;
  for (auto _ : state) {
    prim.execute(strm, {{DNNL_ARG_SRC, x_mem},
                        {DNNL_ARG_WEIGHTS, w_mems[next++ % w_mems.size()]},
                        {DNNL_ARG_BIAS, b_mem},
                        {DNNL_ARG_DST, y_mem}});
    strm.wait();
  }
  set_flops(state, l);
}

class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      const std::string name = r.run_name.function_name;
      if (r.run_type == Run::RT_Aggregate && r.aggregate_name != "median") continue;
      auto it = r.counters.find("GFLOPS");
      if (it == r.counters.end()) continue;
      if (r.run_type == Run::RT_Aggregate || !medians.count(name)) medians[name] = it->second;
    }
  }
  std::map<std::string, double> medians;
};

std::string bench_name(const Layer& l, int threads, std::string_view lib) {
  return std::string("conv/") + l.name + "/threads:" + std::to_string(threads) + "/" +
         std::string(lib);
}

double median_peak(int threads) {
  std::vector<double> v;
  for (int i = 0; i < 5; ++i) v.push_back(measure_fma_peak_gflops(threads, 0.1));
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int max_threads =
      std::min(2, static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN))));
  std::vector<int> thread_counts{1};
  if (max_threads >= 2) thread_counts.push_back(2);
  bool repetitions_given = false;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.starts_with("--weight_copies=")) {
      weight_copies = std::atoi(arg.c_str() + std::strlen("--weight_copies="));
      if (weight_copies < 1) {
        std::fprintf(stderr, "bench_conv: --weight_copies needs a count of at least 1: %s\n",
                     argv[i]);
        return 1;
      }
      continue;
    }
    repetitions_given |= arg.starts_with("--benchmark_repetitions");
    argv[kept++] = argv[i];
  }
  argc = kept;
  std::map<int, double> peak;
  for (int t : thread_counts) peak[t] = median_peak(t);

  for (const Layer& l : kLayers) {
    for (int t : thread_counts) {
      std::vector<benchmark::internal::Benchmark*> bs;
      for (const conv::ConvAlgorithm* a : conv::algorithms()) {
        if (!a->supports(desc_of(l, t))) continue;
        bs.push_back(benchmark::RegisterBenchmark(bench_name(l, t, a->name()).c_str(), bench_loupe,
                                                  l, t, a));
      }
      bs.push_back(
          benchmark::RegisterBenchmark(bench_name(l, t, "onednn").c_str(), bench_onednn, l, t));
      for (auto* b : bs) {
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
  for (int t : thread_counts) std::printf("%d thread(s) %.1f GFLOP/s  ", t, peak[t]);
  std::printf("\nGFLOP/s = 2 * direct MACs / time (Winograd included); median of repetitions\n");
  std::printf("weights: %s\n", weight_copies > 1
                                   ? (std::to_string(weight_copies) + " copies in rotation").c_str()
                                   : "one copy (hot)");
  std::printf("\n%-16s %3s %-15s %7s %6s %-14s %7s %7s %7s %7s\n", "layer", "thr", "best direct",
              "GFLOP/s", "%peak", "best loupe", "GFLOP/s", "wino4/d", "onednn", "lp/dnnl");
  for (const Layer& l : kLayers) {
    for (int t : thread_counts) {
      auto get = [&](std::string_view lib) {
        auto it = reporter.medians.find(bench_name(l, t, lib));
        return it == reporter.medians.end() ? 0.0 : it->second;
      };
      std::string best_direct = "-", best = "-";
      double bd = 0.0, bl = 0.0;
      for (const conv::ConvAlgorithm* a : conv::algorithms()) {
        const double v = get(a->name());
        const bool direct = !a->name().starts_with("winograd");
        if (direct && v > bd) bd = v, best_direct = std::string(a->name());
        if (v > bl) bl = v, best = std::string(a->name());
      }
      const double dn = get("onednn"), w4 = get("winograd_f4x3");
      if (bl == 0.0 && dn == 0.0) continue;
      std::printf("%-16s %3d %-15s %7.1f %5.0f%% %-14s %7.1f %7.2f %7.1f %7.2f\n", l.name, t,
                  best_direct.c_str(), bd, peak[t] > 0 ? 100.0 * bd / peak[t] : 0.0, best.c_str(),
                  bl, bd > 0 && w4 > 0 ? w4 / bd : 0.0, dn, dn > 0 ? bl / dn : 0.0);
    }
  }
  benchmark::Shutdown();
  return 0;
}
