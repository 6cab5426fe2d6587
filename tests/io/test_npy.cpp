#include "io/npy.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "loupe/error.hpp"
#include "loupe/tensor.hpp"
#include "test_util.hpp"

namespace loupe::io {
namespace {

using namespace std::string_literals;
using namespace std::string_view_literals;
namespace fs = std::filesystem;

// Reference files written by NumPy 1.24 (np.save unless stated), embedded byte for byte so that
// the tests need no Python. The comment above each says how it was made.
// np.arange(6, dtype="<f4").reshape(2, 3) * 0.5 - 1
constexpr std::string_view kF32_2x3 =
    "\223NUMPY\001\000v\000{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }         "
    "                                                 \012"
    "\000\000\200\277\000\000\000\277\000\000\000\000\000\000\000\077\000\000\200\077\000\000"
    "\300\077"
    ""sv;

// np.array(3.25)  (0-d)
constexpr std::string_view kF64_scalar =
    "\223NUMPY\001\000v\000{'descr': '<f8', 'fortran_order': False, 'shape': (), }             "
    "                                                 \012"
    "\000\000\000\000\000\000\012@"
    ""sv;

// np.array([-1, 0, 2**40], dtype="<i8")
constexpr std::string_view kI64_3 =
    "\223NUMPY\001\000v\000{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }           "
    "                                                 \012"
    "\377\377\377\377\377\377\377\377\000\000\000\000\000\000\000\000\000\000\000\000\000\001"
    "\000\000"
    ""sv;

// np.array([[1, -2], [300000, -2**31]], dtype="<i4")
constexpr std::string_view kI32_2x2 =
    "\223NUMPY\001\000v\000{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }         "
    "                                                 \012"
    "\001\000\000\000\376\377\377\377\340\223\004\000\000\000\000\200"
    ""sv;

// np.array([0, 1, 128, 255], dtype="u1")
constexpr std::string_view kU8_4 =
    "\223NUMPY\001\000v\000{'descr': '|u1', 'fortran_order': False, 'shape': (4,), }           "
    "                                                 \012"
    "\000\001\200\377"
    ""sv;

// np.array([-128, 127], dtype="i1").reshape(1, 1, 1, 2, 1)
constexpr std::string_view kI8_1x1x1x2x1 =
    "\223NUMPY\001\000v\000{'descr': '|i1', 'fortran_order': False, 'shape': (1, 1, 1, 2, 1), }"
    "                                                 \012"
    "\200\177"
    ""sv;

// np.array([True, False, True])
constexpr std::string_view kBool_3 =
    "\223NUMPY\001\000v\000{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }           "
    "                                                 \012"
    "\001\000\001"
    ""sv;

// np.zeros((0, 3), dtype="<f4")
constexpr std::string_view kF32_0x3 =
    "\223NUMPY\001\000v\000{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }         "
    "                                                 \012"
    ""sv;

// format.write_array(f, np.arange(6, dtype="<f4").reshape(2, 3), version=(2, 0))
constexpr std::string_view kF32_2x3_v2 =
    "\223NUMPY\002\000t\000\000\000{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } "
    "                                                       \012"
    "\000\000\000\000\000\000\200\077\000\000\000@\000\000@@\000\000\200@\000\000\240@"
    ""sv;

// format.write_array(f, np.array([7, -7], dtype="<i4"), version=(3, 0))
constexpr std::string_view kI32_2_v3 =
    "\223NUMPY\003\000t\000\000\000{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }   "
    "                                                       \012"
    "\007\000\000\000\371\377\377\377"
    ""sv;

// np.array([1.0], dtype=">f4")
constexpr std::string_view kF32_big_endian =
    "\223NUMPY\001\000v\000{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }           "
    "                                                 \012"
    "\077\200\000\000"
    ""sv;

// np.array([1.0], dtype="<f2")
constexpr std::string_view kF16 =
    "\223NUMPY\001\000v\000{'descr': '<f2', 'fortran_order': False, 'shape': (1,), }           "
    "                                                 \012"
    "\000<"
    ""sv;

// np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3))
constexpr std::string_view kF32_fortran =
    "\223NUMPY\001\000v\000{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }          "
    "                                                 \012"
    "\000\000\000\000\000\000@@\000\000\200\077\000\000\200@\000\000\000@\000\000\240@"
    ""sv;

std::span<const std::byte> bytes_of(std::string_view s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

std::vector<double> values_of(const Tensor& t) {
  std::vector<double> v;
  for (int64_t i = 0; i < t.numel(); ++i) v.push_back(t.at(i));
  return v;
}

using loupe::testing::error_of;

// A .npy file with the given header text and data, for headers NumPy would never write.
std::string make_npy(std::string_view dict, std::string_view data, int major = 1) {
  std::string out = "\x93NUMPY"s;
  out += static_cast<char>(major);
  out += '\0';
  const size_t len = dict.size() + 1;
  for (int i = 0; i < (major == 1 ? 2 : 4); ++i) out += static_cast<char>((len >> (8 * i)) & 0xff);
  out += dict;
  out += '\n';
  out += data;
  return out;
}

// Checks that parsing `file` fails with a message naming the file and containing `reason`.
void expect_rejected(std::string_view file, std::string_view reason) {
  const std::string msg = error_of([&] { parse_npy(bytes_of(file), "bad.npy"); });
  EXPECT_TRUE(msg.starts_with("bad.npy: ")) << msg;
  EXPECT_NE(msg.find(reason), std::string::npos) << "message: " << msg << "\nwanted: " << reason;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            fmt::format("loupe-npy-{}-{}-{}", ::getpid(), info->test_suite_name(), info->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(std::string_view name) const { return (path_ / name).string(); }
  const fs::path& path() const { return path_; }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(path_)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  fs::path path_;
};

void write_file(const std::string& path, std::string_view bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(f.good()) << path;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

TEST(Npy, ReadsNumpyFiles) {
  struct Case {
    std::string_view name;
    std::string_view file;
    DType dtype;
    Shape shape;
    std::vector<double> values;
  };
  const std::vector<Case> cases = {
      {"f32 2x3", kF32_2x3, DType::f32, {2, 3}, {-1, -0.5, 0, 0.5, 1, 1.5}},
      {"f64 0-d", kF64_scalar, DType::f64, {}, {3.25}},
      {"i64", kI64_3, DType::i64, {3}, {-1, 0, 1099511627776.0}},
      {"i32", kI32_2x2, DType::i32, {2, 2}, {1, -2, 300000, -2147483648.0}},
      {"u8", kU8_4, DType::u8, {4}, {0, 1, 128, 255}},
      {"i8 rank 5", kI8_1x1x1x2x1, DType::i8, {1, 1, 1, 2, 1}, {-128, 127}},
      {"bool", kBool_3, DType::u8, {3}, {1, 0, 1}},
      {"empty", kF32_0x3, DType::f32, {0, 3}, {}},
      {"v2.0", kF32_2x3_v2, DType::f32, {2, 3}, {0, 1, 2, 3, 4, 5}},
      {"v3.0", kI32_2_v3, DType::i32, {2}, {7, -7}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const Tensor t = parse_npy(bytes_of(c.file), c.name);
    EXPECT_EQ(t.dtype(), c.dtype);
    EXPECT_EQ(t.shape(), c.shape);
    EXPECT_EQ(values_of(t), c.values);
  }
}

TEST(Npy, EncodesExactlyWhatNumpySaves) {
  for (std::string_view file :
       {kF32_2x3, kF64_scalar, kI64_3, kI32_2x2, kU8_4, kI8_1x1x1x2x1, kF32_0x3}) {
    const std::vector<std::byte> encoded = encode_npy(parse_npy(bytes_of(file), "ref"));
    const std::string_view got(reinterpret_cast<const char*>(encoded.data()), encoded.size());
    EXPECT_EQ(got, file);
  }
}

TEST(Npy, RoundTripsEveryDtypeAndRank) {
  const TempDir dir;
  const std::vector<Shape> shapes = {{}, {7}, {2, 3}, {2, 1, 5}, {1, 3, 2, 2}, {2, 1, 2, 3, 2}};
  for (DType dtype : {DType::f32, DType::f64, DType::i64, DType::i32, DType::i8, DType::u8}) {
    for (const Shape& shape : shapes) {
      SCOPED_TRACE(fmt::format("{} {}", dtype_name(dtype), shape_str(shape)));
      Tensor t(shape, dtype);
      auto* p = static_cast<unsigned char*>(t.raw());
      for (size_t i = 0; i < t.nbytes(); ++i) p[i] = static_cast<unsigned char>(i * 37 + 11);
      const std::string path = dir.file("t.npy");
      write_npy(path, t);
      const Tensor back = read_npy(path);
      EXPECT_EQ(back.dtype(), dtype);
      EXPECT_EQ(back.shape(), shape);
      ASSERT_EQ(back.nbytes(), t.nbytes());
      EXPECT_EQ(std::memcmp(back.raw(), t.raw(), t.nbytes()), 0);
      const auto size = static_cast<size_t>(fs::file_size(path));
      EXPECT_EQ((size - t.nbytes()) % 64, 0u) << "data must start 64-byte aligned";
      EXPECT_EQ(npy_header_descr(dtype).size(), 3u);
    }
  }
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"t.npy"}) << "no temporary file left behind";
}

TEST(Npy, ToleratesHeaderVariants) {
  const std::string data(24, '\0');
  for (std::string_view dict : {
           "{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}"sv,
           "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2, 3)}"sv,
           "  {  'descr' : '<f4' ,'fortran_order':False,'shape':( 2 ,3 , ) , }  "sv,
           "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }"sv,
           "{'descr':'<f4',\n\t'fortran_order':False,\r\n'shape':(2,3)}"sv,
       }) {
    SCOPED_TRACE(dict);
    for (int major : {1, 2, 3}) {
      const std::string file = make_npy(dict, data, major);
      const Tensor t = parse_npy(bytes_of(file), "ok.npy");
      EXPECT_EQ(t.shape(), (Shape{2, 3}));
      EXPECT_EQ(t.dtype(), DType::f32);
    }
  }
  // Column-major and row-major order are the same bytes below rank 2.
  const Tensor v =
      parse_npy(bytes_of(make_npy("{'descr': '<i4', 'fortran_order': True, 'shape': (2,)}",
                                  "\1\0\0\0\2\0\0\0"sv)),
                "ok.npy");
  EXPECT_EQ(values_of(v), (std::vector<double>{1, 2}));
}

TEST(Npy, RejectsMalformedFilesWithOneClearLine) {
  const std::string f4_24(24, '\0');
  expect_rejected("", "truncated: 0 bytes");
  expect_rejected("\x93NUM"sv, "truncated");
  expect_rejected("PK\3\4 this is a zip file", "not a .npy file");
  expect_rejected("\x93NUMPY\4\0\10\0{}      \n"sv, "unsupported .npy format version 4.0");
  expect_rejected("\x93NUMPY\1\1\10\0{}      \n"sv, "unsupported .npy format version 1.1");
  expect_rejected("\x93NUMPY\1\0"sv, "too short for a version 1.0 preamble");
  expect_rejected("\x93NUMPY\2\0\10\0\0"sv, "too short for a version 2.0 preamble");
  expect_rejected("\x93NUMPY\1\0\x80\0{'descr': '<f4'"sv,
                  "truncated header: it is 128 bytes long but only 15 bytes follow the preamble");
  expect_rejected("\x93NUMPY\2\0\xff\xff\xff\xff{'descr'"sv, "truncated header: it is 4294967295");

  expect_rejected(make_npy("[1, 2]", f4_24), "header is not a valid dict: expected '{'");
  expect_rejected(make_npy("{'descr' '<f4'}", f4_24), "expected ':'");
  expect_rejected(make_npy("{'descr': '<f4", f4_24), "unterminated string");
  expect_rejected(make_npy("{descr: '<f4'}", f4_24), "expected a quoted string");
  expect_rejected(make_npy("{'descr': '<f4' 'shape': (2,3)}", f4_24), "expected ',' or '}'");
  expect_rejected(make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,3)} x", f4_24),
                  "unexpected text after the closing '}'");
  expect_rejected(make_npy("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,3)}", f4_24),
                  "expected True or False");
  expect_rejected(make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': [2,3]}", f4_24),
                  "expected '('");
  expect_rejected(make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2;3)}", f4_24),
                  "expected ',' or ')' in the shape");
  expect_rejected(make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,x)}", f4_24),
                  "expected an integer");
  expect_rejected(make_npy("{'descr': '<f4', 'fortran_order': False}", f4_24),
                  "the header has no 'shape' key");
  expect_rejected(make_npy("{'fortran_order': False, 'shape': (2,3)}", f4_24),
                  "the header has no 'descr' key");
  expect_rejected(make_npy("{'descr': '<f4', 'shape': (2,3)}", f4_24),
                  "the header has no 'fortran_order' key");
  expect_rejected(make_npy("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False}", f4_24),
                  "duplicate key 'descr'");
  expect_rejected(
      make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,3), 'x': 1}", f4_24),
      "unexpected key 'x' in the header");
  expect_rejected(
      make_npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,3)}", f4_24),
      "structured dtypes (a list as 'descr') are not supported");

  expect_rejected(kF32_big_endian,
                  "dtype '>f4' is not supported (supported: '<f4', '<f8', '<i8', '<i4', '|i1', "
                  "'|u1', '|b1')");
  expect_rejected(kF16, "dtype '<f2' is not supported (supported: ");
  expect_rejected(kF32_fortran, "fortran_order True is not supported");

  expect_rejected(make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3)}", f4_24),
                  "negative dimension -3 in shape [2,-3]");
  expect_rejected(
      make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", ""),
      "a dimension in the shape does not fit in 64 bits");
  expect_rejected(
      make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000,)}", ""),
      "expected 4000000000000 bytes of data for f32 [1000000000000], found 0");
  expect_rejected(
      make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296)}", ""),
      "overflows 64-bit arithmetic");
  expect_rejected(
      make_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904,)}", ""),
      "overflows 64-bit arithmetic");
  std::string ones;
  for (int i = 0; i < 65; ++i) ones += "1,";
  expect_rejected(make_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (" + ones + ")}",
                           std::string(8, '\0')),
                  "shape has more than 64 dimensions");

  expect_rejected(make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 224, 224)}",
                           std::string(1000, '\0')),
                  "expected 602112 bytes of data for f32 [1,3,224,224], found 1000");
  expect_rejected(std::string(kF32_2x3) + '\0',
                  "expected 24 bytes of data for f32 [2,3], found 25");
  expect_rejected(kF32_2x3.substr(0, kF32_2x3.size() - 1),
                  "expected 24 bytes of data for f32 [2,3], found 23");
}

