// TensorProto decoding: initializers, tensor attributes and .pb tensor files all come through
// decode_tensor, so every encoding is validated in one place. Nothing is allocated before the
// bytes that fill it are known to exist (in the message or in the external file), which bounds
// every allocation by the size of a file on disk.
#include <bit>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>

#include "io/onnx_detail.hpp"
#include "io/onnx_import.hpp"
#include "loupe/checked.hpp"

namespace loupe::io {
namespace onnx_detail {
namespace {

namespace fs = std::filesystem;
using TP = onnx::TensorProto;

static_assert(std::endian::native == std::endian::little,
              "raw_data and external data are little-endian; a big-endian host needs byte swaps");

// Copies `n` little-endian elements of the tensor's dtype from `bytes`.
void fill_raw(Tensor& t, const void* bytes, size_t n) {
  LOUPE_CHECK(n == t.nbytes());
  if (n != 0) std::memcpy(t.raw(), bytes, n);
}

// Typed-field decoding: `values` holds one entry per element; integers narrower than the field
// (int8, uint8, bool in int32_data) are range-checked rather than silently wrapped.
template <typename Dst, typename Src>
void fill_typed(Tensor& t, const google::protobuf::RepeatedField<Src>& values,
                std::string_view field) {
  if (static_cast<int64_t>(values.size()) != t.numel()) {
    fail("{} holds {} values, the dims {} need {}", field, values.size(), shape_str(t.shape()),
         t.numel());
  }
  Dst* out = t.data<Dst>();
  for (int i = 0; i < values.size(); ++i) {
    const Src v = values.Get(i);
    if constexpr (std::is_integral_v<Src> && !std::is_same_v<Src, Dst>) {
      if (v < std::numeric_limits<Dst>::min() || v > std::numeric_limits<Dst>::max()) {
        fail("{}[{}] = {} is out of range for {}", field, i, v, dtype_name(t.dtype()));
      }
    }
    out[i] = static_cast<Dst>(v);
  }
}

int64_t parse_nonnegative(const std::string& key, const std::string& value) {
  int64_t v = -1;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || end != value.data() + value.size() || v < 0) {
    fail("external data {} \"{}\" is not a non-negative integer", key, value);
  }
  return v;
}

// The file named by `location`, which must stay inside `base_dir` (a model must not make loupe
// read arbitrary files, through "..", an absolute path or a symbolic link).
fs::path external_path(const std::string& base_dir, const std::string& location) {
  if (base_dir.empty()) fail("external data \"{}\" needs the model's directory", location);
  if (location.empty()) fail("external data has an empty location");
  if (location.find('\0') != std::string::npos) fail("external data location holds a NUL byte");
  const fs::path rel(location);
  if (rel.is_absolute() || rel.has_root_name() || rel.has_root_directory()) {
    fail(
        "external data location \"{}\" is an absolute path (it must be relative to the model's "
        "directory)",
        location);
  }
  for (const fs::path& part : rel) {
    if (part == "..") fail("external data location \"{}\" leaves the model's directory", location);
  }
  std::error_code ec;
  const fs::path base = fs::weakly_canonical(fs::path(base_dir), ec);
  if (ec) fail("external data \"{}\": cannot resolve {}: {}", location, base_dir, ec.message());
  const fs::path full = fs::weakly_canonical(base / rel, ec);
  if (ec) fail("external data \"{}\": {}", location, ec.message());
  const fs::path inside = full.lexically_relative(base);
  if (inside.empty() || *inside.begin() == "..") {
    fail("external data location \"{}\" resolves outside the model's directory", location);
  }
  return full;
}

// Where the external data of `proto` (want bytes) lies, checked against the file's size before
// the caller allocates anything: dims alone must never decide an allocation.
struct ExternalData {
  fs::path path;
  std::string location;
  int64_t offset = 0;
};

ExternalData locate_external(const TP& proto, const std::string& base_dir, const Shape& shape,
                             DType dtype, int64_t want) {
  std::string location;
  int64_t offset = 0;
  int64_t length = -1;
  for (const auto& kv : proto.external_data()) {
    if (kv.key() == "location") {
      location = kv.value();
    } else if (kv.key() == "offset") {
      offset = parse_nonnegative("offset", kv.value());
    } else if (kv.key() == "length") {
      length = parse_nonnegative("length", kv.value());
    } else if (kv.key() != "checksum") {
      fail("external data has an unknown key \"{}\"", kv.key());
    }
  }
  if (location.empty()) fail("external data has no location");
  if (length >= 0 && length != want) {
    fail("external data \"{}\" length {} does not match dims {} of {} ({} bytes)", location, length,
         shape_str(shape), dtype_name(dtype), want);
  }
  const fs::path path = external_path(base_dir, location);
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) fail("external data file \"{}\" does not exist", location);
  const auto size = static_cast<int64_t>(fs::file_size(path, ec));
  if (ec) fail("external data \"{}\": {}", location, ec.message());
  if (offset > size || want > size - offset) {
    fail("external data \"{}\" holds {} bytes, the tensor needs {} at offset {}", location, size,
         want, offset);
  }
  return {path, location, offset};
}

void read_external(Tensor& t, const ExternalData& ext) {
  const auto want = static_cast<int64_t>(t.nbytes());
  if (want == 0) return;
  std::ifstream f(ext.path, std::ios::binary);
  f.seekg(ext.offset);
  f.read(static_cast<char*>(t.raw()), want);
  if (!f || f.gcount() != want) fail("external data \"{}\": read failed", ext.location);
}

}  // namespace

