#pragma once
// Shape helpers shared by the element-wise and data-movement ops: NumPy broadcasting (ONNX's
// "multidirectional" rule for Add/Sub/Mul/Div and its "unidirectional" rule for PRelu), axis
// normalization, and the plain-layout check of the references.
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "loupe/tensor.hpp"

namespace loupe::ops {

// NumPy broadcasting of two shapes: aligned at the right, each pair of dims equal or one of them
// 1. Fails with: shapes [1,3,4] and [2,4] cannot be broadcast.
Shape broadcast_shapes(std::span<const int64_t> a, std::span<const int64_t> b);

// ONNX unidirectional broadcasting: true when `from` broadcasts to `to` and the result is `to`.
bool broadcasts_to(std::span<const int64_t> from, std::span<const int64_t> to);

// Maps a row-major position in a broadcast output to the element of one input that feeds it.
// `in` must broadcast to `out` (checked: an internal error otherwise).
class BroadcastIndex {
 public:
  BroadcastIndex(std::span<const int64_t> in, std::span<const int64_t> out);
  int64_t operator()(int64_t out_pos) const {
    if (same_) return out_pos;
    int64_t in_pos = 0;
    for (size_t d = out_.size(); d-- > 0;) {
      in_pos += (out_pos % out_[d]) * strides_[d];
      out_pos /= out_[d];
    }
    return in_pos;
  }

 private:
  Shape out_;
  std::vector<int64_t> strides_;  // per output dim; 0 where the input is broadcast
  bool same_ = false;             // input shape == output shape: the identity map
};

// An ONNX axis in [-rank, rank) (or [-rank, rank] with `allow_rank`, as Flatten's axis) as a
// non-negative one; `what` names the attribute in the message.
int normalize_axis(int64_t axis, int rank, std::string_view what, bool allow_rank = false);

// The references index tensors as plain row-major arrays: fail on a blocked or channels-last
// layout instead of reading it wrongly. `what` names the tensor ("input X").
void require_plain(const Tensor& t, std::string_view what);

}  // namespace loupe::ops
