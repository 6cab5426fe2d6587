// Arch YAML, mapping text / YAML and --layer parsers: every bad input is one loupe::Error naming
// the file, line and key (DESIGN.md; issue 7 acceptance "fuzz-ish tests").
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "accel/analysis.hpp"
#include "accel/arch.hpp"
#include "accel/mapping.hpp"
#include "accel/workload.hpp"

namespace loupe::accel {
namespace {

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const loupe::Error& e) {
    return e.what();
  }
  return "";
}

constexpr const char* kGood = R"(name: tiny
levels:
  - name: DRAM
    keeps: [weights, inputs, outputs]
  - name: RF
    words: 64
    mesh_x: 4
    mesh_y: 2
compute: {mesh_x: 4, mesh_y: 2}
)";

TEST(ArchYaml, ParsesAndDefaults) {
  const Arch a = parse_arch_yaml(kGood, "tiny.yaml");
  ASSERT_EQ(a.levels.size(), 2u);
  EXPECT_EQ(a.levels[1].instances(), 8);
  EXPECT_EQ(a.fanout_x(0), 4);
  EXPECT_EQ(a.fanout_y(0), 2);
  EXPECT_EQ(a.fanout_x(1), 1);
}

TEST(ArchYaml, PresetsParse) {
  for (const char* n : {"eyeriss", "eyeriss-isca16", "timeloop-eyeriss-like", "systolic:8x4"}) {
    const Arch a = arch_preset(n);
    EXPECT_FALSE(a.levels.empty()) << n;
  }
  EXPECT_EQ(arch_preset("eyeriss").compute.instances(), 168);  // REFERENCE.md §3: 12 x 14 PEs
  EXPECT_EQ(arch_preset("eyeriss-isca16").compute.instances(), 256);  // §3 ISCA'16: 256 PEs
}

TEST(ArchYaml, ErrorsNameLineAndKey) {
  std::string bad = kGood;
  bad.replace(bad.find("words: 64"), 9, "word: 64");
  const std::string e1 = error_of([&] { parse_arch_yaml(bad, "a.yaml"); });
  EXPECT_NE(e1.find("a.yaml:6:"), std::string::npos) << e1;
  EXPECT_NE(e1.find("\"word\""), std::string::npos) << e1;
  EXPECT_NE(e1.find("did you mean words"), std::string::npos) << e1;

  std::string zero = kGood;
  zero.replace(zero.find("mesh_x: 4\n"), 9, "mesh_x: 0");
  EXPECT_NE(error_of([&] { parse_arch_yaml(zero, "z.yaml"); }).find("mesh 0x2"), std::string::npos);

  const std::string syntax = "levels: [\n";
  EXPECT_NE(error_of([&] { parse_arch_yaml(syntax, "s.yaml"); }).find("s.yaml:"),
            std::string::npos);

  std::string notint = kGood;
  notint.replace(notint.find("words: 64"), 9, "words: lots");
  const std::string e4 = error_of([&] { parse_arch_yaml(notint, "n.yaml"); });
  EXPECT_NE(e4.find("n.yaml:6:"), std::string::npos) << e4;
  EXPECT_NE(e4.find("\"words\""), std::string::npos) << e4;

  const std::string area = std::string("equal_area: maybe\n") + kGood;
  const std::string e5 = error_of([&] { parse_arch_yaml(area, "e.yaml"); });
  EXPECT_NE(e5.find("e.yaml:1:"), std::string::npos) << e5;
  EXPECT_NE(e5.find("\"equal_area\""), std::string::npos) << e5;

  std::string tensor = kGood;
  tensor.replace(tensor.find("weights, inputs"), 7, "filters");
  EXPECT_NE(error_of([&] { parse_arch_yaml(tensor, "t.yaml"); }).find("unknown tensor \"filters\""),
            std::string::npos);

  EXPECT_NE(error_of([] { arch_preset("systolic:0x4"); }).find("systolic"), std::string::npos);
  EXPECT_NE(error_of([] { resolve_arch("/nonexistent/arch.yaml"); }).find("cannot open"),
            std::string::npos);
}

