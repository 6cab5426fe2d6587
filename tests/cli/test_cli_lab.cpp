// `loupe peak` and `loupe profile` as a user runs them: exit codes, one JSON document on stdout
// with --json, one-line errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>

#include "analysis/chromium.hpp"
#include "analysis/json_schema.hpp"
#include "cli/cli_runner.hpp"

namespace loupe::testing {
namespace {

TEST(CliLab, PeakJsonIsOneDocument) {
  const CliResult r = run_loupe("peak --json --threads 1 --repeats 1 --ms 2");
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["threads"], 1);
  EXPECT_GT(j["peak_gflops"].get<double>(), 0);
  EXPECT_TRUE(r.err.empty()) << r.err;  // no progress output when stderr is not a terminal
}

TEST(CliLab, PeakTableNamesTheCeilings) {
  const CliResult r = run_loupe("peak --threads 1 --repeats 1 --ms 2");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("GFLOP/s"), std::string::npos);
  EXPECT_NE(r.out.find("DRAM"), std::string::npos);
}

TEST(CliLab, PeakRejectsBadThreads) {
  const CliResult r = run_loupe("peak --threads -3");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--threads -3"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace loupe::testing

namespace loupe::testing {
namespace {

TEST(CliLab, ProfileJsonValidatesAgainstTheSchema) {
  const CliResult r = run_loupe("profile lenet5 --json --runs 2 --warmup 1");
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);  // one document, nothing else
  const std::vector<std::string> errors = validate(load_schema("profile.schema.json"), j);
  EXPECT_TRUE(errors.empty()) << errors.front();
  ASSERT_GE(j["layers"].size(), 5u);
  EXPECT_EQ(j["model"], "lenet5");
  EXPECT_EQ(j["runs"], 2);
  EXPECT_EQ(j["warmup"], 1);
  int counted = 0;
  for (const auto& l : j["layers"]) {
    if (l["macs"].get<int64_t>() == 0) continue;
    ++counted;
    EXPECT_GE(l["effectual_macs"].get<int64_t>(), 0) << l["name"];
    EXPECT_LE(l["effectual_macs"].get<int64_t>(), l["macs"].get<int64_t>()) << l["name"];
  }
  EXPECT_EQ(counted, 5);  // LeNet-5: 2 CONV + 3 FC
  // The peak is the one of the ISA and thread count that ran.
  EXPECT_EQ(j["peak"]["isa"], j["isa"]);
  EXPECT_EQ(j["peak"]["threads"], j["threads"]);
  // Stderr is a file here, not a terminal: no progress bar in it.
  EXPECT_EQ(r.err.find("[#"), std::string::npos) << r.err;
}

TEST(CliLab, ProfileAllAlgorithmsTabulatesTimeAndError) {
  const CliResult r = run_loupe("profile lenet5 --json --runs 1 --warmup 0 --all-algorithms");
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  int trials = 0;
  for (const auto& l : j["layers"]) {
    if (!l.contains("algorithms")) continue;
    for (const auto& t : l["algorithms"]) {
      ++trials;
      // Every algorithm is checked against the fp64 reference on this layer.
      EXPECT_LT(t["rel_l2_error"].get<double>(), 1e-3) << l["name"] << " " << t["algorithm"];
    }
  }
  EXPECT_GE(trials, 2);  // at least one algorithm per CONV layer
  EXPECT_TRUE(validate(load_schema("profile.schema.json"), j).empty());
}

// Renders `model`'s lab report in headless Chromium and checks that every plot is there.
void expect_report_renders(const std::string& model, const std::string& flags, int min_layers) {
  const auto dir = scratch_dir();
  const auto html = dir / (model + ".html");
  const CliResult r = run_loupe("profile " + model + " " + flags + " --html " + html.string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("HTML report: " + html.string()), std::string::npos);
  EXPECT_NE(r.out.find("latency"), std::string::npos);
  EXPECT_NE(r.out.find("throughput"), std::string::npos);
  ASSERT_TRUE(std::filesystem::exists(html));
  if (find_chromium().empty()) {
    GTEST_SKIP() << "chromium not installed (apt-get install chromium; scripts/deps.sh)";
  }
  std::ofstream(dir / "blank.html") << "<!DOCTYPE html><html><body></body></html>\n";
  const int64_t png = chromium_screenshot(html, dir / (model + ".png"), 1000, 2400);
  const int64_t blank = chromium_screenshot(dir / "blank.html", dir / "blank.png", 1000, 2400);
  ASSERT_GT(png, 0);
  EXPECT_GT(png, 4 * blank);
  const std::string dom = chromium_dump_dom(html);
  for (const char* id : {"roofline", "time", "percent", "attribution", "macs", "energy"}) {
    EXPECT_EQ(count_of(dom, std::string("<svg id=\"") + id + "\""), 1) << id;
  }
  // A roofline point for at least every CONV / FC step.
  EXPECT_GE(count_of(dom, "<circle class=\"layer\""), min_layers);
}

TEST(CliLab, ProfileHtmlRendersInChromium) { expect_report_renders("lenet5", "--runs 2", 5); }

// Issue 6's acceptance: the ResNet-50 report (one timed run and no effectual-MAC reference run,
// so that the sanitizer build stays fast; the plots are the same).
TEST(CliLab, ResNet50ReportRendersInChromium) {
  expect_report_renders("resnet50", "--runs 1 --warmup 0 --no-effectual", 54);
}

TEST(CliLab, ProfileErrors) {
  EXPECT_EQ(run_loupe("profile lenet5 --runs 0").code, 2);
  const CliResult bad = run_loupe("profile no-such-model");
  EXPECT_EQ(bad.code, 1);
  const CliResult table = run_loupe("profile lenet5 --runs 1 --energy-table /nonexistent/t.txt");
  EXPECT_EQ(table.code, 1);
  EXPECT_NE(table.err.find("/nonexistent/t.txt: cannot open the energy cost table"),
            std::string::npos)
      << table.err;
}

}  // namespace
}  // namespace loupe::testing
