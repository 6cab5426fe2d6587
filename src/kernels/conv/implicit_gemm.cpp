// Implicit GEMM for layers with few input channels (a network's first conv: C = 3, so K = C R S
// is 27 to 363 and the C-blocked direct kernel would waste most of its channel lanes): the
// im2col matrix is never written. Per image, the input is copied once with its padding written
// out and each padded row split into its U_w column phases, so that the B row of tap (c, r, s)
// for output row e is contiguous: B(k, (e, f)) = buf[offset(k) + e * row_step + f]. Each
// NR-wide B micro-panel is packed from there just before the GEMM microkernel runs it against
// every MR-tall tile of the filters (packed once in create()), and the tile is written to NCHW
// with the fused epilogue. Threads take panels from a shared counter.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <vector>

#include "kernels/conv/internal.hpp"
#include "kernels/gemm/ukernel.hpp"
#include "loupe/thread_pool.hpp"

namespace loupe::kernels::conv {
namespace {

class ImplicitGemmPrimitive : public ConvPrimitive {
 public:
  ImplicitGemmPrimitive(const ConvDesc& d, const float* weights, const float* bias) : d_(d) {
    const ops::LayerShape& s = d.shape;
    K_ = s.C * s.R * s.S;
    GemmDesc g;
    g.M = s.M;
    g.N = s.E * s.F;
    g.K = K_;
    g.isa = d.isa;
    g.threads = 1;
    plan_ = plan_gemm(g);
    uk_ = &gemm::microkernel_for(plan_.isa());
    kc_ = plan_.blocking().kc;
    packed_ = pack_a(plan_, weights);  // weights [M][C][R][S] are A (M x K), row-major
    if (d.has_bias) bias_.assign(bias, bias + s.M);
    threads_ = resolve_threads(d);

    hp_ = std::max(s.pad_top + s.H + s.pad_bottom, (s.E - 1) * s.U + (s.R - 1) * s.dil_h + 1);
    const int64_t wp =
        std::max(s.pad_left + s.W + s.pad_right, (s.F - 1) * s.U_w + (s.S - 1) * s.dil_w + 1);
    // A phase row holds ceil(wp / U_w) columns, + NR so that a panel's last, partial block of
    // columns reads inside the buffer.
    wq_ = (wp + s.U_w - 1) / s.U_w + uk_->nr;
    buf_floats_ = s.C * hp_ * s.U_w * wq_;
    for (int64_t c = 0; c < s.C; ++c) {
      for (int64_t r = 0; r < s.R; ++r) {
        for (int64_t q = 0; q < s.S; ++q) {
          const int64_t col = q * s.dil_w;  // padded column of tap q for output column 0
          offset_.push_back(((c * hp_ + r * s.dil_h) * s.U_w + col % s.U_w) * wq_ + col / s.U_w);
        }
      }
    }
  }

  std::string_view algorithm() const override { return "implicit_gemm"; }
  int64_t workspace_floats() const override { return buf_floats_ + threads_ * kc_ * uk_->nr + 16; }

  void run(const float* x, float* y, const float* residual, float* workspace) const override {
    const ops::LayerShape& s = d_.shape;
    const int64_t nr = uk_->nr;
    const int64_t items = (s.E * s.F + nr - 1) / nr;
    const int slots = static_cast<int>(std::min<int64_t>(threads_, items));
    for (int64_t n = 0; n < s.N; ++n) {
      // The copy is split over the threads too: on 2 threads a serial one cost ResNet-50's conv1
      // more than the lowering it replaces.
      // (parallel_for runs inline on one slot.)
      const int64_t rows = s.C * hp_;
      const float* xn = x + n * s.C * s.H * s.W;
      ThreadPool::global().parallel_for(
          slots, [&](int64_t t) { fill(xn, workspace, rows * t / slots, rows * (t + 1) / slots); },
          slots);
      const int64_t y_off = n * s.M * s.E * s.F;
      std::atomic<int64_t> next{0};
      // The microkernel loads B panels with aligned moves: they start at the next 64 bytes.
      const auto at = reinterpret_cast<uintptr_t>(workspace + buf_floats_);
      float* panels_base = reinterpret_cast<float*>((at + 63) / 64 * 64);
      auto slot = [&](int64_t t) {
        float* panel = panels_base + t * kc_ * nr;
        for (int64_t item = next++; item < items; item = next++) {
          compute(workspace, item * nr, panel, y + y_off, d_.residual ? residual + y_off : nullptr);
        }
      };
      ThreadPool::global().parallel_for(slots, slot, slots);
    }
  }

