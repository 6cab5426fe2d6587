// Pow (ONNX, opset 15; opsets 7, 12 and 13 are the same op): Z = X ^ Y with NumPy broadcasting,
// Z of X's dtype. X and Y may have different dtypes (opset 12+), each of f32, f64, i64, i32.
//   - float base or float exponent: std::pow in double, rounded once to Z's dtype (a float
//     result for an integer Z truncates toward zero, as ONNX Runtime's cast does);
//   - integer base and integer exponent: exact, by repeated squaring in int64; overflow or a
//     negative exponent (a fraction, which NumPy also rejects) is an error.
// FLOPs: 1 per output element for a float Z (one special-function evaluation, activation.cpp's
// convention); 0 for integer Z.
#include <cmath>
#include <limits>
#include <type_traits>

#include "loupe/checked.hpp"
#include "ops/broadcast.hpp"
#include "ops/op.hpp"
#include "ops/typed.hpp"

namespace loupe::ops {
namespace {

bool supported(DType d) {
  return d == DType::f32 || d == DType::f64 || d == DType::i64 || d == DType::i32;
}

int64_t int_pow(int64_t base, int64_t exp) {
  if (exp < 0) fail("integer {} to the negative power {} is not an integer", base, exp);
  int64_t result = 1;
  while (exp > 0) {
    if (exp & 1) result = checked_mul(result, base, "integer Pow");
    exp >>= 1;
    if (exp > 0) base = checked_mul(base, base, "integer Pow");
  }
  return result;
}

template <typename T>
T narrow(int64_t v) {
  if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max()) {
    fail("integer Pow: {} does not fit the output dtype", v);
  }
  return static_cast<T>(v);
}

// A double result stored as Z's type; an integer Z saturates instead of the undefined cast.
template <typename T>
T from_double(double v) {
  if constexpr (std::is_integral_v<T>) {
    if (std::isnan(v)) return 0;
    if (v <= static_cast<double>(std::numeric_limits<T>::min())) {
      return std::numeric_limits<T>::min();
    }
    if (v >= static_cast<double>(std::numeric_limits<T>::max())) {
      return std::numeric_limits<T>::max();
    }
  }
  return static_cast<T>(v);
}

class Pow final : public Op {
 public:
  std::string_view type() const override { return "Pow"; }

  std::vector<ValueInfo> infer(std::span<const ValueInfo> in) const override {
    if (in.size() != 2 || !in[0].present || !in[1].present) {
      fail("needs 2 inputs (X, Y), got {}", in.size());
    }
    for (size_t i = 0; i < 2; ++i) {
      if (!supported(in[i].dtype)) {
        fail("input {} dtype {} is not supported (f32, f64, i64, i32)", i == 0 ? "X" : "Y",
             dtype_name(in[i].dtype));
      }
    }
    return {{broadcast_shapes(in[0].shape, in[1].shape), in[0].dtype}};
  }

  Counts count(std::span<const ValueInfo> in, std::span<const ValueInfo> out) const override {
    if (is_integer(in[0].dtype)) return {};
    return {0, checked_numel(out[0].shape, "output Z")};
  }

  void reference(std::span<const Tensor> in, std::span<Tensor> out) const override {
    const Tensor& x = in[0];
    const Tensor& y = in[1];
    Tensor& z = out[0];
    require_plain(x, "input X");
    require_plain(y, "input Y");
    require_plain(z, "output Z");
    LOUPE_CHECK(z.dtype() == x.dtype() && z.shape() == broadcast_shapes(x.shape(), y.shape()));
    const BroadcastIndex xi(x.shape(), z.shape());
    const BroadcastIndex yi(y.shape(), z.shape());
    visit_dtype(x.dtype(), [&](auto xtag) {
      using X = decltype(xtag);
      visit_dtype(y.dtype(), [&](auto ytag) {
        using Y = decltype(ytag);
        const X* xd = x.data<X>();
        const Y* yd = y.data<Y>();
        X* zd = z.data<X>();
        for (int64_t i = 0; i < z.numel(); ++i) {
          const X b = xd[xi(i)];
          const Y e = yd[yi(i)];
          if constexpr (std::is_integral_v<X> && std::is_integral_v<Y>) {
            zd[i] = narrow<X>(int_pow(b, e));
          } else {
            zd[i] = from_double<X>(std::pow(static_cast<double>(b), static_cast<double>(e)));
          }
        }
      });
    });
  }
};

std::unique_ptr<Op> make_pow(const Attributes& a) {
  // Opsets 1-6 took `broadcast` / `axis`; their broadcast=1 form with B a suffix of A is the
  // NumPy rule, so only that form is accepted.
  a.check_known({"broadcast"});
  const int64_t b = a.get_int("broadcast", 0);
  if (b != 0 && b != 1) fail("attribute broadcast {} must be 0 or 1", b);
  return std::make_unique<Pow>();
}

}  // namespace

LOUPE_REGISTER_OP("Pow", make_pow);

}  // namespace loupe::ops
