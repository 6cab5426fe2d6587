// LRN (AlexNet's local response normalization across channels), ONNX semantics:
//   square_sum[n,c,...] = sum of x[n,i,...]^2 for i in [c - floor((size-1)/2), c +
//   ceil((size-1)/2)] y = x / (bias + alpha / size * square_sum)^beta
#include <algorithm>
#include <cmath>

#include "loupe/checked.hpp"
#include "ops/conv.hpp"
#include "ops/op.hpp"

namespace loupe::ops {
namespace {

class Lrn final : public Op {
 public:
  Lrn(int64_t size, float alpha, float beta, float bias)
      : size_(size), alpha_(alpha), beta_(beta), bias_(bias) {}
  std::string_view type() const override { return "LRN"; }

  std::vector<ValueInfo> infer(std::span<const ValueInfo> in) const override {
    if (in.size() != 1 || !in[0].present) fail("needs 1 input, got {}", in.size());
    if (in[0].dtype != DType::f32) {
      fail("input X is {}; only f32 is supported", dtype_name(in[0].dtype));
    }
    if (in[0].shape.size() < 3) {
      fail("input X must have rank >= 3 [N,C,H,...], got {}", shape_str(in[0].shape));
    }
    return {ValueInfo{in[0].shape, DType::f32}};
  }

  // Per element: size squares and size adds over the channel window, then the scale by
  // alpha/size, the bias add, the power and the division (docs/metrics.md).
  Counts count(std::span<const ValueInfo> in, std::span<const ValueInfo>) const override {
    const int64_t per_element = checked_add(checked_mul(2, size_, "FLOPs"), 4, "FLOPs");
    return {0, checked_mul(per_element, checked_numel(in[0].shape, "FLOPs"), "FLOPs")};
  }

  void reference(std::span<const Tensor> in, std::span<Tensor> out) const override {
    const Tensor& x = in[0];
    Tensor& y = out[0];
    require_f32_nchw(x, "input X");
    require_f32_nchw(y, "output Y");
    if (x.rank() < 3) fail("input X must have rank >= 3 [N,C,H,...], got {}", shape_str(x.shape()));
    if (y.shape() != x.shape()) {
      fail("output Y has shape {}, expected {}", shape_str(y.shape()), shape_str(x.shape()));
    }
    const int64_t N = x.dim(0), C = x.dim(1);
    const int64_t HW = C == 0 || N == 0 ? 0 : x.numel() / (N * C);
    const int64_t before = (size_ - 1) / 2;  // floor
    const int64_t after = size_ / 2;         // ceil((size - 1) / 2)
    const float* xd = x.data<float>();
    float* yd = y.data<float>();
    for (int64_t n = 0; n < N; ++n) {
      for (int64_t c = 0; c < C; ++c) {
        for (int64_t i = 0; i < HW; ++i) {
          double square_sum = 0.0;
          for (int64_t j = std::max<int64_t>(0, c - before); j <= std::min(C - 1, c + after); ++j) {
            const double v = xd[(n * C + j) * HW + i];
            square_sum += v * v;
          }
          const double denom =
              std::pow(double{bias_} + double{alpha_} / static_cast<double>(size_) * square_sum,
                       double{beta_});
          const int64_t at = (n * C + c) * HW + i;
          yd[at] = static_cast<float>(xd[at] / denom);
        }
      }
    }
  }

 private:
  int64_t size_;
  float alpha_, beta_, bias_;
};

std::unique_ptr<Op> make_lrn(const Attributes& a) {
  a.check_known({"size", "alpha", "beta", "bias"});
  const int64_t size = a.require_int("size");
  if (size < 1) fail("size {} must be positive", size);
  return std::make_unique<Lrn>(size, a.get_float("alpha", 1e-4f), a.get_float("beta", 0.75f),
                               a.get_float("bias", 1.0f));
}

}  // namespace

LOUPE_REGISTER_OP("LRN", make_lrn);

}  // namespace loupe::ops