 private:
  // Padded rows [i0, i1) (of C x hp) of one image into the phase-split buffer: padded column pc
  // of padded row i of channel c at ((c * hp + i) * U_w + pc % U_w) * wq + pc / U_w, zeros in
  // the padding.
  void fill(const float* x, float* buf, int64_t i0, int64_t i1) const {
    const ops::LayerShape& s = d_.shape;
    const int64_t row_floats = s.U_w * wq_;
    std::memset(buf + i0 * row_floats, 0,
                sizeof(float) * static_cast<size_t>((i1 - i0) * row_floats));
    for (int64_t i = i0; i < i1; ++i) {
      const int64_t c = i / hp_, h = i % hp_ - s.pad_top;
      if (h < 0 || h >= s.H) continue;
      const float* in = x + (c * s.H + h) * s.W;
      float* row = buf + i * row_floats;
      if (s.U_w == 1) {
        std::memcpy(row + s.pad_left, in, sizeof(float) * s.W);
        continue;
      }
      for (int64_t ph = 0; ph < s.U_w; ++ph) {  // input columns w with (w + pad_left) % U_w == ph
        const int64_t w0 = ((ph - s.pad_left) % s.U_w + s.U_w) % s.U_w;
        float* dst = row + ph * wq_ + (w0 + s.pad_left) / s.U_w;
        for (int64_t w = w0; w < s.W; w += s.U_w) *dst++ = in[w];
      }
    }
  }

  // Output pixels p0 .. p0 + NR - 1 (fewer at the end) in E x F order, every output channel: the
  // GEMM's N = E F, so that a panel spans row ends instead of leaving a partial tile per row.
  void compute(const float* buf, int64_t p0, float* panel, float* y, const float* residual) const {
    const ops::LayerShape& s = d_.shape;
    const int nr = uk_->nr, mr = uk_->mr;
    const int64_t ef = s.E * s.F;
    const int n = static_cast<int>(std::min<int64_t>(nr, ef - p0));
    // The panel's columns as runs within output rows: run i is `len` pixels of row e from column
    // f, panel columns j .. j + len - 1; its B row for tap k starts at buf + start + offset(k).
    struct Run {
      int64_t start;
      int j, len;
    };
    Run runs[64];
    int count = 0;
    for (int j = 0; j < n;) {
      const int64_t e = (p0 + j) / s.F, f = (p0 + j) % s.F;
      const int len = static_cast<int>(std::min<int64_t>(n - j, s.F - f));
      runs[count++] = {e * s.U * s.U_w * wq_ + f, j, len};
      j += len;
    }
    gemm::UkrArgs args;
    args.ldc = ef;
    args.ldr = ef;
    args.n = n;
    args.clamp = d_.activation.clamp;
    args.lo = d_.activation.lo;
    args.hi = d_.activation.hi;
    const int64_t m_padded = (s.M + mr - 1) / mr * mr;
    for (int64_t pc = 0; pc < K_; pc += kc_) {
      const int64_t kc = std::min(kc_, K_ - pc);
      for (int64_t k = 0; k < kc; ++k) {
        float* dst = panel + k * nr;
        const float* tap = buf + offset_[static_cast<size_t>(pc + k)];
        if (count == 1 && n == nr) {  // the common case: one run, a whole panel
          const float* src = tap + runs[0].start;
          for (int j = 0; j < nr; ++j) dst[j] = src[j];
          continue;
        }
        for (int i = 0; i < count; ++i) {
          const float* src = tap + runs[i].start;
          for (int j = 0; j < runs[i].len; ++j) dst[runs[i].j + j] = src[j];
        }
        for (int j = n; j < nr; ++j) dst[j] = 0.0f;
      }
      args.kc = kc;
      args.b = panel;
      args.beta = pc == 0 ? 0.0f : 1.0f;
      args.epilogue = pc + kc == K_;
      const float* a_block = packed_.data() + pc * m_padded;
      for (int64_t i = 0; i < s.M; i += mr) {
        args.a = a_block + i * kc;
        args.m = static_cast<int>(std::min<int64_t>(mr, s.M - i));
        args.c = y + i * ef + p0;
        args.row_bias = d_.has_bias ? bias_.data() + i : nullptr;
        args.residual = residual != nullptr ? residual + i * ef + p0 : nullptr;
        uk_->fn(args);
      }
    }
  }

  ConvDesc d_;
  GemmPlan plan_;
  const gemm::Microkernel* uk_ = nullptr;
  PackedA packed_;
  std::vector<float> bias_;
  std::vector<int64_t> offset_;  // per tap k = (c, r, s): its B row for output row 0
  int64_t K_ = 0, kc_ = 0, hp_ = 0, wq_ = 0, buf_floats_ = 0;
  int threads_ = 1;
};

class ImplicitGemm : public ConvAlgorithm {
 public:
  std::string_view name() const override { return "implicit_gemm"; }
  bool supports(const ConvDesc& d) const override {
    return valid_desc(d) && plain_output(d) && d.shape.G == 1;
  }
  std::unique_ptr<ConvPrimitive> create(const ConvDesc& d, const float* weights,
                                        const float* bias) const override {
    return std::make_unique<ImplicitGemmPrimitive>(d, weights, bias);
  }
};

}  // namespace

const ConvAlgorithm& implicit_gemm_algorithm() {
  static const ImplicitGemm algorithm;
  return algorithm;
}

}  // namespace loupe::kernels::conv
