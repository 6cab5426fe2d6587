// Conv: the tutorial's 7-deep loop nest (Sze et al., survey Fig. 9) extended with groups,
// dilation and asymmetric padding, ONNX semantics.
#include "ops/conv.hpp"

#include <algorithm>

#include "loupe/checked.hpp"

namespace loupe::ops {

AutoPad parse_auto_pad(const Attributes& attrs) {
  const std::string s = attrs.get_string("auto_pad", "NOTSET");
  // Some exporters write an empty string for the default.
  if (s == "NOTSET" || s.empty()) return AutoPad::notset;
  if (s == "VALID") return AutoPad::valid;
  if (s == "SAME_UPPER") return AutoPad::same_upper;
  if (s == "SAME_LOWER") return AutoPad::same_lower;
  fail("auto_pad \"{}\" is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER", s);
}

namespace {

std::vector<int64_t> ints_of_length(const Attributes& attrs, std::string_view name, size_t n,
                                    std::vector<int64_t> def) {
  std::vector<int64_t> v = attrs.get_ints(name, std::move(def));
  if (v.size() != n) {
    fail("{} {} must have {} values (only 2-D spatial inputs are supported)", name, shape_str(v),
         n);
  }
  return v;
}

}  // namespace

Window2D parse_window(const Attributes& attrs, bool kernel_required) {
  Window2D win;
  if (attrs.has("kernel_shape")) {
    const auto k = ints_of_length(attrs, "kernel_shape", 2, {});
    if (k[0] < 1 || k[1] < 1) fail("kernel_shape {} must be positive", shape_str(k));
    win.R = k[0];
    win.S = k[1];
  } else if (kernel_required) {
    fail("attribute \"kernel_shape\" is required");
  }
  const auto strides = ints_of_length(attrs, "strides", 2, {1, 1});
  if (strides[0] < 1 || strides[1] < 1) fail("strides {} must be positive", shape_str(strides));
  win.U = strides[0];
  win.U_w = strides[1];
  const auto dil = ints_of_length(attrs, "dilations", 2, {1, 1});
  if (dil[0] < 1 || dil[1] < 1) fail("dilations {} must be positive", shape_str(dil));
  win.dil_h = dil[0];
  win.dil_w = dil[1];
  const auto pads = ints_of_length(attrs, "pads", 4, {0, 0, 0, 0});
  for (int64_t p : pads) {
    if (p < 0) fail("pads {} must not be negative", shape_str(pads));
  }
  win.pad_top = pads[0];
  win.pad_left = pads[1];
  win.pad_bottom = pads[2];
  win.pad_right = pads[3];
  win.auto_pad = parse_auto_pad(attrs);
  // ONNX: explicit pads and auto_pad cannot be used together; guessing which one wins would give
  // a silently wrong output size.
  if (win.auto_pad != AutoPad::notset &&
      std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p != 0; })) {
    fail("pads {} given together with auto_pad {}", shape_str(pads),
         attrs.get_string("auto_pad", ""));
  }
  return win;
}

AxisOut axis_out(int64_t in, int64_t k, int64_t stride, int64_t dil, int64_t pad_begin,
                 int64_t pad_end, AutoPad auto_pad, bool ceil_mode, std::string_view axis) {
  if (in < 1) fail("input {} is {}, must be positive", axis, in);
  const int64_t eff_k = checked_add(checked_mul(dil, k - 1, "dilated kernel"), 1, "dilated kernel");
  AxisOut o;
  switch (auto_pad) {
    case AutoPad::same_upper:
    case AutoPad::same_lower: {
      // ONNX: out = ceil(in / stride); the padding that makes it so is split evenly, the odd
      // element at the end (SAME_UPPER) or at the beginning (SAME_LOWER).
      o.out = checked_add(in, stride - 1, "output size") / stride;
      const int64_t span = checked_add(checked_mul(o.out - 1, stride), eff_k);
      const int64_t total = std::max<int64_t>(0, span - in);
      const int64_t small = total / 2;
      o.pad_begin = auto_pad == AutoPad::same_upper ? small : total - small;
      o.pad_end = total - o.pad_begin;
      return o;
    }
    case AutoPad::valid:
      pad_begin = 0;
      pad_end = 0;
      break;
    case AutoPad::notset:
      break;
  }
  const int64_t padded =
      checked_add(checked_add(in, pad_begin, "padded input"), pad_end, "padded input");
  if (padded < eff_k) {
    fail("output {} would be 0: input {} + pads {}+{} is smaller than the dilated kernel {}", axis,
         in, pad_begin, pad_end, eff_k);
  }
  o.pad_begin = pad_begin;
  o.pad_end = pad_end;
  if (ceil_mode) {
    o.out = checked_add(padded - eff_k, stride - 1, "output size") / stride + 1;
    // The last window must start inside the input or the left padding (ONNX, PyTorch).
    if ((o.out - 1) * stride >= in + pad_begin) --o.out;
  } else {
    o.out = (padded - eff_k) / stride + 1;
  }
  return o;
}

