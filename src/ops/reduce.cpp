// The Reduce family (ONNX; opsets 1-17 take `axes` as an attribute, ReduceSum from opset 13 and
// the others from opset 18 as a constant i64 input, with `noop_with_empty_axes`): ReduceSum,
// ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1, ReduceL2, ReduceSumSquare, ReduceLogSum,
// ReduceLogSumExp over `axes` (negative counts from the end; default every axis), keeping them as
// dims of size 1 when keepdims = 1 (the default). With noop_with_empty_axes = 1 and no axes the
// output is the input. f32 or f64 in and out, accumulated in double.
//
// An empty window (a reduced dim of size 0) gives the reduction's identity: Sum 0, Prod 1,
// Max -inf, Min +inf, LogSum log(0) = -inf, Mean 0/0 = NaN, as NumPy does.
// ReduceLogSumExp subtracts the window's running maximum before exponentiating, so that large
// inputs do not overflow (the result is the same in exact arithmetic).
//
// FLOPs per input element: 1 for Sum, Mean, Max, Min, Prod, LogSum (the add, compare or
// multiply), 2 for L1 (abs, add), L2 and SumSquare (multiply, add), LogSumExp (exp, add); plus
// per output element 1 for Mean (divide), L2 (sqrt), LogSum and LogSumExp (log).
#include <cmath>
#include <limits>

#include "loupe/checked.hpp"
#include "ops/broadcast.hpp"
#include "ops/op.hpp"
#include "ops/typed.hpp"

namespace loupe::ops {
namespace {

enum class Kind { sum, mean, max, min, prod, l1, l2, sum_square, log_sum, log_sum_exp };

// Per output element: `a` is the running sum / product / extreme; `b` the running maximum that
// LogSumExp's sum is scaled by.
struct Acc {
  double a = 0;
  double b = -std::numeric_limits<double>::infinity();
};

Acc initial(Kind k) {
  switch (k) {
    case Kind::max:
      return {-std::numeric_limits<double>::infinity()};
    case Kind::min:
      return {std::numeric_limits<double>::infinity()};
    case Kind::prod:
      return {1.0};
    default:
      return {0.0};
  }
}

void accumulate(Kind k, Acc& acc, double x) {
  switch (k) {
    case Kind::sum:
    case Kind::mean:
    case Kind::log_sum:
      acc.a += x;
      return;
    // NaN wins, as in NumPy's max / min.
    case Kind::max:
      if (x > acc.a || std::isnan(x)) acc.a = std::isnan(acc.a) ? acc.a : x;
      return;
    case Kind::min:
      if (x < acc.a || std::isnan(x)) acc.a = std::isnan(acc.a) ? acc.a : x;
      return;
    case Kind::prod:
      acc.a *= x;
      return;
    case Kind::l1:
      acc.a += std::fabs(x);
      return;
    case Kind::l2:
    case Kind::sum_square:
      acc.a += x * x;
      return;
    case Kind::log_sum_exp:
      if (std::isinf(x) && x < 0) return;  // adds exp(-inf) = 0; -inf - -inf would be NaN
      // a = sum of exp(x - b) over the window so far, b = its maximum so far.
      if (x > acc.b) {
        acc.a = acc.a * std::exp(acc.b - x) + 1.0;
        acc.b = x;
      } else {
        acc.a += std::exp(x - acc.b);
      }
      return;
  }
}

double finish(Kind k, const Acc& acc, int64_t window) {
  switch (k) {
    case Kind::mean:
      return acc.a / static_cast<double>(window);
    case Kind::l2:
      return std::sqrt(acc.a);
    case Kind::log_sum:
      return std::log(acc.a);
    case Kind::log_sum_exp:
      return window == 0 || std::isinf(acc.b) ? acc.b : acc.b + std::log(acc.a);
    default:
      return acc.a;
  }
}

struct FlopRate {
  int64_t per_input;
  int64_t per_output;
};

FlopRate flop_rate(Kind k) {
  switch (k) {
    case Kind::mean:
      return {1, 1};
    case Kind::l1:
    case Kind::sum_square:
      return {2, 0};
    case Kind::l2:
    case Kind::log_sum_exp:
      return {2, 1};
    case Kind::log_sum:
      return {1, 1};
    default:
      return {1, 0};
  }
}

class Reduce final : public Op {
 public:
  Reduce(std::string_view type, Kind kind, std::optional<std::vector<int64_t>> attr_axes,
         bool keepdims, bool noop_empty)
      : type_(type),
        kind_(kind),
        attr_axes_(std::move(attr_axes)),
        keepdims_(keepdims),
        noop_empty_(noop_empty) {}
  std::string_view type() const override { return type_; }

