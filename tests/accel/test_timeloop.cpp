// REFERENCE.md §4 again, from Timeloop-format files written from the reference (tests/accel/data/
// section4): problem YAML, v0.4 arch with containers and constraints, map.txt, ERT_summary.yaml.
#include <gtest/gtest.h>

#include "accel/analysis.hpp"
#include "accel/mapping.hpp"
#include "accel/timeloop.hpp"

namespace loupe::accel {
namespace {

const std::string kDir = std::string(LOUPE_SOURCE_DIR) + "/tests/accel/data/section4/";

const TensorAccess& at(const Analysis& a, const std::string& level, TensorKind t) {
  for (const LevelResult& l : a.levels) {
    if (l.name == level) return l.tensors[static_cast<int>(t)];
  }
  throw std::runtime_error("no level " + level);
}

TEST(Timeloop, Section4FromTimeloopFiles) {
  Arch arch = load_arch_file(kDir + "arch.yaml");
  ASSERT_EQ(arch.levels.size(), 5u);
  EXPECT_EQ(arch.compute.instances(), 168);
  EXPECT_FALSE(arch.levels[1].keeps_tensor(TensorKind::weights));  // "weights bypass it"
  EXPECT_EQ(arch.levels[1].words, 131072);                         // 16384 x 64 b, 8-bit words
  apply_ert(arch, kDir + "ERT_summary.yaml");
  const Workload w = load_timeloop_problem(kDir + "problem.yaml");
  EXPECT_EQ(w.macs(), 10838016);
  const Mapping m = load_mapping_file(kDir + "map.txt", arch);
  const Analysis a = analyze(arch, w, m);
  // REFERENCE.md §4 "Results".
  EXPECT_EQ(a.cycles, 86016);
  EXPECT_EQ(a.used_pes, 126);
  EXPECT_EQ(at(a, "psum_spad", TensorKind::outputs).reads, 57344);
  EXPECT_EQ(at(a, "psum_spad", TensorKind::outputs).updates, 86016);
  EXPECT_EQ(at(a, "weights_spad", TensorKind::weights).reads, 86016);
  EXPECT_EQ(at(a, "weights_spad", TensorKind::weights).fills, 1536);
  EXPECT_EQ(at(a, "ifmap_spad", TensorKind::inputs).reads, 86016);
  EXPECT_EQ(at(a, "ifmap_spad", TensorKind::inputs).fills, 10752);
  EXPECT_EQ(at(a, "shared_glb", TensorKind::inputs).reads, 1354752);
  EXPECT_EQ(at(a, "shared_glb", TensorKind::inputs).fills, 157296);
  EXPECT_EQ(at(a, "shared_glb", TensorKind::outputs).updates, 401408);
  EXPECT_EQ(at(a, "DRAM", TensorKind::weights).reads, 13824);
  EXPECT_EQ(at(a, "DRAM", TensorKind::inputs).reads, 157296);
  EXPECT_EQ(at(a, "DRAM", TensorKind::outputs).updates, 401408);
  // "Total 59.28 µJ = 5469.65 fJ/MAC", within 0.1%.
  EXPECT_NEAR(a.energy / static_cast<double>(a.macs) * 1000, 5469.65, 5469.65 * 1e-3);
}

TEST(Timeloop, UnknownLevelInMapTxt) {
  const Arch arch = load_arch_file(kDir + "arch.yaml");
  try {
    parse_timeloop_map("DummyBuffer [ ]\n| for Q in [0:2)\n", "x.map.txt", arch);
    FAIL() << "no error";
  } catch (const loupe::Error& e) {
    EXPECT_NE(std::string(e.what()).find("x.map.txt:1: level \"DummyBuffer\""), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace loupe::accel

namespace loupe::accel {
namespace {

// loupe's own arch / layer / mapping written in Timeloop's formats load back to the same counts.
TEST(Timeloop, EmitRoundTrips) {
  const Arch arch = arch_preset("timeloop-eyeriss-like");
  const Workload w = parse_layer_spec("conv:C=3,M=32,E=112,F=112,R=3,S=3,U=2");
  const Mapping m = parse_mapping_text(
      "DRAM: E8 F2 M4\nshared_glb: E14 F4 | X: F14 | Y: C3 S3\nweights_spad: R3\npsum_spad: M8\n",
      "m", arch);
  const std::string dir = std::string(LOUPE_BINARY_DIR) + "/accel_emit_test";
  emit_timeloop(dir, arch, w, &m);
  Arch back = load_arch_file(dir + "/arch.yaml");
  apply_ert(back, dir + "/ERT_summary.yaml");
  const Workload wb = load_timeloop_problem(dir + "/problem.yaml");
  const Mapping mb = load_mapping_file(dir + "/map.txt", back);
  const Analysis a = analyze(arch, w, m), b = analyze(back, wb, mb);
  EXPECT_EQ(a.cycles, b.cycles);
  EXPECT_EQ(a.dram_accesses, b.dram_accesses);
  EXPECT_NEAR(a.energy, b.energy, 1e-9 * a.energy);
  for (size_t i = 0; i < a.levels.size(); ++i) {
    for (int t = 0; t < kTensorKinds; ++t) {
      EXPECT_EQ(a.levels[i].tensors[t].reads, b.levels[i].tensors[t].reads);
      EXPECT_EQ(a.levels[i].tensors[t].fills, b.levels[i].tensors[t].fills);
      EXPECT_EQ(a.levels[i].tensors[t].updates, b.levels[i].tensors[t].updates);
    }
  }
}

}  // namespace
}  // namespace loupe::accel
