// Squeeze and Unsqueeze (ONNX, opset 13): remove / insert dims of size 1. The axes come from the
// constant i64 input `axes` (opset 13+) or the `axes` attribute (opsets 1-12); a node with both
// is rejected. Negative axes count from the end (opset 11+) of the input (Squeeze) or of the
// output (Unsqueeze). Squeeze without axes removes every dim of size 1. Any dtype; a byte copy,
// 0 FLOPs.
#include <algorithm>
#include <cstring>

#include "ops/broadcast.hpp"
#include "ops/op.hpp"
#include "ops/typed.hpp"

namespace loupe::ops {
namespace {

// Axes normalized against `rank`; duplicates are errors (ONNX leaves them undefined).
std::vector<int> unique_axes(std::span<const int64_t> axes, int rank) {
  std::vector<int> v;
  for (int64_t a : axes) {
    const int n = normalize_axis(a, rank, "axes");
    if (std::find(v.begin(), v.end(), n) != v.end())
      fail("axes {} repeat an axis", shape_str(axes));
    v.push_back(n);
  }
  return v;
}

class SqueezeOp final : public Op {
 public:
  SqueezeOp(bool squeeze, std::vector<int64_t> attr_axes, bool has_attr_axes)
      : squeeze_(squeeze), attr_axes_(std::move(attr_axes)), has_attr_axes_(has_attr_axes) {}
  std::string_view type() const override { return squeeze_ ? "Squeeze" : "Unsqueeze"; }

  std::vector<ValueInfo> infer(std::span<const ValueInfo> in) const override {
    if (in.empty() || in.size() > 2 || !in[0].present) {
      fail("needs 1 or 2 inputs (data, axes), got {}", in.size());
    }
    const bool axes_input = in.size() == 2 && in[1].present;
    if (axes_input && has_attr_axes_) fail("axes are given as an attribute and as an input");
    if (!squeeze_ && !axes_input && !has_attr_axes_) fail("needs axes (an input or attribute)");
    std::optional<std::vector<int64_t>> axes;
    if (has_attr_axes_) axes = attr_axes_;
    if (axes_input) {
      const Tensor& t = require_constant(in[1], "input axes");
      if (t.dtype() != DType::i64) fail("input axes must be i64, got {}", dtype_name(t.dtype()));
      if (t.rank() > 1) fail("input axes must be 1-D, got shape {}", shape_str(t.shape()));
      axes = int_values(t, "input axes");
    }
    return {{squeeze_ ? squeezed(in[0].shape, axes) : unsqueezed(in[0].shape, *axes), in[0].dtype}};
  }

  void reference(std::span<const Tensor> in, std::span<Tensor> out) const override {
    require_plain(in[0], "input data");
    require_plain(out[0], "output");
    LOUPE_CHECK(out[0].dtype() == in[0].dtype() && out[0].numel() == in[0].numel());
    if (in[0].nbytes() > 0) std::memcpy(out[0].raw(), in[0].raw(), in[0].nbytes());
  }

 private:
  static Shape squeezed(const Shape& x, const std::optional<std::vector<int64_t>>& axes) {
    const int rank = static_cast<int>(x.size());
    std::vector<bool> drop(x.size(), false);
    if (!axes) {
      for (int d = 0; d < rank; ++d) drop[d] = x[d] == 1;
    } else {
      for (int d : unique_axes(*axes, rank)) {
        if (x[d] != 1) fail("cannot squeeze axis {} of size {} (shape {})", d, x[d], shape_str(x));
        drop[d] = true;
      }
    }
    Shape out;
    for (int d = 0; d < rank; ++d) {
      if (!drop[d]) out.push_back(x[d]);
    }
    return out;
  }

  static Shape unsqueezed(const Shape& x, std::span<const int64_t> axes) {
    const int rank = static_cast<int>(x.size() + axes.size());
    std::vector<bool> inserted(static_cast<size_t>(rank), false);
    for (int d : unique_axes(axes, rank)) inserted[d] = true;
    Shape out;
    size_t next = 0;
    for (int d = 0; d < rank; ++d) out.push_back(inserted[d] ? 1 : x[next++]);
    return out;
  }

  bool squeeze_;
  std::vector<int64_t> attr_axes_;
  bool has_attr_axes_;
};

std::unique_ptr<Op> make_squeeze(const Attributes& a) {
  a.check_known({"axes"});
  return std::make_unique<SqueezeOp>(true, a.get_ints("axes"), a.has("axes"));
}

std::unique_ptr<Op> make_unsqueeze(const Attributes& a) {
  a.check_known({"axes"});
  return std::make_unique<SqueezeOp>(false, a.get_ints("axes"), a.has("axes"));
}

}  // namespace

LOUPE_REGISTER_OP("Squeeze", make_squeeze);
LOUPE_REGISTER_OP("Unsqueeze", make_unsqueeze);

}  // namespace loupe::ops
