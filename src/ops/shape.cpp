// Shape (ONNX, opset 15 semantics; opsets 1-14 are the same op without start/end): the input's
// dims [start, end) as a 1-D i64 tensor. start and end count from the end when negative and are
// clamped to [0, rank]; start >= end gives an empty tensor. Size (opset 13): the input's element
// count as an i64 scalar. Any input dtype; 0 FLOPs.
//
// The outputs depend only on the input's shape, which loupe knows at load time, so the nodes are
// always folded into constants — this is what turns PyTorch's Shape -> Gather -> Concat ->
// Reshape sub-graphs into a constant target shape before the Reshape is inferred.
#include <algorithm>
#include <limits>

#include "loupe/checked.hpp"
#include "ops/op.hpp"

namespace loupe::ops {
namespace {

class ShapeOp final : public Op {
 public:
  ShapeOp(int64_t start, int64_t end) : start_(start), end_(end) {}
  std::string_view type() const override { return "Shape"; }

  std::vector<ValueInfo> infer(std::span<const ValueInfo> in) const override {
    if (in.size() != 1 || !in[0].present) fail("needs 1 input, got {}", in.size());
    const auto [b, e] = range(in[0].shape);
    return {{Shape{e - b}, DType::i64}};
  }

  void reference(std::span<const Tensor> in, std::span<Tensor> out) const override {
    write(in[0].shape(), out[0]);
  }

  std::optional<std::vector<Tensor>> fold(std::span<const ValueInfo> in,
                                          std::span<const ValueInfo> out) const override {
    std::vector<Tensor> result;
    result.emplace_back(out[0].shape, DType::i64);
    write(in[0].shape, result[0]);
    return result;
  }

 private:
  // [begin, end) of the dims to report, begin <= end.
  std::pair<int64_t, int64_t> range(const Shape& x) const {
    const auto rank = static_cast<int64_t>(x.size());
    auto clamp = [rank](int64_t i) { return std::clamp(i < 0 ? i + rank : i, int64_t{0}, rank); };
    const int64_t b = clamp(start_);
    return {b, std::max(b, clamp(end_))};
  }

  void write(const Shape& x, Tensor& y) const {
    const auto [b, e] = range(x);
    LOUPE_CHECK(y.dtype() == DType::i64 && y.numel() == e - b);
    int64_t* yd = y.data<int64_t>();
    for (int64_t i = b; i < e; ++i) yd[i - b] = x[static_cast<size_t>(i)];
  }

  int64_t start_;
  int64_t end_;
};

class Size final : public Op {
 public:
  std::string_view type() const override { return "Size"; }

  std::vector<ValueInfo> infer(std::span<const ValueInfo> in) const override {
    if (in.size() != 1 || !in[0].present) fail("needs 1 input, got {}", in.size());
    return {{Shape{}, DType::i64}};
  }

  void reference(std::span<const Tensor> in, std::span<Tensor> out) const override {
    out[0].data<int64_t>()[0] = in[0].numel();
  }

  std::optional<std::vector<Tensor>> fold(std::span<const ValueInfo> in,
                                          std::span<const ValueInfo>) const override {
    std::vector<Tensor> result;
    result.emplace_back(Shape{}, DType::i64);
    result[0].data<int64_t>()[0] = checked_numel(in[0].shape, "input");
    return result;
  }
};

std::unique_ptr<Op> make_size(const Attributes& a) {
  a.check_known({});
  return std::make_unique<Size>();
}

std::unique_ptr<Op> make_shape(const Attributes& a) {
  a.check_known({"start", "end"});
  // An absent end means "to the last dim"; the int64 maximum is clamped to the rank.
  return std::make_unique<ShapeOp>(a.get_int("start", 0),
                                   a.get_int("end", std::numeric_limits<int64_t>::max()));
}

}  // namespace

LOUPE_REGISTER_OP("Shape", make_shape);
LOUPE_REGISTER_OP("Size", make_size);

}  // namespace loupe::ops
