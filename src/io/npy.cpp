#include "io/npy.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <random>
#include <system_error>

#include "loupe/checked.hpp"

namespace loupe::io {

// The file format is little-endian; data is copied to and from tensor storage with memcpy.
static_assert(std::endian::native == std::endian::little, "npy.cpp assumes a little-endian host");

namespace {

constexpr std::array<unsigned char, 6> kMagic = {0x93, 'N', 'U', 'M', 'P', 'Y'};
// NumPy aligns the data to 64 bytes so that a memory-mapped array is aligned for any dtype.
constexpr size_t kDataAlign = 64;
// numpy.save leaves room for the first dimension to grow to this many digits in place.
constexpr size_t kGrowthAxisMaxDigits = 21;
// NumPy itself refuses arrays of more dimensions (32 before NumPy 2.0, 64 since).
constexpr size_t kMaxRank = 64;
constexpr std::string_view kSupportedDescrs = "'<f4', '<f8', '<i8', '<i4', '|i1', '|u1', '|b1'";

std::string errno_message(int err) { return std::generic_category().message(err); }

// Header text comes from the file: show it escaped and short so the message stays one line.
std::string printable(std::string_view s, size_t max_chars = 40) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < max_chars; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  if (s.size() > max_chars) out += "...";
  return out;
}

std::optional<DType> dtype_from_descr(std::string_view descr) {
  if (descr == "<f4") return DType::f32;
  if (descr == "<f8") return DType::f64;
  if (descr == "<i8") return DType::i64;
  if (descr == "<i4") return DType::i32;
  if (descr == "|i1") return DType::i8;
  if (descr == "|u1" || descr == "|b1") return DType::u8;
  return std::nullopt;
}

struct Preamble {
  size_t header_start = 0;  // offset of the dict text
  size_t header_len = 0;    // bytes of dict text, padding and newline
  size_t data_start() const { return header_start + header_len; }
};

// `head` is the start of the file (all of it, or at least its first 12 bytes); `file_size` is
// the whole file's, so that the header length is checked before anything is read or allocated.
Preamble parse_preamble(std::span<const std::byte> head, uint64_t file_size,
                        std::string_view name) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(head[i]); };
  for (size_t i = 0; i < kMagic.size() && i < head.size(); ++i) {
    if (byte(i) != kMagic[i]) fail("{}: not a .npy file (it does not start with \\x93NUMPY)", name);
  }
  if (head.size() < kMagic.size() + 2) {
    fail("{}: truncated: {} bytes is too short for a .npy preamble", name, file_size);
  }
  const int major = byte(6);
  const int minor = byte(7);
  if (major < 1 || major > 3 || minor != 0) {
    fail("{}: unsupported .npy format version {}.{} (supported: 1.0, 2.0, 3.0)", name, major,
         minor);
  }
  const size_t len_bytes = major == 1 ? 2 : 4;
  Preamble p;
  p.header_start = kMagic.size() + 2 + len_bytes;
  if (head.size() < p.header_start) {
    fail("{}: truncated: {} bytes is too short for a version {}.0 preamble", name, file_size,
         major);
  }
  for (size_t i = 0; i < len_bytes; ++i) p.header_len |= size_t{byte(8 + i)} << (8 * i);
  if (p.header_len > file_size - p.header_start) {
    fail("{}: truncated header: it is {} bytes long but only {} bytes follow the preamble", name,
         p.header_len, file_size - p.header_start);
  }
  return p;
}

struct Header {
  DType dtype = DType::f32;
  Shape shape;
  int64_t data_bytes = 0;
};

// The header is a Python dict literal as repr() writes it. Rather than evaluate Python, this
// accepts the small subset NumPy and other writers produce: the three keys in any order, single or
// double quotes, optional trailing comma, any whitespace, and shape tuples such as (), (3,), (2, 3)
// or Python 2's (3L, 4L).
class HeaderParser {
 public:
  HeaderParser(std::string_view text, std::string_view name) : text_(text), name_(name) {}

