// Slice (ONNX, opset 13; opsets 10-12 are the same op, opsets 1-9 take starts/ends/axes as
// attributes and have no steps). starts, ends and the optional axes and steps come as constant
// i64/i32 inputs (opset 10+) or attributes (opset < 10), one entry per sliced axis; axes default
// to 0..n-1, steps to 1; a negative axis counts from the end; an axis may appear once.
//
// Per axis of size `dim`, following the ONNX operator spec: a negative start or end has `dim`
// added; then for step > 0 both are clamped to [0, dim], for step < 0 start to [0, dim-1] and end
// to [-1, dim-1] (so INT64_MAX / INT64_MIN mean "to the end" in either direction). The output dim
// is max(0, ceil((end - start) / step)) and element i of the axis is input element start + i*step.
// Any dtype; the reference copies elements. 0 FLOPs.
#include <algorithm>
#include <cstring>

#include "ops/broadcast.hpp"
#include "ops/op.hpp"
#include "ops/typed.hpp"

namespace loupe::ops {
namespace {

struct AxisSlice {
  int64_t start = 0;
  int64_t step = 1;
  int64_t size = 0;  // output dim
};

class Slice final : public Op {
 public:
  // Opset < 10 form: `attr` holds starts, ends and axes.
  Slice(bool from_attributes, std::vector<int64_t> starts, std::vector<int64_t> ends,
        std::vector<int64_t> axes, bool has_axes)
      : from_attributes_(from_attributes),
        starts_(std::move(starts)),
        ends_(std::move(ends)),
        axes_(std::move(axes)),
        has_axes_(has_axes) {}
  std::string_view type() const override { return "Slice"; }

  std::vector<ValueInfo> infer(std::span<const ValueInfo> in) const override {
    if (in.empty() || !in[0].present) fail("needs input data");
    std::vector<const Tensor*> params(4, nullptr);
    if (from_attributes_) {
      if (in.size() != 1) fail("starts and ends are given as attributes and as inputs");
    } else {
      if (in.size() < 3 || in.size() > 5 || !in[1].present || !in[2].present) {
        fail("needs 3 to 5 inputs (data, starts, ends, axes, steps), got {}", in.size());
      }
      constexpr const char* kNames[] = {"input starts", "input ends", "input axes", "input steps"};
      for (size_t i = 1; i < in.size(); ++i) {
        if (!in[i].present) continue;
        params[i - 1] = &require_constant(in[i], kNames[i - 1]);
        if (in[i].shape.size() != 1) {
          fail("{} must be 1-D, got shape {}", kNames[i - 1], shape_str(in[i].shape));
        }
      }
    }
    Shape out = in[0].shape;
    for (const auto& [axis, s] : plan(in[0].shape, params)) out[axis] = s.size;
    return {{out, in[0].dtype}};
  }

  void reference(std::span<const Tensor> in, std::span<Tensor> out) const override {
    const Tensor& x = in[0];
    Tensor& y = out[0];
    require_plain(x, "input data");
    require_plain(y, "output");
    std::vector<const Tensor*> params(4, nullptr);
    for (size_t i = 1; i < in.size(); ++i) {
      if (in[i].defined()) params[i - 1] = &in[i];
    }
    // Every axis as a slice; the untouched ones are start 0, step 1, full size.
    const int rank = x.rank();
    std::vector<AxisSlice> s(static_cast<size_t>(rank));
    for (int d = 0; d < rank; ++d) s[d] = {0, 1, x.shape()[d]};
    for (const auto& [axis, a] : plan(x.shape(), params)) s[axis] = a;
    for (int d = 0; d < rank; ++d) LOUPE_CHECK(y.shape()[d] == s[d].size);
    if (y.numel() == 0) return;

    std::vector<int64_t> x_stride(static_cast<size_t>(rank), 1);
    for (int d = rank - 1; d > 0; --d) x_stride[d - 1] = x_stride[d] * x.shape()[d];
    const size_t es = dtype_size(x.dtype());
    const auto* xd = static_cast<const std::byte*>(x.raw());
    auto* yd = static_cast<std::byte*>(y.raw());
    // Walk the output in row-major order with an odometer over its multi-index.
    std::vector<int64_t> idx(static_cast<size_t>(rank), 0);
    for (int64_t o = 0; o < y.numel(); ++o) {
      int64_t src = 0;
      for (int d = 0; d < rank; ++d) src += (s[d].start + idx[d] * s[d].step) * x_stride[d];
      std::memcpy(yd + static_cast<size_t>(o) * es, xd + static_cast<size_t>(src) * es, es);
      for (int d = rank - 1; d >= 0 && ++idx[d] == s[d].size; --d) idx[d] = 0;
    }
  }

