#include "io/idx.hpp"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "loupe/error.hpp"
#include "loupe/tensor.hpp"
#include "test_util.hpp"

namespace loupe::io {
namespace {

using namespace std::string_view_literals;
namespace fs = std::filesystem;

// Labels [3] = {0, 9, 4}: magic 0x00000801, dimension 3, then the bytes.
constexpr std::string_view kLabels3 = "\x00\x00\x08\x01\x00\x00\x00\x03\x00\x09\x04"sv;
// Images [2, 2, 3]: magic 0x00000803, dimensions 2, 2, 3, then 12 pixels.
constexpr std::string_view kImages2x2x3 =
    "\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00\x03"
    "\x00\x01\x02\x03\x04\xff"
    "\x80\x7f\x10\x20\x30\x40"sv;

class IdxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("loupe_idx_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, std::string_view bytes) {
    const fs::path p = dir_ / name;
    std::ofstream f(p, std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return p.string();
  }
  // The gzip file `gzip` would write for these bytes (through zlib, as the reader reads it).
  std::string write_gz(const std::string& name, std::string_view bytes) {
    const fs::path p = dir_ / name;
    gzFile f = gzopen(p.c_str(), "wb");
    EXPECT_NE(f, nullptr);
    EXPECT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())),
              static_cast<int>(bytes.size()));
    gzclose(f);
    return p.string();
  }
  std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  }

  fs::path dir_;
};

using loupe::testing::error_of;

std::span<const std::byte> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

std::string idx_header(uint32_t magic, const std::vector<uint32_t>& dims) {
  std::string s;
  const auto put = [&](uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((v >> shift) & 0xFF);
  };
  put(magic);
  for (uint32_t d : dims) put(d);
  return s;
}

void expect_images_2x2x3(const Tensor& t) {
  EXPECT_EQ(t.dtype(), DType::u8);
  EXPECT_EQ(t.shape(), (Shape{2, 2, 3}));
  const std::vector<uint8_t> want = {0, 1, 2, 3, 4, 255, 128, 127, 16, 32, 48, 64};
  const auto got = t.span<uint8_t>();
  EXPECT_EQ(std::vector<uint8_t>(got.begin(), got.end()), want);
}

TEST_F(IdxTest, ReadsPlainLabelsAndImages) {
  const Tensor labels = read_idx(write("labels", kLabels3));
  EXPECT_EQ(labels.dtype(), DType::u8);
  EXPECT_EQ(labels.shape(), (Shape{3}));
  EXPECT_EQ(labels.at(0), 0);
  EXPECT_EQ(labels.at(1), 9);
  EXPECT_EQ(labels.at(2), 4);
  expect_images_2x2x3(read_idx(write("images", kImages2x2x3)));
}

TEST_F(IdxTest, ReadsGzipByContentWhateverTheName) {
  expect_images_2x2x3(read_idx(write_gz("images.gz", kImages2x2x3)));
  expect_images_2x2x3(read_idx(write_gz("images-no-suffix", kImages2x2x3)));
  EXPECT_EQ(read_idx(write_gz("labels.gz", kLabels3)).shape(), (Shape{3}));
}

TEST_F(IdxTest, ParsesFromMemory) {
  expect_images_2x2x3(parse_idx(as_bytes(kImages2x2x3), "mem"));
  // Zero images is a valid file.
  EXPECT_EQ(parse_idx(as_bytes(idx_header(0x803, {0, 28, 28})), "mem").shape(), (Shape{0, 28, 28}));
}

TEST_F(IdxTest, WrongMagicNamesTheFile) {
  const std::string p = write("x.npy", "\x93NUMPY\x01\x00 and more bytes"sv);
  const std::string e = error_of([&] { read_idx(p); });
  EXPECT_NE(e.find(p + ": not an IDX file (magic 0x934e554d"), std::string::npos) << e;
  EXPECT_NE(error_of([&] {
              parse_idx(as_bytes("\x00\x01\x08\x01\x00\x00\x00\x00"sv), "m");
            }).find("m: not an IDX file"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              parse_idx(as_bytes("\x00\x00\x07\x01\x00\x00\x00\x00"sv), "m");
            }).find("not an IDX file"),
            std::string::npos);
}

TEST_F(IdxTest, OtherElementTypesAndRanksAreRefused) {
  const std::string floats = idx_header(0x0D01, {1}) + "\x00\x00\x80\x3f";
  EXPECT_NE(error_of([&] {
              parse_idx(as_bytes(floats), "f.idx");
            }).find("f.idx: IDX element type 0x0d (float) is not supported"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              parse_idx(as_bytes("\x00\x00\x08\x00"sv), "r0");
            }).find("r0: IDX header announces 0 dimensions"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              parse_idx(as_bytes("\x00\x00\x08\xff"sv), "r255");
            }).find("announces 255 dimensions"),
            std::string::npos);
}

