#include "loupe/tensor.hpp"

#include <cstdlib>
#include <cstring>

#include "loupe/checked.hpp"

namespace loupe {

size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::f32:
      return 4;
    case DType::f64:
      return 8;
    case DType::i64:
      return 8;
    case DType::i32:
      return 4;
    case DType::i8:
      return 1;
    case DType::u8:
      return 1;
  }
  return 1;
}

std::string_view dtype_name(DType dtype) {
  switch (dtype) {
    case DType::f32:
      return "f32";
    case DType::f64:
      return "f64";
    case DType::i64:
      return "i64";
    case DType::i32:
      return "i32";
    case DType::i8:
      return "i8";
    case DType::u8:
      return "u8";
  }
  return "?";
}

std::string_view layout_name(Layout layout) {
  switch (layout) {
    case Layout::NCHW:
      return "NCHW";
    case Layout::NHWC:
      return "NHWC";
    case Layout::NCHWc:
      return "NCHWc";
  }
  return "?";
}

std::string shape_str(std::span<const int64_t> shape) {
  // Lists read from files can hold millions of entries (a fuzzed Pad's pads made a 71 MB error
  // message); an error stays one short line, so a long list shows its ends and its length.
  constexpr size_t kMaxShown = 16;
  if (shape.size() <= kMaxShown) return fmt::format("[{}]", fmt::join(shape, ","));
  return fmt::format("[{},...,{}] ({} entries)", fmt::join(shape.first(8), ","),
                     fmt::join(shape.last(2), ","), shape.size());
}

namespace {

struct AlignedFree {
  void operator()(std::byte* p) const { std::free(p); }
};

// Upper bound on one allocation; anything larger is a corrupt or hostile shape, not a model.
constexpr int64_t kMaxTensorBytes = int64_t{1} << 40;

}  // namespace

Tensor::Tensor(Shape shape, DType dtype, Layout layout, int64_t c_block)
    : defined_(true), shape_(std::move(shape)), dtype_(dtype), layout_(layout), c_block_(c_block) {
  numel_ = checked_numel(shape_, "tensor shape " + shape_str(shape_));
  storage_elems_ = numel_;
  if (layout_ == Layout::NCHWc) {
    if (shape_.size() < 2 || c_block_ <= 0) fail("NCHWc layout needs rank >= 2 and a block > 0");
    const int64_t C = shape_[1];
    const int64_t padded_C = checked_mul((C + c_block_ - 1) / c_block_, c_block_);
    storage_elems_ = C == 0 ? 0 : checked_mul(numel_ / C, padded_C);
  }
  const int64_t bytes = checked_mul(storage_elems_, static_cast<int64_t>(dtype_size(dtype_)),
                                    "tensor " + shape_str(shape_));
  if (bytes > kMaxTensorBytes)
    fail("tensor {}: {} bytes exceeds the 1 TiB limit", shape_str(shape_), bytes);
  if (bytes > 0) {
    const size_t rounded =
        (static_cast<size_t>(bytes) + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment;
    auto* p = static_cast<std::byte*>(std::aligned_alloc(kTensorAlignment, rounded));
    if (p == nullptr) fail("tensor {}: cannot allocate {} bytes", shape_str(shape_), bytes);
    std::memset(p, 0, rounded);
    storage_ = std::shared_ptr<std::byte[]>(p, AlignedFree{});
  }
}

Tensor Tensor::from(Shape shape, std::span<const float> values) {
  Tensor t(std::move(shape));
  if (static_cast<int64_t>(values.size()) != t.numel()) {
    fail("tensor {}: {} values given for {} elements", shape_str(t.shape()), values.size(),
         t.numel());
  }
  if (!values.empty()) std::memcpy(t.raw(), values.data(), values.size() * sizeof(float));
  return t;
}

int64_t Tensor::dim(int axis) const {
  const int r = rank();
  const int a = axis < 0 ? axis + r : axis;
  if (a < 0 || a >= r) fail("axis {} out of range for rank {}", axis, r);
  return shape_[static_cast<size_t>(a)];
}

Tensor Tensor::clone() const {
  if (!defined_) return {};
  Tensor t(shape_, dtype_, layout_, c_block_);
  if (nbytes() > 0) std::memcpy(t.raw(), raw(), nbytes());
  return t;
}

Tensor Tensor::wrap(Shape shape, DType dtype, void* data) {
  Tensor t;
  t.defined_ = true;
  t.shape_ = std::move(shape);
  t.dtype_ = dtype;
  t.numel_ = checked_numel(t.shape_, "tensor shape " + shape_str(t.shape_));
  t.storage_elems_ = t.numel_;
  // Aliasing constructor: shares no ownership, so the arena keeps the memory.
  t.storage_ =
      std::shared_ptr<std::byte[]>(std::shared_ptr<std::byte[]>(), static_cast<std::byte*>(data));
  return t;
}

Tensor Tensor::reshaped(Shape shape) const {
  if (layout_ != Layout::NCHW) fail("reshape of a {} tensor", layout_name(layout_));
  const int64_t n = checked_numel(shape, "reshape target " + shape_str(shape));
  if (n != numel_) {
    fail("cannot reshape {} ({} elements) to {} ({} elements)", shape_str(shape_), numel_,
         shape_str(shape), n);
  }
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

double Tensor::at(int64_t i) const {
  LOUPE_CHECK(i >= 0 && i < storage_elems_);
  const std::byte* p = storage_.get();
  switch (dtype_) {
    case DType::f32:
      return reinterpret_cast<const float*>(p)[i];
    case DType::f64:
      return reinterpret_cast<const double*>(p)[i];
    case DType::i64:
      return static_cast<double>(reinterpret_cast<const int64_t*>(p)[i]);
    case DType::i32:
      return reinterpret_cast<const int32_t*>(p)[i];
    case DType::i8:
      return reinterpret_cast<const int8_t*>(p)[i];
    case DType::u8:
      return reinterpret_cast<const uint8_t*>(p)[i];
  }
  return 0;
}

void Tensor::check_dtype(DType wanted) const {
  if (wanted != dtype_)
    fail("tensor {} is {}, accessed as {}", shape_str(shape_), dtype_name(dtype_),
         dtype_name(wanted));
}

}  // namespace loupe
