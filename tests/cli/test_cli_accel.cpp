// loupe accel: exit codes, one-line errors for bad specs, and the --json keys of DESIGN.md.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "analysis/chromium.hpp"
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

TEST(CliAccel, YamlMappingTypoIsOneLine) {
  const std::string m = write("typo.yaml",
                              "mapping:\n  DRAM:\n    temporal: [E: 8, F: 2, M: 4]\n"
                              "  shared_glb:\n    temporal: [E: 14, F: 4]\n    spatial_x: [F: 14]\n"
                              "    spatial_why: [C: 3, S: 3]\n");
  expect_one_line_error(
      std::string("accel ") + kLayer + " --arch timeloop-eyeriss-like --mapping " + m,
      "typo.yaml:7: key \"spatial_why\": unknown key in level \"shared_glb\" (did you mean "
      "spatial_y?)");
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

namespace loupe::testing {
namespace {

// The text between `<svg id="ID"` and its `</svg>`.
std::string svg_of(const std::string& html, const std::string& id) {
  const size_t a = html.find("<svg id=\"" + id + "\"");
  if (a == std::string::npos) return "";
  return html.substr(a, html.find("</svg>", a) - a);
}

// LeNet-5 (2 CONV + 3 FC) under every dataflow: small enough for the sanitizer build.
constexpr const char* kHtmlRun = "accel lenet5 --arch eyeriss-isca16 --dataflow all --batch 2";
constexpr int kLenetLayers = 5;
const char* const kDataflows[] = {"rs", "ws", "os_a", "os_b", "os_c", "is", "nlr"};

TEST(CliAccel, HtmlHasBarsPerLayerAndPerDataflowWithEveryLevel) {
  const std::string html = (scratch_dir() / "accel.html").string();
  const CliResult r = run_loupe(std::string(kHtmlRun) + " --html " + html);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("HTML report: " + html), std::string::npos);
  const std::string page = slurp(html);
  EXPECT_EQ(page.find("<script"), std::string::npos);  // self-contained: nothing fetched
  EXPECT_EQ(page.find("http://"), page.find("http://www.w3.org/2000/svg"));
  for (const char* df : kDataflows) {
    EXPECT_EQ(count_of(svg_of(page, std::string("layers-") + df), "<g class=\"bar\""), kLenetLayers)
        << df;
  }
  for (const char* id : {"dataflows-conv", "dataflows-fc"}) {
    const std::string svg = svg_of(page, id);
    EXPECT_EQ(count_of(svg, "<g class=\"bar\""), 7) << id;
    for (const char* df : kDataflows) {
      EXPECT_NE(svg.find(std::string(">") + df + "</text>"), std::string::npos) << id << df;
    }
  }
  // eyeriss-isca16's levels, the NoC and the MAC: each in the legend with one colour, and that
  // colour on the RS layer bars (every level costs something there).
  const std::string rs = svg_of(page, "layers-rs");
  for (const char* level : {"DRAM", "GLB", "RF", "NoC", "MAC"}) {
    const std::string tag = std::string("</i>") + level + "</span>";
    const size_t at = page.find(tag);
    ASSERT_NE(at, std::string::npos) << level;
    const size_t bg = page.rfind("background:", at);
    const std::string color = page.substr(bg + 11, 7);
    EXPECT_GE(count_of(rs, "fill=\"" + color + "\""), kLenetLayers) << level << " " << color;
    EXPECT_EQ(count_of(page, "background:" + color), count_of(page, tag)) << level;
  }
  // The per-layer table of each dataflow: one row per layer with its mapping.
  EXPECT_EQ(count_of(page, "<table class=\"layers\">"), 7);
  EXPECT_EQ(count_of(page, "<td><code>"), 7 * kLenetLayers);
}

TEST(CliAccel, HtmlRendersInChromium) {
  const auto dir = scratch_dir();
  const auto html = dir / "accel_render.html";
  const CliResult r = run_loupe(std::string(kHtmlRun) + " --json --html " + html.string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(nlohmann::json::accept(r.out));  // --json keeps stdout one document
  ASSERT_TRUE(std::filesystem::exists(html));
  if (find_chromium().empty()) {
    GTEST_SKIP() << "chromium not installed (apt-get install chromium; scripts/deps.sh)";
  }
  std::ofstream(dir / "blank.html") << "<!DOCTYPE html><html><body></body></html>\n";
  const int64_t png = chromium_screenshot(html, dir / "accel.png", 1000, 2400);
  const int64_t blank = chromium_screenshot(dir / "blank.html", dir / "blank.png", 1000, 2400);
  ASSERT_GT(png, 0);
  EXPECT_GT(png, 4 * blank);
  const std::string dom = chromium_dump_dom(html);
  EXPECT_EQ(count_of(dom, "<svg id=\"dataflows-"), 2);
  EXPECT_EQ(count_of(dom, "<svg id=\"layers-"), 7);
  EXPECT_EQ(count_of(dom, "<g class=\"bar\""), 2 * 7 + 7 * kLenetLayers);
}

TEST(CliAccel, HtmlUnwritablePath) {
  expect_one_line_error(std::string("accel ") + kLayer + " --html /nonexistent/dir/a.html",
                        "/nonexistent/dir/a.html: cannot write the HTML report");
}

}  // namespace
}  // namespace loupe::testing
