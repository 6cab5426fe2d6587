#include "io/idx.hpp"

#include <zlib.h>

#include <array>
#include <climits>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>

#include "loupe/checked.hpp"

namespace loupe::io {
namespace {

// Deflate's best case is 1032:1 (zlib's FAQ: 258-byte matches coded in 2 bits each), so a gzip
// file of n bytes cannot inflate to more than 1032 n bytes: a header claiming more is a lie, and
// is refused before anything that large is allocated.
constexpr int64_t kDeflateMaxRatio = 1032;
// IDX allows up to 255 dimensions; real files have 1 to 4. A bound keeps messages short.
constexpr int kMaxIdxRank = 16;

std::string_view idx_type_name(unsigned type) {
  switch (type) {
    case 0x08:
      return "unsigned byte";
    case 0x09:
      return "signed byte";
    case 0x0B:
      return "short";
    case 0x0C:
      return "int";
    case 0x0D:
      return "float";
    case 0x0E:
      return "double";
    default:
      return "";
  }
}

// A byte source: an uncompressed buffer or a (possibly compressed) file read through zlib.
class Source {
 public:
  virtual ~Source() = default;
  // Reads up to n bytes; fewer only at the end of the data.
  virtual size_t read(std::byte* dst, size_t n) = 0;
  // The most payload bytes the source can still hold after `consumed` bytes were read.
  virtual int64_t max_remaining(int64_t consumed) const = 0;
  // True when fewer bytes than the header announced must be an error of truncation, and more an
  // error of trailing data, both knowable before reading (plain data of known size).
  virtual bool exact_size() const = 0;
};

class MemorySource final : public Source {
 public:
  explicit MemorySource(std::span<const std::byte> bytes) : bytes_(bytes) {}
  size_t read(std::byte* dst, size_t n) override {
    const size_t k = std::min(n, bytes_.size() - pos_);
    if (k > 0) std::memcpy(dst, bytes_.data() + pos_, k);
    pos_ += k;
    return k;
  }
  int64_t max_remaining(int64_t consumed) const override {
    return static_cast<int64_t>(bytes_.size()) - consumed;
  }
  bool exact_size() const override { return true; }

 private:
  std::span<const std::byte> bytes_;
  size_t pos_ = 0;
};

class GzSource final : public Source {
 public:
  GzSource(const std::string& path, std::string_view name) : path_(path), name_(name) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
      if (std::filesystem::exists(path, ec)) fail("{}: not a regular file", name_);
      fail("{}: cannot open: no such file", name_);
    }
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) fail("{}: cannot read its size: {}", name_, ec.message());
    file_size_ = static_cast<int64_t>(size);
    file_ = gzopen(path.c_str(), "rb");
    if (file_ == nullptr)
      fail("{}: cannot open: {}", name_, std::generic_category().message(errno));
  }
  ~GzSource() override {
    if (file_ != nullptr) gzclose(file_);
  }
  GzSource(const GzSource&) = delete;
  GzSource& operator=(const GzSource&) = delete;

  size_t read(std::byte* dst, size_t n) override {
    size_t got = 0;
    while (got < n) {
      const auto chunk = static_cast<unsigned>(std::min<size_t>(n - got, INT_MAX / 2));
      const int k = gzread(file_, dst + got, chunk);
      if (k < 0) {
        const std::string why = stream_error();
        fail("{}: corrupt gzip data: {}", name_, why.empty() ? "zlib read error" : why);
      }
      if (k == 0) break;
      got += static_cast<size_t>(k);
    }
    return got;
  }
  int64_t max_remaining(int64_t consumed) const override {
    if (direct()) return file_size_ - consumed;
    if (file_size_ > INT64_MAX / kDeflateMaxRatio) return INT64_MAX;
    return file_size_ * kDeflateMaxRatio - consumed;
  }
  bool exact_size() const override { return direct(); }
  // zlib's reason for a failed or short read ("unexpected end of file"), or "".
  std::string stream_error() const {
    int errnum = Z_OK;
    const char* msg = gzerror(file_, &errnum);
    if (errnum == Z_OK || msg == nullptr) return "";
    // zlib writes "<path>: <reason>"; the caller names the file already.
    std::string_view s(msg);
    if (s.starts_with(path_ + ": ")) s.remove_prefix(path_.size() + 2);
    return std::string(s);
  }

 private:
  // gzdirect() is meaningful once the first read has looked at the gzip magic.
  bool direct() const { return gzdirect(file_) != 0; }

  std::string path_;
  std::string name_;
  gzFile file_ = nullptr;
  int64_t file_size_ = 0;
};