TEST_F(IdxTest, TruncatedAndTrailingPlainFiles) {
  const std::string p0 = write("empty", "");
  EXPECT_NE(error_of([&] {
              read_idx(p0);
            }).find(p0 + ": truncated: 0 byte(s) is too short for an IDX header"),
            std::string::npos);
  const std::string dims = write("dims", kImages2x2x3.substr(0, 10));
  EXPECT_NE(error_of([&] { read_idx(dims); })
                .find(dims + ": truncated: the header announces 3 dimensions but ends after 6 of "
                             "their 12 bytes"),
            std::string::npos);
  const std::string data = write("data", kImages2x2x3.substr(0, kImages2x2x3.size() - 1));
  EXPECT_NE(error_of([&] { read_idx(data); })
                .find(data + ": truncated: dimensions [2,2,3] need 12 data bytes, the file holds "
                             "11"),
            std::string::npos);
  const std::string extra = write("extra", std::string(kImages2x2x3) + "xy");
  EXPECT_NE(error_of([&] { read_idx(extra); })
                .find(extra + ": 2 bytes of trailing data after the 12 bytes that dimensions "
                              "[2,2,3] need"),
            std::string::npos);
}

TEST_F(IdxTest, TruncatedTrailingAndCorruptGzipFiles) {
  // 20,000 bytes announced, 10,000 present: compressible data so the file is small.
  const std::string body = idx_header(0x801, {20000}) + std::string(10000, '\x03');
  const std::string short_gz = write_gz("short.gz", body);
  EXPECT_NE(error_of([&] { read_idx(short_gz); })
                .find(short_gz + ": truncated: dimensions [20000] need 20000 data bytes, the file "
                                 "holds 10000 (after decompression)"),
            std::string::npos);

  // The compressed stream itself cut in the middle.
  const std::string full = write_gz("full.gz", kImages2x2x3);
  const std::string gz = slurp(full);
  const std::string cut = write("cut.gz", std::string_view(gz).substr(0, gz.size() - 12));
  const std::string e = error_of([&] { read_idx(cut); });
  EXPECT_EQ(e.rfind(cut + ": truncated", 0), 0u) << e;
  EXPECT_EQ(e.find(cut, 1), std::string::npos) << "the file is named once: " << e;

  const std::string extra = write_gz("extra.gz", std::string(kLabels3) + "z");
  EXPECT_NE(error_of([&] {
              read_idx(extra);
            }).find(extra + ": trailing data (after decompression) after the 3 bytes"),
            std::string::npos);

  // Flipped bits in the deflate stream: zlib's own message, or a checksum / truncation error.
  std::string bad = slurp(write_gz("tmp.gz", std::string(kImages2x2x3) + std::string(64, 'a')));
  for (size_t i = 12; i + 8 < bad.size(); ++i) bad[i] = static_cast<char>(bad[i] ^ 0x5a);
  const std::string corrupt = write("corrupt.gz", bad);
  const std::string ec = error_of([&] { read_idx(corrupt); });
  EXPECT_EQ(ec.rfind(corrupt + ": ", 0), 0u) << ec;
  EXPECT_EQ(ec.find(corrupt, 1), std::string::npos) << "the file is named once: " << ec;
}

TEST_F(IdxTest, HugeOrOverflowingDimensionsAreRefusedBeforeAllocating) {
  const std::string overflow = idx_header(0x803, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF});
  EXPECT_NE(error_of([&] {
              parse_idx(as_bytes(overflow), "o.idx");
            }).find("o.idx: dimensions [4294967295,4294967295,4294967295]"),
            std::string::npos);
  EXPECT_NE(error_of([&] { parse_idx(as_bytes(overflow), "o.idx"); }).find("overflows"),
            std::string::npos);
  const std::string big = idx_header(0x801, {0x80000000u});
  EXPECT_NE(error_of([&] { parse_idx(as_bytes(big), "b.idx"); })
                .find("b.idx: dimensions [2147483648] need 2147483648 bytes, more than the "
                      "1073741824 bytes this reader accepts"),
            std::string::npos);
  // 100 MB announced by a gzip file of a few dozen bytes: more than deflate can expand to.
  const std::string gz = write_gz("lie.gz", idx_header(0x803, {100000, 1000, 1}));
  EXPECT_NE(error_of([&] { read_idx(gz); })
                .find(gz + ": truncated: dimensions [100000,1000,1] need 100000000 data bytes, "
                           "more than a gzip file of its size can hold"),
            std::string::npos);
}

