// Element-wise activations: Relu, LeakyRelu, PRelu, Elu, Sigmoid, Tanh, Clip, HardSigmoid,
// HardSwish and Silu, with ONNX attribute names and defaults (opset 13 semantics). The reference
// evaluates each formula in double and rounds once to fp32.
//
// FLOP convention (per output element): every add, subtract, multiply, divide, comparison, min
// or max in the defining formula is 1 FLOP, and so is each exp or tanh (one special-function
// evaluation, whatever its instruction count). A select between two computed values is free:
//   Relu 1 (max), LeakyRelu 2 (compare, multiply), PRelu 2 (compare, multiply),
//   Elu 4 (compare, exp, subtract, multiply), Sigmoid 3 (exp, add, divide), Tanh 1 (tanh),
//   Clip 2 (max, min), HardSigmoid 4 (multiply, add, min, max), HardSwish 5 (HardSigmoid and
//   a multiply), Silu 4 (Sigmoid and a multiply).
#include <cmath>
#include <limits>

#include "loupe/checked.hpp"
#include "ops/broadcast.hpp"
#include "ops/op.hpp"

namespace loupe::ops {
namespace {

enum class Kind {
  relu,
  leaky_relu,
  prelu,
  elu,
  sigmoid,
  tanh,
  clip,
  hard_sigmoid,
  hard_swish,
  silu
};

int64_t flops_per_element(Kind k) {
  switch (k) {
    case Kind::relu:
      return 1;
    case Kind::leaky_relu:
      return 2;
    case Kind::prelu:
      return 2;
    case Kind::elu:
      return 4;
    case Kind::sigmoid:
      return 3;
    case Kind::tanh:
      return 1;
    case Kind::clip:
      return 2;
    case Kind::hard_sigmoid:
      return 4;
    case Kind::hard_swish:
      return 5;
    case Kind::silu:
      return 4;
  }
  return 1;
}

// Written so that NaN propagates (as in PyTorch and ONNX Runtime) instead of turning into a bound.
double max_nan(double x, double lo) { return x < lo ? lo : x; }
double min_nan(double x, double hi) { return x > hi ? hi : x; }

// The exp of a large negative argument underflows harmlessly; the exp of a large positive one
// would overflow, so each sign takes the branch that never exponentiates a positive number.
double sigmoid(double x) {
  if (x >= 0) return 1.0 / (1.0 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1.0 + e);
}

struct Params {
  double alpha = 0;
  double beta = 0;
  // Clip bounds given as attributes (opset < 11); inputs (opset >= 11) are read at run time.
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool bounds_from_attributes = false;
};

double apply(Kind k, const Params& p, double x, double slope, double lo, double hi) {
  switch (k) {
    case Kind::relu:
      return max_nan(x, 0.0);
    case Kind::leaky_relu:
      return x < 0 ? p.alpha * x : x;
    case Kind::prelu:
      return x < 0 ? slope * x : x;
    case Kind::elu:
      return x < 0 ? p.alpha * std::expm1(x) : x;
    case Kind::sigmoid:
      return sigmoid(x);
    case Kind::tanh:
      return std::tanh(x);
    // min after max: when lo > hi every output is hi (ONNX Clip's documented behaviour).
    case Kind::clip:
      return min_nan(max_nan(x, lo), hi);
    case Kind::hard_sigmoid:
      return min_nan(max_nan(p.alpha * x + p.beta, 0.0), 1.0);
    case Kind::hard_swish:
      return x * min_nan(max_nan(x / 6.0 + 0.5, 0.0), 1.0);
    case Kind::silu:
      return x * sigmoid(x);
  }
  return x;
}

void require_f32(DType dtype, std::string_view what) {
  if (dtype != DType::f32) fail("{} must be f32, got {}", what, dtype_name(dtype));
}

// One bound of Clip given as an input: a scalar (rank 0, or one element as some exporters write).
void check_clip_bound(const ValueInfo& v, std::string_view name) {
  if (!v.present) return;
  require_f32(v.dtype, name);
  if (checked_numel(v.shape, name) != 1) {
    fail("{} must be a scalar, got shape {}", name, shape_str(v.shape));
  }
}

class Activation final : public Op {
 public:
  Activation(std::string_view type, Kind kind, Params p) : type_(type), kind_(kind), p_(p) {}
  std::string_view type() const override { return type_; }

  std::vector<ValueInfo> infer(std::span<const ValueInfo> in) const override {
    const size_t max_inputs = kind_ == Kind::prelu ? 2 : kind_ == Kind::clip ? 3 : 1;
    const size_t min_inputs = kind_ == Kind::prelu ? 2 : 1;
    if (in.size() < min_inputs || in.size() > max_inputs || !in[0].present) {
      if (min_inputs == max_inputs) fail("needs {} input(s), got {}", min_inputs, in.size());
      fail("needs {} to {} inputs, got {}", min_inputs, max_inputs, in.size());
    }
    require_f32(in[0].dtype, "input X");
    if (kind_ == Kind::prelu) {
      if (!in[1].present) fail("input slope is required");
      require_f32(in[1].dtype, "input slope");
      if (!broadcasts_to(in[1].shape, in[0].shape)) {
        fail("input slope of shape {} does not broadcast to input X of shape {}",
             shape_str(in[1].shape), shape_str(in[0].shape));
      }
    }
    if (kind_ == Kind::clip) {
      for (size_t i = 1; i < in.size(); ++i) {
        if (in[i].present && p_.bounds_from_attributes) {
          fail("input {} given together with min/max attributes (opset 6 and 11 forms mixed)",
               i == 1 ? "min" : "max");
        }
        check_clip_bound(in[i], i == 1 ? "input min" : "input max");
      }
    }
    return {{in[0].shape, DType::f32}};
  }

