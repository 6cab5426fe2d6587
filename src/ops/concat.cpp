// Concat (ONNX, opset 13): joins inputs of equal rank and dtype along `axis` (required; negative
// counts from the end, opset 11+). Any dtype: the reference moves bytes. 0 FLOPs.
#include <cstring>

#include "loupe/checked.hpp"
#include "ops/broadcast.hpp"
#include "ops/op.hpp"

namespace loupe::ops {
namespace {

class Concat final : public Op {
 public:
  explicit Concat(int64_t axis) : axis_(axis) {}
  std::string_view type() const override { return "Concat"; }

  std::vector<ValueInfo> infer(std::span<const ValueInfo> in) const override {
    if (in.empty()) fail("needs at least 1 input");
    for (size_t i = 0; i < in.size(); ++i) {
      if (!in[i].present) fail("input {} is missing", i);
    }
    const Shape& first = in[0].shape;
    if (first.empty()) fail("inputs must have rank >= 1, got a scalar");
    const int rank = static_cast<int>(first.size());
    const int a = normalize_axis(axis_, rank, "axis");
    Shape out = first;
    for (size_t i = 1; i < in.size(); ++i) {
      const Shape& s = in[i].shape;
      if (in[i].dtype != in[0].dtype) {
        fail("input {} is {}, input 0 is {}", i, dtype_name(in[i].dtype), dtype_name(in[0].dtype));
      }
      bool ok = s.size() == first.size();
      for (int d = 0; ok && d < rank; ++d) ok = d == a || s[d] == first[d];
      if (!ok) {
        fail("input {} of shape {} does not match input 0 of shape {} outside axis {}", i,
             shape_str(s), shape_str(first), axis_);
      }
      out[a] = checked_add(out[a], s[a], "concatenated dim");
    }
    return {{out, in[0].dtype}};
  }

  void reference(std::span<const Tensor> in, std::span<Tensor> out) const override {
    Tensor& y = out[0];
    require_plain(y, "output");
    const int a = normalize_axis(axis_, y.rank(), "axis");
    // Each input is [outer, chunk] with chunk = (its axis dim) x (dims after axis); the output
    // row of `outer` takes the inputs' chunks one after the other.
    int64_t outer = 1;
    for (int d = 0; d < a; ++d) outer *= y.shape()[d];
    const size_t es = dtype_size(y.dtype());
    const size_t out_row = y.nbytes() / static_cast<size_t>(outer == 0 ? 1 : outer);
    auto* yd = static_cast<std::byte*>(y.raw());
    size_t offset = 0;
    for (size_t i = 0; i < in.size(); ++i) {
      require_plain(in[i], "input");
      LOUPE_CHECK(in[i].dtype() == y.dtype());
      if (in[i].numel() == 0) continue;
      const size_t chunk = static_cast<size_t>(in[i].numel() / outer) * es;
      const auto* xd = static_cast<const std::byte*>(in[i].raw());
      for (int64_t o = 0; o < outer; ++o) {
        std::memcpy(yd + static_cast<size_t>(o) * out_row + offset, xd + o * chunk, chunk);
      }
      offset += chunk;
    }
  }

 private:
  int64_t axis_;
};

std::unique_ptr<Op> make_concat(const Attributes& a) {
  a.check_known({"axis"});
  return std::make_unique<Concat>(a.require_int("axis"));
}

}  // namespace

LOUPE_REGISTER_OP("Concat", make_concat);

}  // namespace loupe::ops
