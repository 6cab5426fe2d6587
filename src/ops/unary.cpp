// Element-wise math without parameters (ONNX, opset 13; the opset 6 forms are the same op and
// the opset 1 forms only add the obsolete `consumed_inputs`, which is rejected): Sqrt, Exp, Log,
// Abs, Neg, Reciprocal, Floor, Ceil, Erf (GELU exports write Erf), Round (half to even, ONNX's
// rule), Sign, Softplus log(1 + e^x), Softsign x / (1 + |x|), and the trigonometric and
// hyperbolic functions with their inverses. f32 and f64, each value
// computed in double and rounded once; Abs and Neg also take i64 and i32 (shape arithmetic),
// computed exactly — Neg and Abs of the type's minimum wrap as in two's complement, since ONNX
// leaves it undefined and numpy wraps.
//
// FLOPs per output element, in activation.cpp's convention (one special-function evaluation, as
// exp or tanh there, counts 1): 1 for each, except Softplus 3 (exp, add, log) and Softsign 3
// (abs, add, divide); 0 for the integer forms.
#include <cmath>
#include <type_traits>

#include "loupe/checked.hpp"
#include "ops/broadcast.hpp"
#include "ops/op.hpp"
#include "ops/typed.hpp"

namespace loupe::ops {
namespace {

enum class Kind {
  sqrt,
  exp,
  log,
  abs,
  neg,
  reciprocal,
  floor,
  ceil,
  erf,
  round,
  sign,
  softplus,
  softsign,
  sin,
  cos,
  tan,
  asin,
  acos,
  atan,
  sinh,
  cosh,
  asinh,
  acosh,
  atanh
};

double apply(Kind k, double x) {
  switch (k) {
    case Kind::sqrt:
      return std::sqrt(x);
    case Kind::exp:
      return std::exp(x);
    case Kind::log:
      return std::log(x);
    case Kind::abs:
      return std::fabs(x);
    case Kind::neg:
      return -x;
    case Kind::reciprocal:
      return 1.0 / x;
    case Kind::floor:
      return std::floor(x);
    case Kind::ceil:
      return std::ceil(x);
    case Kind::erf:
      return std::erf(x);
    // std::nearbyint rounds half to even in the default rounding mode, which loupe never changes.
    case Kind::round:
      return std::nearbyint(x);
    case Kind::sign:
      return x > 0 ? 1.0 : x < 0 ? -1.0 : x;  // 0 and NaN map to themselves
    // log1p(exp(x)) overflows for large x, where softplus(x) = x to double precision.
    case Kind::softplus:
      return x > 30 ? x : std::log1p(std::exp(x));
    case Kind::softsign:
      return x / (1.0 + std::fabs(x));
    case Kind::sin:
      return std::sin(x);
    case Kind::cos:
      return std::cos(x);
    case Kind::tan:
      return std::tan(x);
    case Kind::asin:
      return std::asin(x);
    case Kind::acos:
      return std::acos(x);
    case Kind::atan:
      return std::atan(x);
    case Kind::sinh:
      return std::sinh(x);
    case Kind::cosh:
      return std::cosh(x);
    case Kind::asinh:
      return std::asinh(x);
    case Kind::acosh:
      return std::acosh(x);
    case Kind::atanh:
      return std::atanh(x);
  }
  return x;
}

class Unary final : public Op {
 public:
  Unary(std::string_view type, Kind kind) : type_(type), kind_(kind) {}
  std::string_view type() const override { return type_; }

  std::vector<ValueInfo> infer(std::span<const ValueInfo> in) const override {
    if (in.size() != 1 || !in[0].present) fail("needs 1 input, got {}", in.size());
    const DType dt = in[0].dtype;
    const bool int_ok = kind_ == Kind::abs || kind_ == Kind::neg;
    if (dt != DType::f32 && dt != DType::f64 &&
        !(int_ok && (dt == DType::i64 || dt == DType::i32))) {
      fail("input dtype {} is not supported ({})", dtype_name(dt),
           int_ok ? "f32, f64, i64 or i32" : "f32 or f64");
    }
    return {{in[0].shape, dt}};
  }

  Counts count(std::span<const ValueInfo> in, std::span<const ValueInfo> out) const override {
    if (is_integer(in[0].dtype)) return {};
    const int64_t per = kind_ == Kind::softplus || kind_ == Kind::softsign ? 3 : 1;
    return {0, checked_mul(checked_numel(out[0].shape, "output"), per, "FLOPs")};
  }

  void reference(std::span<const Tensor> in, std::span<Tensor> out) const override {
    const Tensor& x = in[0];
    Tensor& y = out[0];
    require_plain(x, "input");
    require_plain(y, "output");
    LOUPE_CHECK(x.dtype() == y.dtype() && x.numel() == y.numel());
    visit_dtype(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* xd = x.data<T>();
      T* yd = y.data<T>();
      if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
        // Unsigned arithmetic: the wrap of -INT_MIN is defined there.
        using U = std::make_unsigned_t<T>;
        for (int64_t i = 0; i < x.numel(); ++i) {
          const bool negate = kind_ == Kind::neg || xd[i] < 0;
          yd[i] = static_cast<T>(negate ? U{0} - static_cast<U>(xd[i]) : static_cast<U>(xd[i]));
        }
      } else if constexpr (std::is_floating_point_v<T>) {
        for (int64_t i = 0; i < x.numel(); ++i) yd[i] = static_cast<T>(apply(kind_, xd[i]));
      } else {
        fail("input dtype {} is not supported", dtype_name(x.dtype()));
      }
    });
  }

