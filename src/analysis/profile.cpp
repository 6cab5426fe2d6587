#include "analysis/profile.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <map>

namespace loupe::analysis {

namespace {

// The median by the same interpolation as bench's (numpy's default); kept here so that the pure
// analysis does not pull the Session-driven bench code into the programs that link it.
double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

std::vector<StepProfile> analyze(const std::vector<graph::StepInfo>& steps,
                                 const std::vector<std::vector<graph::StepTiming>>& timings,
                                 const Ceilings& c, const CostTable& costs,
                                 const std::vector<std::string>& node_names,
                                 const std::map<std::string, int64_t>& effectual) {
  int64_t model_weights = 0;
  for (const graph::StepInfo& s : steps) model_weights += s.weight_bytes;
  const bool weights_in_dram = model_weights > c.caches.l3;
  const RegisterTile tile = register_tile(kernels::parse_isa(c.isa));
  std::vector<StepProfile> out;
  out.reserve(steps.size());
  for (size_t i = 0; i < steps.size(); ++i) {
    StepProfile p;
    p.info = steps[i];
    std::vector<double> samples;
    for (const auto& run : timings) {
      if (i < run.size()) samples.push_back(run[i].ms);
    }
    p.time_ms = median(samples);
    for (double v : samples) p.mean_ms += v / static_cast<double>(samples.size());
    const int64_t flops = step_flops(p.info);
    p.gflops = p.time_ms > 0 ? static_cast<double>(flops) / (p.time_ms * 1e6) : 0;
    p.percent_of_peak = c.peak_gflops > 0 ? 100 * p.gflops / c.peak_gflops : 0;
    p.bytes = step_bytes(p.info);
    p.arithmetic_intensity =
        p.bytes > 0 ? static_cast<double>(flops) / static_cast<double>(p.bytes) : 0;
    p.bound = roofline_bound(p.arithmetic_intensity, c);
    p.attribution = attribute(p.info, p.time_ms, c, weights_in_dram);
    p.energy = model_energy(p.info, p.attribution.dram_bytes, tile, costs);
    bool counted = false;
    int64_t eff = 0;
    for (size_t n : p.info.nodes) {
      if (n >= node_names.size()) continue;
      if (auto it = effectual.find(node_names[n]); it != effectual.end()) {
        eff += it->second;
        counted = true;
      }
    }
    p.effectual_macs = counted ? eff : -1;
    out.push_back(std::move(p));
  }
  return out;
}

void total_up(ProfileResult& r) {
  r.sum_step_ms = 0;
  r.sum_step_mean_ms = 0;
  r.macs = r.effectual_macs = r.flops = r.weight_bytes = 0;
  for (const StepProfile& s : r.steps) {
    r.sum_step_ms += s.time_ms;
    r.sum_step_mean_ms += s.mean_ms;
    r.macs += s.info.macs;
    r.flops += step_flops(s.info);
    r.weight_bytes += s.info.weight_bytes;
    // Steps without a count (pools, element-wise) have no MACs either.
    r.effectual_macs += s.effectual_macs >= 0 ? s.effectual_macs : s.info.macs;
  }
}

nlohmann::json profile_json(const ProfileResult& r) {
  nlohmann::json layers = nlohmann::json::array();
  for (const StepProfile& s : r.steps) {
    const Attribution& a = s.attribution;
    nlohmann::json l = {
        {"name", s.info.name},
        {"op", s.info.op},
        {"algorithm", s.info.algorithm},
        {"time_ms", s.time_ms},
        {"macs", s.info.macs},
        {"effectual_macs", s.effectual_macs},
        {"flops", step_flops(s.info)},
        {"gflops", s.gflops},
        {"percent_of_peak", s.percent_of_peak},
        {"bytes", s.bytes},
        {"input_bytes", s.info.input_bytes},
        {"output_bytes", s.info.output_bytes},
        {"weight_bytes", s.info.weight_bytes},
        {"workspace_bytes", s.info.workspace_bytes},
        {"arithmetic_intensity", s.arithmetic_intensity},
        {"bound", s.bound},
        {"attribution",
         {{"ideal_ms", a.ideal_ms},
          {"simd_ms", a.simd_ms},
          {"imbalance_ms", a.imbalance_ms},
          {"cache_ms", a.cache_ms},
          {"bandwidth_ms", a.bandwidth_ms},
          {"measured_ms", a.measured_ms},
          {"lane_utilization", a.lane_utilization},
          {"thread_balance", a.thread_balance},
          {"cache_level", a.cache_level},
          {"working_set_bytes", a.working_set_bytes},
          {"dram_bytes", a.dram_bytes}}},
        {"energy", energy_json(s.energy)},
    };
    if (!s.algorithms.empty()) {
      l["algorithms"] = nlohmann::json::array();
      for (const AlgorithmTrial& t : s.algorithms) {
        l["algorithms"].push_back({{"algorithm", t.algorithm},
                                   {"time_ms", t.time_ms},
                                   {"max_abs_error", t.max_abs},
                                   {"rel_l2_error", t.rel_l2}});
      }
    }
    layers.push_back(std::move(l));
  }
  double energy_total = 0;
  EnergyBreakdown e;
  for (const StepProfile& s : r.steps) {
    e.mac_energy += s.energy.mac_energy;
    e.rf_energy += s.energy.rf_energy;
    e.noc_energy += s.energy.noc_energy;
    e.buffer_energy += s.energy.buffer_energy;
    e.dram_energy += s.energy.dram_energy;
    e.macs += s.energy.macs;
    e.rf += s.energy.rf;
    e.noc += s.energy.noc;
    e.buffer += s.energy.buffer;
    e.dram += s.energy.dram;
  }
  energy_total = e.total();
  nlohmann::json rapl =
      r.rapl.empty() ? nlohmann::json(r.rapl_joules_per_run) : nlohmann::json(r.rapl);
  return {
      {"model", r.model},
      {"cpu", r.cpu},
      {"isa", r.isa},
      {"threads", r.threads},
      {"batch", r.batch},
      {"warmup", r.warmup},
      {"runs", r.runs},
      {"peak",
       {{"gflops", r.ceilings.peak_gflops},
        {"isa", r.ceilings.isa},
        {"threads", r.ceilings.threads},
        {"dram_gb_per_s", r.ceilings.dram_gb_per_s},
        {"l1_gb_per_s", r.ceilings.l1_gb_per_s},
        {"l2_gb_per_s", r.ceilings.l2_gb_per_s},
        {"l3_gb_per_s", r.ceilings.l3_gb_per_s},
        {"ridge_flops_per_byte", r.ceilings.ridge()}}},
      {"layers", layers},
      {"total",
       {{"latency_ms", r.latency_ms},
        {"throughput_per_s", r.throughput_per_s},
        {"sum_step_ms", r.sum_step_ms},
        {"latency_mean_ms", r.latency_mean_ms},
        {"sum_step_mean_ms", r.sum_step_mean_ms},
        {"macs", r.macs},
        {"effectual_macs", r.effectual_macs},
        {"flops", r.flops},
        {"gflops", r.latency_ms > 0 ? static_cast<double>(r.flops) / (r.latency_ms * 1e6) : 0},
        {"weight_bytes", r.weight_bytes},
        {"peak_activation_bytes", r.peak_activation_bytes},
        {"energy_model", energy_json(e)},
        {"energy_unit", r.costs.unit},
        {"energy_model_total", energy_total},
        {"rapl_joules_per_run", rapl}}},
  };
}

std::string profile_table(const ProfileResult& r) {
  std::string s;
  s += fmt::format("model {}  batch {}  threads {}  isa {}  cpu {}  warm-up {}  runs {}\n", r.model,
                   r.batch, r.threads, r.isa, r.cpu, r.warmup, r.runs);
  s += fmt::format(
      "peak {:.1f} GFLOP/s ({} x {} threads, measured), DRAM {:.1f} GB/s, ridge "
      "{:.1f} FLOP/B\n\n",
      r.ceilings.peak_gflops, r.ceilings.isa, r.ceilings.threads, r.ceilings.dram_gb_per_s,
      r.ceilings.ridge());
  s += fmt::format("{:<28} {:<16} {:<15} {:>9} {:>8} {:>6} {:>8} {:>6} {:<7} {:>5}\n", "step", "op",
                   "algorithm", "time ms", "MMAC", "eff%", "GFLOP/s", "%peak", "bound", "AI");
  for (const StepProfile& p : r.steps) {
    const std::string eff =
        p.effectual_macs >= 0 && p.info.macs > 0
            ? fmt::format("{:.0f}", 100.0 * static_cast<double>(p.effectual_macs) /
                                        static_cast<double>(p.info.macs))
            : "-";
    s += fmt::format(
        "{:<28.28} {:<16.16} {:<15.15} {:>9.3f} {:>8.2f} {:>6} {:>8.1f} {:>6.1f} "
        "{:<7} {:>5.1f}\n",
        p.info.name, p.info.op, p.info.algorithm, p.time_ms, static_cast<double>(p.info.macs) / 1e6,
        eff, p.gflops, p.percent_of_peak, p.bound, p.arithmetic_intensity);
    for (const AlgorithmTrial& t : p.algorithms) {
      s += fmt::format("    {:<24} {:>9.3f} ms  max|err| {:.2e}  rel L2 {:.2e}\n", t.algorithm,
                       t.time_ms, t.max_abs, t.rel_l2);
    }
  }
  s += fmt::format("\nlatency    {:.3f} ms (median of {} runs; sum of step medians {:.3f} ms)\n",
                   r.latency_ms, r.runs, r.sum_step_ms);
  s += fmt::format(
      "           mean {:.3f} ms, sum of step means {:.3f} ms ({:.1f}% of the run in "
      "steps)\n",
      r.latency_mean_ms, r.sum_step_mean_ms,
      r.latency_mean_ms > 0 ? 100 * r.sum_step_mean_ms / r.latency_mean_ms : 0.0);
  s += fmt::format("throughput {:.1f} inferences/s at batch {}\n", r.throughput_per_s, r.batch);
  s += fmt::format("MACs       {:.2f} M, effectual {:.2f} M ({:.1f}%)\n",
                   static_cast<double>(r.macs) / 1e6, static_cast<double>(r.effectual_macs) / 1e6,
                   r.macs > 0
                       ? 100.0 * static_cast<double>(r.effectual_macs) / static_cast<double>(r.macs)
                       : 0.0);
  s += fmt::format("weights    {:.1f} MiB, peak activations {:.1f} MiB\n",
                   static_cast<double>(r.weight_bytes) / (1 << 20),
                   static_cast<double>(r.peak_activation_bytes) / (1 << 20));
  double energy = 0, dram = 0;
  for (const StepProfile& p : r.steps) {
    energy += p.energy.total();
    dram += p.energy.dram_energy;
  }
  s +=
      fmt::format("energy     modeled {:.3g} {} per run ({:.0f}% DRAM); RAPL {}\n", energy,
                  r.costs.unit, energy > 0 ? 100 * dram / energy : 0.0,
                  r.rapl.empty() ? fmt::format("{:.3f} J per run", r.rapl_joules_per_run) : r.rapl);
  return s;
}

}  // namespace loupe::analysis
