#include "kernels/conv/internal.hpp"
#include "loupe/thread_pool.hpp"

namespace loupe::kernels::conv {

int resolve_threads(const ConvDesc& d) {
  return d.threads > 0 ? d.threads : ThreadPool::global().size();
}

GemmEpilogue gemm_epilogue(const ConvDesc& d) {
  GemmEpilogue e;
  e.bias = d.has_bias ? BiasKind::per_row : BiasKind::none;
  e.residual = d.residual;
  e.clamp = d.activation.clamp;
  e.lo = d.activation.lo;
  e.hi = d.activation.hi;
  return e;
}

bool valid_shape(const ops::LayerShape& s) {
  if (s.N < 1 || s.C < 1 || s.H < 1 || s.W < 1 || s.M < 1 || s.R < 1 || s.S < 1) return false;
  if (s.U < 1 || s.U_w < 1 || s.dil_h < 1 || s.dil_w < 1 || s.G < 1) return false;
  if (s.pad_top < 0 || s.pad_left < 0 || s.pad_bottom < 0 || s.pad_right < 0) return false;
  if (s.C % s.G != 0 || s.M % s.G != 0) return false;
  const int64_t span_h = s.H + s.pad_top + s.pad_bottom - s.dil_h * (s.R - 1) - 1;
  const int64_t span_w = s.W + s.pad_left + s.pad_right - s.dil_w * (s.S - 1) - 1;
  if (span_h < 0 || span_w < 0) return false;
  return s.E == span_h / s.U + 1 && s.F == span_w / s.U_w + 1;
}

}  // namespace loupe::kernels::conv
