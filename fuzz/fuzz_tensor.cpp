// libFuzzer target: arbitrary bytes through both tensor readers of `loupe run --input`
// (.npy and ONNX TensorProto .pb). Either reader may accept or throw loupe::Error; nothing else.
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz/fuzz_entry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto bytes = std::as_bytes(std::span(data, size));
  loupe::fuzz::load_npy_bytes(bytes);
  loupe::fuzz::load_tensor_proto_bytes(bytes);
  return 0;
}