TEST(Npy, ReadErrorsNameTheFile) {
  const TempDir dir;
  const std::string missing = dir.file("missing.npy");
  std::string msg = error_of([&] { read_npy(missing); });
  EXPECT_TRUE(msg.starts_with(missing + ": cannot open: ")) << msg;

  msg = error_of([&] { read_npy(dir.path().string()); });
  EXPECT_EQ(msg, dir.path().string() + ": not a regular file");

  const std::string big_endian = dir.file("be.npy");
  write_file(big_endian, kF32_big_endian);
  msg = error_of([&] { read_npy(big_endian); });
  EXPECT_EQ(msg, big_endian +
                     ": dtype '>f4' is not supported (supported: '<f4', '<f8', '<i8', "
                     "'<i4', '|i1', '|u1', '|b1')");

  // Every truncation of a real file, read through the file path (which reads header and data
  // separately), fails cleanly.
  const std::string cut = dir.file("cut.npy");
  for (size_t n = 0; n < kF32_2x3_v2.size(); ++n) {
    write_file(cut, kF32_2x3_v2.substr(0, n));
    msg = error_of([&] { read_npy(cut); });
    EXPECT_TRUE(msg.starts_with(cut + ": ")) << msg;
  }
  write_file(cut, kF32_2x3_v2);
  EXPECT_EQ(values_of(read_npy(cut)), (std::vector<double>{0, 1, 2, 3, 4, 5}));
}

