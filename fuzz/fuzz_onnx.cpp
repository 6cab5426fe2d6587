// libFuzzer target: arbitrary bytes as an .onnx model through the importer `loupe run` uses
// (decode, validate, order, infer shapes, fold shape sub-graphs). The only acceptable outcomes
// are a graph or a loupe::Error; anything else (crash, sanitizer report, other exception, an
// allocation past -rss_limit_mb) is a finding.
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz/fuzz_entry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  loupe::fuzz::load_onnx_bytes(std::as_bytes(std::span(data, size)));
  return 0;
}
