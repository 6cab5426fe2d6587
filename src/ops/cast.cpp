// Cast (ONNX, opset 13; opset 6+ form with `to` an int of the TensorProto DataType enum, and the
// opset 1-5 form with `to` a string such as "FLOAT") and CastLike (opset 15: the target dtype is
// that of the second input). Between loupe's dtypes f32, f64, i64, i32, i8, u8; FLOAT16,
// BFLOAT16, STRING, BOOL and the unsigned 16/32/64-bit types have no loupe dtype and are
// rejected by name. 0 FLOPs (a conversion, not arithmetic).
//
// Conversions follow C++ / NumPy's astype where those are defined: float to integer truncates
// toward zero, integer to narrower integer wraps (two's complement). Where C++ leaves it undefined
// loupe defines it instead of crashing or differing between builds: a float outside the target
// integer range saturates to the range's end and NaN becomes 0 (ONNX leaves both unspecified).
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>

#include "ops/broadcast.hpp"
#include "ops/op.hpp"
#include "ops/typed.hpp"

namespace loupe::ops {
namespace {

struct OnnxType {
  int64_t code;
  std::string_view name;
  std::optional<DType> dtype;
};

// TensorProto.DataType as in onnx.proto.
constexpr OnnxType kOnnxTypes[] = {
    {1, "FLOAT", DType::f32},         {2, "UINT8", DType::u8},
    {3, "INT8", DType::i8},           {4, "UINT16", std::nullopt},
    {5, "INT16", std::nullopt},       {6, "INT32", DType::i32},
    {7, "INT64", DType::i64},         {8, "STRING", std::nullopt},
    {9, "BOOL", std::nullopt},        {10, "FLOAT16", std::nullopt},
    {11, "DOUBLE", DType::f64},       {12, "UINT32", std::nullopt},
    {13, "UINT64", std::nullopt},     {14, "COMPLEX64", std::nullopt},
    {15, "COMPLEX128", std::nullopt}, {16, "BFLOAT16", std::nullopt},
};

DType target_dtype(const OnnxType& t) {
  if (!t.dtype) {
    fail("cast to {} ({}) is not supported: loupe's dtypes are f32, f64, i64, i32, i8, u8", t.name,
         t.code);
  }
  return *t.dtype;
}

DType dtype_from_code(int64_t code) {
  for (const OnnxType& t : kOnnxTypes) {
    if (t.code == code) return target_dtype(t);
  }
  fail("attribute to: {} is not an ONNX data type", code);
}

DType dtype_from_name(std::string_view name) {
  for (const OnnxType& t : kOnnxTypes) {
    if (t.name == name) return target_dtype(t);
  }
  fail("attribute to: \"{}\" is not an ONNX data type", name);
}

template <typename To, typename From>
To convert(From x) {
  if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
    if (std::isnan(x)) return 0;
    // Compared in long double: the int64 limits are not exactly representable as float/double,
    // and the cast of an out-of-range value is undefined behaviour.
    const auto v = static_cast<long double>(x);
    if (v <= static_cast<long double>(std::numeric_limits<To>::min())) {
      return std::numeric_limits<To>::min();
    }
    if (v >= static_cast<long double>(std::numeric_limits<To>::max())) {
      return std::numeric_limits<To>::max();
    }
    return static_cast<To>(x);
  } else {
    // Integer narrowing is modular since C++20; float narrowing rounds to nearest.
    return static_cast<To>(x);
  }
}

class Cast final : public Op {
 public:
  // `to` is unset for CastLike, whose target is its second input's dtype.
  explicit Cast(std::optional<DType> to) : to_(to) {}
  std::string_view type() const override { return to_ ? "Cast" : "CastLike"; }

  std::vector<ValueInfo> infer(std::span<const ValueInfo> in) const override {
    const size_t want = to_ ? 1 : 2;
    if (in.size() != want) fail("needs {} input(s), got {}", want, in.size());
    for (const ValueInfo& v : in) {
      if (!v.present) fail("an input is missing");
    }
    return {{in[0].shape, to_ ? *to_ : in[1].dtype}};
  }

  void reference(std::span<const Tensor> in, std::span<Tensor> out) const override {
    const Tensor& x = in[0];
    Tensor& y = out[0];
    require_plain(x, "input");
    require_plain(y, "output");
    LOUPE_CHECK(y.numel() == x.numel());
    visit_dtype(x.dtype(), [&](auto from) {
      using From = decltype(from);
      visit_dtype(y.dtype(), [&](auto to) {
        using To = decltype(to);
        const From* xd = x.data<From>();
        To* yd = y.data<To>();
        for (int64_t i = 0; i < x.numel(); ++i) yd[i] = convert<To>(xd[i]);
      });
    });
  }

 private:
  std::optional<DType> to_;
};

std::unique_ptr<Op> make_cast(const Attributes& a) {
  a.check_known({"to"});
  if (!a.has("to")) fail("attribute \"to\" is required");
  if (std::holds_alternative<std::string>(a.all().find("to")->second)) {
    return std::make_unique<Cast>(dtype_from_name(a.get_string("to", "")));
  }
  return std::make_unique<Cast>(dtype_from_code(a.require_int("to")));
}

std::unique_ptr<Op> make_cast_like(const Attributes& a) {
  a.check_known({});
  return std::make_unique<Cast>(std::nullopt);
}

}  // namespace

LOUPE_REGISTER_OP("Cast", make_cast);
LOUPE_REGISTER_OP("CastLike", make_cast_like);

}  // namespace loupe::ops
