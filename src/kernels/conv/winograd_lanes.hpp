#pragma once
// The Winograd transforms over 16 channels (input) or 16 filters (output) at once, written with
// GCC vector extensions so that one source becomes AVX-512, AVX2 or SSE code depending on the
// flags of the file that includes it (avx512/, avx2/, scalar/). Everything here has internal
// linkage: each including file gets its own copy, compiled for its ISA.
#include <algorithm>
#include <cstring>

#include "kernels/conv/winograd_kernel.hpp"

// Vector types by value in internal functions only; the ABI note does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace loupe::kernels::conv {
namespace {

constexpr int kLanes = 16;
using Lanes = float __attribute__((vector_size(kLanes * sizeof(float))));
constexpr int kMaxAlpha = 8;

inline Lanes splat(float f) {
  Lanes v;
  for (int l = 0; l < kLanes; ++l) v[l] = f;
  return v;
}

// out (rows x cols) = lhs (rows x k, row-major floats) * in (k x cols), skipping zero coefficients.
inline void mul_left(const float* lhs, int rows, int k, const Lanes* in, int cols, Lanes* out) {
  for (int i = 0; i < rows; ++i) {
    for (int j = 0; j < cols; ++j) out[i * cols + j] = splat(0.0f);
    for (int q = 0; q < k; ++q) {
      const float c = lhs[i * k + q];
      if (c == 0.0f) continue;
      const Lanes cv = splat(c);
      for (int j = 0; j < cols; ++j) out[i * cols + j] += cv * in[q * cols + j];
    }
  }
}

// out (rows x n) = in (rows x k) * rhs^T where rhs is n x k row-major.
inline void mul_right_t(const Lanes* in, int rows, int k, const float* rhs, int n, Lanes* out) {
  for (int i = 0; i < rows; ++i) {
    for (int j = 0; j < n; ++j) {
      Lanes acc = splat(0.0f);
      for (int q = 0; q < k; ++q) {
        const float c = rhs[j * k + q];
        if (c != 0.0f) acc += splat(c) * in[i * k + q];
      }
      out[i * n + j] = acc;
    }
  }
}

void winograd_input_lanes(const WinogradInput& p) {
  const int a = p.mat->alpha, m = p.mat->m;
  const float* bt = p.mat->bt.data();
  Lanes d[kMaxAlpha * kMaxAlpha], tmp[kMaxAlpha * kMaxAlpha], v[kMaxAlpha * kMaxAlpha];
  for (int64_t tl = 0; tl < p.t_count; ++tl) {
    const int64_t row0 = (tl / p.tiles_w) * m, col0 = (tl % p.tiles_w) * m;
    for (int64_t c0 = 0; c0 < p.C; c0 += kLanes) {
      const int nl = static_cast<int>(std::min<int64_t>(kLanes, p.C - c0));
      const float* blk = p.band + (c0 / kLanes * p.Hb * p.Wb) * kLanes;
      for (int i = 0; i < a; ++i) {
        const float* src = blk + ((row0 + i) * p.Wb + col0) * kLanes;
        for (int j = 0; j < a; ++j) std::memcpy(&d[i * a + j], src + j * kLanes, sizeof(Lanes));
      }
      mul_left(bt, a, a, d, a, tmp);     // B^T d
      mul_right_t(tmp, a, a, bt, a, v);  // (B^T d) B
      for (int pos = 0; pos < a * a; ++pos) {
        float* dst = p.v + (pos * p.t_count + tl) * p.C + c0;
        if (nl == kLanes) {
          std::memcpy(dst, &v[pos], sizeof(Lanes));
        } else {
          std::memcpy(dst, &v[pos], sizeof(float) * nl);
        }
      }
    }
  }
}

void winograd_output_lanes(const WinogradOutput& p) {
  const int a = p.mat->alpha, m = p.mat->m;
  const float* at = p.mat->at.data();
  const int64_t ef = p.E * p.F;
  Lanes o[kMaxAlpha * kMaxAlpha], tmp[kMaxAlpha * kMaxAlpha], y[kMaxAlpha * kMaxAlpha];
  for (int64_t tl = 0; tl < p.t_count; ++tl) {
    const int64_t t = p.t_begin + tl;
    const int64_t e0 = (t / p.tiles_w) * m, f0 = (t % p.tiles_w) * m;
    const int rows = static_cast<int>(std::min<int64_t>(m, p.E - e0));
    const int cols = static_cast<int>(std::min<int64_t>(m, p.F - f0));
    for (int64_t m0 = 0; m0 < p.M; m0 += kLanes) {
      const int nl = static_cast<int>(std::min<int64_t>(kLanes, p.M - m0));
      for (int pos = 0; pos < a * a; ++pos) {
        const float* src = p.o + (pos * p.t_count + tl) * p.M + m0;
        if (nl == kLanes) {
          std::memcpy(&o[pos], src, sizeof(Lanes));
        } else {
          o[pos] = splat(0.0f);
          std::memcpy(&o[pos], src, sizeof(float) * nl);
        }
      }
      mul_left(at, m, a, o, a, tmp);     // A^T o
      mul_right_t(tmp, m, a, at, m, y);  // (A^T o) A
      Lanes bias = splat(0.0f);
      if (p.bias != nullptr) std::memcpy(&bias, p.bias + m0, sizeof(float) * nl);
      for (int i = 0; i < rows; ++i) {
        for (int j = 0; j < cols; ++j) {
          const Lanes val = y[i * m + j] + bias;
          const int64_t off = m0 * ef + (e0 + i) * p.F + f0 + j;
          for (int l = 0; l < nl; ++l) {
            float r = val[l];
            if (p.residual != nullptr) r += p.residual[off + l * ef];
            if (p.clamp) r = std::min(std::max(r, p.lo), p.hi);
            p.y[off + l * ef] = r;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace loupe::kernels::conv
