// Softmax and LogSoftmax along one axis (ONNX opset 13: `axis` default -1, the normalization runs
// over that axis only). Opsets 1-12 instead flattened the input to 2-D at `axis` (default 1) and
// normalized over all trailing dims; the two agree when axis is the last dim, and the importer
// is where an older model's semantics must be translated (the op does not know the opset).
//
// The reference subtracts the row's maximum before exponentiating, so that no exp overflows
// (every exponent is <= 0 and one is exactly 0, so the sum is >= 1), and accumulates in double.
//
// FLOPs per element: 5 (max comparison, subtract, exp, add to the sum, divide); LogSoftmax has
// the same 5 per element (its last step subtracts log(sum)) plus 1 log per normalized row.
#include <algorithm>
#include <cmath>
#include <limits>

#include "loupe/checked.hpp"
#include "ops/broadcast.hpp"
#include "ops/op.hpp"

namespace loupe::ops {
namespace {

class Softmax final : public Op {
 public:
  Softmax(std::string_view type, bool log, int64_t axis) : type_(type), log_(log), axis_(axis) {}
  std::string_view type() const override { return type_; }

  std::vector<ValueInfo> infer(std::span<const ValueInfo> in) const override {
    if (in.size() != 1 || !in[0].present) fail("needs 1 input, got {}", in.size());
    if (in[0].dtype != DType::f32) fail("input must be f32, got {}", dtype_name(in[0].dtype));
    if (in[0].shape.empty()) fail("input must have rank >= 1, got a scalar");
    (void)normalize_axis(axis_, static_cast<int>(in[0].shape.size()), "axis");
    return {{in[0].shape, DType::f32}};
  }

  Counts count(std::span<const ValueInfo> in, std::span<const ValueInfo>) const override {
    const Shape& x = in[0].shape;
    const int64_t n = checked_numel(x, "input");
    int64_t flops = checked_mul(n, 5, "FLOPs");
    if (log_) {
      const int64_t len = x[normalize_axis(axis_, static_cast<int>(x.size()), "axis")];
      flops = checked_add(flops, len == 0 ? 0 : n / len, "FLOPs");
    }
    return {0, flops};
  }

  void reference(std::span<const Tensor> in, std::span<Tensor> out) const override {
    const Tensor& x = in[0];
    Tensor& y = out[0];
    require_plain(x, "input");
    require_plain(y, "output");
    LOUPE_CHECK(y.shape() == x.shape());
    const int a = normalize_axis(axis_, x.rank(), "axis");
    // The tensor as [outer, len, inner]; the normalized elements of one row are `inner` apart.
    int64_t outer = 1;
    int64_t inner = 1;
    for (int d = 0; d < a; ++d) outer *= x.shape()[d];
    for (int d = a + 1; d < x.rank(); ++d) inner *= x.shape()[d];
    const int64_t len = x.shape()[a];
    const float* xd = x.data<float>();
    float* yd = y.data<float>();
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i = 0; i < inner; ++i) {
        const int64_t base = o * len * inner + i;
        double max = -std::numeric_limits<double>::infinity();
        for (int64_t k = 0; k < len; ++k) max = std::max<double>(max, xd[base + k * inner]);
        double sum = 0;
        for (int64_t k = 0; k < len; ++k) sum += std::exp(xd[base + k * inner] - max);
        const double log_sum = std::log(sum);
        for (int64_t k = 0; k < len; ++k) {
          const double shifted = xd[base + k * inner] - max;
          yd[base + k * inner] =
              static_cast<float>(log_ ? shifted - log_sum : std::exp(shifted) / sum);
        }
      }
    }
  }

 private:
  std::string type_;
  bool log_;
  int64_t axis_;
};

std::unique_ptr<Op> make_softmax(const Attributes& a) {
  a.check_known({"axis"});
  return std::make_unique<Softmax>("Softmax", false, a.get_int("axis", -1));
}

std::unique_ptr<Op> make_log_softmax(const Attributes& a) {
  a.check_known({"axis"});
  return std::make_unique<Softmax>("LogSoftmax", true, a.get_int("axis", -1));
}

}  // namespace

LOUPE_REGISTER_OP("Softmax", make_softmax);
LOUPE_REGISTER_OP("LogSoftmax", make_log_softmax);

}  // namespace loupe::ops
