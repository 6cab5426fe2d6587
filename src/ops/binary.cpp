// Add, Sub, Mul, Div with NumPy (ONNX "multidirectional") broadcasting, opset 7+ semantics.
// The opset 1-6 form (attributes broadcast=1 and axis, B aligned with A at `axis`) is accepted
// by padding B's shape with trailing 1s, after which the NumPy rule gives the same result.
//
// f32: computed in double, rounded once; 1 FLOP per output element. i64 (shape arithmetic in
// sub-graphs such as Shape -> Gather -> Mul -> Concat -> Reshape): exact, overflow and division by
// zero are errors, Div truncates toward zero (ONNX Runtime's and the ONNX reference's rule);
// integer arithmetic counts 0 FLOPs.
#include <limits>

#include "loupe/checked.hpp"
#include "ops/broadcast.hpp"
#include "ops/op.hpp"

namespace loupe::ops {
namespace {

enum class Kind { add, sub, mul, div };

constexpr int64_t kNoLegacyAxis = std::numeric_limits<int64_t>::min();

int64_t apply_i64(Kind k, int64_t a, int64_t b) {
  int64_t r = 0;
  switch (k) {
    case Kind::add:
      return checked_add(a, b, "i64 Add");
    case Kind::sub:
      if (__builtin_sub_overflow(a, b, &r)) fail("i64 Sub: {} - {} overflows", a, b);
      return r;
    case Kind::mul:
      return checked_mul(a, b, "i64 Mul");
    case Kind::div:
      if (b == 0) fail("i64 Div: division of {} by zero", a);
      if (b == -1 && a == std::numeric_limits<int64_t>::min())
        fail("i64 Div: {} / -1 overflows", a);
      return a / b;
  }
  return 0;
}

double apply_f64(Kind k, double a, double b) {
  switch (k) {
    case Kind::add:
      return a + b;
    case Kind::sub:
      return a - b;
    case Kind::mul:
      return a * b;
    case Kind::div:
      return a / b;
  }
  return 0;
}

class Binary final : public Op {
 public:
  Binary(std::string_view type, Kind kind, int64_t legacy_axis)
      : type_(type), kind_(kind), legacy_axis_(legacy_axis) {}
  std::string_view type() const override { return type_; }

  std::vector<ValueInfo> infer(std::span<const ValueInfo> in) const override {
    if (in.size() != 2 || !in[0].present || !in[1].present) {
      fail("needs 2 inputs, got {}", in.size());
    }
    if (in[0].dtype != in[1].dtype) {
      fail("inputs A ({}) and B ({}) must have the same dtype", dtype_name(in[0].dtype),
           dtype_name(in[1].dtype));
    }
    if (in[0].dtype != DType::f32 && in[0].dtype != DType::i64) {
      fail("input dtype {} is not supported (f32 or i64)", dtype_name(in[0].dtype));
    }
    return {{broadcast_shapes(in[0].shape, b_shape(in[0].shape, in[1].shape)), in[0].dtype}};
  }

  Counts count(std::span<const ValueInfo> in, std::span<const ValueInfo> out) const override {
    if (in[0].dtype != DType::f32) return {};
    return {0, checked_numel(out[0].shape, "output C")};
  }

  void reference(std::span<const Tensor> in, std::span<Tensor> out) const override {
    const Tensor& a = in[0];
    const Tensor& b = in[1];
    Tensor& c = out[0];
    require_plain(a, "input A");
    require_plain(b, "input B");
    require_plain(c, "output C");
    const Shape bs = b_shape(a.shape(), b.shape());
    LOUPE_CHECK(c.shape() == broadcast_shapes(a.shape(), bs));
    const BroadcastIndex ai(a.shape(), c.shape());
    const BroadcastIndex bi(bs, c.shape());
    if (c.dtype() == DType::i64) {
      const int64_t* ad = a.data<int64_t>();
      const int64_t* bd = b.data<int64_t>();
      int64_t* cd = c.data<int64_t>();
      for (int64_t i = 0; i < c.numel(); ++i) cd[i] = apply_i64(kind_, ad[ai(i)], bd[bi(i)]);
      return;
    }
    const float* ad = a.data<float>();
    const float* bd = b.data<float>();
    float* cd = c.data<float>();
    for (int64_t i = 0; i < c.numel(); ++i) {
      cd[i] = static_cast<float>(apply_f64(kind_, ad[ai(i)], bd[bi(i)]));
    }
  }

 private:
  // B's shape as NumPy broadcasting should see it. Opset < 7 with axis: B's dims sit at
  // [axis, axis + rank(B)) of A, so trailing 1s right-align them there.
  Shape b_shape(const Shape& a, const Shape& b) const {
    if (legacy_axis_ == kNoLegacyAxis) return b;
    const int axis = normalize_axis(legacy_axis_, static_cast<int>(a.size()), "axis");
    if (static_cast<size_t>(axis) + b.size() > a.size()) {
      fail("input B of shape {} does not fit input A of shape {} at axis {}", shape_str(b),
           shape_str(a), legacy_axis_);
    }
    Shape padded = b;
    padded.resize(a.size() - static_cast<size_t>(axis), 1);
    return padded;
  }

  std::string type_;
  Kind kind_;
  int64_t legacy_axis_;
};

template <Kind kind>
std::unique_ptr<Op> make_binary(const Attributes& a, std::string_view type) {
  a.check_known({"broadcast", "axis"});
  const int64_t broadcast = a.get_int("broadcast", 0);
  if (broadcast != 0 && broadcast != 1) fail("attribute broadcast {} must be 0 or 1", broadcast);
  if (a.has("axis") && broadcast != 1) fail("attribute axis needs broadcast=1");
  // Opset 1-6 without broadcast=1 required equal shapes, a subset of the NumPy rule; with
  // broadcast=1 and no axis, B is a suffix of A, which the NumPy rule also covers.
  const int64_t axis = a.has("axis") ? a.get_int("axis", 0) : kNoLegacyAxis;
  return std::make_unique<Binary>(type, kind, axis);
}

std::unique_ptr<Op> make_add(const Attributes& a) { return make_binary<Kind::add>(a, "Add"); }
std::unique_ptr<Op> make_sub(const Attributes& a) { return make_binary<Kind::sub>(a, "Sub"); }
std::unique_ptr<Op> make_mul(const Attributes& a) { return make_binary<Kind::mul>(a, "Mul"); }
std::unique_ptr<Op> make_div(const Attributes& a) { return make_binary<Kind::div>(a, "Div"); }

}  // namespace

LOUPE_REGISTER_OP("Add", make_add);
LOUPE_REGISTER_OP("Sub", make_sub);
LOUPE_REGISTER_OP("Mul", make_mul);
LOUPE_REGISTER_OP("Div", make_div);

}  // namespace loupe::ops
