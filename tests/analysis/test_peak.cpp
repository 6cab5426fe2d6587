// `loupe peak`'s document: every key present and every figure positive. Structure only: how fast
// this machine is (and whether two threads beat one) is measured, never asserted.
#include <gtest/gtest.h>

#include "analysis/peak.hpp"
#include "kernels/peak/peak.hpp"

namespace loupe::analysis {
namespace {

PeakResult quick_peak() {
  PeakOptions o;
  o.threads = 1;
  o.seconds = 0.002;
  o.repeats = 1;
  return measure_peak(o);
}

TEST(Peak, JsonHasEveryKeyAndPositiveFigures) {
  const PeakResult r = quick_peak();
  const nlohmann::json j = peak_json(r);
  for (const char* key : {"cpu", "isa", "threads", "repeats", "seconds_per_repeat", "frequency_ghz",
                          "caches", "fp32", "int8", "bandwidth", "peak_gflops", "dram_gb_per_s"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_GT(j["frequency_ghz"].get<double>(), 0);
  // No x86 core clocks above ~6.2 GHz: a higher reading means the dependent chain did not
  // serialize (Golden Cove folds "add $1" chains at rename; they read 20 GHz there).
  EXPECT_LT(j["frequency_ghz"].get<double>(), 8.0);
  EXPECT_GT(j["peak_gflops"].get<double>(), 0);
  EXPECT_GT(j["dram_gb_per_s"].get<double>(), 0);
  for (const char* key : {"l1d_bytes", "l2_bytes", "l3_bytes"}) {
    EXPECT_GT(j["caches"][key].get<int64_t>(), 0) << key;
  }
  // Every supported ISA once per thread count; scalar is always there.
  int supported = 0;
  for (kernels::Isa i : {kernels::Isa::avx512, kernels::Isa::avx2, kernels::Isa::scalar}) {
    supported += kernels::isa_supported(i);
  }
  ASSERT_EQ(j["fp32"].size(), static_cast<size_t>(supported));
  for (const auto& p : j["fp32"]) {
    EXPECT_EQ(p["threads"], 1);
    EXPECT_GT(p["gflops"].get<double>(), 0) << p["isa"];
  }
  EXPECT_EQ(j["fp32"].back()["isa"], "scalar");
  if (kernels::peak::vnni_supported()) {
    ASSERT_TRUE(j["int8"].is_array());
    EXPECT_GT(j["int8"][0]["gops"].get<double>(), 0);
  } else {
    ASSERT_TRUE(j["int8"].is_string());
    EXPECT_EQ(j["int8"].get<std::string>().rfind("unavailable: ", 0), 0u);
  }
  ASSERT_EQ(j["bandwidth"].size(), 4u);
  const char* levels[] = {"L1", "L2", "L3", "DRAM"};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(j["bandwidth"][i]["level"], levels[i]);
    EXPECT_GT(j["bandwidth"][i]["gb_per_s"].get<double>(), 0);
  }
  // The DRAM arrays must not fit in the last-level cache (STREAM's rule: several times larger).
  EXPECT_GE(j["bandwidth"][3]["bytes"].get<int64_t>(), 4 * r.caches.l3);
}

TEST(Peak, ThreadCountsAreMeasuredOneByOne) {
  PeakOptions o;
  o.threads = 2;
  o.seconds = 0.002;
  o.repeats = 1;
  o.all_isas = false;
  o.bandwidth = false;
  const PeakResult r = measure_peak(o);
  ASSERT_EQ(r.fp32.size(), 2u);
  EXPECT_EQ(r.fp32[0].threads, 1);
  EXPECT_EQ(r.fp32[1].threads, 2);
  EXPECT_GT(r.fp32_gflops(r.isa, 2), 0);
  EXPECT_EQ(r.fp32_gflops("no-such-isa", 1), 0);
  EXPECT_TRUE(r.bandwidth.empty());
}

TEST(Peak, ChainKernelsReportTheirOperationCount) {
  // One block = 1024 trips of the chain instructions; the counts follow from the instruction
  // mix documented in kernels/peak/peak.hpp.
  EXPECT_EQ(kernels::peak::f32_mul_add_chains_scalar(1), 1024 * 12 * 2);
  if (kernels::isa_supported(kernels::Isa::avx2)) {
    EXPECT_EQ(kernels::peak::f32_fma_chains_avx2(1), 1024 * 12 * 8 * 2);
  }
  if (kernels::isa_supported(kernels::Isa::avx512)) {
    EXPECT_EQ(kernels::peak::f32_fma_chains_avx512(1), 1024 * 16 * 16 * 2);
  }
}

TEST(Peak, TriadComputesTheTriad) {
  constexpr int64_t n = 128;
  std::vector<float> a(n), b(n), c(n);
  for (int64_t i = 0; i < n; ++i) {
    b[static_cast<size_t>(i)] = static_cast<float>(i);
    c[static_cast<size_t>(i)] = 2.0f;
  }
  kernels::peak::triad_scalar(a.data(), b.data(), c.data(), 0.5f, n);
  for (int64_t i = 0; i < n; ++i) EXPECT_EQ(a[static_cast<size_t>(i)], static_cast<float>(i) + 1);
  if (kernels::isa_supported(kernels::Isa::avx512)) {
    std::fill(a.begin(), a.end(), 0.0f);
    kernels::peak::triad_avx512(a.data(), b.data(), c.data(), 0.5f, n);
    for (int64_t i = 0; i < n; ++i) {
      EXPECT_EQ(a[static_cast<size_t>(i)], static_cast<float>(i) + 1);
    }
  }
}

}  // namespace
}  // namespace loupe::analysis
