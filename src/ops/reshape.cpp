// Reshape (ONNX, opset 14 semantics, which opset 13 files share when allowzero is absent): the
// target shape comes from the constant i64 input `shape` (opset 5+) or the `shape` attribute
// (opsets 1-4). In it 0 copies the input's dim at the same index (or is a real 0 with
// allowzero=1) and one -1 is inferred from the element count. A byte copy of any dtype; 0 FLOPs.
//
// Shape inference needs the target shape before any data exists, so the shape input must be a
// constant; the reference reads the runtime tensor, so it also serves constant folding.
#include <cstring>

#include "loupe/checked.hpp"
#include "ops/broadcast.hpp"
#include "ops/op.hpp"

namespace loupe::ops {
namespace {

Shape resolve_shape(const Shape& in, std::span<const int64_t> spec, bool allow_zero) {
  Shape out(spec.begin(), spec.end());
  int infer_at = -1;
  bool has_zero = false;
  int64_t known = 1;
  for (size_t i = 0; i < out.size(); ++i) {
    const int64_t d = out[i];
    if (d == -1) {
      if (infer_at >= 0) fail("shape {} has more than one -1", shape_str(spec));
      infer_at = static_cast<int>(i);
      continue;
    }
    if (d < -1) fail("shape {} has a negative dim {} (only -1 is allowed)", shape_str(spec), d);
    if (d == 0 && !allow_zero) {
      if (i >= in.size()) {
        fail("shape {}: 0 at index {} copies a dim the input of shape {} does not have",
             shape_str(spec), i, shape_str(in));
      }
      out[i] = in[i];
    }
    has_zero = has_zero || out[i] == 0;
    known = checked_mul(known, out[i], "reshape target");
  }
  const int64_t n = checked_numel(in, "reshape input");
  if (infer_at >= 0) {
    if (allow_zero && has_zero)
      fail("shape {} has both 0 and -1 with allowzero=1", shape_str(spec));
    if (known == 0) {
      fail("shape {}: -1 cannot be inferred next to a 0 dim (input {})", shape_str(spec),
           shape_str(in));
    }
    if (n % known != 0) {
      fail("cannot reshape {} ({} elements) to {}: {} is not a multiple of {}", shape_str(in), n,
           shape_str(spec), n, known);
    }
    out[infer_at] = n / known;
  } else if (known != n) {
    fail("cannot reshape {} ({} elements) to {} ({} elements)", shape_str(in), n, shape_str(out),
         known);
  }
  return out;
}

class Reshape final : public Op {
 public:
  Reshape(std::vector<int64_t> attr_shape, bool has_attr_shape, bool allow_zero)
      : attr_shape_(std::move(attr_shape)),
        has_attr_shape_(has_attr_shape),
        allow_zero_(allow_zero) {}
  std::string_view type() const override { return "Reshape"; }

  std::vector<ValueInfo> infer(std::span<const ValueInfo> in) const override {
    if (in.empty() || !in[0].present) fail("needs input data");
    if (has_attr_shape_) {
      if (in.size() != 1) fail("shape is given as an attribute and as an input");
      return {{resolve_shape(in[0].shape, attr_shape_, allow_zero_), in[0].dtype}};
    }
    if (in.size() != 2 || !in[1].present) fail("needs 2 inputs (data, shape), got {}", in.size());
    const ValueInfo& s = in[1];
    if (s.dtype != DType::i64) fail("shape input must be i64, got {}", dtype_name(s.dtype));
    if (s.shape.size() != 1) fail("shape input must be 1-D, got shape {}", shape_str(s.shape));
    if (s.constant == nullptr) fail("shape input must be a constant (initializer)");
    return {{resolve_shape(in[0].shape, s.constant->span<int64_t>(), allow_zero_), in[0].dtype}};
  }

  void reference(std::span<const Tensor> in, std::span<Tensor> out) const override {
    require_plain(in[0], "input data");
    require_plain(out[0], "output");
    Shape target;
    if (has_attr_shape_) {
      target = resolve_shape(in[0].shape(), attr_shape_, allow_zero_);
    } else {
      if (in.size() < 2 || !in[1].defined()) fail("needs 2 inputs (data, shape)");
      if (in[1].rank() != 1)
        fail("shape input must be 1-D, got shape {}", shape_str(in[1].shape()));
      target = resolve_shape(in[0].shape(), in[1].span<int64_t>(), allow_zero_);
    }
    if (out[0].shape() != target || out[0].dtype() != in[0].dtype()) {
      fail("output was allocated as {} {}, the shape input gives {}", dtype_name(out[0].dtype()),
           shape_str(out[0].shape()), shape_str(target));
    }
    if (in[0].nbytes() > 0) std::memcpy(out[0].raw(), in[0].raw(), in[0].nbytes());
  }

 private:
  std::vector<int64_t> attr_shape_;
  bool has_attr_shape_;
  bool allow_zero_;
};

std::unique_ptr<Op> make_reshape(const Attributes& a) {
  a.check_known({"allowzero", "shape"});
  const int64_t allow_zero = a.get_int("allowzero", 0);
  if (allow_zero != 0 && allow_zero != 1) fail("attribute allowzero {} must be 0 or 1", allow_zero);
  return std::make_unique<Reshape>(a.get_ints("shape"), a.has("shape"), allow_zero == 1);
}

}  // namespace

LOUPE_REGISTER_OP("Reshape", make_reshape);

}  // namespace loupe::ops