TEST(MappingText, Errors) {
  const Arch arch = parse_arch_yaml(kGood, "tiny.yaml");
  const Workload w = parse_layer_spec("conv:C=4,M=8,E=4,F=4,R=3,S=3");
  auto check = [&](const std::string& text, const std::string& expect) {
    const std::string e = error_of([&] {
      const Mapping m = parse_mapping_text(text, "m.txt", arch);
      analyze(arch, w, m);
    });
    EXPECT_NE(e.find(expect), std::string::npos) << text << " -> " << e;
  };
  check("DRAM: C4 M8 E4 F4 R3 S3\nGB: M1\n", "m.txt:2: level \"GB\": unknown level");
  check("DRAM: C4 M8 E4 F4 R3 Z3\n", "unknown loop dimension 'Z'");
  check("DRAM: C4 M8 E4 F4 R3 S0\n", "needs a positive factor");
  check("DRAM: C4 M8 E4 F4 R3\n", "factors of S multiply to 1, the layer has S=3");
  check("DRAM: C4 E4 F4 R3 S3 | X: M8\n", "exceed its fanout");
  check("DRAM: C4 M2 E4 F4 R3 S3 | X: M8\n", "exceed its fanout");
  check("DRAM: C4 M8 E4 F4 R3 S3 E2\n", "far beyond");
  // RF tiles: weights 4*3*3 = 36, inputs 3 x ((4-1)+3) = 18, outputs 4*4 = 16; 70 > 64.
  check("DRAM: M2 E4 | X: C4\nRF: M4 F4 R3 S3\n", "level \"RF\": tiles need 70 words");
  check("DRAM C4\n", "expected \"LEVEL:");
  check("DRAM: C4 M8 E4 F4 R3 S3\nDRAM: M1\n", "given twice");
}

TEST(MappingText, PaddedFactorsCountActivePes) {
  const Arch arch = parse_arch_yaml(kGood, "tiny.yaml");
  // E = 7 over 4 columns and 2 temporal steps: the padded nest has 8 rows, 7 are real.
  const Workload w = parse_layer_spec("conv:E=7,F=2,M=2");
  const Mapping m = parse_mapping_text("DRAM: E2 F2 | X: E4 | Y: M2\n", "m", arch);
  const Analysis a = analyze(arch, w, m);
  EXPECT_EQ(a.used_pes, 8);
  EXPECT_EQ(a.active_pes, 8);  // every column sees real rows in the first step
  EXPECT_EQ(a.macs, 7 * 2 * 2);
  EXPECT_EQ(a.padded_macs, 8 * 2 * 2);
  const Mapping m2 = parse_mapping_text("DRAM: F2 | X: E4 | Y: E2 M1\n", "m", arch);
  const Workload w2 = parse_layer_spec("conv:E=7,F=2");
  EXPECT_EQ(analyze(arch, w2, m2).active_pes, 7);
}

TEST(LayerSpec, ParsesAndRejects) {
  const Workload w = parse_layer_spec("conv:N=1,C=128,M=256,E=56,F=56,R=3,S=3,U=1");
  EXPECT_EQ(w.macs(), int64_t{256} * 128 * 56 * 56 * 9);
  EXPECT_EQ(w.H(), 58);
  const Workload fc = parse_layer_spec("fc:C=4096,M=1000");
  EXPECT_EQ(fc.macs(), 4096 * 1000);
  const Workload dw = parse_layer_spec("conv:C=32,M=32,G=32,E=112,F=112,R=3,S=3");
  EXPECT_EQ(dw.dim(Dim::C), 1);
  EXPECT_EQ(dw.macs(), int64_t{32} * 112 * 112 * 9);
  EXPECT_NE(error_of([] { parse_layer_spec("conv:C=0"); }).find("positive"), std::string::npos);
  EXPECT_NE(error_of([] { parse_layer_spec("conv:Z=3"); }).find("unknown key"), std::string::npos);
  EXPECT_NE(error_of([] { parse_layer_spec("pool:C=3"); }).find("expected"), std::string::npos);
  EXPECT_NE(error_of([] { parse_layer_spec("conv:C=6,M=4,G=4"); }).find("groups"),
            std::string::npos);
}

// The YAML form of a mapping (docs/accel.md): same Mapping, same analysis as the text format.
// REFERENCE.md §4 "Mapping, loops outer -> inner", in both forms (P Q K written as E F M).
constexpr const char* kText = R"(DRAM: E8 F2 M4
shared_glb: E14 F4 | X: F14 | Y: C3 S3
weights_spad: R3
psum_spad: M8
)";
constexpr const char* kYaml = R"(# MobileNet v1 conv1 on eyeriss_like
mapping:
  DRAM:
    temporal: [E: 8, F: 2, M: 4]
  shared_glb:
    temporal: [E: 14, F: 4]
    spatial_x: [F: 14]
    spatial_y: [C: 3, S: 3]
  weights_spad: {temporal: [R: 3]}
  psum_spad:
    temporal:
      - M: 8
)";