  Header parse() {
    std::optional<std::string_view> descr;
    std::optional<bool> fortran_order;
    std::optional<Shape> shape;

    skip_ws();
    expect('{');
    while (true) {
      skip_ws();
      if (peek() == '}') break;
      const std::string_view key = parse_string();
      skip_ws();
      expect(':');
      skip_ws();
      if (key == "descr") {
        if (descr) bad("duplicate key 'descr'");
        if (peek() == '[')
          fail("{}: structured dtypes (a list as 'descr') are not supported", name_);
        descr = parse_string();
      } else if (key == "fortran_order") {
        if (fortran_order) bad("duplicate key 'fortran_order'");
        fortran_order = parse_bool();
      } else if (key == "shape") {
        if (shape) bad("duplicate key 'shape'");
        shape = parse_shape();
      } else {
        fail("{}: unexpected key '{}' in the header (expected 'descr', 'fortran_order', 'shape')",
             name_, printable(key));
      }
      skip_ws();
      if (peek() == ',') {
        ++pos_;
      } else if (peek() != '}') {
        bad("expected ',' or '}'");
      }
    }
    ++pos_;  // the closing brace
    skip_ws();
    if (pos_ != text_.size()) bad("unexpected text after the closing '}'");

    if (!descr) fail("{}: the header has no 'descr' key", name_);
    if (!fortran_order) fail("{}: the header has no 'fortran_order' key", name_);
    if (!shape) fail("{}: the header has no 'shape' key", name_);
    return interpret(*descr, *fortran_order, std::move(*shape));
  }

 private:
  Header interpret(std::string_view descr, bool fortran_order, Shape shape) const {
    const std::optional<DType> dtype = dtype_from_descr(descr);
    if (!dtype) {
      fail("{}: dtype '{}' is not supported (supported: {})", name_, printable(descr),
           kSupportedDescrs);
    }
    // Column-major and row-major orders coincide below rank 2.
    if (fortran_order && shape.size() > 1) {
      fail(
          "{}: fortran_order True is not supported (save a C-order array, e.g. with "
          "np.ascontiguousarray)",
          name_);
    }
    for (int64_t d : shape) {
      if (d < 0) fail("{}: negative dimension {} in shape {}", name_, d, shape_str(shape));
    }
    const std::string what = fmt::format("{}: shape {}", name_, shape_str(shape));
    const int64_t numel = checked_numel(shape, what);
    Header h;
    h.dtype = *dtype;
    h.data_bytes = checked_mul(numel, static_cast<int64_t>(dtype_size(*dtype)), what);
    h.shape = std::move(shape);
    return h;
  }

  [[noreturn]] void bad(std::string_view why) const {
    fail("{}: header is not a valid dict: {} at offset {} (near \"{}\")", name_, why, pos_,
         printable(text_.substr(std::min(pos_, text_.size()), 20), 20));
  }

  // '\0' stands for the end of the text; a NUL inside the text is rejected wherever it matters
  // because no token accepts it.
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

  void skip_ws() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }

  void expect(char c) {
    if (peek() != c) bad(fmt::format("expected '{}'", c));
    ++pos_;
  }

  std::string_view parse_string() {
    const char quote = peek();
    if (quote != '\'' && quote != '"') bad("expected a quoted string");
    const size_t start = ++pos_;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      if (text_[pos_] == '\\') bad("escape sequences are not supported in header strings");
      ++pos_;
    }
    if (pos_ >= text_.size()) bad("unterminated string");
    return text_.substr(start, pos_++ - start);
  }

  bool parse_bool() {
    const std::string_view rest = text_.substr(pos_);
    if (rest.starts_with("True")) {
      pos_ += 4;
      return true;
    }
    if (rest.starts_with("False")) {
      pos_ += 5;
      return false;
    }
    bad("expected True or False");
  }

  int64_t parse_int() {
    const bool negative = peek() == '-';
    if (negative) ++pos_;
    if (peek() < '0' || peek() > '9') bad("expected an integer");
    int64_t value = 0;
    while (peek() >= '0' && peek() <= '9') {
      const int digit = peek() - '0';
      // Accumulating the negative value keeps INT64_MIN representable.
      if (__builtin_mul_overflow(value, int64_t{10}, &value) ||
          __builtin_add_overflow(value, negative ? -digit : digit, &value)) {
        fail("{}: a dimension in the shape does not fit in 64 bits", name_);
      }
      ++pos_;
    }
    if (peek() == 'L' || peek() == 'l') ++pos_;  // Python 2 long literal
    return value;
  }

  Shape parse_shape() {
    expect('(');
    Shape shape;
    while (true) {
      skip_ws();
      if (peek() == ')') break;
      if (shape.size() == kMaxRank) fail("{}: shape has more than {} dimensions", name_, kMaxRank);
      shape.push_back(parse_int());
      skip_ws();
      if (peek() == ',') {
        ++pos_;
      } else if (peek() != ')') {
        bad("expected ',' or ')' in the shape");
      }
    }
    ++pos_;  // the closing parenthesis
    return shape;
  }

  std::string_view text_;
  std::string_view name_;
  size_t pos_ = 0;
};

