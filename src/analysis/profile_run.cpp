// The part of `loupe profile` that runs the model (graph::Session); the analysis is pure
// (profile.cpp).
#include <chrono>
#include <map>

#include "analysis/bench.hpp"
#include "analysis/effectual.hpp"
#include "analysis/profile.hpp"
#include "kernels/conv/conv.hpp"
#include "loupe/thread_pool.hpp"

namespace loupe::analysis {

namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::vector<graph::StepTiming>> time_steps(const graph::Session& s,
                                                       const graph::TensorMap& feeds, int warmup,
                                                       int runs, std::vector<double>* wall_ms,
                                                       graph::RunStats* stats,
                                                       const std::function<void(int)>& tick) {
  std::vector<std::vector<graph::StepTiming>> timings;
  std::vector<graph::StepTiming> t;
  for (int i = 0; i < warmup + runs; ++i) {
    const auto t0 = Clock::now();
    s.run(feeds, stats, &t);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    if (i >= warmup) {
      timings.push_back(t);
      if (wall_ms != nullptr) wall_ms->push_back(ms);
    }
    if (tick) tick(i + 1);
  }
  return timings;
}

}  // namespace

ProfileResult run_profile(const graph::Graph& g, const graph::TensorMap& feeds,
                          const ProfileOptions& o, const PeakResult* given_peak,
                          const ProgressFn& progress) {
  graph::SessionOptions so;
  so.threads = o.threads;
  const int threads = o.threads > 0 ? o.threads : ThreadPool::global().size();
  const kernels::Isa isa = kernels::best_isa();

  const int n_algos = o.all_algorithms ? static_cast<int>(kernels::conv::algorithms().size()) : 0;
  const int64_t total = 1 + (o.warmup + o.runs) + (o.effectual ? 1 : 0) + n_algos;
  int64_t done = 0;
  auto report = [&](const std::string& what) {
    if (progress) progress(done, total, what);
  };

  report("measuring the peak");
  PeakResult measured;
  if (given_peak == nullptr) {
    PeakOptions po;
    po.threads = threads;
    po.all_isas = false;
    measured = measure_peak(po);
    given_peak = &measured;
  }
  ++done;
  // Compiled after the peak is measured: nothing of the session (its pool's workers) may compete
  // with the FMA chains for the cores.
  const graph::Session session(g, so);

  ProfileResult r;
  r.model = o.model_name.empty() ? g.name() : o.model_name;
  r.cpu = kernels::cpu_name();
  r.isa = std::string(kernels::isa_name(isa));
  r.threads = session.threads();
  r.batch = o.batch;
  r.warmup = o.warmup;
  r.runs = o.runs;
  r.costs = o.costs;
  r.ceilings = ceilings_from(*given_peak, isa, threads);

  std::vector<double> wall;
  graph::RunStats stats;
  const RaplReading before = read_rapl();
  const int64_t base = done;
  const auto timings = time_steps(session, feeds, o.warmup, o.runs, &wall, &stats, [&](int i) {
    done = base + i;
    report("timing runs");
  });
  const RaplReading after = read_rapl();
  if (given_peak == &measured) {
    // On a shared machine the load can change during the runs: the FMA chains are measured again
    // after them and the better of the two measurements is the peak (a peak measured in a busy
    // moment would make % of peak exceed 100).
    r.ceilings.peak_gflops =
        std::max(r.ceilings.peak_gflops, measure_fp32_peak(isa, threads, 0.01, 20));
  }
  if (before.available && after.available) {
    // Warm-up runs are outside the timed window only for the timings; RAPL spans all of them.
    r.rapl_joules_per_run = rapl_joules(before, after) / (o.warmup + o.runs);
  } else {
    r.rapl = before.available ? after.reason : before.reason;
  }

  std::map<std::string, int64_t> effectual;
  if (o.effectual) {
    report("counting effectual MACs (reference run)");
    const graph::ReferenceExecutor ref(g);
    effectual = effectual_macs(g, ref.run_all(feeds));
    ++done;
  }
  std::vector<std::string> names;
  for (const graph::Node& n : g.nodes()) names.push_back(n.name);
  r.steps = analyze(session.steps(), timings, r.ceilings, o.costs, names, effectual);
  const LatencyStats wall_stats = latency_stats(wall);
  r.latency_ms = wall_stats.median;
  for (double v : wall) r.latency_mean_ms += v / static_cast<double>(wall.size());
  r.throughput_per_s = r.latency_ms > 0 ? static_cast<double>(o.batch) * 1e3 / r.latency_ms : 0;
  r.peak_activation_bytes = stats.peak_activation_bytes;
  total_up(r);

  if (o.all_algorithms) {
    std::map<std::string, size_t> by_name;
    for (size_t i = 0; i < r.steps.size(); ++i) by_name[r.steps[i].info.name] = i;
    const int trial_runs = std::max(1, std::min(o.runs, 3));
    for (const kernels::conv::ConvAlgorithm* a : kernels::conv::algorithms()) {
      report(fmt::format("algorithm {}", a->name()));
      graph::SessionOptions forced = so;
      forced.conv_algorithm = std::string(a->name());
      const graph::Session s(g, forced);
      const auto t = time_steps(s, feeds, 1, trial_runs, nullptr, nullptr, {});
      const std::vector<graph::StepError> errors = s.check(feeds);
      for (size_t i = 0; i < s.steps().size(); ++i) {
        const graph::StepInfo& info = s.steps()[i];
        if (info.algorithm != a->name() || !info.layer) continue;
        auto it = by_name.find(info.name);
        if (it == by_name.end()) continue;
        std::vector<double> samples;
        for (const auto& run : t) samples.push_back(run[i].ms);
        AlgorithmTrial trial;
        trial.algorithm = info.algorithm;
        trial.time_ms = latency_stats(samples).median;
        if (i < errors.size()) {
          trial.max_abs = errors[i].max_abs;
          trial.rel_l2 = errors[i].rel_l2;
        }
        r.steps[it->second].algorithms.push_back(trial);
      }
      ++done;
    }
  }
  done = total;
  report("done");
  return r;
}

}  // namespace loupe::analysis
