#include "analysis/roofline.hpp"

#include <algorithm>
#include <cmath>

#include "loupe/error.hpp"

namespace loupe::analysis {

namespace {

double ms_at(double bytes, double gb_per_s) {
  return gb_per_s > 0 ? bytes / (gb_per_s * 1e9) * 1e3 : 0;
}

// Which dimension a kernel spreads over the vector lanes: output channels per group for CONV /
// FC (GEMM columns, blocked convolutions), output columns F for depthwise (one filter per plane).
int64_t vector_dim(const ops::LayerShape& l) {
  const int64_t Mg = l.M / l.G, Cg = l.C / l.G;
  return (Mg == 1 && Cg == 1) ? l.F : Mg;
}

}  // namespace

Ceilings ceilings_from(const PeakResult& peak, kernels::Isa isa, int threads) {
  Ceilings c;
  c.isa = std::string(kernels::isa_name(isa));
  c.threads = threads;
  c.simd_lanes = isa == kernels::Isa::avx512 ? 16 : isa == kernels::Isa::avx2 ? 8 : 1;
  c.peak_gflops = peak.fp32_gflops(c.isa, threads);
  if (c.peak_gflops <= 0) fail("no measured {} peak at {} threads", c.isa, threads);
  c.l1_gb_per_s = peak.bandwidth_gb_per_s("L1");
  c.l2_gb_per_s = peak.bandwidth_gb_per_s("L2");
  c.l3_gb_per_s = peak.bandwidth_gb_per_s("L3");
  c.dram_gb_per_s = peak.bandwidth_gb_per_s("DRAM");
  c.caches = peak.caches;
  return c;
}

int64_t step_bytes(const graph::StepInfo& s) {
  return s.input_bytes + s.output_bytes + s.weight_bytes + s.workspace_bytes;
}

int64_t step_flops(const graph::StepInfo& s) { return s.flops > 0 ? s.flops : 2 * s.macs; }

std::string roofline_bound(double ai, const Ceilings& c) {
  return ai >= c.ridge() ? "compute" : "memory";
}

double attainable_gflops(double ai, const Ceilings& c) {
  return std::min(c.peak_gflops, ai * c.dram_gb_per_s);
}

Attribution attribute(const graph::StepInfo& s, double measured_ms, const Ceilings& c,
                      bool weights_in_dram) {
  Attribution a;
  a.measured_ms = measured_ms;
  a.ideal_ms = static_cast<double>(step_flops(s)) / (c.peak_gflops * 1e9) * 1e3;
  const int T = std::max(1, c.threads);
  if (s.layer && s.macs > 0) {
    const ops::LayerShape& l = *s.layer;
    const int64_t d = std::max<int64_t>(1, vector_dim(l));
    const int64_t L = std::max(1, c.simd_lanes);
    a.lane_utilization = static_cast<double>(d) / static_cast<double>((d + L - 1) / L * L);
    // Work units a kernel can hand to threads: output rows of every image, group and vector
    // block of channels.
    const int64_t units = l.N * l.G * ((d + L - 1) / L) * std::max<int64_t>(1, l.E);
    const int64_t rounds = (units + T - 1) / T;
    a.thread_balance = static_cast<double>(units) / static_cast<double>(rounds * T);
  }
  a.simd_ms = a.ideal_ms / a.lane_utilization;
  a.imbalance_ms = a.simd_ms / a.thread_balance;

  a.working_set_bytes = step_bytes(s);
  const int64_t moved = step_bytes(s) + s.workspace_bytes;  // the workspace is written and read
  // Private caches add up over the threads; the L3 is shared.
  double level_bw = c.dram_gb_per_s;
  a.cache_level = "DRAM";
  if (a.working_set_bytes <= c.caches.l1d * T) {
    a.cache_level = "L1";
    level_bw = c.l1_gb_per_s;
  } else if (a.working_set_bytes <= c.caches.l2 * T) {
    a.cache_level = "L2";
    level_bw = c.l2_gb_per_s;
  } else if (a.working_set_bytes <= c.caches.l3) {
    a.cache_level = "L3";
    level_bw = c.l3_gb_per_s;
  }
  a.cache_ms = std::max(a.imbalance_ms, ms_at(static_cast<double>(moved), level_bw));
  // Compulsory DRAM traffic: the weights when the model's weights cannot stay in the LLC between
  // runs, and the activations and workspace when this step's working set exceeds the LLC.
  a.dram_bytes = (weights_in_dram ? s.weight_bytes : 0) +
                 (a.cache_level == "DRAM" ? moved - s.weight_bytes : 0);
  a.bandwidth_ms = std::max(a.cache_ms, ms_at(static_cast<double>(a.dram_bytes), c.dram_gb_per_s));
  return a;
}

}  // namespace loupe::analysis
