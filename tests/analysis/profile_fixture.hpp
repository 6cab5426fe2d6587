#pragma once
// A synthetic profile (two steps, hand-checked numbers) shared by the profile, schema and HTML
// report tests: no Session, no timing, fully deterministic.
#include "analysis/profile.hpp"

namespace loupe::testing {

inline analysis::Ceilings fixture_ceilings() {
  analysis::Ceilings c;
  c.isa = "avx512";
  c.threads = 2;
  c.simd_lanes = 16;
  c.peak_gflops = 200;
  c.l1_gb_per_s = 400;
  c.l2_gb_per_s = 200;
  c.l3_gb_per_s = 100;
  c.dram_gb_per_s = 20;
  c.caches.l1d = 32 * 1024;
  c.caches.l2 = 1024 * 1024;
  c.caches.l3 = 32 * 1024 * 1024;
  return c;
}

// Step 0: CONV N=1 C=64 M=40 E=F=5 R=S=3 (7x7 input, no padding): 576,000 MACs.
// Step 1: a MaxPool reading 400,000 bytes and writing 100,000 (1,000 FLOPs).
inline std::vector<graph::StepInfo> fixture_steps() {
  graph::StepInfo conv;
  conv.name = "conv1";
  conv.op = "Conv+Relu";
  conv.algorithm = "im2col_gemm";
  conv.nodes = {0, 1};
  ops::LayerShape l;
  l.N = 1;
  l.C = 64;
  l.M = 40;
  l.H = l.W = 7;
  l.E = l.F = 5;
  l.R = l.S = 3;
  conv.layer = l;
  conv.macs = 576000;
  conv.flops = 2 * 576000;
  conv.input_bytes = 64 * 7 * 7 * 4;
  conv.output_bytes = 40 * 25 * 4;
  conv.weight_bytes = 40 * 64 * 9 * 4;
  graph::StepInfo pool;
  pool.name = "pool1";
  pool.op = "MaxPool";
  pool.algorithm = "reference";
  pool.nodes = {2};
  pool.flops = 1000;
  pool.input_bytes = 400000;
  pool.output_bytes = 100000;
  return {conv, pool};
}

inline analysis::ProfileResult fixture_profile() {
  analysis::ProfileResult r;
  r.model = "fixture";
  r.cpu = "test CPU";
  r.isa = "avx512";
  r.threads = 2;
  r.batch = 1;
  r.warmup = 1;
  r.runs = 3;
  r.ceilings = fixture_ceilings();
  const std::vector<std::vector<graph::StepTiming>> timings = {
      {{1.0}, {0.5}}, {{3.0}, {0.7}}, {{2.0}, {0.6}}};
  r.steps = analysis::analyze(fixture_steps(), timings, r.ceilings, r.costs,
                              {"conv1", "relu1", "pool1"}, {{"conv1", 300000}});
  r.latency_ms = 2.7;
  r.throughput_per_s = 1e3 / 2.7;
  r.peak_activation_bytes = 123456;
  r.rapl = "unavailable: test";
  analysis::total_up(r);
  return r;
}

}  // namespace loupe::testing