std::string_view as_text(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

void check_data_size(const Header& h, uint64_t available, std::string_view name) {
  if (available != static_cast<uint64_t>(h.data_bytes)) {
    fail("{}: expected {} bytes of data for {} {}, found {}", name, h.data_bytes,
         dtype_name(h.dtype), shape_str(h.shape), available);
  }
}

std::string shape_repr(const Shape& shape) {
  if (shape.size() == 1) return fmt::format("({},)", shape[0]);
  return fmt::format("({})", fmt::join(shape, ", "));
}

// The preamble and header exactly as numpy.save writes them (format.py: _write_array_header).
std::string encode_header(const Tensor& t, std::string_view name) {
  if (!t.defined()) fail("{}: cannot write an undefined tensor", name);
  if (t.layout() != Layout::NCHW) {
    fail("{}: cannot write a tensor in {} layout; convert it to NCHW first", name,
         layout_name(t.layout()));
  }
  if (static_cast<size_t>(t.rank()) > kMaxRank) {
    fail("{}: rank {} exceeds {}, the most NumPy (and read_npy) accepts", name, t.rank(), kMaxRank);
  }
  std::string dict = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}",
                                 npy_header_descr(t.dtype()), shape_repr(t.shape()));
  if (t.rank() > 0) {
    const size_t digits = fmt::format("{}", t.shape()[0]).size();
    dict.append(kGrowthAxisMaxDigits - std::min(digits, kGrowthAxisMaxDigits), ' ');
  }
  // Like NumPy: the padding is 1..64 spaces, never 0. With at most kMaxRank dimensions of at most
  // 20 characters each the header always fits version 1.0's 16-bit length.
  const size_t text_len = dict.size() + 1;  // with the final newline
  const size_t padding = kDataAlign - (kMagic.size() + 4 + text_len) % kDataAlign;
  const size_t header_len = text_len + padding;
  LOUPE_CHECK(header_len <= 0xffff);

  std::string out(kMagic.begin(), kMagic.end());
  out += '\x01';
  out += '\0';
  out += static_cast<char>(header_len & 0xff);
  out += static_cast<char>(header_len >> 8);
  out += dict;
  out.append(padding, ' ');
  out += '\n';
  return out;
}

// Owns a file descriptor.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // Closes now so that the caller sees the error (a deferred write error can surface here).
  int close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

void pread_exact(const Fd& fd, void* dst, size_t n, uint64_t offset, const std::string& path) {
  auto* p = static_cast<char*>(dst);
  while (n > 0) {
    const ssize_t got = ::pread(fd.get(), p, n, static_cast<off_t>(offset));
    if (got < 0) {
      if (errno == EINTR) continue;
      fail("{}: read failed: {}", path, errno_message(errno));
    }
    if (got == 0) fail("{}: the file became shorter while it was being read", path);
    p += got;
    n -= static_cast<size_t>(got);
    offset += static_cast<uint64_t>(got);
  }
}

void write_all(const Fd& fd, const void* src, size_t n, const std::string& path) {
  const auto* p = static_cast<const char*>(src);
  while (n > 0) {
    const ssize_t put = ::write(fd.get(), p, n);
    if (put < 0) {
      if (errno == EINTR) continue;
      fail("{}: write failed: {}", path, errno_message(errno));
    }
    p += put;
    n -= static_cast<size_t>(put);
  }
}