uint32_t be32(const std::byte* p) {
  return (std::to_integer<uint32_t>(p[0]) << 24) | (std::to_integer<uint32_t>(p[1]) << 16) |
         (std::to_integer<uint32_t>(p[2]) << 8) | std::to_integer<uint32_t>(p[3]);
}

std::string compressed_note(const Source& src) {
  return src.exact_size() ? "" : " (after decompression)";
}

Tensor read_from(Source& src, std::string_view name) {
  std::array<std::byte, 4> magic_bytes{};
  const size_t got_magic = src.read(magic_bytes.data(), magic_bytes.size());
  if (got_magic < magic_bytes.size()) {
    fail("{}: truncated: {} byte(s) is too short for an IDX header", name, got_magic);
  }
  const uint32_t magic = be32(magic_bytes.data());
  const unsigned type = (magic >> 8) & 0xFF;
  const int rank = static_cast<int>(magic & 0xFF);
  if ((magic >> 16) != 0 || idx_type_name(type).empty()) {
    fail(
        "{}: not an IDX file (magic 0x{:08x}; IDX starts with 0x0000TTDD, e.g. 0x{:08x} for "
        "labels, 0x{:08x} for images)",
        name, magic, kIdxLabelsMagic, kIdxImagesMagic);
  }
  if (type != 0x08) {
    fail("{}: IDX element type 0x{:02x} ({}) is not supported; only unsigned bytes (0x08) are read",
         name, type, idx_type_name(type));
  }
  if (rank < 1 || rank > kMaxIdxRank) {
    fail("{}: IDX header announces {} dimensions (magic 0x{:08x}); 1 to {} are accepted", name,
         rank, magic, kMaxIdxRank);
  }
  std::array<std::byte, 4 * kMaxIdxRank> dim_bytes{};
  const size_t want = 4 * static_cast<size_t>(rank);
  const size_t got_dims = src.read(dim_bytes.data(), want);
  if (got_dims < want) {
    fail("{}: truncated: the header announces {} dimensions but ends after {} of their {} bytes{}",
         name, rank, got_dims, want, compressed_note(src));
  }
  Shape dims;
  for (int i = 0; i < rank; ++i) dims.push_back(be32(dim_bytes.data() + 4 * i));
  const int64_t header = 4 + static_cast<int64_t>(want);
  const int64_t numel =
      checked_numel(dims, fmt::format("{}: dimensions {}", name, shape_str(dims)));
  if (numel > kMaxIdxBytes) {
    fail("{}: dimensions {} need {} bytes, more than the {} bytes this reader accepts", name,
         shape_str(dims), numel, kMaxIdxBytes);
  }
  const int64_t room = src.max_remaining(header);
  if (numel > room) {
    if (src.exact_size()) {
      fail("{}: truncated: dimensions {} need {} data bytes, the file holds {}", name,
           shape_str(dims), numel, room);
    }
    fail(
        "{}: truncated: dimensions {} need {} data bytes, more than a gzip file of its size can "
        "hold",
        name, shape_str(dims), numel);
  }
  if (src.exact_size() && numel < room) {
    fail("{}: {} bytes of trailing data after the {} bytes that dimensions {} need", name,
         room - numel, numel, shape_str(dims));
  }
  Tensor t(dims, DType::u8);
  const size_t got = src.read(reinterpret_cast<std::byte*>(t.raw()), static_cast<size_t>(numel));
  if (got < static_cast<size_t>(numel)) {
    std::string why;
    if (const auto* gz = dynamic_cast<const GzSource*>(&src)) why = gz->stream_error();
    fail("{}: truncated: dimensions {} need {} data bytes, the file holds {}{}{}", name,
         shape_str(dims), numel, got, compressed_note(src), why.empty() ? "" : " (" + why + ")");
  }
  std::byte extra{};
  if (src.read(&extra, 1) != 0) {
    fail("{}: trailing data{} after the {} bytes that dimensions {} need", name,
         compressed_note(src), numel, shape_str(dims));
  }
  return t;
}

