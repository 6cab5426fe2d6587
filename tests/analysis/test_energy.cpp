// Energy (analysis/energy.hpp): the cost table file, the CPU-side access model on a hand-counted
// step, and RAPL read from a fake powercap tree (the real one is often absent in VMs).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "analysis/energy.hpp"
#include "test_util.hpp"

namespace loupe::analysis {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir(const std::string& name) {
  const fs::path d =
      fs::temp_directory_path() / ("loupe_energy_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

TEST(Energy, DefaultTableIsTheNormalizedEyerissCosts) {
  // REFERENCE.md §3 (lines 34-35): RF 1x, NoC 2x, global buffer 6x, DRAM 200x one MAC.
  const CostTable t;
  EXPECT_EQ(t.mac, 1);
  EXPECT_EQ(t.rf, 1);
  EXPECT_EQ(t.noc, 2);
  EXPECT_EQ(t.buffer, 6);
  EXPECT_EQ(t.dram, 200);
  EXPECT_EQ(t.unit, "MAC");
}

TEST(Energy, ReadsATableFileAndNamesBadLines) {
  const fs::path d = temp_dir("table");
  write(d / "ok.txt", "# 45 nm, pJ\nmac 0.2\ndram 640  # per 32-bit word\n\nunit pJ\n");
  const CostTable t = read_cost_table((d / "ok.txt").string());
  EXPECT_DOUBLE_EQ(t.mac, 0.2);
  EXPECT_DOUBLE_EQ(t.dram, 640);
  EXPECT_DOUBLE_EQ(t.buffer, 6);  // not given: the default
  EXPECT_EQ(t.unit, "pJ");
  write(d / "bad.txt", "mac 1\nsram 3\n");
  EXPECT_NE(testing::error_of([&] {
              read_cost_table((d / "bad.txt").string());
            }).find("bad.txt:2: unknown key \"sram\""),
            std::string::npos);
  write(d / "nan.txt", "dram lots\n");
  EXPECT_NE(testing::error_of([&] {
              read_cost_table((d / "nan.txt").string());
            }).find("nan.txt:1: dram = \"lots\" is not a number"),
            std::string::npos);
  EXPECT_NE(testing::error_of([&] {
              read_cost_table((d / "none.txt").string());
            }).find("none.txt: cannot open"),
            std::string::npos);
  fs::remove_all(d);
}

TEST(Energy, ModelCountsAccessesPerLevel) {
  graph::StepInfo s;
  s.macs = 14 * 32 * 100;  // a whole number of 14x32 register tiles
  s.input_bytes = 4000;
  s.output_bytes = 800;
  s.weight_bytes = 1200;
  s.workspace_bytes = 400;
  const EnergyBreakdown e = model_energy(s, /*dram_bytes=*/2000, {14, 32}, CostTable{});
  EXPECT_DOUBLE_EQ(e.macs, 44800);
  EXPECT_DOUBLE_EQ(e.rf, 3 * 44800);
  // L1 loads: 100 reduction steps x (14 + 32) words per tile x 1 tile... per MAC 1/32 + 1/14,
  // i.e. 1400 + 3200 = 4600 words, plus 200 output words.
  EXPECT_DOUBLE_EQ(e.noc, 4800);
  EXPECT_DOUBLE_EQ(e.buffer, (4000 + 800 + 1200 + 800) / 4.0);
  EXPECT_DOUBLE_EQ(e.dram, 500);
  EXPECT_DOUBLE_EQ(e.total(), 44800 + 3 * 44800 + 2 * 4800 + 6 * 1700 + 200 * 500);
}

TEST(Energy, RaplAbsentSaysWhy) {
  const RaplReading r = read_rapl("/nonexistent/powercap");
  EXPECT_FALSE(r.available);
  EXPECT_EQ(r.reason.rfind("unavailable: /nonexistent/powercap not present", 0), 0u) << r.reason;
}

TEST(Energy, RaplReadsPackageDomainsAndHandlesWrapAround) {
  const fs::path d = temp_dir("rapl");
  write(d / "intel-rapl:0/name", "package-0\n");
  write(d / "intel-rapl:0/energy_uj", "1000000\n");
  write(d / "intel-rapl:0/max_energy_range_uj", "10000000\n");
  write(d / "intel-rapl:0:0/name", "core\n");  // a sub-zone: not counted again
  write(d / "intel-rapl:0:0/energy_uj", "5\n");
  write(d / "intel-rapl:1/name", "psys\n");  // not a package
  write(d / "intel-rapl:1/energy_uj", "5\n");
  const RaplReading a = read_rapl(d.string());
  ASSERT_TRUE(a.available) << a.reason;
  ASSERT_EQ(a.files.size(), 1u);
  write(d / "intel-rapl:0/energy_uj", "3500000\n");
  EXPECT_DOUBLE_EQ(rapl_joules(a, read_rapl(d.string())), 2.5);
  write(d / "intel-rapl:0/energy_uj", "500000\n");  // wrapped: 9 J to the top, then 0.5 J
  EXPECT_DOUBLE_EQ(rapl_joules(a, read_rapl(d.string())), 9.5);
  fs::remove_all(d / "intel-rapl:0/energy_uj");
  const RaplReading gone = read_rapl(d.string());
  EXPECT_FALSE(gone.available);
  EXPECT_NE(gone.reason.find("energy_uj"), std::string::npos) << gone.reason;
  fs::remove_all(d);
}

}  // namespace
}  // namespace loupe::analysis
