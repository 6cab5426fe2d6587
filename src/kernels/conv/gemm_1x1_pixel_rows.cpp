// A 1x1 convolution over a small map (ResNet-50's and GoogLeNet's 7 x 7) as the transposed
// product Y^T (E*F x M) = X^T (E*F x C) * W^T (C x M): pixels become the GEMM's rows and output
// channels its columns. In the plain product Y = W X the E*F = 49 pixels are the columns and
// fill 49 of 64 vector lanes (a 32-wide panel and a 17-wide one); as rows they fill 49 of 56
// tile rows, and the edge tile computes only its 7 rows. The GEMM stores C transposed
// (GemmDesc::trans_c): Y lands in NCHW with the bias, residual and clamp fused, where a C^T
// buffer and a transposing pass over it used to follow. A 14 x 14 map (196 of 208 lanes as
// columns) measured no faster as rows, either thread split: it stays a plain product.
#include <algorithm>

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
    g.trans_c = true;  // Y^T: element (pixel, m) at y[m * E*F + pixel]
    g.ldc = pixels_;
    g.epilogue = gemm_epilogue(d);
    g.epilogue.bias = d.has_bias ? BiasKind::per_col : BiasKind::none;
    // Each K block but the first reads C back and every block stores it through the
    // transpose: K blocks of up to 1024 (where the default is 256-512 here) halve or quarter
    // those passes. Xeon (2 vCPUs), one layer, 16 primitives' weights in rotation, median ms,
    // 2 threads, default KC -> 1024: 2048 -> 512 0.39-0.41 -> 0.35-0.38, 512 -> 2048 0.37-0.41
    // -> 0.36-0.39; the C^T buffer of before 0.39-0.49 and 0.39-0.42. On 1 thread 2048 -> 512
    // 0.79-0.86 -> 0.78-0.80 (before 0.78-0.80).
    g.kc = std::min<int64_t>(s.C, 1024);
    threads_ = resolve_threads(d);
    // With an image per thread, each runs its images' products on its own: a synchronization
    // per image costs more than a 49-row product takes to split (MobileNet v2's 7 x 7 stage at
    // batch 8, 2 threads).
    if (threads_ > 1 && s.N >= threads_) slots_ = threads_;
    g.threads = slots_ > 1 ? 1 : d.threads;
    g.isa = d.isa;
    if (d.has_bias) bias_.assign(bias, bias + s.M);
    plan_ = plan_gemm(g);
    packed_ = pack_b(plan_, weights);
    strided_ = s.U != 1 || s.U_w != 1;
    copy_ = strided_copy_for(d.isa);
  }

  std::string_view algorithm() const override { return "gemm_1x1"; }
  int64_t workspace_floats() const override { return strided_ ? slots_ * gather_floats() : 0; }

  void run(const float* x, float* y, const float* residual, float* workspace) const override {
    if (slots_ == 1) {
      run_images(0, d_.shape.N, x, y, residual, workspace);
      return;
    }
    const int64_t N = d_.shape.N;
    ThreadPool::global().parallel_for(
        slots_,
        [&](int64_t t) {
          run_images(N * t / slots_, N * (t + 1) / slots_, x, y, residual,
                     strided_ ? workspace + t * gather_floats() : nullptr);
        },
        slots_);
  }

 private:
  int64_t gather_floats() const { return d_.shape.C * pixels_; }

  void run_images(int64_t n0, int64_t n1, const float* x, float* y, const float* residual,
                  float* gathered) const {
    const ops::LayerShape& s = d_.shape;
    GemmEpilogueData e;
    e.bias = bias_.empty() ? nullptr : bias_.data();
    e.ldr = pixels_;
    for (int64_t n = n0; n < n1; ++n) {
      const float* xn = x + n * s.C * s.H * s.W;
      if (strided_) {
        gather_kept_pixels(s, s.C, xn, gathered, copy_, 1);
        xn = gathered;
      }
      e.residual = residual != nullptr ? residual + n * s.M * pixels_ : nullptr;
      plan_.run(xn, packed_, y + n * y_image_floats(d_), e);
    }
  }

  ConvDesc d_;
  int64_t pixels_ = 0;
  std::vector<float> bias_;
  GemmPlan plan_;
  PackedB packed_;
  int threads_ = 1;
  int slots_ = 1;  // images split over threads (one gather buffer each), or 1
  bool strided_ = false;
  StridedCopy copy_ = nullptr;  // the ISA's, for a strided layer's kept pixels
};

}  // namespace

std::unique_ptr<ConvPrimitive> make_pixel_rows_1x1(const ConvDesc& d, const float* weights,
                                                   const float* bias) {
  return std::make_unique<PixelRowsPrimitive>(d, weights, bias);
}

}  // namespace loupe::kernels::conv
