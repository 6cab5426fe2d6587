#pragma once
// The entry points the fuzzers and the corpus replay test (tests/io/test_fuzz_corpus.cpp) share,
// so CI replays exactly what was fuzzed. Each returns whether the bytes were accepted; a
// loupe::Error counts as a clean rejection and any other exception escapes as a finding.
#include <cstddef>
#include <span>

#include "io/npy.hpp"
#include "io/onnx_import.hpp"
#include "loupe/error.hpp"

namespace loupe::fuzz {

inline bool load_onnx_bytes(std::span<const std::byte> bytes) {
  try {
    // No base directory: external data would read files outside the input.
    graph::Graph g = io::parse_onnx(bytes, "fuzz.onnx", "");
    return true;
  } catch (const Error&) {
    return false;
  }
}

inline bool load_npy_bytes(std::span<const std::byte> bytes) {
  try {
    Tensor t = io::parse_npy(bytes, "fuzz.npy");
    return true;
  } catch (const Error&) {
    return false;
  }
}

inline bool load_tensor_proto_bytes(std::span<const std::byte> bytes) {
  try {
    Tensor t = io::parse_tensor_proto(bytes, "fuzz.pb");
    return true;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace loupe::fuzz
