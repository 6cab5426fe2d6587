// im2col + GEMM: the Toeplitz lowering of the tutorial. Any stride, padding, dilation and groups.
// The column buffer row k = (c, r, s) holds, for every output pixel (e, f), the input value the
// filter tap (r, s) of channel c multiplies there (0 in the padding).
#include "kernels/conv/gemm_conv.hpp"
#include "kernels/conv/im2col.hpp"

#include <algorithm>
#include <cstring>

namespace loupe::kernels::conv {
namespace {

// First f with 0 <= f*stride + offset, and first f with f*stride + offset >= limit (clamped to
// [0, F]): the output columns whose input column lies inside the image.
int64_t first_at_least(int64_t bound, int64_t offset, int64_t stride, int64_t F) {
  const int64_t need = bound - offset;  // f*stride >= need
  const int64_t f = need <= 0 ? 0 : (need + stride - 1) / stride;
  return std::min(f, F);
}

// Rows [e0, e1) of the output: col is (C/G*R*S) x ((e1 - e0) * F).
void im2col(const ops::LayerShape& s, Isa isa, const float* x, float* col, int64_t e0, int64_t e1) {
  const int64_t cg = s.C / s.G, n = (e1 - e0) * s.F;
  const StridedCopy copy = strided_copy_for(isa);
  for (int64_t c = 0; c < cg; ++c) {
    const float* plane = x + c * s.H * s.W;
    for (int64_t r = 0; r < s.R; ++r) {
      for (int64_t q = 0; q < s.S; ++q) {
        float* row = col + ((c * s.R + r) * s.S + q) * n;
        const int64_t col_off = q * s.dil_w - s.pad_left;
        const int64_t f0 = first_at_least(0, col_off, s.U_w, s.F);
        const int64_t f1 = std::max(f0, first_at_least(s.W, col_off, s.U_w, s.F));
        for (int64_t e = e0; e < e1; ++e) {
          float* out = row + (e - e0) * s.F;
          const int64_t ih = e * s.U + r * s.dil_h - s.pad_top;
          if (ih < 0 || ih >= s.H) {
            std::memset(out, 0, sizeof(float) * s.F);
            continue;
          }
          const float* in = plane + ih * s.W + col_off;
          std::fill(out, out + f0, 0.0f);
          copy_row(copy, in + f0 * s.U_w, s.U_w, f1 - f0, out + f0);
          std::fill(out + f1, out + s.F, 0.0f);
        }
      }
    }
  }
}

class Im2colGemm : public ConvAlgorithm {
 public:
  std::string_view name() const override { return "im2col_gemm"; }
  bool supports(const ConvDesc& d) const override { return valid_desc(d); }
  std::unique_ptr<ConvPrimitive> create(const ConvDesc& d, const float* weights,
                                        const float* bias) const override {
    const ops::LayerShape s = d.shape;
    const Isa isa = resolve_isa(d.isa);
    return std::make_unique<GemmConvPrimitive>(
        name(), d, weights, bias, [s, isa](const float* x, float* col, int64_t e0, int64_t e1) {
          im2col(s, isa, x, col, e0, e1);
        });
  }
};

}  // namespace

const ConvAlgorithm& im2col_gemm_algorithm() {
  static const Im2colGemm algorithm;
  return algorithm;
}

}  // namespace loupe::kernels::conv
