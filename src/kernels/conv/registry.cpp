// The list of algorithms and the default per-layer heuristic (docs/kernels.md, "Choosing an
// algorithm").
#include "kernels/conv/fft_conv.hpp"
#include "kernels/conv/internal.hpp"
#include "loupe/error.hpp"

namespace loupe::kernels::conv {

const std::vector<const ConvAlgorithm*>& algorithms() {
  static const std::vector<const ConvAlgorithm*> all = {
      &im2col_gemm_algorithm(),   &gemm_1x1_algorithm(),      &direct_nchw16c_algorithm(),
      &winograd_f2x3_algorithm(), &winograd_f4x3_algorithm(), &winograd_f6x3_algorithm(),
      &depthwise_algorithm(),     &fft_algorithm(),
  };
  return all;
}

const ConvAlgorithm* find_algorithm(std::string_view name) {
  for (const ConvAlgorithm* a : algorithms()) {
    if (a->name() == name) return a;
  }
  return nullptr;
}

const ConvAlgorithm& choose_algorithm(const ConvDesc& d) {
  // Rules from bench_conv's medians (docs/kernels.md, "Choosing an algorithm"): the most
  // specific algorithm first, each only where it measured ahead of the general paths.
  const ops::LayerShape& s = d.shape;
  auto pick = [&](std::string_view name) -> const ConvAlgorithm* {
    const ConvAlgorithm* a = find_algorithm(name);
    return a != nullptr && a->supports(d) ? a : nullptr;
  };
  if (const ConvAlgorithm* a = pick("depthwise")) return *a;
  if (const ConvAlgorithm* a = pick("gemm_1x1")) return *a;
  // Winograd F(4x4) pays for its transforms with >= 128 channels in and out, and needs >= 14 x 14
  // outputs (a 7 x 7 output computes 8 x 8 in 4 x 4 tiles).
  if (s.C >= 128 && s.M >= 128 && s.E >= 14 && s.F >= 14) {
    if (const ConvAlgorithm* a = pick("winograd_f4x3")) return *a;
  }
  // The blocked direct kernel is AVX-512 only (elsewhere it is the plain loop nest) and rounds C
  // up to 16, which wastes most of the work below 16 channels.
  if (s.C >= 16 && resolve_isa(d.isa) == Isa::avx512) {
    if (const ConvAlgorithm* a = pick("direct_nchw16c")) return *a;
  }
  if (const ConvAlgorithm* a = pick("im2col_gemm")) return *a;
  throw Error("conv: no algorithm supports the layer (malformed shape)");
}

}  // namespace loupe::kernels::conv