TEST_F(IdxTest, MissingFile) {
  const std::string p = (dir_ / "nope").string();
  EXPECT_EQ(error_of([&] { read_idx(p); }), p + ": cannot open: no such file");
  EXPECT_EQ(error_of([&] { read_idx(dir_.string()); }), dir_.string() + ": not a regular file");
}

// A Fashion-MNIST-shaped directory with 2 images of 2x3 pixels.
TEST_F(IdxTest, LoadsADatasetDirectoryPlainOrGzip) {
  write("t10k-images-idx3-ubyte", kImages2x2x3);
  write_gz("t10k-labels-idx1-ubyte.gz", idx_header(0x801, {2}) + "\x07\x02");
  const Dataset d = load_fashion_mnist(dir_.string(), "test");
  EXPECT_EQ(d.name, "fashion-mnist:test");
  EXPECT_EQ(d.images.dtype(), DType::f32);
  EXPECT_EQ(d.images.shape(), (Shape{2, 1, 2, 3}));
  EXPECT_EQ(d.labels, (std::vector<uint8_t>{7, 2}));
  EXPECT_FLOAT_EQ(d.images.data<float>()[0], 0.0f);
  EXPECT_EQ(d.images.data<float>()[5], 1.0f);
  EXPECT_EQ(d.images.data<float>()[6], 128.0f / 255.0f);
  ASSERT_EQ(d.classes.size(), 10u);
  EXPECT_EQ(d.classes[0], "T-shirt/top");
  EXPECT_EQ(d.classes[9], "Ankle boot");
  // The plain file wins over a .gz of the same name.
  write_gz("t10k-images-idx3-ubyte.gz", "garbage");
  EXPECT_EQ(load_fashion_mnist(dir_.string()).images.shape(), (Shape{2, 1, 2, 3}));
}

TEST_F(IdxTest, DatasetErrorsNameTheFile) {
  const std::string dir = dir_.string();
  EXPECT_NE(error_of([&] {
              load_fashion_mnist(dir + "/missing");
            }).find(dir + "/missing: no such directory"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              load_fashion_mnist(dir);
            }).find(dir + "/t10k-images-idx3-ubyte[.gz]: not found"),
            std::string::npos);
  EXPECT_NE(error_of([&] { load_fashion_mnist(dir, "valid"); }).find("unknown split \"valid\""),
            std::string::npos);

  const std::string images = write("t10k-images-idx3-ubyte", kImages2x2x3);
  const std::string labels = write("t10k-labels-idx1-ubyte", kLabels3);
  EXPECT_EQ(error_of([&] { load_fashion_mnist(dir); }),
            images + ": 2 images, but " + labels + " holds 3 labels");

  write("t10k-labels-idx1-ubyte", idx_header(0x801, {2}) + "\x01\x0a");
  EXPECT_EQ(error_of([&] { load_fashion_mnist(dir); }),
            labels + ": label 10 of image 1 is out of range (0 to 9)");

  write("t10k-labels-idx1-ubyte", kImages2x2x3);
  EXPECT_NE(error_of([&] {
              load_fashion_mnist(dir);
            }).find(labels + ": expected labels [N] (magic 0x00000801), the file holds [2,2,3]"),
            std::string::npos);
  write("t10k-images-idx3-ubyte", kLabels3);
  EXPECT_NE(error_of([&] { load_fashion_mnist(dir); }).find(images + ": expected images"),
            std::string::npos);
}

// The real test split from Debian's dataset-fashion-mnist: 1,000 images of each class.
TEST(FashionMnist, DebianTestSplit) {
  if (!fs::exists(fs::path(kFashionMnistDir) / "t10k-labels-idx1-ubyte.gz")) {
    GTEST_SKIP() << "Fashion-MNIST is not installed (apt install dataset-fashion-mnist)";
  }
  const Dataset d = load_fashion_mnist();
  EXPECT_EQ(d.images.shape(), (Shape{10000, 1, 28, 28}));
  std::vector<int> per_class(10);
  for (uint8_t l : d.labels) ++per_class[l];
  EXPECT_EQ(per_class, std::vector<int>(10, 1000));
  float lo = 1, hi = 0;
  for (float v : d.images.span<float>()) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  EXPECT_EQ(lo, 0.0f);
  EXPECT_EQ(hi, 1.0f);
}

}  // namespace
}  // namespace loupe::io
