#include "analysis/effectual.hpp"

#include <vector>

#include "ops/gemm.hpp"

namespace loupe::analysis {

namespace {

// Input element (h, w) of channel plane `plane`, or nullopt-as-false when it is padding.
inline bool input_nonzero(const float* plane, int64_t H, int64_t W, int64_t h, int64_t w) {
  return h >= 0 && h < H && w >= 0 && w < W && plane[h * W + w] != 0.0f;
}

}  // namespace

int64_t effectual_macs_conv(const ops::LayerShape& s, const float* x, const float* w) {
  const int64_t Cg = s.C / s.G, Mg = s.M / s.G;
  // nonzero_filters[((g * Cg + c) * R + r) * S + q]: filters m of group g with w[m][c][r][q] != 0.
  std::vector<int64_t> nonzero_filters(static_cast<size_t>(s.G * Cg * s.R * s.S), 0);
  for (int64_t g = 0; g < s.G; ++g) {
    for (int64_t m = 0; m < Mg; ++m) {
      const float* wm = w + (g * Mg + m) * Cg * s.R * s.S;
      for (int64_t i = 0; i < Cg * s.R * s.S; ++i) {
        nonzero_filters[static_cast<size_t>(g * Cg * s.R * s.S + i)] += wm[i] != 0.0f;
      }
    }
  }
  int64_t total = 0;
  for (int64_t n = 0; n < s.N; ++n) {
    for (int64_t g = 0; g < s.G; ++g) {
      for (int64_t c = 0; c < Cg; ++c) {
        const float* plane = x + ((n * s.C) + g * Cg + c) * s.H * s.W;
        const int64_t* nz = nonzero_filters.data() + (g * Cg + c) * s.R * s.S;
        for (int64_t r = 0; r < s.R; ++r) {
          for (int64_t q = 0; q < s.S; ++q) {
            const int64_t k = nz[r * s.S + q];
            if (k == 0) continue;
            for (int64_t e = 0; e < s.E; ++e) {
              const int64_t h = e * s.U + r * s.dil_h - s.pad_top;
              if (h < 0 || h >= s.H) continue;
              for (int64_t f = 0; f < s.F; ++f) {
                const int64_t ww = f * s.U_w + q * s.dil_w - s.pad_left;
                total += input_nonzero(plane, s.H, s.W, h, ww) ? k : 0;
              }
            }
          }
        }
      }
    }
  }
  return total;
}

int64_t effectual_macs_conv_nest(const ops::LayerShape& s, const float* x, const float* w) {
  const int64_t Cg = s.C / s.G, Mg = s.M / s.G;
  int64_t total = 0;
  for (int64_t n = 0; n < s.N; ++n) {
    for (int64_t m = 0; m < s.M; ++m) {
      const int64_t g = m / Mg;
      for (int64_t e = 0; e < s.E; ++e) {
        for (int64_t f = 0; f < s.F; ++f) {
          for (int64_t c = 0; c < Cg; ++c) {
            for (int64_t r = 0; r < s.R; ++r) {
              for (int64_t q = 0; q < s.S; ++q) {
                const float wv = w[((m * Cg + c) * s.R + r) * s.S + q];
                const int64_t h = e * s.U + r * s.dil_h - s.pad_top;
                const int64_t ww = f * s.U_w + q * s.dil_w - s.pad_left;
                const float* plane = x + ((n * s.C) + g * Cg + c) * s.H * s.W;
                total += wv != 0.0f && input_nonzero(plane, s.H, s.W, h, ww);
              }
            }
          }
        }
      }
    }
  }
  return total;
}

int64_t effectual_macs_matmul(int64_t rows, int64_t K, int64_t cols, const float* a, bool a_t,
                              const float* b, bool b_t) {
  std::vector<int64_t> nonzero_cols(static_cast<size_t>(K), 0);
  for (int64_t k = 0; k < K; ++k) {
    for (int64_t j = 0; j < cols; ++j) {
      nonzero_cols[static_cast<size_t>(k)] += (b_t ? b[j * K + k] : b[k * cols + j]) != 0.0f;
    }
  }
  int64_t total = 0;
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t k = 0; k < K; ++k) {
      if ((a_t ? a[k * rows + i] : a[i * K + k]) != 0.0f) {
        total += nonzero_cols[static_cast<size_t>(k)];
      }
    }
  }
  return total;
}

std::map<std::string, int64_t> effectual_macs(const graph::Graph& g,
                                              const graph::TensorMap& values) {
  auto find = [&](const std::string& name) -> const Tensor* {
    if (const Tensor* t = g.initializer(name)) return t;
    auto it = values.find(name);
    return it == values.end() ? nullptr : &it->second;
  };
  std::map<std::string, int64_t> out;
  for (const graph::Node& node : g.nodes()) {
    if (node.inputs.size() < 2) continue;
    const Tensor* x = find(node.inputs[0]);
    const Tensor* w = find(node.inputs[1]);
    if (x == nullptr || w == nullptr || x->dtype() != DType::f32 || w->dtype() != DType::f32) {
      continue;
    }
    if (node.op_type == "Conv") {
      const std::optional<ops::LayerShape> s = node.op->layer_shape(g.input_infos(node));
      if (!s || x->shape().size() != 4) continue;
      out[node.name] = effectual_macs_conv(*s, x->data<const float>(), w->data<const float>());
    } else if (node.op_type == "Gemm") {
      const ops::GemmParams p = ops::parse_gemm(node.attrs);
      const ops::GemmDims d = ops::gemm_dims(p, x->shape(), w->shape(), nullptr);
      out[node.name] = effectual_macs_matmul(d.M, d.K, d.N, x->data<const float>(), p.trans_a,
                                             w->data<const float>(), p.trans_b);
    } else if (node.op_type == "MatMul" && w->shape().size() == 2 && !x->shape().empty()) {
      const int64_t K = w->shape()[0];
      if (x->shape().back() != K) continue;
      out[node.name] =
          effectual_macs_matmul(x->numel() / K, K, w->shape()[1], x->data<const float>(), false,
                                w->data<const float>(), false);
    }
  }
  return out;
}

}  // namespace loupe::analysis
