// Pooling as the depthwise loop nest over (n, c, e, f, r, s) without weights.
#include "ops/pool.hpp"

#include <limits>

#include "loupe/checked.hpp"

namespace loupe::ops {

PoolParams parse_pool(std::string_view op_type, const Attributes& attrs) {
  PoolParams p;
  if (op_type == "GlobalMaxPool" || op_type == "GlobalAveragePool") {
    attrs.check_known({});
    p.kind = op_type == "GlobalMaxPool" ? PoolKind::max : PoolKind::average;
    p.global = true;
    return p;
  }
  if (op_type == "MaxPool") {
    // storage_order only affects the Indices output, which is not supported.
    attrs.check_known(
        {"kernel_shape", "strides", "pads", "dilations", "ceil_mode", "auto_pad", "storage_order"});
    p.kind = PoolKind::max;
  } else if (op_type == "AveragePool") {
    // dilations arrived for AveragePool in opset 19; the nest handles them the same way.
    attrs.check_known({"kernel_shape", "strides", "pads", "dilations", "ceil_mode", "auto_pad",
                       "count_include_pad"});
    p.kind = PoolKind::average;
    const int64_t cip = attrs.get_int("count_include_pad", 0);
    if (cip != 0 && cip != 1) fail("count_include_pad {} must be 0 or 1", cip);
    p.count_include_pad = cip == 1;
  } else {
    fail("\"{}\" is not a pooling op", op_type);
  }
  p.window = parse_window(attrs, /*kernel_required=*/true);
  const int64_t ceil_mode = attrs.get_int("ceil_mode", 0);
  if (ceil_mode != 0 && ceil_mode != 1) fail("ceil_mode {} must be 0 or 1", ceil_mode);
  p.ceil_mode = ceil_mode == 1;
  return p;
}

LayerShape pool_layer_shape(const PoolParams& p, const Shape& x) {
  if (x.size() != 4) fail("input X must be rank 4 [N,C,H,W], got {}", shape_str(x));
  for (int64_t d : x) {
    if (d < 1) fail("input X shape {} has a non-positive dimension", shape_str(x));
  }
  LayerShape ls;
  ls.kind = LayerKind::conv;
  ls.N = x[0];
  ls.C = x[1];
  ls.H = x[2];
  ls.W = x[3];
  ls.M = ls.C;
  ls.G = ls.C;
  if (p.global) {
    ls.R = ls.H;
    ls.S = ls.W;
    return ls;  // E = F = 1, unit strides, no padding
  }
  const Window2D& win = p.window;
  ls.R = win.R;
  ls.S = win.S;
  apply_window(ls, win, p.ceil_mode);
  return ls;
}

void pool_reference(const PoolParams& p, const Tensor& x, Tensor& y) {
  require_f32_nchw(x, "input X");
  require_f32_nchw(y, "output Y");
  const LayerShape ls = pool_layer_shape(p, x.shape());
  const int64_t N = ls.N, C = ls.C, H = ls.H, W = ls.W, R = ls.R, S = ls.S, E = ls.E, F = ls.F;
  if (y.shape() != Shape{N, C, E, F}) {
    fail("output Y has shape {}, expected {}", shape_str(y.shape()), shape_str(Shape{N, C, E, F}));
  }
  // With ceil_mode the last window may reach past the padded input; PyTorch and ONNX Runtime
  // count only positions inside the padded input when count_include_pad is set.
  const int64_t padded_H = H + ls.pad_bottom;
  const int64_t padded_W = W + ls.pad_right;
  const float* xd = x.data<float>();
  float* yd = y.data<float>();
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t c = 0; c < C; ++c) {
      for (int64_t e = 0; e < E; ++e) {
        for (int64_t f = 0; f < F; ++f) {
          // A max window that holds no input element (only possible with large pads or
          // dilation) yields -inf, as padding is -inf for max.
          double max = -std::numeric_limits<double>::infinity();
          double sum = 0.0;
          int64_t divisor = 0;
          for (int64_t r = 0; r < R; ++r) {
            for (int64_t s = 0; s < S; ++s) {
              const int64_t h = e * ls.U - ls.pad_top + r * ls.dil_h;
              const int64_t w = f * ls.U_w - ls.pad_left + s * ls.dil_w;
              if (h >= 0 && h < H && w >= 0 && w < W) {
                const double v = xd[((n * C + c) * H + h) * W + w];
                max = v > max ? v : max;
                sum += v;
                ++divisor;
              } else if (p.count_include_pad && h < padded_H && w < padded_W) {
                ++divisor;  // a zero of the padding
              }
            }
          }
          // An average over no element is 0/0 = NaN: undefined, and visibly so.
          const double out = p.kind == PoolKind::max ? max : sum / static_cast<double>(divisor);
          yd[((n * C + c) * E + e) * F + f] = static_cast<float>(out);
        }
      }
    }
  }
}

namespace {

class Pool final : public Op {
 public:
  Pool(std::string_view type, PoolParams p) : type_(type), p_(p) {}
  std::string_view type() const override { return type_; }

  std::vector<ValueInfo> infer(std::span<const ValueInfo> in) const override {
    if (in.size() != 1 || !in[0].present) fail("needs 1 input, got {}", in.size());
    if (in[0].dtype != DType::f32) {
      fail("input X is {}; only f32 is supported", dtype_name(in[0].dtype));
    }
    const LayerShape ls = pool_layer_shape(p_, in[0].shape);
    // MaxPool's optional second output (Indices) is not produced: a node that asks for it fails
    // in the graph with "has 2 outputs, the op produces 1".
    return {ValueInfo{Shape{ls.N, ls.C, ls.E, ls.F}, DType::f32}};
  }

  // FLOPs: one operation (compare or add) per window element visited by the nest, padding
  // included: N*C*E*F*R*S. The average's one division per output is not counted
  // (docs/metrics.md). Pooling has no MACs.
  Counts count(std::span<const ValueInfo> in, std::span<const ValueInfo>) const override {
    const LayerShape ls = pool_layer_shape(p_, in[0].shape);
    int64_t visited = checked_mul(ls.N, ls.C, "FLOPs");
    for (int64_t d : {ls.E, ls.F, ls.R, ls.S}) visited = checked_mul(visited, d, "FLOPs");
    return {0, visited};
  }

  void reference(std::span<const Tensor> in, std::span<Tensor> out) const override {
    pool_reference(p_, in[0], out[0]);
  }

 private:
  std::string type_;
  PoolParams p_;
};

template <const char* kType>
std::unique_ptr<Op> make_pool(const Attributes& a) {
  return std::make_unique<Pool>(kType, parse_pool(kType, a));
}

constexpr char kMaxPool[] = "MaxPool";
constexpr char kAveragePool[] = "AveragePool";
constexpr char kGlobalMaxPool[] = "GlobalMaxPool";
constexpr char kGlobalAveragePool[] = "GlobalAveragePool";

}  // namespace

LOUPE_REGISTER_OP(kMaxPool, make_pool<kMaxPool>);
LOUPE_REGISTER_OP(kAveragePool, make_pool<kAveragePool>);
LOUPE_REGISTER_OP(kGlobalMaxPool, make_pool<kGlobalMaxPool>);
LOUPE_REGISTER_OP(kGlobalAveragePool, make_pool<kGlobalAveragePool>);

}  // namespace loupe::ops
