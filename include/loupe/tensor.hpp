#pragma once
// Tensor: shape, dtype, layout tag and 64-byte-aligned storage shared between copies.
// Copies are shallow (like a view); clone() makes a deep copy. Storage is zero-initialized.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "loupe/error.hpp"

namespace loupe {

using Shape = std::vector<int64_t>;

enum class DType : uint8_t { f32, f64, i64, i32, i8, u8 };

size_t dtype_size(DType dtype);
std::string_view dtype_name(DType dtype);

template <typename T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() {
  return DType::f32;
}
template <>
constexpr DType dtype_of<double>() {
  return DType::f64;
}
template <>
constexpr DType dtype_of<int64_t>() {
  return DType::i64;
}
template <>
constexpr DType dtype_of<int32_t>() {
  return DType::i32;
}
template <>
constexpr DType dtype_of<int8_t>() {
  return DType::i8;
}
template <>
constexpr DType dtype_of<uint8_t>() {
  return DType::u8;
}

// NCHW is plain row-major in logical dimension order (any rank). NHWC is channels-last for rank 4.
// NCHWc is channel-blocked: [N][ceil(C/c_block)][H][W][c_block], the tail block zero-padded.
enum class Layout : uint8_t { NCHW, NHWC, NCHWc };
std::string_view layout_name(Layout layout);

// "[1,3,224,224]"
std::string shape_str(std::span<const int64_t> shape);

inline constexpr size_t kTensorAlignment = 64;

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(Shape shape, DType dtype = DType::f32, Layout layout = Layout::NCHW,
                  int64_t c_block = 16);

  // A plain f32 tensor holding the given values (size must match the shape).
  static Tensor from(Shape shape, std::span<const float> values);
  // A plain tensor over memory it does not own (an executor's arena); `data` must stay valid,
  // 64-byte aligned and large enough while the tensor or any copy of it is used.
  static Tensor wrap(Shape shape, DType dtype, void* data);

  // False only for a default-constructed Tensor (an absent optional input).
  bool defined() const { return defined_; }
  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t dim(int axis) const;  // negative axis counts from the end
  DType dtype() const { return dtype_; }
  Layout layout() const { return layout_; }
  int64_t c_block() const { return c_block_; }
  int64_t numel() const { return numel_; }
  // Bytes of storage (for NCHWc this includes the padded tail block).
  size_t nbytes() const { return storage_elems_ * dtype_size(dtype_); }

  template <typename T>
  T* data() {
    check_dtype(dtype_of<std::remove_const_t<T>>());
    return reinterpret_cast<T*>(storage_.get());
  }
  template <typename T>
  const T* data() const {
    check_dtype(dtype_of<std::remove_const_t<T>>());
    return reinterpret_cast<const T*>(storage_.get());
  }
  template <typename T>
  std::span<T> span() {
    return {data<T>(), static_cast<size_t>(storage_elems_)};
  }
  template <typename T>
  std::span<const T> span() const {
    return {data<T>(), static_cast<size_t>(storage_elems_)};
  }
  void* raw() { return storage_.get(); }
  const void* raw() const { return storage_.get(); }

  Tensor clone() const;
  // Same storage, new shape of equal element count (plain layout only).
  Tensor reshaped(Shape shape) const;
  // Element i (row-major, plain layout) converted to double, whatever the dtype.
  double at(int64_t i) const;

 private:
  void check_dtype(DType wanted) const;

  bool defined_ = false;
  Shape shape_;
  DType dtype_ = DType::f32;
  Layout layout_ = Layout::NCHW;
  int64_t c_block_ = 16;
  int64_t numel_ = 0;
  int64_t storage_elems_ = 0;
  std::shared_ptr<std::byte[]> storage_;
};

}  // namespace loupe
