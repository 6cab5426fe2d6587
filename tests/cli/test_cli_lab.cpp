// `loupe peak` and `loupe profile` as a user runs them: exit codes, one JSON document on stdout
// with --json, one-line errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

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
