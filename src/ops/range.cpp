// Range (ONNX, opset 11): the 1-D sequence start, start + delta, ... up to but not including
// limit, of n = max(ceil((limit - start) / delta), 0) elements, element i = start + i * delta.
// start, limit and delta are scalars of one dtype (f32, f64, i64, i32); the output's length
// depends on their values, so they must be constants and the node is always folded. 0 FLOPs.
//
// Integer ranges are computed exactly in int64 (no rounding in n); float ranges compute n and
// each element in double and round each element once, as the ONNX reference's formula reads.
#include <cmath>
#include <type_traits>

#include "loupe/checked.hpp"
#include "ops/broadcast.hpp"
#include "ops/op.hpp"
#include "ops/typed.hpp"

namespace loupe::ops {
namespace {

// Elements of a range beyond which the input is a mistake, not a model (1 Gi elements).
constexpr int64_t kMaxRangeElements = int64_t{1} << 30;

class Range final : public Op {
 public:
  std::string_view type() const override { return "Range"; }

  std::vector<ValueInfo> infer(std::span<const ValueInfo> in) const override {
    if (in.size() != 3) fail("needs 3 inputs (start, limit, delta), got {}", in.size());
    constexpr const char* kNames[] = {"input start", "input limit", "input delta"};
    for (size_t i = 0; i < 3; ++i) {
      if (!in[i].present) fail("{} is missing", kNames[i]);
      if (in[i].dtype != in[0].dtype) {
        fail("{} is {}, input start is {}", kNames[i], dtype_name(in[i].dtype),
             dtype_name(in[0].dtype));
      }
      if (checked_numel(in[i].shape, kNames[i]) != 1) {
        fail("{} must be a scalar, got shape {}", kNames[i], shape_str(in[i].shape));
      }
      require_constant(in[i], kNames[i]);
    }
    const DType dt = in[0].dtype;
    if (dt != DType::f32 && dt != DType::f64 && dt != DType::i64 && dt != DType::i32) {
      fail("dtype {} is not supported (f32, f64, i64, i32)", dtype_name(dt));
    }
    return {{Shape{count(*in[0].constant, *in[1].constant, *in[2].constant)}, dt}};
  }

  void reference(std::span<const Tensor> in, std::span<Tensor> out) const override {
    Tensor& y = out[0];
    LOUPE_CHECK(y.numel() == count(in[0], in[1], in[2]));
    visit_dtype(y.dtype(), [&](auto tag) {
      using T = decltype(tag);
      T* yd = y.data<T>();
      if constexpr (std::is_integral_v<T>) {
        // In uint64, whose wrap-around is defined: start + i * delta lies between start and
        // limit, so the true value fits int64 even where i * delta alone would not.
        const auto start = static_cast<uint64_t>(int_values(in[0], "input start")[0]);
        const auto delta = static_cast<uint64_t>(int_values(in[2], "input delta")[0]);
        for (int64_t i = 0; i < y.numel(); ++i) {
          yd[i] = static_cast<T>(static_cast<int64_t>(start + static_cast<uint64_t>(i) * delta));
        }
      } else {
        const double start = in[0].at(0);
        const double delta = in[2].at(0);
        for (int64_t i = 0; i < y.numel(); ++i) {
          yd[i] = static_cast<T>(start + static_cast<double>(i) * delta);
        }
      }
    });
  }

 private:
  static int64_t count(const Tensor& start, const Tensor& limit, const Tensor& delta) {
    double n = 0;
    if (is_integer(start.dtype())) {
      // Exact: i64 values are read through int_values, not through double.
      const int64_t s = int_values(start, "input start")[0];
      const int64_t l = int_values(limit, "input limit")[0];
      const int64_t d = int_values(delta, "input delta")[0];
      if (d == 0) fail("input delta is 0");
      // In long double: limit - start may overflow int64.
      const long double span = static_cast<long double>(l) - static_cast<long double>(s);
      n = static_cast<double>(std::ceil(span / static_cast<long double>(d)));
    } else {
      const double d = delta.at(0);
      if (d == 0) fail("input delta is 0");
      n = std::ceil((limit.at(0) - start.at(0)) / d);
      if (std::isnan(n)) fail("start, limit or delta is NaN or infinite");
    }
    if (n > static_cast<double>(kMaxRangeElements)) {
      fail("range of {} elements exceeds the limit of {}", n, kMaxRangeElements);
    }
    return n > 0 ? static_cast<int64_t>(n) : 0;
  }
};

std::unique_ptr<Op> make_range(const Attributes& a) {
  a.check_known({});
  return std::make_unique<Range>();
}

}  // namespace

LOUPE_REGISTER_OP("Range", make_range);

}  // namespace loupe::ops