constexpr std::array<std::string_view, 10> kFashionClasses = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

// `dir/stem` if it exists, else `dir/stem.gz`; the message names both when neither does.
std::string find_idx_file(const std::filesystem::path& dir, const std::string& stem) {
  std::error_code ec;
  const auto plain = dir / stem;
  if (std::filesystem::exists(plain, ec)) return plain.string();
  const auto gz = dir / (stem + ".gz");
  if (std::filesystem::exists(gz, ec)) return gz.string();
  fail("{}[.gz]: not found (Debian's dataset-fashion-mnist installs the data set in {})",
       plain.string(), kFashionMnistDir);
}

}  // namespace

Tensor read_idx(const std::string& path) {
  GzSource src(path, path);
  return read_from(src, path);
}

Tensor parse_idx(std::span<const std::byte> bytes, std::string_view name_for_errors) {
  MemorySource src(bytes);
  return read_from(src, name_for_errors);
}

std::span<const std::string_view> fashion_mnist_classes() { return kFashionClasses; }

Dataset load_fashion_mnist(const std::string& dir, std::string_view split) {
  std::string prefix;
  if (split == "test") {
    prefix = "t10k";
  } else if (split == "train") {
    prefix = "train";
  } else {
    fail("fashion-mnist: unknown split \"{}\" (test or train)", split);
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    fail("{}: no such directory (Debian's dataset-fashion-mnist installs the data set in {})", dir,
         kFashionMnistDir);
  }
  const std::string images_path = find_idx_file(dir, prefix + "-images-idx3-ubyte");
  const std::string labels_path = find_idx_file(dir, prefix + "-labels-idx1-ubyte");
  const Tensor images = read_idx(images_path);
  const Tensor labels = read_idx(labels_path);
  if (images.rank() != 3) {
    fail("{}: expected images [N, rows, cols] (magic 0x{:08x}), the file holds {}", images_path,
         kIdxImagesMagic, shape_str(images.shape()));
  }
  if (labels.rank() != 1) {
    fail("{}: expected labels [N] (magic 0x{:08x}), the file holds {}", labels_path,
         kIdxLabelsMagic, shape_str(labels.shape()));
  }
  const int64_t N = images.dim(0);
  if (N != labels.dim(0)) {
    fail("{}: {} images, but {} holds {} labels", images_path, N, labels_path, labels.dim(0));
  }
  if (N == 0) fail("{}: holds no images", images_path);

  Dataset d;
  d.name = "fashion-mnist:" + std::string(split);
  d.classes.assign(kFashionClasses.begin(), kFashionClasses.end());
  const std::span<const uint8_t> lab = labels.span<uint8_t>();
  for (size_t i = 0; i < lab.size(); ++i) {
    if (lab[i] >= kFashionClasses.size()) {
      fail("{}: label {} of image {} is out of range (0 to {})", labels_path, lab[i], i,
           kFashionClasses.size() - 1);
    }
  }
  d.labels.assign(lab.begin(), lab.end());
  // pixel / 255 in f32, the same correctly rounded division as tools/train_lenet5.py's numpy.
  d.images = Tensor({N, 1, images.dim(1), images.dim(2)});
  const std::span<const uint8_t> px = images.span<uint8_t>();
  float* out = d.images.data<float>();
  for (size_t i = 0; i < px.size(); ++i) out[i] = static_cast<float>(px[i]) / 255.0f;
  return d;
}

}  // namespace loupe::io
