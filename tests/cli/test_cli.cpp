// The CLI contract of DESIGN.md: exit codes 0 / 1 (bad input, one line naming the thing) / 2
// (usage), --json prints one JSON document and nothing else on stdout.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

namespace loupe::testing {
namespace {

TEST(Cli, HelpOnEveryCommand) {
  for (const char* cmd : {"", "zoo", "summary", "run"}) {
    const CliResult r = run_loupe(std::string(cmd) + " --help");
    EXPECT_EQ(r.code, 0) << cmd;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << cmd;
  }
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(run_loupe("").code, 2);
  EXPECT_EQ(run_loupe("summary").code, 2);     // MODEL missing
  EXPECT_EQ(run_loupe("frobnicate").code, 2);  // unknown command
  EXPECT_EQ(run_loupe("summary alexnet --batch x").code, 2);
}

TEST(Cli, UnknownZooNameIsOneLineExitOne) {
  const CliResult r = run_loupe("summary alexnett");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("unknown zoo model \"alexnett\""), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST(Cli, BadBatchIsAnError) {
  const CliResult r = run_loupe("summary lenet5 --batch 0");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--batch 0"), std::string::npos) << r.err;
}

TEST(Cli, ZooListsEveryModel) {
  const CliResult r = run_loupe("zoo --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  std::vector<std::string> names;
  for (const auto& m : j["models"]) names.push_back(m["name"]);
  for (const char* want : {"lenet5", "alexnet", "vgg16", "googlenet", "resnet50", "resnet50_v1.5",
                           "mobilenet_v1", "squeezenet"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  }
}

TEST(Cli, SummaryJsonHasTheContractKeys) {
  const CliResult r = run_loupe("summary lenet5 --batch 2 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);  // stdout is exactly one JSON document
  EXPECT_EQ(j["model"], "lenet5");
  EXPECT_EQ(j["batch"], 2);
  ASSERT_FALSE(j["layers"].empty());
  for (const auto& l : j["layers"]) {
    for (const char* k : {"name", "op", "in_shape", "out_shape", "params", "macs", "flops"}) {
      EXPECT_TRUE(l.contains(k)) << k;
    }
  }
  for (const char* k : {"params", "macs", "flops", "activation_bytes"}) {
    EXPECT_TRUE(j["total"].contains(k)) << k;
  }
  // FLOPs are labelled separately from MACs and at least twice them.
  EXPECT_GE(j["total"]["flops"].get<int64_t>(), 2 * j["total"]["macs"].get<int64_t>());
  EXPECT_EQ(j["layers"][0]["in_shape"][0], 2);
}

TEST(Cli, RunWritesOutputsAsNpy) {
  const auto dir = scratch_dir() / "out";
  std::filesystem::remove_all(dir);
  const CliResult r = run_loupe("run lenet5 --reference --output-dir " + dir.string());
  ASSERT_EQ(r.code, 0) << r.err;
  bool found = false;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    found = found || e.path().extension() == ".npy";
  }
  EXPECT_TRUE(found);
}

TEST(Cli, RunBadInputsAreOneLineExitOne) {
  const auto dir = scratch_dir();
  const auto bad = dir / "bad.npy";
  {
    std::ofstream f(bad, std::ios::binary);
    f << "this is not a numpy file";
  }
  CliResult r = run_loupe("run lenet5 --input " + bad.string());
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(bad.string()), std::string::npos) << r.err;

  r = run_loupe("run lenet5 --input nosuch=" + bad.string());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("no input named \"nosuch\""), std::string::npos) << r.err;

  r = run_loupe("run lenet5 --input " + (dir / "missing.npy").string());
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("missing.npy"), std::string::npos) << r.err;
}

TEST(Cli, RunWrongShapeNamesFileAndInput) {
  // Write a valid .npy of the wrong shape with the tool itself: run an output of lenet5 (shape
  // [1,10]) back in as its input ([1,1,28,28]).
  const auto dir = scratch_dir() / "shape";
  std::filesystem::remove_all(dir);
  ASSERT_EQ(run_loupe("run lenet5 --output-dir " + dir.string()).code, 0);
  std::string npy;
  for (const auto& e : std::filesystem::directory_iterator(dir)) npy = e.path().string();
  const CliResult r = run_loupe("run lenet5 --input " + npy);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(npy), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("[1,1,28,28]"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace loupe::testing
