// Constant and ConstantOfShape (ONNX, opset 13 and 9). Both have outputs known at load time, so
// the graph folds them into initializers; their references serve that folding. 0 FLOPs.
//
// Constant: exactly one of `value` (a tensor), `value_float` / `value_int` (a scalar, rank 0),
// `value_floats` / `value_ints` (1-D), the forms of opsets 1-13. `sparse_value` and the string
// forms have no loupe dtype and are rejected by name.
//
// ConstantOfShape: the i64 input gives the output shape (zeros allowed: an empty tensor); every
// element is the one-element tensor `value` (default f32 0), whose dtype the output takes.
#include <cstring>

#include "loupe/checked.hpp"
#include "ops/op.hpp"
#include "ops/typed.hpp"

namespace loupe::ops {
namespace {

class Constant final : public Op {
 public:
  explicit Constant(Tensor value) : value_(std::move(value)) {}
  std::string_view type() const override { return "Constant"; }

  std::vector<ValueInfo> infer(std::span<const ValueInfo> in) const override {
    if (!in.empty()) fail("takes no inputs, got {}", in.size());
    return {{value_.shape(), value_.dtype()}};
  }

  void reference(std::span<const Tensor>, std::span<Tensor> out) const override {
    LOUPE_CHECK(out[0].nbytes() == value_.nbytes());
    if (value_.nbytes() > 0) std::memcpy(out[0].raw(), value_.raw(), value_.nbytes());
  }

 private:
  Tensor value_;
};

template <typename T>
Tensor tensor_of(Shape shape, const std::vector<T>& values) {
  Tensor t(std::move(shape), dtype_of<T>());
  if (!values.empty()) std::memcpy(t.raw(), values.data(), values.size() * sizeof(T));
  return t;
}

std::unique_ptr<Op> make_constant(const Attributes& a) {
  a.check_known({"value", "value_float", "value_floats", "value_int", "value_ints"});
  if (a.all().size() != 1) {
    fail("needs exactly one of value, value_float(s), value_int(s); got {} attributes",
         a.all().size());
  }
  if (const Tensor* t = a.get_tensor("value")) {
    if (t->layout() != Layout::NCHW) fail("attribute value must be a plain tensor");
    return std::make_unique<Constant>(*t);
  }
  if (a.has("value_float")) {
    return std::make_unique<Constant>(tensor_of<float>({}, {a.get_float("value_float", 0)}));
  }
  if (a.has("value_int")) {
    return std::make_unique<Constant>(tensor_of<int64_t>({}, {a.get_int("value_int", 0)}));
  }
  if (a.has("value_floats")) {
    const std::vector<float> v = a.get_floats("value_floats");
    return std::make_unique<Constant>(tensor_of(Shape{static_cast<int64_t>(v.size())}, v));
  }
  const std::vector<int64_t> v = a.get_ints("value_ints");
  return std::make_unique<Constant>(tensor_of(Shape{static_cast<int64_t>(v.size())}, v));
}

class ConstantOfShape final : public Op {
 public:
  explicit ConstantOfShape(Tensor value) : value_(std::move(value)) {}
  std::string_view type() const override { return "ConstantOfShape"; }

  std::vector<ValueInfo> infer(std::span<const ValueInfo> in) const override {
    if (in.size() != 1 || !in[0].present) fail("needs 1 input (shape), got {}", in.size());
    if (in[0].dtype != DType::i64) fail("input shape must be i64, got {}", dtype_name(in[0].dtype));
    if (in[0].shape.size() != 1) {
      fail("input shape must be 1-D, got shape {}", shape_str(in[0].shape));
    }
    const Shape out = int_values(require_constant(in[0], "input shape"), "input shape");
    for (int64_t d : out) {
      if (d < 0) fail("input shape {} has a negative dim", shape_str(out));
    }
    checked_numel(out, "output shape");
    return {{out, value_.dtype()}};
  }

  void reference(std::span<const Tensor>, std::span<Tensor> out) const override {
    Tensor& y = out[0];
    LOUPE_CHECK(y.dtype() == value_.dtype());
    const size_t es = dtype_size(y.dtype());
    auto* yd = static_cast<std::byte*>(y.raw());
    for (int64_t i = 0; i < y.numel(); ++i) {
      std::memcpy(yd + static_cast<size_t>(i) * es, value_.raw(), es);
    }
  }

 private:
  Tensor value_;
};

std::unique_ptr<Op> make_constant_of_shape(const Attributes& a) {
  a.check_known({"value"});
  const Tensor* v = a.get_tensor("value");
  if (v == nullptr) return std::make_unique<ConstantOfShape>(tensor_of<float>({1}, {0.0f}));
  if (v->numel() != 1) {
    fail("attribute value must have one element, got shape {}", shape_str(v->shape()));
  }
  return std::make_unique<ConstantOfShape>(*v);
}

}  // namespace

LOUPE_REGISTER_OP("Constant", make_constant);
LOUPE_REGISTER_OP("ConstantOfShape", make_constant_of_shape);

}  // namespace loupe::ops