  Counts count(std::span<const ValueInfo>, std::span<const ValueInfo> out) const override {
    const int64_t n = checked_numel(out[0].shape, "output Y");
    return {0, checked_mul(n, flops_per_element(kind_), "FLOPs")};
  }

  void reference(std::span<const Tensor> in, std::span<Tensor> out) const override {
    const Tensor& x = in[0];
    Tensor& y = out[0];
    require_plain(x, "input X");
    require_plain(y, "output Y");
    LOUPE_CHECK(y.shape() == x.shape());
    const float* xd = x.data<float>();
    float* yd = y.data<float>();

    double lo = p_.lo;
    double hi = p_.hi;
    if (kind_ == Kind::clip) {
      if (in.size() > 1 && in[1].defined()) lo = in[1].data<float>()[0];
      if (in.size() > 2 && in[2].defined()) hi = in[2].data<float>()[0];
    }
    const float* slope = nullptr;
    Shape slope_shape;
    if (kind_ == Kind::prelu) {
      require_plain(in[1], "input slope");
      slope = in[1].data<float>();
      slope_shape = in[1].shape();
    }
    const BroadcastIndex slope_index(slope_shape, x.shape());

    for (int64_t i = 0; i < x.numel(); ++i) {
      const double s = slope != nullptr ? slope[slope_index(i)] : 0.0;
      yd[i] = static_cast<float>(apply(kind_, p_, xd[i], s, lo, hi));
    }
  }

 private:
  std::string type_;
  Kind kind_;
  Params p_;
};

template <Kind kind>
std::unique_ptr<Op> make_plain(const Attributes& a, std::string_view type) {
  a.check_known({});
  return std::make_unique<Activation>(type, kind, Params{});
}

std::unique_ptr<Op> make_relu(const Attributes& a) { return make_plain<Kind::relu>(a, "Relu"); }
std::unique_ptr<Op> make_sigmoid(const Attributes& a) {
  return make_plain<Kind::sigmoid>(a, "Sigmoid");
}
std::unique_ptr<Op> make_tanh(const Attributes& a) { return make_plain<Kind::tanh>(a, "Tanh"); }
std::unique_ptr<Op> make_prelu(const Attributes& a) { return make_plain<Kind::prelu>(a, "PRelu"); }
std::unique_ptr<Op> make_hard_swish(const Attributes& a) {
  return make_plain<Kind::hard_swish>(a, "HardSwish");
}
std::unique_ptr<Op> make_silu(const Attributes& a) { return make_plain<Kind::silu>(a, "Silu"); }

std::unique_ptr<Op> make_leaky_relu(const Attributes& a) {
  a.check_known({"alpha"});
  Params p;
  p.alpha = a.get_float("alpha", 0.01f);
  return std::make_unique<Activation>("LeakyRelu", Kind::leaky_relu, p);
}

std::unique_ptr<Op> make_elu(const Attributes& a) {
  a.check_known({"alpha"});
  Params p;
  p.alpha = a.get_float("alpha", 1.0f);
  return std::make_unique<Activation>("Elu", Kind::elu, p);
}

std::unique_ptr<Op> make_hard_sigmoid(const Attributes& a) {
  a.check_known({"alpha", "beta"});
  Params p;
  p.alpha = a.get_float("alpha", 0.2f);
  p.beta = a.get_float("beta", 0.5f);
  return std::make_unique<Activation>("HardSigmoid", Kind::hard_sigmoid, p);
}

std::unique_ptr<Op> make_clip(const Attributes& a) {
  a.check_known({"min", "max"});
  Params p;
  // Opset 6 bounds are attributes whose defaults are the fp32 range; an absent bound is simply
  // no bound, which gives the same result on fp32 data.
  if (a.has("min")) p.lo = a.get_float("min", 0);
  if (a.has("max")) p.hi = a.get_float("max", 0);
  p.bounds_from_attributes = a.has("min") || a.has("max");
  if (std::isnan(p.lo) || std::isnan(p.hi)) fail("attribute min or max is NaN");
  return std::make_unique<Activation>("Clip", Kind::clip, p);
}

}  // namespace

LOUPE_REGISTER_OP("Relu", make_relu);
LOUPE_REGISTER_OP("LeakyRelu", make_leaky_relu);
LOUPE_REGISTER_OP("PRelu", make_prelu);
LOUPE_REGISTER_OP("Elu", make_elu);
LOUPE_REGISTER_OP("Sigmoid", make_sigmoid);
LOUPE_REGISTER_OP("Tanh", make_tanh);
LOUPE_REGISTER_OP("Clip", make_clip);
LOUPE_REGISTER_OP("HardSigmoid", make_hard_sigmoid);
LOUPE_REGISTER_OP("HardSwish", make_hard_swish);
// Not an ONNX op: ONNX writes SiLU (Swish) as Sigmoid followed by Mul. "Silu" is loupe's own name
// for that pair, for models built in the zoo or fused by the graph.
LOUPE_REGISTER_OP("Silu", make_silu);

}  // namespace loupe::ops