// REFERENCE.md §4 "Layer": N=1, C=3, M=32, R=S=3, E=F=112, stride 2.
Workload section4_layer() { return parse_layer_spec("conv:N=1,C=3,M=32,E=112,F=112,R=3,S=3,U=2"); }

TEST(MappingYaml, DetectedFromContent) {
  EXPECT_TRUE(looks_like_mapping_yaml(kYaml));
  EXPECT_FALSE(looks_like_mapping_yaml(kText));
  EXPECT_FALSE(looks_like_mapping_yaml("DRAM:\nshared_glb: E14\n"));  // text, empty DRAM line
}

TEST(MappingYaml, Section4SameAnalysisAsText) {
  const Arch arch = arch_preset("timeloop-eyeriss-like");
  const Workload w = section4_layer();
  const Mapping text = parse_mapping_text(kText, "s4.map", arch);
  const Mapping yaml = parse_mapping_yaml(kYaml, "s4.yaml", arch, &w);
  EXPECT_EQ(mapping_to_string(arch, yaml), mapping_to_string(arch, text));
  const Analysis a = analyze(arch, w, text);
  const Analysis b = analyze(arch, w, yaml);
  EXPECT_EQ(b.cycles, a.cycles);
  EXPECT_EQ(b.active_pes, a.active_pes);
  EXPECT_EQ(b.energy, a.energy);
  ASSERT_EQ(b.levels.size(), a.levels.size());
  for (size_t i = 0; i < a.levels.size(); ++i) {
    for (TensorKind t : kAllTensorKinds) {
      const TensorAccess& x = a.levels[i].tensors[static_cast<int>(t)];
      const TensorAccess& y = b.levels[i].tensors[static_cast<int>(t)];
      EXPECT_EQ(y.reads, x.reads) << a.levels[i].name;
      EXPECT_EQ(y.fills, x.fills) << a.levels[i].name;
      EXPECT_EQ(y.updates, x.updates) << a.levels[i].name;
      EXPECT_EQ(y.instances, x.instances) << a.levels[i].name;
    }
  }
  // REFERENCE.md §4 "Results": 86,016 cycles, 126 of 168 PEs.
  EXPECT_EQ(b.cycles, 86016);
  EXPECT_EQ(b.active_pes, 126);
}

TEST(MappingYaml, ErrorsNameFileLineAndKey) {
  const Arch arch = arch_preset("timeloop-eyeriss-like");
  const Workload w = section4_layer();
  auto check = [&](const std::string& from, const std::string& to, const std::string& expect) {
    std::string text = kYaml;
    const size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    const std::string e = error_of([&] { parse_mapping_yaml(text, "m.yaml", arch, &w); });
    EXPECT_NE(e.find(expect), std::string::npos) << to << " -> " << e;
  };
  check("  DRAM:", "  dram:", "m.yaml:3: key \"dram\": unknown level (the arch has DRAM,");
  check("M: 4]", "Z: 4]", "m.yaml:4: key \"Z\": unknown loop dimension");
  check("E: 8,", "E: 2.5,", "m.yaml:4: key \"E\": factor must be a positive integer, got \"2.5\"");
  check("E: 8,", "E: x,", "m.yaml:4: key \"E\": factor must be a positive integer, got \"x\"");
  check("E: 8,", "E: 0,", "m.yaml:4: key \"E\": factor must be a positive integer, got \"0\"");
  // E: 4 x 14 = 56 < 112; the line is the one of E's last loop (shared_glb).
  check("E: 8,", "E: 4,", "m.yaml:6: key \"E\": factors of E multiply to 56, the layer has E=112");
  check("- M: 8", "- M: 4", "m.yaml:12: key \"M\": factors of M multiply to 16");
  check("    temporal: [E: 14", "    temporl: [E: 14",
        "m.yaml:6: key \"temporl\": unknown key in level \"shared_glb\" (did you mean temporal?)");
  check("mapping:", "mapings:", "m.yaml:2: key \"mapings\": unknown key (did you mean mapping?)");
  check("[F: 14]", "14", "m.yaml:7: key \"spatial_x\": expected a list of loops");
  check("[F: 14]", "[F: 14, R: 3]", "exceed its fanout");
  check("weights_spad: {", "DRAM: {", "m.yaml:9: key \"DRAM\": level given twice");
  check("[E: 14, F: 4]", "[E: 14, F: 4", "m.yaml:");  // YAML syntax: still file:line
}

}  // namespace
}  // namespace loupe::accel
