#include "kernels/conv/gemm_conv.hpp"

#include <algorithm>

#include "loupe/thread_pool.hpp"

namespace loupe::kernels::conv {

GemmConvPrimitive::GemmConvPrimitive(std::string_view name, const ConvDesc& d, const float* weights,
                                     const float* bias, int64_t lower_floats, Lower lower)
    : name_(name), d_(d), lower_floats_(lower_floats), lower_(std::move(lower)) {
  const ops::LayerShape& s = d.shape;
  const int64_t mg = s.M / s.G, kg = s.C / s.G * s.R * s.S, ef = s.E * s.F;
  weights_.assign(weights, weights + s.M * kg);
  if (d.has_bias) bias_.assign(bias, bias + s.M);
  threads_ = resolve_threads(d);
  const int64_t products = s.N * s.G;
  slots_ = (threads_ > 1 && products >= threads_) ? threads_ : 1;
  GemmDesc g;
  g.M = mg;
  g.N = ef;
  g.K = kg;
  g.epilogue = gemm_epilogue(d);
  g.isa = d.isa;
  g.threads = 1;
  serial_ = plan_gemm(g);
  g.threads = threads_;
  wide_ = plan_gemm(g);
  // The filters are the GEMM's A: packed once here for the plan run() uses, so that a layer with
  // a small feature map (7x7 in ResNet's last stage) does not repack M x K weights per image.
  const GemmPlan& used = slots_ == 1 ? wide_ : serial_;
  for (int64_t gi = 0; gi < s.G; ++gi)
    packed_.push_back(pack_a(used, weights_.data() + gi * mg * kg));
  weights_.clear();
  weights_.shrink_to_fit();
}

void GemmConvPrimitive::run(const float* x, float* y, const float* residual,
                            float* workspace) const {
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
    plan.run(packed_[static_cast<size_t>(g)], b, y + y_off, e);
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

}  // namespace loupe::kernels::conv