// Removes the temporary file on every exit that did not rename it into place.
class TempFileGuard {
 public:
  explicit TempFileGuard(std::string path) : path_(std::move(path)) {}
  TempFileGuard(const TempFileGuard&) = delete;
  TempFileGuard& operator=(const TempFileGuard&) = delete;
  ~TempFileGuard() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  void release() { path_.clear(); }

 private:
  std::string path_;
};

}  // namespace

std::string npy_header_descr(DType dtype) {
  switch (dtype) {
    case DType::f32:
      return "<f4";
    case DType::f64:
      return "<f8";
    case DType::i64:
      return "<i8";
    case DType::i32:
      return "<i4";
    case DType::i8:
      return "|i1";
    case DType::u8:
      return "|u1";
  }
  fail("npy_header_descr: unknown dtype {}", static_cast<int>(dtype));
}

Tensor parse_npy(std::span<const std::byte> bytes, std::string_view name_for_errors) {
  const std::string_view name = name_for_errors;
  const Preamble p = parse_preamble(bytes, bytes.size(), name);
  const Header h = HeaderParser(as_text(bytes.subspan(p.header_start, p.header_len)), name).parse();
  check_data_size(h, bytes.size() - p.data_start(), name);
  Tensor t(h.shape, h.dtype);
  if (h.data_bytes > 0) {
    std::memcpy(t.raw(), bytes.data() + p.data_start(), static_cast<size_t>(h.data_bytes));
  }
  return t;
}

Tensor read_npy(const std::string& path) {
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) fail("{}: cannot open: {}", path, errno_message(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) fail("{}: cannot stat: {}", path, errno_message(errno));
  if (!S_ISREG(st.st_mode)) fail("{}: not a regular file", path);
  const auto file_size = static_cast<uint64_t>(st.st_size);

  std::array<std::byte, 12> head{};
  const size_t head_n = static_cast<size_t>(std::min<uint64_t>(file_size, head.size()));
  pread_exact(fd, head.data(), head_n, 0, path);
  const Preamble p = parse_preamble(std::span(head.data(), head_n), file_size, path);

  // header_len has been checked against the file size, so this allocation is bounded by it.
  std::string text(p.header_len, '\0');
  pread_exact(fd, text.data(), text.size(), p.header_start, path);
  const Header h = HeaderParser(text, path).parse();
  check_data_size(h, file_size - p.data_start(), path);

  Tensor t(h.shape, h.dtype);
  if (h.data_bytes > 0) {
    pread_exact(fd, t.raw(), static_cast<size_t>(h.data_bytes), p.data_start(), path);
  }
  return t;
}

std::vector<std::byte> encode_npy(const Tensor& t) {
  const std::string header = encode_header(t, "encode_npy");
  std::vector<std::byte> out(header.size() + t.nbytes());
  std::memcpy(out.data(), header.data(), header.size());
  if (t.nbytes() > 0) std::memcpy(out.data() + header.size(), t.raw(), t.nbytes());
  return out;
}

void write_npy(const std::string& path, const Tensor& t) {
  const std::string header = encode_header(t, path);

  // Same directory as the target so that rename() is atomic; O_EXCL with a random suffix so that
  // concurrent writers of the same path never share a temporary file.
  std::random_device random;
  std::string temp;
  int raw_fd = -1;
  for (int attempt = 0; attempt < 8 && raw_fd < 0; ++attempt) {
    temp = fmt::format("{}.tmp-{}-{:08x}{:08x}", path, ::getpid(), random(), random());
    raw_fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (raw_fd < 0 && errno != EEXIST) break;
  }
  if (raw_fd < 0) fail("{}: cannot create a temporary file: {}", path, errno_message(errno));
  TempFileGuard guard(temp);
  Fd fd(raw_fd);

  write_all(fd, header.data(), header.size(), path);
  if (t.nbytes() > 0) write_all(fd, t.raw(), t.nbytes(), path);
  // Without fsync a crash shortly after the rename can leave an empty file under the final name
  // on file systems with delayed allocation.
  if (::fsync(fd.get()) != 0) fail("{}: fsync failed: {}", path, errno_message(errno));
  if (fd.close() != 0) fail("{}: write failed: {}", path, errno_message(errno));
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    fail("{}: cannot rename the temporary file into place: {}", path, errno_message(errno));
  }
  guard.release();
}

}  // namespace loupe::io
