#pragma once
// IDX files, the format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): a magic
// number 0x0000TTDD (TT the element type, DD the number of dimensions), DD big-endian uint32
// dimensions, then the elements in row-major order. Only unsigned bytes (TT = 0x08) are read:
// the data sets loupe uses hold nothing else. Files may be plain or gzip-compressed (as Debian's
// dataset-fashion-mnist ships them); the reader tells them apart by content, not by name.
//
// Every failure is a loupe::Error whose one-line message starts with the file name. Nothing is
// allocated from a header before it is checked against the file: a plain file must hold exactly
// the bytes its dimensions announce, a gzip file at most what deflate's maximum ratio allows,
// and both at most kMaxIdxBytes.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "loupe/tensor.hpp"

namespace loupe::io {

// The largest payload accepted (1 GiB); Fashion-MNIST's largest file holds 47 MB.
inline constexpr int64_t kMaxIdxBytes = int64_t{1} << 30;

inline constexpr uint32_t kIdxLabelsMagic = 0x00000801;  // u8, 1 dimension: [N]
inline constexpr uint32_t kIdxImagesMagic = 0x00000803;  // u8, 3 dimensions: [N, rows, cols]

// A u8 tensor with the file's dimensions.
Tensor read_idx(const std::string& path);

// Same as read_idx for an uncompressed file already in memory.
Tensor parse_idx(std::span<const std::byte> bytes, std::string_view name_for_errors);

// An image-classification data set: images f32 [N, 1, rows, cols] scaled to [0, 1] (pixel / 255,
// no mean or standard deviation), labels in 0..9.
struct Dataset {
  std::string name;  // e.g. "fashion-mnist:test"
  Tensor images;
  std::vector<uint8_t> labels;
  std::vector<std::string> classes;  // class name by label
};

inline constexpr std::string_view kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// Reads `{t10k,train}-{images-idx3,labels-idx1}-ubyte` from `dir`, each plain or with `.gz` (the
// plain file wins when both exist). split is "test" (10,000 images) or "train" (60,000).
Dataset load_fashion_mnist(const std::string& dir = std::string(kFashionMnistDir),
                           std::string_view split = "test");

// The ten Fashion-MNIST class names, by label (Xiao, Rasul, Vollgraf 2017).
std::span<const std::string_view> fashion_mnist_classes();

}  // namespace loupe::io
