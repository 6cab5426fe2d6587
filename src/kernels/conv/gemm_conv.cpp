#include "kernels/conv/gemm_conv.hpp"

#include <algorithm>

#include "kernels/isa.hpp"

#include "loupe/thread_pool.hpp"

namespace loupe::kernels::conv {

GemmConvPrimitive::GemmConvPrimitive(std::string_view name, const ConvDesc& d, const float* weights,
                                     const float* bias, int64_t lower_floats, Lower lower)
    : name_(name), d_(d), lower_floats_(lower_floats), lower_(std::move(lower)) {
  setup(weights, bias, false);
}

GemmConvPrimitive::GemmConvPrimitive(std::string_view name, const ConvDesc& d, const float* weights,
                                     const float* bias, BandLower lower)
    : name_(name),
      d_(d),
      lower_floats_(d.shape.C / d.shape.G * d.shape.R * d.shape.S * d.shape.E * d.shape.F),
      band_lower_(std::move(lower)) {
  // The whole image as one band (when setup does not band). Captures copies, not `this`.
  lower_ = [lower = band_lower_, E = d.shape.E](const float* x, float* buffer) {
    lower(x, buffer, 0, E);
    return static_cast<const float*>(buffer);
  };
  setup(weights, bias, true);
}

void GemmConvPrimitive::setup(const float* weights, const float* bias, bool can_band) {
  const ops::LayerShape& s = d_.shape;
  const int64_t mg = s.M / s.G, kg = s.C / s.G * s.R * s.S, ef = s.E * s.F;
  if (d_.has_bias) bias_.assign(bias, bias + s.M);
  threads_ = resolve_threads(d_);
  const int64_t products = s.N * s.G;
  slots_ = (threads_ > 1 && products >= threads_) ? threads_ : 1;
  GemmDesc g;
  g.M = mg;
  g.N = ef;
  g.K = kg;
  g.epilogue = gemm_epilogue(d_);
  g.isa = d_.isa;
  g.threads = 1;
  serial_ = plan_gemm(g);
  g.threads = threads_;
  wide_ = plan_gemm(g);
  const GemmPlan* used = slots_ == 1 ? &wide_ : &serial_;

  const int64_t l2_floats = cache_sizes().l2 / 4;
  if (can_band && lower_floats_ > l2_floats) {
    // Half of L2 for the band, the rest for the packed filters and C passing through, but at
    // least 256 output pixels: a band of one 28-pixel row (VGG's conv4_2, K = 4608) leaves the
    // GEMM too narrow (measured 1.7x slower than unbanded).
    const int64_t min_rows = (256 + s.F - 1) / s.F;
    int64_t rows = std::clamp<int64_t>(l2_floats / 2 / (kg * s.F), min_rows, s.E);
    int64_t bands = (s.E + rows - 1) / rows;
    // Whole bands per thread: MobileNet v2's conv1 at batch 1 made 3 bands, 1 + 2 on 2 threads
    // (a 1.14x speedup). More, thinner bands until every thread gets as many rows.
    for (int64_t want = bands + 1; threads_ > 1 && products * bands % threads_ != 0 && want <= s.E;
         ++want) {
      rows = (s.E + want - 1) / want;
      bands = (s.E + rows - 1) / rows;
    }
    if (bands >= 2 && products * bands >= threads_) {
      band_rows_ = rows;
      bands_ = bands;
      lower_floats_ = kg * rows * s.F;
      slots_ = threads_;
      g.threads = 1;
      g.ldc = ef;
      g.N = rows * s.F;
      band_ = plan_gemm(g);
      g.N = (s.E - (bands - 1) * rows) * s.F;
      band_tail_ = plan_gemm(g);
      used = &band_;  // band_tail_ shares its M, K and kc, so the same packed filters serve it
    }
  }
  // The filters are the GEMM's A: packed once here for the plan run() uses, so that a layer with
  // a small feature map (7x7 in ResNet's last stage) does not repack M x K weights per image.
  for (int64_t gi = 0; gi < s.G; ++gi) packed_.push_back(pack_a(*used, weights + gi * mg * kg));
}

void GemmConvPrimitive::run(const float* x, float* y, const float* residual,
                            float* workspace) const {
  if (band_rows_ > 0) {
    run_bands(x, y, residual, workspace);
    return;
  }
  const ops::LayerShape& s = d_.shape;
  const int64_t cg = s.C / s.G, mg = s.M / s.G, ef = s.E * s.F;
  const int64_t products = s.N * s.G;
  auto product = [&](int64_t p, const GemmPlan& plan, float* buffer) {
    const int64_t n = p / s.G, g = p % s.G;
    const float* b = lower_(x + (n * s.C + g * cg) * s.H * s.W, buffer);
    const int64_t y_off = (n * s.M + g * mg) * ef;
    GemmEpilogueData e;
    if (d_.has_bias) e.bias = bias_.data() + g * mg;
    if (d_.residual) e.residual = residual + y_off;
    plan.run(packed_[static_cast<size_t>(g)], b, y + n * y_image_floats(d_) + g * mg * ef, e);
  };
  if (slots_ == 1) {
    for (int64_t p = 0; p < products; ++p) product(p, wide_, workspace);
    return;
  }
  ThreadPool::global().parallel_for(
      slots_,
      [&](int64_t t) {
        const int64_t begin = products * t / slots_, end = products * (t + 1) / slots_;
        float* buffer = lower_floats_ > 0 ? workspace + t * lower_floats_ : nullptr;
        for (int64_t p = begin; p < end; ++p) product(p, serial_, buffer);
      },
      slots_);
}

void GemmConvPrimitive::run_bands(const float* x, float* y, const float* residual,
                                  float* workspace) const {
  const ops::LayerShape& s = d_.shape;
  const int64_t cg = s.C / s.G, mg = s.M / s.G, ef = s.E * s.F;
  const int64_t items = s.N * s.G * bands_;
  auto slot = [&](int64_t t) {
    float* buffer = workspace + t * lower_floats_;
    for (int64_t item = items * t / slots_; item < items * (t + 1) / slots_; ++item) {
      const int64_t p = item / bands_, band = item % bands_;
      const int64_t n = p / s.G, g = p % s.G;
      const int64_t e0 = band * band_rows_, e1 = std::min(s.E, e0 + band_rows_);
      band_lower_(x + (n * s.C + g * cg) * s.H * s.W, buffer, e0, e1);
      const int64_t y_off = (n * s.M + g * mg) * ef + e0 * s.F;
      GemmEpilogueData e;
      if (d_.has_bias) e.bias = bias_.data() + g * mg;
      if (d_.residual) e.residual = residual + y_off;
      e.ldr = ef;
      const GemmPlan& plan = e1 - e0 == band_rows_ ? band_ : band_tail_;
      plan.run(packed_[static_cast<size_t>(g)], buffer,
               y + n * y_image_floats(d_) + g * mg * ef + e0 * s.F, e);
    }
  };
  if (slots_ == 1) {
    slot(0);
  } else {
    ThreadPool::global().parallel_for(slots_, slot, slots_);
  }
}

}  // namespace loupe::kernels::conv