TEST(Npy, WriteFailuresLeaveNoHalfFile) {
  const TempDir dir;
  const std::string path = dir.file("out.npy");
  write_npy(path, Tensor::from({2}, std::vector<float>{1, 2}));
  const std::string before = read_file(path);

  std::string msg = error_of([&] { write_npy(path, Tensor()); });
  EXPECT_EQ(msg, path + ": cannot write an undefined tensor");
  msg = error_of([&] { write_npy(path, Tensor({1, 2, 2, 3}, DType::f32, Layout::NHWC)); });
  EXPECT_EQ(msg, path + ": cannot write a tensor in NHWC layout; convert it to NCHW first");
  EXPECT_EQ(read_file(path), before) << "a failed write must not touch the existing file";

  const std::string no_dir = dir.file("no/such/dir/out.npy");
  msg = error_of([&] { write_npy(no_dir, Tensor({2})); });
  EXPECT_TRUE(msg.starts_with(no_dir + ": cannot create a temporary file: ")) << msg;

  // Renaming a file over a directory fails after all the data was written: the temporary file
  // must still disappear.
  const std::string sub = dir.file("sub");
  fs::create_directory(sub);
  msg = error_of([&] { write_npy(sub, Tensor({2})); });
  EXPECT_TRUE(msg.starts_with(sub + ": cannot rename the temporary file into place: ")) << msg;
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"out.npy", "sub"}));
  EXPECT_TRUE(fs::is_empty(sub));
}

