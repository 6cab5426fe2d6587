// Expand (ONNX, opset 13; opset 8 is the same op): broadcasts the input to the constant i64
// input `shape` by NumPy's rule in both directions, so a 1 in `shape` keeps the input's dim and
// the output may have a higher rank than either. Any dtype; the reference copies elements.
// 0 FLOPs.
#include <cstring>

#include "ops/broadcast.hpp"
#include "ops/op.hpp"
#include "ops/typed.hpp"

namespace loupe::ops {
namespace {

class Expand final : public Op {
 public:
  std::string_view type() const override { return "Expand"; }

  std::vector<ValueInfo> infer(std::span<const ValueInfo> in) const override {
    if (in.size() != 2 || !in[0].present || !in[1].present) {
      fail("needs 2 inputs (input, shape), got {}", in.size());
    }
    if (in[1].dtype != DType::i64) fail("input shape must be i64, got {}", dtype_name(in[1].dtype));
    if (in[1].shape.size() != 1) {
      fail("input shape must be 1-D, got shape {}", shape_str(in[1].shape));
    }
    const Shape target = int_values(require_constant(in[1], "input shape"), "input shape");
    for (int64_t d : target) {
      if (d < 0) fail("input shape {} has a negative dim", shape_str(target));
    }
    return {{broadcast_shapes(in[0].shape, target), in[0].dtype}};
  }

  void reference(std::span<const Tensor> in, std::span<Tensor> out) const override {
    const Tensor& x = in[0];
    Tensor& y = out[0];
    require_plain(x, "input");
    require_plain(y, "output");
    LOUPE_CHECK(y.dtype() == x.dtype());
    const BroadcastIndex xi(x.shape(), y.shape());
    const size_t es = dtype_size(x.dtype());
    const auto* xd = static_cast<const std::byte*>(x.raw());
    auto* yd = static_cast<std::byte*>(y.raw());
    for (int64_t i = 0; i < y.numel(); ++i) {
      std::memcpy(yd + static_cast<size_t>(i) * es, xd + static_cast<size_t>(xi(i)) * es, es);
    }
  }
};

std::unique_ptr<Op> make_expand(const Attributes& a) {
  a.check_known({});
  return std::make_unique<Expand>();
}

}  // namespace

LOUPE_REGISTER_OP("Expand", make_expand);

}  // namespace loupe::ops
