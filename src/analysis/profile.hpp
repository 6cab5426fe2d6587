#pragma once
// `loupe profile`: per step of the fast executor, the algorithm that ran, its median time, MACs
// (total and effectual), GFLOP/s and % of the measured peak of the same ISA and thread count,
// bytes, arithmetic intensity, roofline bound, the Eyexam-style attribution of its time
// (analysis/roofline.hpp) and its modeled energy (analysis/energy.hpp); totals for the model;
// optionally every applicable conv algorithm per layer with its time and error.
//
// analyze() is pure (steps + timings + ceilings in, report out) so that it is tested on synthetic
// steps; run_profile() drives a graph::Session.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/energy.hpp"
#include "analysis/roofline.hpp"
#include "graph/session.hpp"

namespace loupe::analysis {

struct AlgorithmTrial {
  std::string algorithm;
  double time_ms = 0;
  double max_abs = 0;  // against the fp64 reference (graph::Session::check)
  double rel_l2 = 0;
};

struct StepProfile {
  graph::StepInfo info;
  double time_ms = 0;           // median over the runs
  double mean_ms = 0;           // mean over the runs
  int64_t effectual_macs = -1;  // -1: not counted (no CONV / FC nest)
  double gflops = 0;
  double percent_of_peak = 0;
  int64_t bytes = 0;
  double arithmetic_intensity = 0;  // flops per byte
  std::string bound;                // "compute" / "memory"
  Attribution attribution;
  EnergyBreakdown energy;
  std::vector<AlgorithmTrial> algorithms;  // --all-algorithms
};

struct ProfileResult {
  std::string model;
  std::string cpu;
  std::string isa;
  int threads = 1;
  int64_t batch = 1;
  int warmup = 0;
  int runs = 0;
  Ceilings ceilings;
  CostTable costs;
  std::vector<StepProfile> steps;
  double latency_ms = 0;        // median wall time of a whole run
  double throughput_per_s = 0;  // batch / latency
  double sum_step_ms = 0;       // sum of the steps' medians
  // Means add up exactly over a run, medians do not: sum_step_mean_ms / latency_mean_ms is the
  // share of the wall time that the steps account for, robust to a noisy machine.
  double latency_mean_ms = 0;
  double sum_step_mean_ms = 0;
  int64_t macs = 0, effectual_macs = 0, flops = 0;
  int64_t weight_bytes = 0;
  int64_t peak_activation_bytes = 0;
  std::string rapl;  // "unavailable: ..." or empty when measured
  double rapl_joules_per_run = 0;
};

// `timings[r][i]`: step i's time in run r. `effectual` by node name (analysis/effectual.hpp);
// a step's effectual MACs are the sum over its nodes. `node_names[k]` is Graph::nodes()[k].name.
std::vector<StepProfile> analyze(const std::vector<graph::StepInfo>& steps,
                                 const std::vector<std::vector<graph::StepTiming>>& timings,
                                 const Ceilings& c, const CostTable& costs,
                                 const std::vector<std::string>& node_names,
                                 const std::map<std::string, int64_t>& effectual);

// Fills the totals of `r` from its steps (latency, throughput, peaks and RAPL set by the caller).
void total_up(ProfileResult& r);

struct ProfileOptions {
  int threads = 0;  // 0: every core
  int64_t batch = 1;
  int warmup = 2;
  int runs = 10;
  bool all_algorithms = false;
  bool effectual = true;  // needs one reference run of the model
  CostTable costs;
  std::string model_name;
};

// Progress callback: (done, total, what).
using ProgressFn = std::function<void(int64_t, int64_t, const std::string&)>;

// Measures the ceilings (unless `peak` is given), runs the model `warmup + runs` times with
// per-step timings, counts effectual MACs on one reference run of `feeds`, and analyzes.
ProfileResult run_profile(const graph::Graph& g, const graph::TensorMap& feeds,
                          const ProfileOptions& options, const PeakResult* peak = nullptr,
                          const ProgressFn& progress = {});

nlohmann::json profile_json(const ProfileResult& r);
std::string profile_table(const ProfileResult& r);

}  // namespace loupe::analysis
