// A 1x1 convolution over a small map (ResNet-50's and GoogLeNet's 7 x 7) as the transposed
// product Y^T (E*F x M) = X^T (E*F x C) * W^T (C x M): pixels become the GEMM's rows and output
// channels its columns. In the plain product Y = W X the E*F = 49 pixels are the columns and
// fill 49 of 64 vector lanes (a 32-wide panel and a 17-wide one); as rows they fill 49 of 56
// tile rows, and the edge tile computes only its 7 rows. The bias is the GEMM's per-column
// bias; the residual and the clamp are applied while the E*F x M result is transposed into
// NCHW (direct_nchw16c's store).
#include <algorithm>

#include "kernels/conv/direct_kernel.hpp"
#include "kernels/conv/internal.hpp"
#include "loupe/thread_pool.hpp"

namespace loupe::kernels::conv {
namespace {

class PixelRowsPrimitive : public ConvPrimitive {
 public:
  PixelRowsPrimitive(const ConvDesc& d, const float* weights, const float* bias) : d_(d) {
    const ops::LayerShape& s = d.shape;
    pixels_ = s.E * s.F;
    GemmDesc g;
    g.M = pixels_;
    g.N = s.M;
    g.K = s.C;
    g.trans_a = true;  // X^T: element (pixel, c) at x[c * E*F + pixel]
    g.lda = pixels_;
    g.trans_b = true;  // W^T: element (c, m) at w[m * C + c]
    g.ldb = s.C;
    g.ldc = s.M;
    threads_ = resolve_threads(d);
    // With an image per thread, each runs its images' products and stores on its own: two
    // synchronizations per image cost more than a 49-row product takes to split (MobileNet v2's
    // 7 x 7 stage at batch 8, 2 threads).
    if (threads_ > 1 && s.N >= threads_) slots_ = threads_;
    g.threads = slots_ > 1 ? 1 : d.threads;
    g.isa = d.isa;
    if (d.has_bias) {
      g.epilogue.bias = BiasKind::per_col;
      bias_.assign(bias, bias + s.M);
    }
    plan_ = plan_gemm(g);
    packed_ = pack_b(plan_, weights);
    store_ = direct_store_for(resolve_isa(d.isa));
    strided_ = s.U != 1 || s.U_w != 1;
    copy_ = strided_copy_for(d.isa);
  }

  std::string_view algorithm() const override { return "gemm_1x1"; }
  int64_t workspace_floats() const override { return slots_ * slot_floats(); }

  void run(const float* x, float* y, const float* residual, float* workspace) const override {
    if (slots_ == 1) {
      run_images(0, d_.shape.N, x, y, residual, workspace, threads_);
      return;
    }
    const int64_t N = d_.shape.N;
    ThreadPool::global().parallel_for(
        slots_,
        [&](int64_t t) {
          run_images(N * t / slots_, N * (t + 1) / slots_, x, y, residual,
                     workspace + t * slot_floats(), 1);
        },
        slots_);
  }

 private:
  int64_t slot_floats() const {
    const ops::LayerShape& s = d_.shape;
    return pixels_ * s.M + (strided_ ? s.C * pixels_ : 0);
  }

  // Images [n0, n1) with `threads` sharing each image's transposing store.
  void run_images(int64_t n0, int64_t n1, const float* x, float* y, const float* residual,
                  float* workspace, int threads) const {
    const ops::LayerShape& s = d_.shape;
    float* yt = workspace;  // E*F x M
    float* gathered = workspace + pixels_ * s.M;
    GemmEpilogueData e;
    e.bias = bias_.empty() ? nullptr : bias_.data();
    const ScalarEpilogue ep = scalar_epilogue(d_);
    const int64_t groups = (s.M + 31) / 32;
    for (int64_t n = n0; n < n1; ++n) {
      const float* xn = x + n * s.C * s.H * s.W;
      if (strided_) {
        gather_kept_pixels(s, s.C, xn, gathered, copy_);
        xn = gathered;
      }
      plan_.run(xn, packed_, yt, e);
      float* yn = y + n * y_image_floats(d_);
      const float* rn = residual != nullptr ? residual + n * s.M * pixels_ : nullptr;
      const auto store = [&](int64_t mg) {
        const int64_t m0 = mg * 32;
        DirectStore st;
        st.out = yt + m0;
        st.out_stride = s.M;
        st.pixels = static_cast<int>(pixels_);
        st.channels = std::min<int64_t>(32, s.M - m0);
        st.plane = pixels_;
        st.y = yn + m0 * pixels_;
        st.residual = rn != nullptr ? rn + m0 * pixels_ : nullptr;
        st.clamp = ep.clamp;
        st.lo = ep.lo;
        st.hi = ep.hi;
        store_(st);
      };
      if (threads > 1 && groups > 1) {
        ThreadPool::global().parallel_for(groups, store, threads);
      } else {
        for (int64_t mg = 0; mg < groups; ++mg) store(mg);
      }
    }
  }

  ConvDesc d_;
  int64_t pixels_ = 0;
  std::vector<float> bias_;
  GemmPlan plan_;
  PackedB packed_;
  int threads_ = 1;
  int slots_ = 1;  // images split over threads (one workspace each), or 1
  DirectStoreFn store_ = direct_store_scalar;
  bool strided_ = false;
  StridedCopy copy_ = nullptr;  // the ISA's, for a strided layer's kept pixels
};

}  // namespace

std::unique_ptr<ConvPrimitive> make_pixel_rows_1x1(const ConvDesc& d, const float* weights,
                                                   const float* bias) {
  return std::make_unique<PixelRowsPrimitive>(d, weights, bias);
}

}  // namespace loupe::kernels::conv
