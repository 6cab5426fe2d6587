// The profile analysis (analysis/profile.hpp, roofline.hpp) on synthetic steps with hand-checked
// numbers, and its --json document against docs/schema/profile.schema.json.
#include <gtest/gtest.h>

#include "analysis/peak.hpp"
#include "json_schema.hpp"
#include "profile_fixture.hpp"
#include "test_util.hpp"

namespace loupe::analysis {
namespace {

using testing::fixture_ceilings;
using testing::fixture_profile;
using testing::fixture_steps;

TEST(Profile, PerStepMetrics) {
  const ProfileResult r = fixture_profile();
  ASSERT_EQ(r.steps.size(), 2u);
  const StepProfile& c = r.steps[0];
  EXPECT_DOUBLE_EQ(c.time_ms, 2.0);  // median of 1, 3, 2
  // 1,152,000 FLOPs in 2 ms = 0.576 GFLOP/s = 0.288% of 200 GFLOP/s.
  EXPECT_NEAR(c.gflops, 0.576, 1e-12);
  EXPECT_NEAR(c.percent_of_peak, 0.288, 1e-12);
  EXPECT_EQ(c.bytes, 12544 + 4000 + 92160);
  EXPECT_NEAR(c.arithmetic_intensity, 1152000.0 / 108704, 1e-12);
  EXPECT_EQ(c.bound, "compute");  // 10.6 FLOP/B >= the ridge 200 / 20 = 10
  EXPECT_EQ(c.effectual_macs, 300000);
  const StepProfile& p = r.steps[1];
  EXPECT_DOUBLE_EQ(p.time_ms, 0.6);
  EXPECT_EQ(p.bound, "memory");
  EXPECT_EQ(p.effectual_macs, -1);  // no CONV / FC nest
}

TEST(Profile, AttributionSteps) {
  const ProfileResult r = fixture_profile();
  const Attribution& a = r.steps[0].attribution;
  EXPECT_NEAR(a.ideal_ms, 1152000 / 200e9 * 1e3, 1e-15);
  // M = 40 output channels on 16 lanes: 3 vectors, 40 of 48 lanes used.
  EXPECT_NEAR(a.lane_utilization, 40.0 / 48, 1e-15);
  EXPECT_NEAR(a.simd_ms, a.ideal_ms * 48 / 40, 1e-15);
  // 1 image x 3 channel vectors x 5 rows = 15 units on 2 threads: 8 rounds of 2.
  EXPECT_NEAR(a.thread_balance, 15.0 / 16, 1e-15);
  EXPECT_NEAR(a.imbalance_ms, a.simd_ms * 16 / 15, 1e-15);
  // 108,704 bytes: more than 2 x 32 KiB of L1, within 2 x 1 MiB of L2; at 200 GB/s that is
  // 0.54 us, less than the compute bound, so neither the cache nor DRAM step adds time.
  EXPECT_EQ(a.cache_level, "L2");
  EXPECT_DOUBLE_EQ(a.cache_ms, a.imbalance_ms);
  EXPECT_EQ(a.dram_bytes, 0);  // the model's 92 KB of weights stay in the 32 MiB L3
  EXPECT_DOUBLE_EQ(a.bandwidth_ms, a.cache_ms);
  EXPECT_DOUBLE_EQ(a.measured_ms, 2.0);

  // The pool: 500 KB from L2 at 200 GB/s = 2.5 us dominates its 5 ns at peak.
  const Attribution& p = r.steps[1].attribution;
  EXPECT_EQ(p.cache_level, "L2");
  EXPECT_NEAR(p.cache_ms, 500000 / 200e9 * 1e3, 1e-15);
  EXPECT_DOUBLE_EQ(p.lane_utilization, 1);
}

TEST(Profile, WorkingSetBeyondTheLlcGoesToDram) {
  graph::StepInfo s = fixture_steps()[1];
  s.input_bytes = 64 << 20;  // 64 MiB > 32 MiB L3
  const Attribution a = attribute(s, 10, fixture_ceilings(), /*weights_in_dram=*/false);
  EXPECT_EQ(a.cache_level, "DRAM");
  EXPECT_EQ(a.dram_bytes, (64 << 20) + 100000);
  EXPECT_NEAR(a.bandwidth_ms, static_cast<double>(a.dram_bytes) / 20e9 * 1e3, 1e-12);
  // Weights that do not fit in the LLC are streamed from DRAM by every run.
  graph::StepInfo w = fixture_steps()[0];
  const Attribution b = attribute(w, 10, fixture_ceilings(), /*weights_in_dram=*/true);
  EXPECT_EQ(b.dram_bytes, w.weight_bytes);
}

TEST(Profile, AttributionNeverDecreases) {
  const ProfileResult r = fixture_profile();
  for (const StepProfile& s : r.steps) {
    const Attribution& a = s.attribution;
    EXPECT_LE(a.ideal_ms, a.simd_ms);
    EXPECT_LE(a.simd_ms, a.imbalance_ms);
    EXPECT_LE(a.imbalance_ms, a.cache_ms);
    EXPECT_LE(a.cache_ms, a.bandwidth_ms);
  }
}

TEST(Profile, DepthwiseVectorizesAlongOutputColumns) {
  graph::StepInfo s = fixture_steps()[0];
  s.layer->C = s.layer->M = s.layer->G = 32;
  s.layer->F = 20;  // 20 columns on 16 lanes: 20 of 32 used
  s.macs = 32 * 25 * 9;
  const Attribution a = attribute(s, 1, fixture_ceilings(), false);
  EXPECT_NEAR(a.lane_utilization, 20.0 / 32, 1e-15);
}

TEST(Profile, Totals) {
  const ProfileResult r = fixture_profile();
  EXPECT_DOUBLE_EQ(r.sum_step_ms, 2.6);
  EXPECT_DOUBLE_EQ(r.sum_step_mean_ms, 2.6);  // means 2.0 and 0.6
  EXPECT_DOUBLE_EQ(r.steps[0].mean_ms, 2.0);
  EXPECT_EQ(r.macs, 576000);
  EXPECT_EQ(r.effectual_macs, 300000);
  EXPECT_EQ(r.weight_bytes, 92160);
  EXPECT_EQ(r.flops, 1152000 + 1000);
}

TEST(Profile, JsonValidatesAgainstTheSchema) {
  const nlohmann::json j = profile_json(fixture_profile());
  const nlohmann::json schema = testing::load_schema("profile.schema.json");
  const std::vector<std::string> errors = testing::validate(schema, j);
  EXPECT_TRUE(errors.empty()) << errors.front();
  // DESIGN.md's contract keys, per layer.
  for (const char* k : {"name", "op", "algorithm", "time_ms", "macs", "gflops", "percent_of_peak",
                        "bytes", "arithmetic_intensity", "bound"}) {
    EXPECT_TRUE(j["layers"][0].contains(k)) << k;
  }
  EXPECT_EQ(j["total"]["rapl_joules_per_run"], "unavailable: test");
}

TEST(Profile, SchemaValidatorRejectsBrokenDocuments) {
  const nlohmann::json schema = testing::load_schema("profile.schema.json");
  nlohmann::json j = profile_json(fixture_profile());
  j["layers"][0].erase("bound");
  j["layers"][1]["bound"] = "io";
  j["total"]["macs"] = "many";
  j["layers"][0]["attribution"]["lane_utilization"] = 1.5;
  const std::vector<std::string> errors = testing::validate(schema, j);
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_NE(errors[0].find("$.layers[0]: missing required key \"bound\""), std::string::npos)
      << errors[0];
}

TEST(Profile, PeakJsonValidatesAgainstTheSchema) {
  PeakResult p;
  p.cpu = "test";
  p.isa = "avx512";
  p.threads = 1;
  p.repeats = 1;
  p.seconds = 0.01;
  p.frequency_ghz = 3;
  p.fp32 = {{"avx512", 1, 100}, {"scalar", 1, 5}};
  p.int8_unavailable = "unavailable: no VNNI";
  p.bandwidth = {{"L1", 1000, 300}, {"DRAM", 1 << 28, 15}};
  const std::vector<std::string> errors =
      testing::validate(testing::load_schema("peak.schema.json"), peak_json(p));
  EXPECT_TRUE(errors.empty()) << errors.front();
}

TEST(Profile, CeilingsComeFromTheSameIsaAndThreads) {
  PeakResult p;
  p.fp32 = {{"avx512", 1, 100}, {"avx512", 2, 190}, {"avx2", 2, 120}};
  p.bandwidth = {{"DRAM", 1 << 28, 15}};
  const Ceilings c = ceilings_from(p, kernels::Isa::avx512, 2);
  EXPECT_EQ(c.peak_gflops, 190);
  EXPECT_EQ(c.simd_lanes, 16);
  EXPECT_EQ(c.dram_gb_per_s, 15);
  EXPECT_NE(testing::error_of([&] {
              ceilings_from(p, kernels::Isa::avx2, 1);
            }).find("no measured avx2 peak at 1 threads"),
            std::string::npos);
}

}  // namespace
}  // namespace loupe::analysis
