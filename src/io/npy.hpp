#pragma once
// NumPy .npy tensors: what `loupe run --input NAME=FILE` reads and what it writes per output.
// Reads format versions 1.0, 2.0 and 3.0 with little-endian (or byte) dtypes in C order; writes
// what numpy.save writes for the same array, byte for byte (version 1.0, 64-byte aligned data).
// Every failure is a loupe::Error whose one-line message starts with the file name.
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "loupe/tensor.hpp"

namespace loupe::io {

// Reads a whole .npy file. '|b1' (bool) arrays come back as u8 holding 0 and 1.
Tensor read_npy(const std::string& path);

// Same as read_npy for a file already in memory; name_for_errors prefixes every message.
Tensor parse_npy(std::span<const std::byte> bytes, std::string_view name_for_errors);

// Writes `t` (plain NCHW layout, any rank including 0) through a temporary file in the same
// directory renamed over `path`, so readers never see a half-written file.
void write_npy(const std::string& path, const Tensor& t);

// The file write_npy would write, in memory.
std::vector<std::byte> encode_npy(const Tensor& t);

// NumPy's dtype string for a loupe dtype: "<f4", "<f8", "<i8", "<i4", "|i1", "|u1".
std::string npy_header_descr(DType dtype);

}  // namespace loupe::io
