// Dataflows and the mapper on AlexNet (REFERENCE.md §3).
#include <gtest/gtest.h>

#include <map>

#include "accel/mapper.hpp"
#include "accel/sparsity.hpp"
#include "accel/workload.hpp"
#include "zoo/zoo.hpp"

namespace loupe::accel {
namespace {

std::vector<Workload> alexnet(int64_t batch) {
  std::vector<Workload> out;
  for (Workload& w : workloads_from_graph(zoo::build("alexnet", batch))) {
    if (w.mappable) out.push_back(w);
  }
  return out;
}

TEST(Mapper, RowStationaryFindsEyerissActivePes) {
  const std::vector<Workload> layers = alexnet(4);
  ASSERT_EQ(layers.size(), 8u);
  const Arch arch = arch_preset("eyeriss");
  MapperOptions o;
  const std::vector<MapResult> r = map_all(arch, layers, {Dataflow::rs}, o);
  // REFERENCE.md §3: "CONV1 11x14 = 154, CONV2 5x27 = 135, CONV3-5 3x13x4 = 156".
  const int64_t expected[5] = {154, 135, 156, 156, 156};
  int64_t dram = 0, macs = 0;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(r[i].found) << layers[i].name;
    EXPECT_EQ(r[i].analysis.active_pes, expected[i]) << layers[i].name;
    dram += r[i].analysis.dram_accesses;
    macs += r[i].analysis.macs;
  }
  // REFERENCE.md §3: "0.0029 DRAM accesses per MAC" over CONV1-5 at batch 4. The chip also
  // run-length compresses activations (57.5% ifmap zeros in the same table); this count does
  // not, so the band is a factor of 2.5 above and 2 below (a loose band, set after a first run;
  // the compressed count below is the real check).
  const double per_mac = static_cast<double>(dram) / static_cast<double>(macs);
  EXPECT_GT(per_mac, 0.0029 / 2);
  EXPECT_LT(per_mac, 0.0029 * 2.5);
  // The same count with Eyeriss's RLC of the ifmaps read from DRAM at REFERENCE.md §3 Table V's
  // "ifmap zeros" column (0.01%, 38.7%, 72.5%, 79.3%, 77.6% for CONV1-5) against the table's
  // 0.0029 per MAC, within +-25% (band fixed before the run). Output RLC is not modelled, so this
  // can only read high.
  const double zeros[5] = {0.0001, 0.387, 0.725, 0.793, 0.776};
  int64_t compressed = 0;
  for (int i = 0; i < 5; ++i) {
    compressed +=
        apply_sparsity(r[i].arch, r[i].analysis, zeros[i], SparseMode::gating).dram_accesses;
  }
  const double rlc_per_mac = static_cast<double>(compressed) / static_cast<double>(macs);
  EXPECT_GT(rlc_per_mac, 0.0029 * 0.75);
  EXPECT_LT(rlc_per_mac, 0.0029 * 1.25);
  for (const MapResult& m : r) {
    ASSERT_TRUE(m.found);
    EXPECT_NO_THROW(validate_mapping(m.arch, layers[&m - r.data()], m.mapping, "mapper"));
  }
}

TEST(Mapper, DeterministicPerSeed) {
  const Workload w = parse_layer_spec("conv:C=64,M=64,E=28,F=28,R=3,S=3");
  const Arch arch = arch_preset("eyeriss-isca16");
  MapperOptions o;
  o.samples = 400;
  o.refine = 200;
  const MapResult a = map_layer(arch, w, Dataflow::ws, o);
  const MapResult b = map_layer(arch, w, Dataflow::ws, o);
  ASSERT_TRUE(a.found);
  EXPECT_EQ(mapping_to_string(a.arch, a.mapping), mapping_to_string(b.arch, b.mapping));
  EXPECT_EQ(a.analysis.energy, b.analysis.energy);
}

TEST(Mapper, ObjectivesTradeOff) {
  const Workload w = parse_layer_spec("conv:C=64,M=64,E=28,F=28,R=3,S=3");
  const Arch arch = arch_preset("eyeriss-isca16");
  MapperOptions e, d;
  d.objective = Objective::delay;
  const MapResult re = map_layer(arch, w, Dataflow::rs, e);
  const MapResult rd = map_layer(arch, w, Dataflow::rs, d);
  EXPECT_LE(re.analysis.energy, rd.analysis.energy);
  EXPECT_LE(rd.analysis.cycles, re.analysis.cycles);
}

// REFERENCE.md §3 "Dataflow comparison (ISCA'16; 256 PEs, equal area, ...)": every dataflow
// gets the same storage bytes (RS's 256 x 512 B RF + 128 kB buffer), split its own way; the
// non-RS dataflows keep one word per kept tensor in the PE (their PE loops never index it).
TEST(Mapper, Isca16EqualAreaSplit) {
  const Arch base = arch_preset("eyeriss-isca16");
  ASSERT_TRUE(base.equal_area);
  auto bytes = [](const Arch& a) {
    int64_t bits = 0;
    for (const StorageLevel& l : a.levels) bits += l.words * l.word_bits * l.instances();
    return bits / 8;
  };
  const int64_t total = 256 * 512 + 128 * 1024;  // §3: 256 PEs x 512 B RF, 128 kB buffer
  EXPECT_EQ(bytes(base), total);
  for (Dataflow d : parse_dataflows("all")) {
    const Arch a = arch_for_dataflow(base, d);
    EXPECT_EQ(bytes(a), total) << dataflow_name(d);
    const StorageLevel& rf = a.levels.back();
    int64_t kept = 0;
    for (TensorKind t : kAllTensorKinds) kept += rf.keeps_tensor(t) ? 1 : 0;
    EXPECT_EQ(rf.words, d == Dataflow::rs ? 256 : kept) << dataflow_name(d);
  }
  EXPECT_EQ(arch_for_dataflow(base, Dataflow::nlr).levels[1].words, 2 * 65536);  // 256 kB
  // Without the flag the split is the arch as written.
  Arch same = base;
  same.equal_area = false;
  EXPECT_EQ(arch_for_dataflow(same, Dataflow::ws).levels[1].words, 65536);
}

// REFERENCE.md §3 "Dataflow comparison (ISCA'16; 256 PEs, ...; AlexNet, batch 16)": RS uses the
// least energy per MAC on the CONV layers and on the FC layers, and every other dataflow's energy
// per MAC over RS's is within +-25% of the figure's ratios (REFERENCE.md:53-54).
TEST(Mapper, Isca16OrderingRowStationaryLeast) {
  const std::vector<Workload> layers = alexnet(16);
  const Arch arch = arch_preset("eyeriss-isca16");
  const std::vector<Dataflow> dfs = parse_dataflows("all");
  const std::vector<MapResult> r = map_all(arch, layers, dfs, MapperOptions{});
  std::map<Dataflow, double> conv, fc;
  double conv_macs = 0, fc_macs = 0;
  for (size_t l = 0; l < layers.size(); ++l) {
    for (size_t d = 0; d < dfs.size(); ++d) {
      const MapResult& m = r[l * dfs.size() + d];
      ASSERT_TRUE(m.found) << layers[l].name << " " << dataflow_name(dfs[d]);
      (layers[l].fc ? fc : conv)[dfs[d]] += m.analysis.energy;
    }
    (layers[l].fc ? fc_macs : conv_macs) += static_cast<double>(layers[l].macs());
  }
  for (Dataflow d : dfs) {
    if (d == Dataflow::rs) continue;
    EXPECT_LT(conv[Dataflow::rs], conv[d]) << dataflow_name(d);
    EXPECT_LT(fc[Dataflow::rs], fc[d]) << dataflow_name(d);
  }
  // REFERENCE.md:53-54: CONV, FC energy / MAC normalized to RS.
  const std::map<Dataflow, std::pair<double, double>> paper = {{Dataflow::ws, {1.92, 2.23}},
                                                               {Dataflow::os_a, {1.42, 2.36}},
                                                               {Dataflow::os_b, {1.45, 1.88}},
                                                               {Dataflow::os_c, {1.75, 1.80}},
                                                               {Dataflow::nlr, {2.15, 1.40}}};
  for (const auto& [d, ratio] : paper) {
    const double c = conv[d] / conv[Dataflow::rs], f = fc[d] / fc[Dataflow::rs];
    EXPECT_NEAR(c, ratio.first, 0.25 * ratio.first) << "CONV " << dataflow_name(d);
    EXPECT_NEAR(f, ratio.second, 0.25 * ratio.second) << "FC " << dataflow_name(d);
  }
}

}  // namespace
}  // namespace loupe::accel
