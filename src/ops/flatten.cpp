// Flatten (ONNX, opset 13): [d0..dn-1] -> [d0 x .. x d(axis-1), d(axis) x .. x d(n-1)], axis in
// [-rank, rank] (default 1; axis 0 gives [1, numel]). Any dtype; a byte copy; 0 FLOPs.
#include <cstring>

#include "loupe/checked.hpp"
#include "ops/broadcast.hpp"
#include "ops/op.hpp"

namespace loupe::ops {
namespace {

class Flatten final : public Op {
 public:
  explicit Flatten(int64_t axis) : axis_(axis) {}
  std::string_view type() const override { return "Flatten"; }

  std::vector<ValueInfo> infer(std::span<const ValueInfo> in) const override {
    if (in.size() != 1 || !in[0].present) fail("needs 1 input, got {}", in.size());
    const Shape& x = in[0].shape;
    const int a = normalize_axis(axis_, static_cast<int>(x.size()), "axis", /*allow_rank=*/true);
    const std::span<const int64_t> dims(x);
    return {{Shape{checked_numel(dims.first(a), "flattened outer dims"),
                   checked_numel(dims.subspan(a), "flattened inner dims")},
             in[0].dtype}};
  }

  void reference(std::span<const Tensor> in, std::span<Tensor> out) const override {
    require_plain(in[0], "input");
    require_plain(out[0], "output");
    LOUPE_CHECK(out[0].dtype() == in[0].dtype() && out[0].numel() == in[0].numel());
    if (in[0].nbytes() > 0) std::memcpy(out[0].raw(), in[0].raw(), in[0].nbytes());
  }

 private:
  int64_t axis_;
};

std::unique_ptr<Op> make_flatten(const Attributes& a) {
  a.check_known({"axis"});
  return std::make_unique<Flatten>(a.get_int("axis", 1));
}

}  // namespace

LOUPE_REGISTER_OP("Flatten", make_flatten);

}  // namespace loupe::ops
