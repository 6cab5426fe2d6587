// loupe run on the fast path (the default), --check, --algorithm, --tune, and loupe bench, as a
// user runs them.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/cli_runner.hpp"
#include "io/npy.hpp"

namespace loupe::testing {
namespace {

namespace fs = std::filesystem;

TEST(CliEngine, FastRunMatchesReferenceRun) {
  const fs::path fast = scratch_dir() / "fast", ref = scratch_dir() / "ref";
  fs::remove_all(fast);
  fs::remove_all(ref);
  CliResult r = run_loupe("run squeezenet --batch 2 --output-dir " + fast.string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("path fast"), std::string::npos) << r.out;
  r = run_loupe("run squeezenet --batch 2 --reference --output-dir " + ref.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const Tensor a = io::read_npy((fast / "prob.npy").string());
  const Tensor b = io::read_npy((ref / "prob.npy").string());
  ASSERT_EQ(a.shape(), b.shape());
  double d2 = 0, r2 = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    const double d = static_cast<double>(a.data<float>()[i]) - b.data<float>()[i];
    d2 += d * d;
    r2 += static_cast<double>(b.data<float>()[i]) * b.data<float>()[i];
  }
  EXPECT_LE(std::sqrt(d2 / r2), 1e-4);  // Winograd may run here (REFERENCE.md §2 error note)
}

TEST(CliEngine, CheckPrintsOneRowPerStep) {
  const CliResult r = run_loupe("run lenet5 --check");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("rel L2"), std::string::npos) << r.out;
  // LeNet-5: conv1+relu, pool1, conv2+relu, pool2, flatten, fc1+relu, fc2+relu, fc3, softmax.
  for (const char* step : {"conv1", "pool1", "conv2", "fc1", "prob"}) {
    EXPECT_NE(r.out.find(std::string("\n") + step), std::string::npos) << step << "\n" << r.out;
  }
}

// SqueezeNet with every conv direct_nchw16c: each fire module's squeeze output, read by both
// expand convs only, stays in 16-channel blocks; --plain-layouts keeps it NCHW, with the same
// output to the last digit printed.
TEST(CliEngine, CheckNamesBlockedLayoutsAndPlainLayoutsTurnsThemOff) {
  const std::string cmd = "run squeezenet --algorithm direct_nchw16c --check";
  const CliResult blocked = run_loupe(cmd);
  ASSERT_EQ(blocked.code, 0) << blocked.err;
  const auto row = [](const std::string& out, const std::string& step) {
    const size_t at = out.find("\n" + step + " ");
    return at == std::string::npos ? std::string()
                                   : out.substr(at + 1, out.find('\n', at + 1) - at);
  };
  EXPECT_NE(row(blocked.out, "fire2/squeeze1x1").find("direct_nchw16c [NCHW>NCHWc]"),
            std::string::npos)
      << blocked.out;
  EXPECT_NE(row(blocked.out, "fire2/expand3x3").find("direct_nchw16c [NCHWc>NCHW]"),
            std::string::npos)
      << blocked.out;
  const CliResult plain = run_loupe(cmd + " --plain-layouts");
  ASSERT_EQ(plain.code, 0) << plain.err;
  EXPECT_EQ(plain.out.find("NCHWc"), std::string::npos) << plain.out;
  const size_t at = blocked.out.find("\noutput "), plain_at = plain.out.find("\noutput ");
  ASSERT_NE(at, std::string::npos) << blocked.out;
  ASSERT_NE(plain_at, std::string::npos) << plain.out;
  EXPECT_EQ(plain.out.substr(plain_at), blocked.out.substr(at));
}

TEST(CliEngine, UnknownAlgorithmIsExitOne) {
  const CliResult r = run_loupe("run lenet5 --algorithm magic");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("--algorithm magic: unknown conv algorithm"), std::string::npos) << r.err;
}

TEST(CliEngine, TuneWritesAndReusesItsCache) {
  const fs::path cache = scratch_dir() / "tune.tsv";
  fs::remove(cache);
  CliResult r = run_loupe("run lenet5 --tune --tune-cache " + cache.string());
  ASSERT_EQ(r.code, 0) << r.err;
  std::ifstream f(cache);
  std::string line;
  int entries = 0;
  while (std::getline(f, line)) entries += !line.empty() && line[0] != '#';
  EXPECT_EQ(entries, 2);  // LeNet-5's two conv layers
  r = run_loupe("run lenet5 --tune --tune-cache " + cache.string());
  EXPECT_EQ(r.code, 0) << r.err;

  std::ofstream(cache, std::ios::app) << "a line without a tab\n";
  r = run_loupe("run lenet5 --tune --tune-cache " + cache.string());
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(cache.string() + ":4:"), std::string::npos) << r.err;
}

TEST(CliEngine, BenchJsonHasTheDesignKeys) {
  const CliResult r = run_loupe("bench lenet5 --batch 3 --runs 4 --warmup 1 --threads 1 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["model"], "lenet5");
  EXPECT_EQ(j["threads"], 1);
  EXPECT_EQ(j["batch"], 3);
  EXPECT_EQ(j["runs"], 4);
  EXPECT_EQ(j["warmup"], 1);
  EXPECT_EQ(j["samples_ms"].size(), 4u);
  const auto& l = j["latency_ms"];
  const double mn = l["min"], p10 = l["p10"], med = l["median"], p90 = l["p90"];
  EXPECT_LE(mn, p10);
  EXPECT_LE(p10, med);
  EXPECT_LE(med, p90);
  // Throughput is derived from the median latency and the batch, never reported as latency.
  EXPECT_NEAR(j["throughput_per_s"].get<double>(), 3 * 1000.0 / med, 1e-6 * 3000.0 / med);
  for (const char* k : {"cpu", "isa"}) EXPECT_TRUE(j.contains(k)) << k;
  // LeNet-5's trunk fits the caches: one pass over the whole batch.
  EXPECT_EQ(j["micro_batch"], 3);
}

TEST(CliEngine, MicroBatchIsRecordedAndChecked) {
  CliResult r = run_loupe("bench lenet5 --batch 4 --micro-batch 2 --runs 1 --warmup 0 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["micro_batch"], 2);
  r = run_loupe("bench lenet5 --batch 4 --micro-batch 3 --runs 1");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("micro-batch of 3 images does not divide the batch of 4"), std::string::npos)
      << r.err;
  r = run_loupe("run lenet5 --micro-batch -1");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--micro-batch -1: must be 0 (chosen) or more"), std::string::npos) << r.err;
}

TEST(CliEngine, BenchRejectsZeroRuns) {
  const CliResult r = run_loupe("bench lenet5 --runs 0");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--runs 0: must be at least 1"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace loupe::testing
