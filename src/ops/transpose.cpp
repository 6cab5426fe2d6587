// Transpose (ONNX, opset 13): output dim i is input dim perm[i]; perm defaults to the reversed
// dims. Any dtype (elements moved as bytes); 0 FLOPs.
#include <cstring>
#include <numeric>

#include "loupe/checked.hpp"
#include "ops/broadcast.hpp"
#include "ops/op.hpp"

namespace loupe::ops {
namespace {

class Transpose final : public Op {
 public:
  explicit Transpose(std::vector<int64_t> perm) : perm_(std::move(perm)) {}
  std::string_view type() const override { return "Transpose"; }

  std::vector<ValueInfo> infer(std::span<const ValueInfo> in) const override {
    if (in.size() != 1 || !in[0].present) fail("needs 1 input, got {}", in.size());
    const Shape& x = in[0].shape;
    const std::vector<int64_t> perm = resolve_perm(x.size());
    Shape y(x.size());
    for (size_t i = 0; i < x.size(); ++i) y[i] = x[static_cast<size_t>(perm[i])];
    return {{y, in[0].dtype}};
  }

  void reference(std::span<const Tensor> in, std::span<Tensor> out) const override {
    const Tensor& x = in[0];
    Tensor& y = out[0];
    require_plain(x, "input");
    require_plain(y, "output");
    LOUPE_CHECK(x.dtype() == y.dtype() && x.numel() == y.numel());
    const size_t rank = x.shape().size();
    const std::vector<int64_t> perm = resolve_perm(rank);
    // Input strides seen from the output's axes: stepping output axis i moves the input by the
    // stride of its axis perm[i].
    std::vector<int64_t> x_strides(rank);
    int64_t stride = 1;
    for (size_t d = rank; d-- > 0;) {
      x_strides[d] = stride;
      stride *= x.shape()[d];
    }
    std::vector<int64_t> strides(rank);
    for (size_t i = 0; i < rank; ++i) strides[i] = x_strides[static_cast<size_t>(perm[i])];

    const size_t es = dtype_size(x.dtype());
    const auto* xd = static_cast<const std::byte*>(x.raw());
    auto* yd = static_cast<std::byte*>(y.raw());
    const Shape& ys = y.shape();
    for (int64_t o = 0; o < y.numel(); ++o) {
      int64_t rest = o;
      int64_t src = 0;
      for (size_t d = rank; d-- > 0;) {
        src += (rest % ys[d]) * strides[d];
        rest /= ys[d];
      }
      std::memcpy(yd + static_cast<size_t>(o) * es, xd + static_cast<size_t>(src) * es, es);
    }
  }

 private:
  std::vector<int64_t> resolve_perm(size_t rank) const {
    if (perm_.empty()) {
      std::vector<int64_t> p(rank);
      std::iota(p.rbegin(), p.rend(), int64_t{0});
      return p;
    }
    if (perm_.size() != rank) {
      fail("attribute perm {} has {} entries for an input of rank {}", shape_str(perm_),
           perm_.size(), rank);
    }
    return perm_;
  }

  std::vector<int64_t> perm_;
};

std::unique_ptr<Op> make_transpose(const Attributes& a) {
  a.check_known({"perm"});
  std::vector<int64_t> perm = a.get_ints("perm");
  std::vector<bool> seen(perm.size(), false);
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(perm.size()) || seen[static_cast<size_t>(p)]) {
      fail("attribute perm {} is not a permutation of 0..{}", shape_str(perm),
           static_cast<int64_t>(perm.size()) - 1);
    }
    seen[static_cast<size_t>(p)] = true;
  }
  return std::make_unique<Transpose>(std::move(perm));
}

}  // namespace

LOUPE_REGISTER_OP("Transpose", make_transpose);

}  // namespace loupe::ops