 private:
  std::string type_;
  Kind kind_;
};

template <Kind kind>
std::unique_ptr<Op> make_unary(const Attributes& a, std::string_view type) {
  a.check_known({});
  return std::make_unique<Unary>(type, kind);
}

std::unique_ptr<Op> make_sqrt(const Attributes& a) { return make_unary<Kind::sqrt>(a, "Sqrt"); }
std::unique_ptr<Op> make_exp(const Attributes& a) { return make_unary<Kind::exp>(a, "Exp"); }
std::unique_ptr<Op> make_log(const Attributes& a) { return make_unary<Kind::log>(a, "Log"); }
std::unique_ptr<Op> make_abs(const Attributes& a) { return make_unary<Kind::abs>(a, "Abs"); }
std::unique_ptr<Op> make_neg(const Attributes& a) { return make_unary<Kind::neg>(a, "Neg"); }
std::unique_ptr<Op> make_reciprocal(const Attributes& a) {
  return make_unary<Kind::reciprocal>(a, "Reciprocal");
}
std::unique_ptr<Op> make_floor(const Attributes& a) { return make_unary<Kind::floor>(a, "Floor"); }
std::unique_ptr<Op> make_ceil(const Attributes& a) { return make_unary<Kind::ceil>(a, "Ceil"); }
std::unique_ptr<Op> make_erf(const Attributes& a) { return make_unary<Kind::erf>(a, "Erf"); }
std::unique_ptr<Op> make_round(const Attributes& a) { return make_unary<Kind::round>(a, "Round"); }
std::unique_ptr<Op> make_sign(const Attributes& a) { return make_unary<Kind::sign>(a, "Sign"); }
std::unique_ptr<Op> make_softplus(const Attributes& a) {
  return make_unary<Kind::softplus>(a, "Softplus");
}
std::unique_ptr<Op> make_softsign(const Attributes& a) {
  return make_unary<Kind::softsign>(a, "Softsign");
}
std::unique_ptr<Op> make_sin(const Attributes& a) { return make_unary<Kind::sin>(a, "Sin"); }
std::unique_ptr<Op> make_cos(const Attributes& a) { return make_unary<Kind::cos>(a, "Cos"); }
std::unique_ptr<Op> make_tan(const Attributes& a) { return make_unary<Kind::tan>(a, "Tan"); }
std::unique_ptr<Op> make_asin(const Attributes& a) { return make_unary<Kind::asin>(a, "Asin"); }
std::unique_ptr<Op> make_acos(const Attributes& a) { return make_unary<Kind::acos>(a, "Acos"); }
std::unique_ptr<Op> make_atan(const Attributes& a) { return make_unary<Kind::atan>(a, "Atan"); }
std::unique_ptr<Op> make_sinh(const Attributes& a) { return make_unary<Kind::sinh>(a, "Sinh"); }
std::unique_ptr<Op> make_cosh(const Attributes& a) { return make_unary<Kind::cosh>(a, "Cosh"); }
std::unique_ptr<Op> make_asinh(const Attributes& a) { return make_unary<Kind::asinh>(a, "Asinh"); }
std::unique_ptr<Op> make_acosh(const Attributes& a) { return make_unary<Kind::acosh>(a, "Acosh"); }
std::unique_ptr<Op> make_atanh(const Attributes& a) { return make_unary<Kind::atanh>(a, "Atanh"); }

}  // namespace

LOUPE_REGISTER_OP("Sqrt", make_sqrt);
LOUPE_REGISTER_OP("Exp", make_exp);
LOUPE_REGISTER_OP("Log", make_log);
LOUPE_REGISTER_OP("Abs", make_abs);
LOUPE_REGISTER_OP("Neg", make_neg);
LOUPE_REGISTER_OP("Reciprocal", make_reciprocal);
LOUPE_REGISTER_OP("Floor", make_floor);
LOUPE_REGISTER_OP("Ceil", make_ceil);
LOUPE_REGISTER_OP("Erf", make_erf);
LOUPE_REGISTER_OP("Round", make_round);
LOUPE_REGISTER_OP("Sign", make_sign);
LOUPE_REGISTER_OP("Softplus", make_softplus);
LOUPE_REGISTER_OP("Softsign", make_softsign);
LOUPE_REGISTER_OP("Sin", make_sin);
LOUPE_REGISTER_OP("Cos", make_cos);
LOUPE_REGISTER_OP("Tan", make_tan);
LOUPE_REGISTER_OP("Asin", make_asin);
LOUPE_REGISTER_OP("Acos", make_acos);
LOUPE_REGISTER_OP("Atan", make_atan);
LOUPE_REGISTER_OP("Sinh", make_sinh);
LOUPE_REGISTER_OP("Cosh", make_cosh);
LOUPE_REGISTER_OP("Asinh", make_asinh);
LOUPE_REGISTER_OP("Acosh", make_acosh);
LOUPE_REGISTER_OP("Atanh", make_atanh);

}  // namespace loupe::ops