// The sanitizer build runs these: any out-of-bounds read, overflow or other exception type fails.
TEST(Npy, SurvivesTruncatedAndCorruptedFiles) {
  const std::vector<std::string_view> seeds = {kF32_2x3,    kF64_scalar, kI8_1x1x1x2x1,
                                               kF32_2x3_v2, kI32_2_v3,   kF32_0x3};
  const auto parse_or_error = [](std::string_view file) {
    try {
      const Tensor t = parse_npy(bytes_of(file), "fuzz.npy");
      EXPECT_LE(t.nbytes(), file.size());
    } catch (const Error& e) {
      EXPECT_TRUE(std::string_view(e.what()).starts_with("fuzz.npy: ")) << e.what();
    }
  };
  for (std::string_view seed : seeds) {
    for (size_t n = 0; n < seed.size(); ++n) {
      const std::string msg = error_of([&] { parse_npy(bytes_of(seed.substr(0, n)), "fuzz.npy"); });
      EXPECT_TRUE(msg.starts_with("fuzz.npy: ")) << msg;
    }
    for (size_t i = 0; i < seed.size(); ++i) {
      std::string file(seed);
      for (int bit = 0; bit < 8; ++bit) {
        file[i] = static_cast<char>(seed[i] ^ (1 << bit));
        parse_or_error(file);
      }
      for (char c : "(),'\":{}[]-L 019\n\xff"sv) {
        file[i] = c;
        parse_or_error(file);
      }
    }
  }
  std::mt19937 rng(12345);
  for (int iter = 0; iter < 20000; ++iter) {
    std::string file(seeds[rng() % seeds.size()]);
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !file.empty(); ++e) {
      const size_t at = rng() % file.size();
      switch (rng() % 3) {
        case 0:
          file[at] = static_cast<char>(rng());
          break;
        case 1:
          file.erase(at, 1 + rng() % 8);
          break;
        case 2:
          file.insert(at, 1 + rng() % 8, "(,)'9- "[rng() % 7]);
          break;
      }
    }
    parse_or_error(file);
  }
}

}  // namespace
}  // namespace loupe::io