std::vector<std::byte> read_file(const std::string& path, int64_t limit) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) fail("{}: is a directory", path);
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) fail("{}: cannot open file", path);
  const std::streamoff size = f.tellg();
  if (size < 0) fail("{}: cannot read file size", path);
  if (size > limit)
    fail("{}: {} bytes is over the {}-byte limit for this kind of file", path, size, limit);
  std::vector<std::byte> bytes(static_cast<size_t>(size));
  f.seekg(0);
  f.read(reinterpret_cast<char*>(bytes.data()), size);
  if (!f) fail("{}: read failed", path);
  return bytes;
}

std::string_view onnx_dtype_name(int32_t data_type) {
  switch (data_type) {
    case TP::FLOAT:
      return "FLOAT";
    case TP::UINT8:
      return "UINT8";
    case TP::INT8:
      return "INT8";
    case TP::UINT16:
      return "UINT16";
    case TP::INT16:
      return "INT16";
    case TP::INT32:
      return "INT32";
    case TP::INT64:
      return "INT64";
    case TP::STRING:
      return "STRING";
    case TP::BOOL:
      return "BOOL";
    case TP::FLOAT16:
      return "FLOAT16";
    case TP::DOUBLE:
      return "DOUBLE";
    case TP::UINT32:
      return "UINT32";
    case TP::UINT64:
      return "UINT64";
    case TP::COMPLEX64:
      return "COMPLEX64";
    case TP::COMPLEX128:
      return "COMPLEX128";
    case TP::BFLOAT16:
      return "BFLOAT16";
    case TP::UNDEFINED:
      return "UNDEFINED";
    default:
      return "unknown";
  }
}

DType onnx_dtype(int32_t data_type) {
  switch (data_type) {
    case TP::FLOAT:
      return DType::f32;
    case TP::DOUBLE:
      return DType::f64;
    case TP::INT64:
      return DType::i64;
    case TP::INT32:
      return DType::i32;
    case TP::INT8:
      return DType::i8;
    case TP::UINT8:
      return DType::u8;
    case TP::BOOL:
      return DType::u8;  // 0 / 1, as read_npy does for NumPy's bool
    default:
      fail(
          "data type {} ({}) is not supported (loupe holds FLOAT DOUBLE INT64 INT32 INT8 UINT8 "
          "BOOL)",
          onnx_dtype_name(data_type), data_type);
  }
}

