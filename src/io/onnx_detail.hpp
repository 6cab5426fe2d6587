#pragma once
// Internals of the ONNX importer shared by its files (not part of loupe_io's interface: only the
// importer's .cpp files see the protobuf types).
#include <onnx/onnx_pb.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "loupe/tensor.hpp"

namespace loupe::io::onnx_detail {

// Largest file handed to protobuf: its parser takes an int size (2 GiB); bigger models keep their
// weights in external-data files, which are read directly.
inline constexpr int64_t kMaxProtoBytes = (int64_t{1} << 31) - 1;

// Whole file into memory; the name prefixes errors. Fails on files over `limit` bytes.
std::vector<std::byte> read_file(const std::string& path, int64_t limit);

// The loupe dtype of an ONNX TensorProto.DataType; fails naming the ONNX type when loupe has none.
DType onnx_dtype(int32_t data_type);
std::string_view onnx_dtype_name(int32_t data_type);

// Decodes a TensorProto from any of its encodings (raw_data, typed fields, external data).
// `base_dir` is the directory external-data locations are relative to ("" rejects external data).
// Errors carry only the reason; callers prefix the tensor's role and the file name.
Tensor decode_tensor(const onnx::TensorProto& proto, const std::string& base_dir);

}  // namespace loupe::io::onnx_detail