ConvParams parse_conv(const Attributes& attrs) {
  attrs.check_known({"kernel_shape", "strides", "pads", "dilations", "group", "auto_pad"});
  ConvParams p;
  p.window = parse_window(attrs, /*kernel_required=*/false);
  p.G = attrs.get_int("group", 1);
  if (p.G < 1) fail("group {} must be positive", p.G);
  return p;
}

LayerShape conv_layer_shape(const ConvParams& p, const Shape& x, const Shape& w) {
  if (x.size() != 4) fail("input X must be rank 4 [N,C,H,W], got {}", shape_str(x));
  if (w.size() != 4) fail("weight W must be rank 4 [M,C/group,R,S], got {}", shape_str(w));
  for (int64_t d : x) {
    if (d < 1) fail("input X shape {} has a non-positive dimension", shape_str(x));
  }
  for (int64_t d : w) {
    if (d < 1) fail("weight W shape {} has a non-positive dimension", shape_str(w));
  }
  const Window2D& win = p.window;
  LayerShape ls;
  ls.kind = LayerKind::conv;
  ls.N = x[0];
  ls.C = x[1];
  ls.H = x[2];
  ls.W = x[3];
  ls.M = w[0];
  ls.R = w[2];
  ls.S = w[3];
  ls.G = p.G;
  if (win.R != 0 && (win.R != ls.R || win.S != ls.S)) {
    fail("kernel_shape [{},{}] does not match weight shape {}", win.R, win.S, shape_str(w));
  }
  if (ls.M % ls.G != 0) fail("M={} not divisible by group {}", ls.M, ls.G);
  if (ls.C != checked_mul(w[1], ls.G, "channels")) {
    fail("input has {} channels, weight expects {} x group {}", ls.C, w[1], ls.G);
  }
  apply_window(ls, win, false);
  return ls;
}

void apply_window(LayerShape& ls, const Window2D& win, bool ceil_mode) {
  ls.U = win.U;
  ls.U_w = win.U_w;
  ls.dil_h = win.dil_h;
  ls.dil_w = win.dil_w;
  const AxisOut e = axis_out(ls.H, ls.R, ls.U, ls.dil_h, win.pad_top, win.pad_bottom, win.auto_pad,
                             ceil_mode, "height");
  const AxisOut f = axis_out(ls.W, ls.S, ls.U_w, ls.dil_w, win.pad_left, win.pad_right,
                             win.auto_pad, ceil_mode, "width");
  ls.E = e.out;
  ls.F = f.out;
  ls.pad_top = e.pad_begin;
  ls.pad_bottom = e.pad_end;
  ls.pad_left = f.pad_begin;
  ls.pad_right = f.pad_end;
}

void require_f32_nchw(const Tensor& t, std::string_view what) {
  if (!t.defined()) fail("{} is missing", what);
  if (t.dtype() != DType::f32)
    fail("{} is {}; the reference supports f32 only", what, dtype_name(t.dtype()));
  if (t.layout() != Layout::NCHW) {
    fail("{} is in {} layout; the reference supports NCHW only", what, layout_name(t.layout()));
  }
}

