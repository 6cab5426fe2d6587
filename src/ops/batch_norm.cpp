// BatchNormalization at inference: y = scale * (x - mean) / sqrt(var + epsilon) + B per channel,
// with the running statistics as constants (ONNX, opset 15 semantics with training_mode = 0).
#include <cmath>

#include "loupe/checked.hpp"
#include "ops/conv.hpp"
#include "ops/op.hpp"

namespace loupe::ops {
namespace {

class BatchNorm final : public Op {
 public:
  explicit BatchNorm(float epsilon) : epsilon_(epsilon) {}
  std::string_view type() const override { return "BatchNormalization"; }

  // Only the inference output Y is produced; a node that also asks for the running statistics
  // (training) fails in the graph with "has 3 outputs, the op produces 1".
  std::vector<ValueInfo> infer(std::span<const ValueInfo> in) const override {
    if (in.size() != 5) fail("needs inputs X, scale, B, mean, var, got {} inputs", in.size());
    static constexpr const char* kNames[] = {"input X", "scale", "B", "mean", "var"};
    for (size_t i = 0; i < in.size(); ++i) {
      if (!in[i].present) fail("{} is missing", kNames[i]);
      if (in[i].dtype != DType::f32) {
        fail("{} is {}; only f32 is supported", kNames[i], dtype_name(in[i].dtype));
      }
    }
    const Shape& x = in[0].shape;
    if (x.size() < 2) fail("input X must have rank >= 2 [N,C,...], got {}", shape_str(x));
    for (size_t i = 1; i < in.size(); ++i) {
      if (in[i].shape != Shape{x[1]}) {
        fail("{} has shape {}, expected [{}] for input X {}", kNames[i], shape_str(in[i].shape),
             x[1], shape_str(x));
      }
    }
    return {ValueInfo{x, DType::f32}};
  }

  // Folded into one multiply and one add per element (docs/metrics.md).
  Counts count(std::span<const ValueInfo> in, std::span<const ValueInfo>) const override {
    return {0, checked_mul(2, checked_numel(in[0].shape, "FLOPs"), "FLOPs")};
  }

  // The running mean and variance are statistics of the training data, not learned parameters.
  int64_t param_count(std::span<const ValueInfo> in) const override {
    return in.size() < 3 ? 0 : Op::param_count(in.subspan(1, 2));
  }

  void reference(std::span<const Tensor> in, std::span<Tensor> out) const override {
    const Tensor& x = in[0];
    Tensor& y = out[0];
    require_f32_nchw(x, "input X");
    require_f32_nchw(y, "output Y");
    static constexpr const char* kNames[] = {"input X", "scale", "B", "mean", "var"};
    for (size_t i = 1; i < 5; ++i) require_f32_nchw(in[i], kNames[i]);
    const int64_t N = x.dim(0), C = x.dim(1);
    const int64_t HW = C == 0 || N == 0 ? 0 : x.numel() / (N * C);
    if (y.shape() != x.shape()) {
      fail("output Y has shape {}, expected {}", shape_str(y.shape()), shape_str(x.shape()));
    }
    for (size_t i = 1; i < 5; ++i) {
      if (in[i].shape() != Shape{C}) {
        fail("{} has shape {}, expected [{}]", kNames[i], shape_str(in[i].shape()), C);
      }
    }
    const float* xd = x.data<float>();
    const float* scale = in[1].data<float>();
    const float* B = in[2].data<float>();
    const float* mean = in[3].data<float>();
    const float* var = in[4].data<float>();
    float* yd = y.data<float>();
    for (int64_t n = 0; n < N; ++n) {
      for (int64_t c = 0; c < C; ++c) {
        const double inv_std =
            1.0 / std::sqrt(static_cast<double>(var[c]) + static_cast<double>(epsilon_));
        for (int64_t i = 0; i < HW; ++i) {
          const int64_t at = (n * C + c) * HW + i;
          yd[at] = static_cast<float>(
              static_cast<double>(scale[c]) * (xd[at] - double{mean[c]}) * inv_std + B[c]);
        }
      }
    }
  }

 private:
  float epsilon_;
};

std::unique_ptr<Op> make_batch_norm(const Attributes& a) {
  // spatial (opset < 9), is_test (opset < 7) and consumed_inputs (opset 1) are older forms.
  a.check_known({"epsilon", "momentum", "training_mode", "spatial", "is_test", "consumed_inputs"});
  if (a.get_int("training_mode", 0) != 0) {
    fail("training_mode={} is not supported (inference only)", a.get_int("training_mode", 0));
  }
  if (a.get_int("spatial", 1) != 1) {
    fail("spatial=0 (per-activation statistics) is not supported");
  }
  a.get_float("momentum", 0.9f);  // type-checked, then ignored: it only matters when training
  const float epsilon = a.get_float("epsilon", 1e-5f);
  if (!(epsilon >= 0.0f)) fail("epsilon {} must not be negative", epsilon);
  return std::make_unique<BatchNorm>(epsilon);
}

}  // namespace

LOUPE_REGISTER_OP("BatchNormalization", make_batch_norm);

}  // namespace loupe::ops
