// Gemm: the FC layer as a matrix product (tutorial: FC is CONV with H=R, W=S, E=F=1).
#include "ops/gemm.hpp"

#include "loupe/checked.hpp"
#include "ops/conv.hpp"

namespace loupe::ops {

namespace {

bool parse_flag(const Attributes& attrs, std::string_view name) {
  const int64_t v = attrs.get_int(name, 0);
  if (v != 0 && v != 1) fail("{} {} must be 0 or 1", name, v);
  return v == 1;
}

}  // namespace

GemmParams parse_gemm(const Attributes& attrs) {
  // "broadcast" is opset 1-6's switch for a broadcast C; opset 7+ always broadcasts, which accepts
  // everything broadcast=0 accepted, so both forms read the same.
  attrs.check_known({"alpha", "beta", "transA", "transB", "broadcast"});
  GemmParams p;
  p.alpha = attrs.get_float("alpha", 1.0f);
  p.beta = attrs.get_float("beta", 1.0f);
  p.trans_a = parse_flag(attrs, "transA");
  p.trans_b = parse_flag(attrs, "transB");
  parse_flag(attrs, "broadcast");
  return p;
}

GemmDims gemm_dims(const GemmParams& p, const Shape& a, const Shape& b, const Shape* c) {
  if (a.size() != 2) fail("input A must be rank 2, got {}", shape_str(a));
  if (b.size() != 2) fail("input B must be rank 2, got {}", shape_str(b));
  GemmDims d;
  d.M = p.trans_a ? a[1] : a[0];
  d.K = p.trans_a ? a[0] : a[1];
  const int64_t K_b = p.trans_b ? b[1] : b[0];
  d.N = p.trans_b ? b[0] : b[1];
  if (d.K != K_b) {
    fail("op(A) is [{},{}] and op(B) is [{},{}]: inner dimensions {} and {} differ", d.M, d.K, K_b,
         d.N, d.K, K_b);
  }
  if (c != nullptr) {
    // Unidirectional broadcast: C's axes, aligned to the right of [M,N], are equal or 1.
    const Shape target{d.M, d.N};
    bool ok = c->size() <= 2;
    for (size_t i = 0; ok && i < c->size(); ++i) {
      const int64_t dc = (*c)[c->size() - 1 - i];
      ok = dc == 1 || dc == target[1 - i];
    }
    if (!ok)
      fail("C of shape {} does not broadcast to [M,N] = {}", shape_str(*c), shape_str(target));
  }
  return d;
}

LayerShape gemm_layer_shape(const GemmDims& d) {
  LayerShape ls;
  ls.kind = LayerKind::fc;
  ls.N = d.M;
  ls.C = d.K;
  ls.M = d.N;
  return ls;
}

void gemm_reference(const GemmParams& p, const Tensor& a, const Tensor& b, const Tensor* c,
                    Tensor& y) {
  require_f32_nchw(a, "input A");
  require_f32_nchw(b, "input B");
  require_f32_nchw(y, "output Y");
  const bool has_c = c != nullptr && c->defined();
  if (has_c) require_f32_nchw(*c, "input C");
  const GemmDims d = gemm_dims(p, a.shape(), b.shape(), has_c ? &c->shape() : nullptr);
  const int64_t M = d.M, N = d.N, K = d.K;
  if (y.shape() != Shape{M, N}) {
    fail("output Y has shape {}, expected [{},{}]", shape_str(y.shape()), M, N);
  }
  // C's extent along each axis of [M,N]; a missing or size-1 axis is broadcast.
  int64_t C_rows = 1, C_cols = 1;
  if (has_c && c->rank() >= 1) C_cols = c->dim(-1);
  if (has_c && c->rank() == 2) C_rows = c->dim(0);
  const float* ad = a.data<float>();
  const float* bd = b.data<float>();
  const float* cd = has_c ? c->data<float>() : nullptr;
  float* yd = y.data<float>();
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t n = 0; n < N; ++n) {
      double acc = 0.0;
      for (int64_t k = 0; k < K; ++k) {
        const double a_mk = p.trans_a ? ad[k * M + m] : ad[m * K + k];
        const double b_kn = p.trans_b ? bd[n * K + k] : bd[k * N + n];
        acc += a_mk * b_kn;
      }
      double out = static_cast<double>(p.alpha) * acc;
      if (cd != nullptr) {
        const int64_t i = (C_rows == 1 ? 0 : m) * C_cols + (C_cols == 1 ? 0 : n);
        out += static_cast<double>(p.beta) * cd[i];
      }
      yd[m * N + n] = static_cast<float>(out);
    }
  }
}

namespace {

class Gemm final : public Op {
 public:
  explicit Gemm(GemmParams p) : p_(p) {}
  std::string_view type() const override { return "Gemm"; }

  std::vector<ValueInfo> infer(std::span<const ValueInfo> in) const override {
    if (in.size() < 2 || in.size() > 3 || !in[0].present || !in[1].present) {
      fail("needs inputs A, B and an optional C, got {} inputs", in.size());
    }
    const char* names[] = {"input A", "input B", "input C"};
    for (size_t i = 0; i < in.size(); ++i) {
      if (in[i].present && in[i].dtype != DType::f32) {
        fail("{} is {}; only f32 is supported", names[i], dtype_name(in[i].dtype));
      }
    }
    const GemmDims d = dims(in);
    return {ValueInfo{Shape{d.M, d.N}, DType::f32}};
  }

  // The alpha/beta scaling and the C add are not counted, like a conv's bias (docs/metrics.md).
  Counts count(std::span<const ValueInfo> in, std::span<const ValueInfo>) const override {
    const int64_t macs = gemm_layer_shape(dims(in)).macs();
    return {macs, checked_mul(2, macs, "FLOPs")};
  }

  std::optional<LayerShape> layer_shape(std::span<const ValueInfo> in) const override {
    return gemm_layer_shape(dims(in));
  }

  void reference(std::span<const Tensor> in, std::span<Tensor> out) const override {
    const Tensor* c = in.size() > 2 && in[2].defined() ? &in[2] : nullptr;
    gemm_reference(p_, in[0], in[1], c, out[0]);
  }

 private:
  GemmDims dims(std::span<const ValueInfo> in) const {
    const Shape* c = in.size() > 2 && in[2].present ? &in[2].shape : nullptr;
    return gemm_dims(p_, in[0].shape, in[1].shape, c);
  }

  GemmParams p_;
};

std::unique_ptr<Op> make_gemm(const Attributes& a) { return std::make_unique<Gemm>(parse_gemm(a)); }

}  // namespace

LOUPE_REGISTER_OP("Gemm", make_gemm);

}  // namespace loupe::ops