void conv_reference(const ConvParams& p, const Tensor& x, const Tensor& w, const Tensor* bias,
                    Tensor& y) {
  require_f32_nchw(x, "input X");
  require_f32_nchw(w, "weight W");
  require_f32_nchw(y, "output Y");
  const LayerShape ls = conv_layer_shape(p, x.shape(), w.shape());
  const int64_t N = ls.N, C = ls.C, H = ls.H, W = ls.W, M = ls.M, R = ls.R, S = ls.S, E = ls.E,
                F = ls.F, G = ls.G;
  if (y.shape() != Shape{N, M, E, F}) {
    fail("output Y has shape {}, expected {}", shape_str(y.shape()), shape_str(Shape{N, M, E, F}));
  }
  const float* b = nullptr;
  if (bias != nullptr && bias->defined()) {
    require_f32_nchw(*bias, "bias B");
    if (bias->shape() != Shape{M}) {
      fail("bias B has shape {}, expected [{}]", shape_str(bias->shape()), M);
    }
    b = bias->data<float>();
  }
  const int64_t C_g = C / G;  // input channels per group = the weight's second dimension
  const int64_t M_g = M / G;  // filters per group
  const float* xd = x.data<float>();
  const float* wd = w.data<float>();
  float* yd = y.data<float>();
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t m = 0; m < M; ++m) {
      const int64_t g = m / M_g;
      for (int64_t e = 0; e < E; ++e) {
        for (int64_t f = 0; f < F; ++f) {
          double acc = b != nullptr ? b[m] : 0.0;
          for (int64_t c = 0; c < C_g; ++c) {
            for (int64_t r = 0; r < R; ++r) {
              for (int64_t s = 0; s < S; ++s) {
                const int64_t h = e * ls.U - ls.pad_top + r * ls.dil_h;
                const int64_t w_col = f * ls.U_w - ls.pad_left + s * ls.dil_w;
                if (h < 0 || h >= H || w_col < 0 || w_col >= W) continue;  // zero padding
                const int64_t c_in = g * C_g + c;
                acc += static_cast<double>(xd[((n * C + c_in) * H + h) * W + w_col]) *
                       static_cast<double>(wd[((m * C_g + c) * R + r) * S + s]);
              }
            }
          }
          yd[((n * M + m) * E + e) * F + f] = static_cast<float>(acc);
        }
      }
    }
  }
}

namespace {

void require_f32(const ValueInfo& v, std::string_view what) {
  if (v.dtype != DType::f32) fail("{} is {}; only f32 is supported", what, dtype_name(v.dtype));
}

class Conv final : public Op {
 public:
  explicit Conv(ConvParams p) : p_(p) {}
  std::string_view type() const override { return "Conv"; }

  std::vector<ValueInfo> infer(std::span<const ValueInfo> in) const override {
    if (in.size() < 2 || in.size() > 3 || !in[0].present || !in[1].present) {
      fail("needs inputs X, W and an optional B, got {} inputs", in.size());
    }
    require_f32(in[0], "input X");
    require_f32(in[1], "weight W");
    const LayerShape ls = conv_layer_shape(p_, in[0].shape, in[1].shape);
    if (in.size() == 3 && in[2].present) {
      require_f32(in[2], "bias B");
      if (in[2].shape != Shape{ls.M}) {
        fail("bias B has shape {}, expected [{}]", shape_str(in[2].shape), ls.M);
      }
    }
    return {ValueInfo{Shape{ls.N, ls.M, ls.E, ls.F}, DType::f32}};
  }

  // Bias adds are not counted: MACs and FLOPs cover the multiply-accumulates of the nest only
  // (docs/metrics.md; REFERENCE.md §1 count convention).
  Counts count(std::span<const ValueInfo> in, std::span<const ValueInfo>) const override {
    const int64_t macs = conv_layer_shape(p_, in[0].shape, in[1].shape).macs();
    return {macs, checked_mul(2, macs, "FLOPs")};
  }

  std::optional<LayerShape> layer_shape(std::span<const ValueInfo> in) const override {
    return conv_layer_shape(p_, in[0].shape, in[1].shape);
  }

  void reference(std::span<const Tensor> in, std::span<Tensor> out) const override {
    const Tensor* bias = in.size() > 2 && in[2].defined() ? &in[2] : nullptr;
    conv_reference(p_, in[0], in[1], bias, out[0]);
  }

 private:
  ConvParams p_;
};

std::unique_ptr<Op> make_conv(const Attributes& a) { return std::make_unique<Conv>(parse_conv(a)); }

}  // namespace

LOUPE_REGISTER_OP("Conv", make_conv);

}  // namespace loupe::ops
