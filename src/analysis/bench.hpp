#pragma once
// Timing a compiled model the way the tutorial asks metrics to be reported: warm-up runs first
// (caches, page faults, thread start-up), then N timed runs, summarized as min / median / p10 /
// p90 latency, and throughput derived from the median latency at the batch size. Latency and
// throughput are reported separately, with the threads, batch, runs, CPU and ISA that produced
// them (docs/metrics.md).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "graph/session.hpp"

namespace loupe::analysis {

struct BenchOptions {
  int warmup = 3;
  int runs = 10;
};

struct LatencyStats {
  double min = 0, median = 0, p10 = 0, p90 = 0, mean = 0;
};

// Percentiles by linear interpolation between order statistics (numpy's default).
LatencyStats latency_stats(std::vector<double> samples_ms);

struct BenchResult {
  std::string model;
  std::string cpu;
  std::string isa;
  int threads = 1;
  int64_t batch = 1;
  int64_t micro_batch = 1;  // images per pass of the leading per-image steps (batch: one pass)
  int warmup = 0;
  int runs = 0;
  LatencyStats latency_ms;
  double throughput_per_s = 0;  // batch / median latency
  std::vector<double> samples_ms;
};

BenchResult bench(const graph::Session& session, const graph::TensorMap& feeds, int64_t batch,
                  const BenchOptions& options);

// DESIGN.md's bench --json document.
nlohmann::json bench_json(const BenchResult& r);

}  // namespace loupe::analysis
