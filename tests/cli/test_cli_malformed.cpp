// Malformed model and tensor files through the CLI, as a user meets them: each is one line on
// stderr naming the file, exit 1, nothing on stdout (issue 4, item 6). The files are the seeds of
// the fuzzers' corpus (fuzz/make_corpus.py), so the cases and the fuzzing share one definition.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "cli_runner.hpp"

namespace loupe::testing {
namespace {

namespace fs = std::filesystem;

fs::path seed(const std::string& kind, const std::string& name) {
  return fs::path(LOUPE_SOURCE_DIR) / "fuzz/corpus" / kind / name;
}

void expect_one_line_exit_one(const CliResult& r, const std::string& file) {
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_EQ(r.err.rfind("loupe: ", 0), 0U) << r.err;
  EXPECT_NE(r.err.find(file), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

const char* const kBadModels[] = {
    "truncated_half.onnx",
    "truncated_last_byte.onnx",
    "wrong_magic_zip.onnx",
    "wrong_magic_npy.onnx",
    "empty.onnx",
    "huge_input_dim.onnx",
    "negative_input_dim.onnx",
    "element_count_overflow.onnx",
    "negative_initializer_dim.onnx",
    "initializer_size_mismatch.onnx",
    "cycle.onnx",
    "missing_input.onnx",
    "duplicate_output_names.onnx",
    "external_data.onnx",
};

TEST(CliMalformed, RunOfABadModelIsOneLine) {
  const fs::path out = scratch_dir() / "malformed_out";
  for (const char* name : kBadModels) {
    SCOPED_TRACE(name);
    const std::string file = seed("onnx", name).string();
    expect_one_line_exit_one(run_loupe("run " + file + " --output-dir " + out.string()), file);
  }
}

TEST(CliMalformed, SummaryOfABadModelIsOneLine) {
  for (const char* name : kBadModels) {
    SCOPED_TRACE(name);
    const std::string file = seed("onnx", name).string();
    expect_one_line_exit_one(run_loupe("summary " + file), file);
  }
}

TEST(CliMalformed, BadInputTensorIsOneLine) {
  const std::string model = seed("onnx", "valid_conv_relu.onnx").string();
  const fs::path out = scratch_dir() / "malformed_out";
  ASSERT_EQ(run_loupe("run " + model + " --output-dir " + out.string()).code, 0);
  for (const char* name :
       {"truncated_data.npy", "truncated_header.npy", "wrong_magic.npy", "huge_dims.npy",
        "negative_dim.npy", "overflow_dims.npy", "header_len_past_end.npy", "truncated.pb",
        "huge_dims.pb", "overflow_dims.pb", "negative_dim.pb", "size_mismatch.pb",
        "typed_data_shorter_than_dims.pb", "crash-external-data-allocated-before-checked.pb"}) {
    SCOPED_TRACE(name);
    const std::string file = seed("tensor", name).string();
    expect_one_line_exit_one(
        run_loupe("run " + model + " --input x=" + file + " --output-dir " + out.string()), file);
  }
}

}  // namespace
}  // namespace loupe::testing