  std::vector<ValueInfo> infer(std::span<const ValueInfo> in) const override {
    if (in.empty() || in.size() > 2 || !in[0].present) {
      fail("needs 1 or 2 inputs (data, axes), got {}", in.size());
    }
    if (in[0].dtype != DType::f32 && in[0].dtype != DType::f64) {
      fail("input data must be f32 or f64, got {}", dtype_name(in[0].dtype));
    }
    const Shape& x = in[0].shape;
    const std::vector<bool> reduced = reduced_axes(x, in.size() == 2 ? &in[1] : nullptr);
    Shape out;
    for (size_t d = 0; d < x.size(); ++d) {
      if (!reduced[d]) {
        out.push_back(x[d]);
      } else if (keepdims_) {
        out.push_back(1);
      }
    }
    return {{out, in[0].dtype}};
  }

  Counts count(std::span<const ValueInfo> in, std::span<const ValueInfo> out) const override {
    const FlopRate r = flop_rate(kind_);
    const int64_t a = checked_mul(checked_numel(in[0].shape, "input data"), r.per_input, "FLOPs");
    const int64_t b = checked_mul(checked_numel(out[0].shape, "output"), r.per_output, "FLOPs");
    return {0, checked_add(a, b, "FLOPs")};
  }

  void reference(std::span<const Tensor> in, std::span<Tensor> out) const override {
    const Tensor& x = in[0];
    Tensor& y = out[0];
    require_plain(x, "input data");
    require_plain(y, "output");
    LOUPE_CHECK(x.dtype() == y.dtype());
    ValueInfo axes_info;
    if (in.size() == 2 && in[1].defined()) {
      axes_info = ValueInfo{in[1].shape(), in[1].dtype(), &in[1], true};
    } else {
      axes_info.present = false;
    }
    const std::vector<bool> reduced = reduced_axes(x.shape(), &axes_info);
    const int rank = x.rank();
    // Each input element accumulates into the output element whose index equals its own on the
    // kept axes (and 0 on the reduced ones): the loop over the input in row-major order carries
    // both indices with one odometer.
    std::vector<int64_t> y_stride(static_cast<size_t>(rank), 0);
    int64_t s = 1;
    for (int d = rank - 1; d >= 0; --d) {
      if (!reduced[d]) {
        y_stride[d] = s;
        s *= x.shape()[d];
      }
    }
    const int64_t window = y.numel() == 0 ? 0 : x.numel() / y.numel();
    std::vector<Acc> acc(static_cast<size_t>(y.numel()), initial(kind_));
    visit_dtype(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      if constexpr (std::is_floating_point_v<T>) {
        const T* xd = x.data<T>();
        std::vector<int64_t> idx(static_cast<size_t>(rank), 0);
        for (int64_t i = 0; i < x.numel(); ++i) {
          int64_t o = 0;
          for (int d = 0; d < rank; ++d) o += idx[d] * y_stride[d];
          accumulate(kind_, acc[static_cast<size_t>(o)], xd[i]);
          for (int d = rank - 1; d >= 0 && ++idx[d] == x.shape()[d]; --d) idx[d] = 0;
        }
        T* yd = y.data<T>();
        for (int64_t o = 0; o < y.numel(); ++o) {
          yd[o] = static_cast<T>(finish(kind_, acc[static_cast<size_t>(o)], window));
        }
      } else {
        fail("input data must be f32 or f64, got {}", dtype_name(x.dtype()));
      }
    });
  }

