// loupe accel: exit codes, one-line errors for bad specs, and the --json keys of DESIGN.md.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

namespace loupe::testing {
namespace {

std::string write(const std::string& name, const std::string& text) {
  const auto p = scratch_dir() / name;
  std::ofstream(p) << text;
  return p.string();
}

constexpr const char* kLayer = "--layer conv:C=3,M=32,E=112,F=112,R=3,S=3,U=2";

void expect_one_line_error(const std::string& args, const std::string& needle) {
  const CliResult r = run_loupe(args);
  EXPECT_EQ(r.code, 1) << args << "\n" << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(CliAccel, BadYamlNamesFileLineAndKey) {
  const std::string arch =
      write("bad.yaml", "name: x\nlevels:\n  - name: DRAM\n    wrods: 4\ncompute: {}\n");
  expect_one_line_error(std::string("accel ") + kLayer + " --arch " + arch,
                        "bad.yaml:4: unknown key \"wrods\"");
  const std::string syntax = write("syntax.yaml", "levels: [\n");
  expect_one_line_error(std::string("accel ") + kLayer + " --arch " + syntax, "syntax.yaml:");
}

TEST(CliAccel, ZeroMesh) {
  const std::string arch = write(
      "zero.yaml", "levels:\n  - {name: DRAM}\n  - {name: RF, mesh_x: 0}\ncompute: {mesh_x: 0}\n");
  expect_one_line_error(std::string("accel ") + kLayer + " --arch " + arch, "mesh 0x1");
}

TEST(CliAccel, BadMappings) {
  const std::string unknown = write("unknown.map", "DRAM: E8 F2 M4\nglb: E14\n");
  expect_one_line_error(
      std::string("accel ") + kLayer + " --arch timeloop-eyeriss-like --mapping " + unknown,
      "level \"glb\": unknown level");
  const std::string factors = write("factors.map", "DRAM: E8 F112 M32 C3 R3 S3\n");
  expect_one_line_error(
      std::string("accel ") + kLayer + " --arch timeloop-eyeriss-like --mapping " + factors,
      "factors of E multiply to 8");  // checked in N M C E F R S order
  const std::string capacity = write("capacity.map", "DRAM: E112 F112\npsum_spad: M32 C3 R3 S3\n");
  expect_one_line_error(
      std::string("accel ") + kLayer + " --arch timeloop-eyeriss-like --mapping " + capacity,
      "tiles need");
}

TEST(CliAccel, Section4MappingJson) {
  const std::string m = write("s4.map",
                              "DRAM: E8 F2 M4\nshared_glb: E14 F4 | X: F14 | Y: C3 S3\n"
                              "weights_spad: R3\npsum_spad: M8\n");
  const CliResult r = run_loupe(std::string("accel ") + kLayer +
                                " --arch timeloop-eyeriss-like --json --mapping " + m);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  for (const char* k : {"arch", "dataflow", "layers", "total"}) EXPECT_TRUE(j.contains(k)) << k;
  const auto& l = j["layers"][0];
  for (const char* k : {"name", "macs", "cycles", "utilization", "active_pes", "energy_pj",
                        "energy_by_level", "accesses", "mapping"}) {
    EXPECT_TRUE(l.contains(k)) << k;
  }
  // REFERENCE.md §4: 86,016 cycles; GLB input reads 1,354,752.
  EXPECT_EQ(l["cycles"].get<int64_t>(), 86016);
  EXPECT_EQ(l["accesses"]["shared_glb"]["inputs"]["reads"].get<int64_t>(), 1354752);
  EXPECT_EQ(l["accesses"]["psum_spad"]["outputs"]["instances"].get<int64_t>(), 126);
}

TEST(CliAccel, UsageAndSystolic) {
  EXPECT_EQ(run_loupe("accel").code, 2);  // neither MODEL nor --layer
  EXPECT_EQ(run_loupe(std::string("accel alexnet ") + kLayer).code, 2);
  expect_one_line_error(std::string("accel ") + kLayer + " --dataflow xyz", "--dataflow xyz");
  const CliResult r =
      run_loupe("accel --layer conv:C=3,M=96,E=55,F=55,R=11,S=11,U=4 --arch systolic:32x32 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  // REFERENCE.md §5: 112,283 cycles.
  EXPECT_EQ(nlohmann::json::parse(r.out)["layers"][0]["cycles"].get<int64_t>(), 112283);
}

}  // namespace
}  // namespace loupe::testing

namespace loupe::testing {
namespace {

TEST(CliAccel, TimeloopFilesThroughTheOrdinaryFlags) {
  const std::string d = std::string(LOUPE_SOURCE_DIR) + "/tests/accel/data/section4/";
  const CliResult r =
      run_loupe("accel --layer " + d + "problem.yaml --arch " + d + "arch.yaml --mapping " + d +
                "map.txt --energy " + d + "ERT_summary.yaml --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  // REFERENCE.md §4: 86,016 cycles, DRAM input reads 157,296, 5469.65 fJ/MAC (0.1%).
  EXPECT_EQ(j["layers"][0]["cycles"].get<int64_t>(), 86016);
  EXPECT_EQ(j["layers"][0]["accesses"]["DRAM"]["inputs"]["reads"].get<int64_t>(), 157296);
  EXPECT_NEAR(j["total"]["energy_per_mac"].get<double>() * 1000, 5469.65, 5.47);
}

}  // namespace
}  // namespace loupe::testing