 private:
  // The sliced axes with their clamped start, step and output size. `params` are the starts,
  // ends, axes, steps tensors (null where absent) of the opset 10+ form.
  std::vector<std::pair<int, AxisSlice>> plan(const Shape& x,
                                              std::span<const Tensor* const> params) const {
    std::vector<int64_t> starts = starts_;
    std::vector<int64_t> ends = ends_;
    std::vector<int64_t> axes = axes_;
    std::vector<int64_t> steps;
    bool has_axes = has_axes_;
    if (!from_attributes_) {
      starts = int_values(*params[0], "input starts");
      ends = int_values(*params[1], "input ends");
      has_axes = params[2] != nullptr;
      if (has_axes) axes = int_values(*params[2], "input axes");
      if (params[3] != nullptr) steps = int_values(*params[3], "input steps");
    }
    const size_t n = starts.size();
    if (ends.size() != n) fail("starts has {} entries, ends has {}", n, ends.size());
    if (!has_axes) {
      axes.resize(n);
      for (size_t i = 0; i < n; ++i) axes[i] = static_cast<int64_t>(i);
    }
    if (axes.size() != n) fail("starts has {} entries, axes has {}", n, axes.size());
    if (steps.empty()) steps.assign(n, 1);
    if (steps.size() != n) fail("starts has {} entries, steps has {}", n, steps.size());

    const int rank = static_cast<int>(x.size());
    std::vector<std::pair<int, AxisSlice>> result;
    for (size_t i = 0; i < n; ++i) {
      const int axis = normalize_axis(axes[i], rank, "axes");
      for (const auto& r : result) {
        if (r.first == axis) fail("axis {} is sliced twice", axes[i]);
      }
      const int64_t dim = x[axis];
      const int64_t step = steps[i];
      if (step == 0) fail("step of axis {} is 0", axes[i]);
      int64_t start = starts[i] < 0 ? starts[i] + dim : starts[i];
      int64_t end = ends[i] < 0 ? ends[i] + dim : ends[i];
      int64_t size = 0;
      if (dim == 0) {
        start = 0;  // nothing to take in either direction (and [0, dim-1] would be empty)
      } else if (step > 0) {
        start = std::clamp<int64_t>(start, 0, dim);
        end = std::clamp<int64_t>(end, 0, dim);
        // ceil(span / step) written so that a huge step cannot overflow.
        if (end > start) size = 1 + (end - start - 1) / step;
      } else {
        start = std::clamp<int64_t>(start, 0, dim - 1);
        end = std::clamp<int64_t>(end, -1, dim - 1);
        if (end < start) size = 1 + (end - start + 1) / step;
      }
      result.push_back({axis, {start, step, size}});
    }
    return result;
  }

  bool from_attributes_;
  std::vector<int64_t> starts_;
  std::vector<int64_t> ends_;
  std::vector<int64_t> axes_;
  bool has_axes_;
};

std::unique_ptr<Op> make_slice(const Attributes& a) {
  a.check_known({"starts", "ends", "axes"});
  const bool attrs = a.has("starts") || a.has("ends");
  if (attrs && !(a.has("starts") && a.has("ends"))) {
    fail("attributes starts and ends must be given together (opset < 10 form)");
  }
  if (!attrs && a.has("axes")) fail("attribute axes needs attributes starts and ends");
  return std::make_unique<Slice>(attrs, a.get_ints("starts"), a.get_ints("ends"),
                                 a.get_ints("axes"), a.has("axes"));
}

}  // namespace

LOUPE_REGISTER_OP("Slice", make_slice);

}  // namespace loupe::ops
