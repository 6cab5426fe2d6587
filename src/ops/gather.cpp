// Gather (ONNX, opset 13; opsets 1 and 11 are the same op): picks slices of `data` along `axis`
// (default 0, negative counts from the end) at the positions in `indices` (i64 or i32, any
// shape; a negative index counts from the end of the axis). Output shape:
//   data[:axis] ++ indices ++ data[axis+1:]
// so scalar indices drop the axis (PyTorch's x.shape[1] exports as Shape -> Gather(scalar)).
// Any data dtype; the reference copies bytes. 0 FLOPs.
#include <cstring>

#include "loupe/checked.hpp"
#include "ops/broadcast.hpp"
#include "ops/op.hpp"
#include "ops/typed.hpp"

namespace loupe::ops {
namespace {

class Gather final : public Op {
 public:
  explicit Gather(int64_t axis) : axis_(axis) {}
  std::string_view type() const override { return "Gather"; }

  std::vector<ValueInfo> infer(std::span<const ValueInfo> in) const override {
    if (in.size() != 2 || !in[0].present || !in[1].present) {
      fail("needs 2 inputs (data, indices), got {}", in.size());
    }
    const Shape& data = in[0].shape;
    if (data.empty()) fail("input data must have rank >= 1, got a scalar");
    if (in[1].dtype != DType::i64 && in[1].dtype != DType::i32) {
      fail("input indices must be i64 or i32, got {}", dtype_name(in[1].dtype));
    }
    const int a = normalize_axis(axis_, static_cast<int>(data.size()), "axis");
    Shape out(data.begin(), data.begin() + a);
    out.insert(out.end(), in[1].shape.begin(), in[1].shape.end());
    out.insert(out.end(), data.begin() + a + 1, data.end());
    // A known index out of range is reported at load time, not when the model first runs.
    if (in[1].constant != nullptr) (void)positions(*in[1].constant, data[a]);
    return {{out, in[0].dtype}};
  }

  void reference(std::span<const Tensor> in, std::span<Tensor> out) const override {
    const Tensor& x = in[0];
    Tensor& y = out[0];
    require_plain(x, "input data");
    require_plain(in[1], "input indices");
    require_plain(y, "output");
    LOUPE_CHECK(y.dtype() == x.dtype());
    const int a = normalize_axis(axis_, x.rank(), "axis");
    const int64_t axis_dim = x.shape()[a];
    const std::vector<int64_t> idx = positions(in[1], axis_dim);
    // data viewed as [outer, axis_dim, inner]; the output as [outer, |indices|, inner].
    int64_t outer = 1;
    for (int d = 0; d < a; ++d) outer *= x.shape()[d];
    int64_t inner = 1;
    for (int d = a + 1; d < x.rank(); ++d) inner *= x.shape()[d];
    const size_t chunk = static_cast<size_t>(inner) * dtype_size(x.dtype());
    if (chunk == 0) return;
    const auto* xd = static_cast<const std::byte*>(x.raw());
    auto* yd = static_cast<std::byte*>(y.raw());
    const auto n = static_cast<int64_t>(idx.size());
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t j = 0; j < n; ++j) {
        std::memcpy(yd + static_cast<size_t>(o * n + j) * chunk,
                    xd + static_cast<size_t>(o * axis_dim + idx[j]) * chunk, chunk);
      }
    }
  }

 private:
  // The indices made non-negative; fails on one outside [-axis_dim, axis_dim).
  static std::vector<int64_t> positions(const Tensor& indices, int64_t axis_dim) {
    std::vector<int64_t> v = int_values(indices, "input indices");
    for (int64_t& i : v) {
      if (i < -axis_dim || i >= axis_dim) {
        fail("index {} is out of range for an axis of size {}", i, axis_dim);
      }
      if (i < 0) i += axis_dim;
    }
    return v;
  }

  int64_t axis_;
};

std::unique_ptr<Op> make_gather(const Attributes& a) {
  a.check_known({"axis"});
  return std::make_unique<Gather>(a.get_int("axis", 0));
}

}  // namespace

LOUPE_REGISTER_OP("Gather", make_gather);

}  // namespace loupe::ops