 private:
  // Which input axes are reduced. `axes_in` is the optional axes input (null or absent when not
  // given).
  std::vector<bool> reduced_axes(const Shape& x, const ValueInfo* axes_in) const {
    const int rank = static_cast<int>(x.size());
    std::optional<std::vector<int64_t>> axes = attr_axes_;
    if (axes_in != nullptr && axes_in->present) {
      if (attr_axes_) fail("axes are given as an attribute and as an input");
      const Tensor& t = require_constant(*axes_in, "input axes");
      if (t.dtype() != DType::i64) fail("input axes must be i64, got {}", dtype_name(t.dtype()));
      if (t.rank() != 1) fail("input axes must be 1-D, got shape {}", shape_str(t.shape()));
      axes = int_values(t, "input axes");
    }
    if (!axes || axes->empty()) {
      return std::vector<bool>(x.size(), !noop_empty_);
    }
    std::vector<bool> reduced(x.size(), false);
    for (int64_t a : *axes) {
      const int d = normalize_axis(a, rank, "axes");
      if (reduced[d]) fail("axes {} repeat an axis", shape_str(*axes));
      reduced[d] = true;
    }
    return reduced;
  }

  std::string type_;
  Kind kind_;
  std::optional<std::vector<int64_t>> attr_axes_;
  bool keepdims_;
  bool noop_empty_;
};

template <Kind kind>
std::unique_ptr<Op> make_reduce(const Attributes& a, std::string_view type) {
  a.check_known({"axes", "keepdims", "noop_with_empty_axes"});
  const int64_t keepdims = a.get_int("keepdims", 1);
  const int64_t noop = a.get_int("noop_with_empty_axes", 0);
  if (keepdims != 0 && keepdims != 1) fail("attribute keepdims {} must be 0 or 1", keepdims);
  if (noop != 0 && noop != 1) fail("attribute noop_with_empty_axes {} must be 0 or 1", noop);
  std::optional<std::vector<int64_t>> axes;
  if (a.has("axes")) axes = a.get_ints("axes");
  return std::make_unique<Reduce>(type, kind, std::move(axes), keepdims == 1, noop == 1);
}

std::unique_ptr<Op> make_reduce_sum(const Attributes& a) {
  return make_reduce<Kind::sum>(a, "ReduceSum");
}
std::unique_ptr<Op> make_reduce_mean(const Attributes& a) {
  return make_reduce<Kind::mean>(a, "ReduceMean");
}
std::unique_ptr<Op> make_reduce_max(const Attributes& a) {
  return make_reduce<Kind::max>(a, "ReduceMax");
}
std::unique_ptr<Op> make_reduce_min(const Attributes& a) {
  return make_reduce<Kind::min>(a, "ReduceMin");
}
std::unique_ptr<Op> make_reduce_prod(const Attributes& a) {
  return make_reduce<Kind::prod>(a, "ReduceProd");
}
std::unique_ptr<Op> make_reduce_l1(const Attributes& a) {
  return make_reduce<Kind::l1>(a, "ReduceL1");
}
std::unique_ptr<Op> make_reduce_l2(const Attributes& a) {
  return make_reduce<Kind::l2>(a, "ReduceL2");
}
std::unique_ptr<Op> make_reduce_sum_square(const Attributes& a) {
  return make_reduce<Kind::sum_square>(a, "ReduceSumSquare");
}
std::unique_ptr<Op> make_reduce_log_sum(const Attributes& a) {
  return make_reduce<Kind::log_sum>(a, "ReduceLogSum");
}
std::unique_ptr<Op> make_reduce_log_sum_exp(const Attributes& a) {
  return make_reduce<Kind::log_sum_exp>(a, "ReduceLogSumExp");
}

}  // namespace

LOUPE_REGISTER_OP("ReduceSum", make_reduce_sum);
LOUPE_REGISTER_OP("ReduceMean", make_reduce_mean);
LOUPE_REGISTER_OP("ReduceMax", make_reduce_max);
LOUPE_REGISTER_OP("ReduceMin", make_reduce_min);
LOUPE_REGISTER_OP("ReduceProd", make_reduce_prod);
LOUPE_REGISTER_OP("ReduceL1", make_reduce_l1);
LOUPE_REGISTER_OP("ReduceL2", make_reduce_l2);
LOUPE_REGISTER_OP("ReduceSumSquare", make_reduce_sum_square);
LOUPE_REGISTER_OP("ReduceLogSum", make_reduce_log_sum);
LOUPE_REGISTER_OP("ReduceLogSumExp", make_reduce_log_sum_exp);

}  // namespace loupe::ops
