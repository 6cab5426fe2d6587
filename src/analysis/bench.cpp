#include "analysis/bench.hpp"

#include <algorithm>
#include <chrono>
#include <numeric>

#include "kernels/isa.hpp"
#include "loupe/error.hpp"

namespace loupe::analysis {

namespace {

double percentile(const std::vector<double>& sorted, double q) {
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(pos);
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

}  // namespace

LatencyStats latency_stats(std::vector<double> samples) {
  LatencyStats s;
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  s.min = samples.front();
  s.median = percentile(samples, 0.5);
  s.p10 = percentile(samples, 0.1);
  s.p90 = percentile(samples, 0.9);
  s.mean =
      std::accumulate(samples.begin(), samples.end(), 0.0) / static_cast<double>(samples.size());
  return s;
}

BenchResult bench(const graph::Session& session, const graph::TensorMap& feeds, int64_t batch,
                  const BenchOptions& options) {
  if (options.warmup < 0) fail("--warmup {}: must not be negative", options.warmup);
  if (options.runs < 1) fail("--runs {}: must be at least 1", options.runs);
  BenchResult r;
  r.cpu = kernels::cpu_name();
  r.isa = std::string(kernels::isa_name(kernels::best_isa()));
  r.threads = session.threads();
  r.batch = batch;
  r.micro_batch = session.micro_batch();
  r.warmup = options.warmup;
  r.runs = options.runs;
  for (int i = 0; i < options.warmup; ++i) session.run(feeds);
  for (int i = 0; i < options.runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    session.run(feeds);
    r.samples_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  r.latency_ms = latency_stats(r.samples_ms);
  r.throughput_per_s =
      r.latency_ms.median > 0 ? static_cast<double>(batch) * 1000.0 / r.latency_ms.median : 0.0;
  return r;
}

nlohmann::json bench_json(const BenchResult& r) {
  return {{"model", r.model},
          {"threads", r.threads},
          {"batch", r.batch},
          {"micro_batch", r.micro_batch},
          {"warmup", r.warmup},
          {"runs", r.runs},
          {"cpu", r.cpu},
          {"isa", r.isa},
          {"latency_ms",
           {{"min", r.latency_ms.min},
            {"median", r.latency_ms.median},
            {"p10", r.latency_ms.p10},
            {"p90", r.latency_ms.p90},
            {"mean", r.latency_ms.mean}}},
          {"throughput_per_s", r.throughput_per_s},
          {"samples_ms", r.samples_ms}};
}

}  // namespace loupe::analysis