Tensor decode_tensor(const TP& proto, const std::string& base_dir) {
  if (!proto.has_data_type()) fail("has no data_type");
  const DType dtype = onnx_dtype(proto.data_type());
  if (proto.has_segment()) fail("is segmented (TensorProto.segment), which loupe does not read");
  Shape shape(proto.dims().begin(), proto.dims().end());
  for (int64_t d : shape) {
    if (d < 0) fail("has a negative dimension in dims {}", shape_str(shape));
  }
  const int64_t numel = checked_numel(shape, "dims");
  const int64_t nbytes =
      checked_mul(numel, static_cast<int64_t>(dtype_size(dtype)), "tensor size in bytes");

  // Validate that the data is there before allocating for it.
  const bool external = proto.data_location() == TP::EXTERNAL;
  const int typed = proto.float_data_size() + proto.int32_data_size() + proto.int64_data_size() +
                    proto.double_data_size() + proto.uint64_data_size() + proto.string_data_size();
  if (external && (proto.has_raw_data() || typed != 0)) {
    fail("has data_location EXTERNAL and data inside the file");
  }
  if (proto.has_raw_data() && typed != 0) fail("has both raw_data and typed data fields");
  if (proto.has_raw_data() && static_cast<int64_t>(proto.raw_data().size()) != nbytes) {
    fail("raw_data holds {} bytes, dims {} of {} need {}", proto.raw_data().size(),
         shape_str(shape), dtype_name(dtype), nbytes);
  }
  if (!external && !proto.has_raw_data() && typed == 0 && numel != 0) {
    fail("has dims {} but no data", shape_str(shape));
  }
  // Exactly numel typed values: fewer would let a few bytes of file claim a huge allocation
  // (found by fuzz/fuzz_tensor).
  if (!external && !proto.has_raw_data() && typed != numel) {
    fail("holds {} values, dims {} need {}", typed, shape_str(shape), numel);
  }
  std::optional<ExternalData> ext;
  if (external) ext = locate_external(proto, base_dir, shape, dtype, nbytes);

  Tensor t(shape, dtype);
  if (ext) {
    read_external(t, *ext);
  } else if (proto.has_raw_data()) {
    fill_raw(t, proto.raw_data().data(), proto.raw_data().size());
    if (proto.data_type() == TP::BOOL) {
      for (uint8_t& v : t.span<uint8_t>()) v = v != 0;
    }
  } else if (numel != 0) {
    switch (proto.data_type()) {
      case TP::FLOAT:
        fill_typed<float>(t, proto.float_data(), "float_data");
        break;
      case TP::DOUBLE:
        fill_typed<double>(t, proto.double_data(), "double_data");
        break;
      case TP::INT64:
        fill_typed<int64_t>(t, proto.int64_data(), "int64_data");
        break;
      case TP::INT32:
        fill_typed<int32_t>(t, proto.int32_data(), "int32_data");
        break;
      case TP::INT8:
        fill_typed<int8_t>(t, proto.int32_data(), "int32_data");
        break;
      case TP::UINT8:
        fill_typed<uint8_t>(t, proto.int32_data(), "int32_data");
        break;
      case TP::BOOL:
        fill_typed<uint8_t>(t, proto.int32_data(), "int32_data");
        for (uint8_t& v : t.span<uint8_t>()) v = v != 0;
        break;
      default:
        LOUPE_CHECK(false);
    }
  }
  return t;
}

}  // namespace onnx_detail

Tensor parse_tensor_proto(std::span<const std::byte> bytes, std::string_view name_for_errors) {
  onnx::TensorProto proto;
  if (bytes.size() > static_cast<size_t>(onnx_detail::kMaxProtoBytes) ||
      !proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    fail("{}: not an ONNX TensorProto (protobuf decoding failed: truncated or not a .pb tensor)",
         name_for_errors);
  }
  try {
    // A .pb tensor stands alone: external data would be relative to an unknown model directory.
    return onnx_detail::decode_tensor(proto, "");
  } catch (const Error& e) {
    const std::string what = proto.name().empty() ? "tensor" : "tensor \"" + proto.name() + "\"";
    throw e.prefixed(fmt::format("{}: {}", name_for_errors, what));
  }
}

Tensor read_tensor_proto(const std::string& path) {
  const std::vector<std::byte> bytes = onnx_detail::read_file(path, onnx_detail::kMaxProtoBytes);
  return parse_tensor_proto(bytes, path);
}

}  // namespace loupe::io
