// CI replay of the fuzzers' seed corpus (fuzz/corpus, findings included once fixed): every file
// goes through the same entry points as fuzz/fuzz_onnx.cpp and fuzz/fuzz_tensor.cpp and must be
// accepted or rejected with a loupe::Error; a crash or sanitizer report fails the run (the ASan
// preset runs this binary too). Seeds named valid_* must be accepted, so that the corpus keeps
// reaching past the decoders into graph building.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/fuzz_entry.hpp"

namespace loupe {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> corpus(const std::string& kind) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(LOUPE_SOURCE_DIR) / "fuzz/corpus" / kind)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::byte> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> chars{std::istreambuf_iterator<char>(in), {}};
  std::vector<std::byte> bytes(chars.size());
  std::transform(chars.begin(), chars.end(), bytes.begin(),
                 [](char c) { return static_cast<std::byte>(c); });
  return bytes;
}

bool is_valid_seed(const fs::path& path) { return path.filename().string().starts_with("valid_"); }

TEST(FuzzCorpus, OnnxLoaderAcceptsOrRejectsCleanly) {
  const auto files = corpus("onnx");
  ASSERT_GE(files.size(), 10U) << "seed corpus missing";
  for (const auto& f : files) {
    SCOPED_TRACE(f.filename().string());
    const bool accepted = fuzz::load_onnx_bytes(read_bytes(f));
    if (is_valid_seed(f)) {
      EXPECT_TRUE(accepted);
    }
  }
}

TEST(FuzzCorpus, TensorReadersAcceptOrRejectCleanly) {
  const auto files = corpus("tensor");
  ASSERT_GE(files.size(), 10U) << "seed corpus missing";
  for (const auto& f : files) {
    SCOPED_TRACE(f.filename().string());
    const auto bytes = read_bytes(f);
    const bool npy = fuzz::load_npy_bytes(bytes);
    const bool pb = fuzz::load_tensor_proto_bytes(bytes);
    if (is_valid_seed(f)) {
      EXPECT_TRUE(f.extension() == ".npy" ? npy : pb);
    }
  }
}

// The malformed seeds the issue names must all be refused, not silently accepted.
TEST(FuzzCorpus, MalformedSeedsAreRejected) {
  for (const char* name :
       {"truncated_half.onnx", "wrong_magic_zip.onnx", "huge_input_dim.onnx",
        "negative_input_dim.onnx", "element_count_overflow.onnx", "initializer_size_mismatch.onnx",
        "cycle.onnx", "missing_input.onnx", "duplicate_output_names.onnx", "external_data.onnx",
        "crash-constant-node-without-outputs.onnx"}) {
    SCOPED_TRACE(name);
    EXPECT_FALSE(
        fuzz::load_onnx_bytes(read_bytes(fs::path(LOUPE_SOURCE_DIR) / "fuzz/corpus/onnx" / name)));
  }
  for (const char* name : {"truncated_data.npy", "wrong_magic.npy", "huge_dims.npy",
                           "negative_dim.npy", "overflow_dims.npy", "header_len_past_end.npy"}) {
    SCOPED_TRACE(name);
    EXPECT_FALSE(
        fuzz::load_npy_bytes(read_bytes(fs::path(LOUPE_SOURCE_DIR) / "fuzz/corpus/tensor" / name)));
  }
  for (const char* name :
       {"truncated.pb", "huge_dims.pb", "overflow_dims.pb", "negative_dim.pb", "size_mismatch.pb",
        "typed_data_shorter_than_dims.pb", "crash-external-data-allocated-before-checked.pb"}) {
    SCOPED_TRACE(name);
    EXPECT_FALSE(fuzz::load_tensor_proto_bytes(
        read_bytes(fs::path(LOUPE_SOURCE_DIR) / "fuzz/corpus/tensor" / name)));
  }
}

}  // namespace
}  // namespace loupe
