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
  // Most specific first: each of these beats the general im2col path wherever it applies.
  const char* order[] = {"depthwise", "gemm_1x1", "winograd_f4x3", "im2col_gemm"};
  const ops::LayerShape& s = d.shape;
  for (const char* name : order) {
    const ConvAlgorithm* a = find_algorithm(name);
    if (a == nullptr || !a->supports(d)) continue;
    // Winograd pays for its transforms only with enough channels to amortize them over.
    if (a->name() == "winograd_f4x3" && (s.C < 16 || s.M < 16)) continue;
    return *a;
  }
  const ConvAlgorithm* fallback = find_algorithm("im2col_gemm");
  if (fallback != nullptr && fallback->supports(d)) return *fallback;
  throw Error("conv: no algorithm supports the layer (malformed shape)");
}

}  // namespace loupe::kernels::conv
