#include "kernels/conv/internal.hpp"

#include <cstring>

#include "kernels/conv/im2col.hpp"
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

bool valid_desc(const ConvDesc& d, bool blocked) {
  const ops::LayerShape& s = d.shape;
  const auto known = [&](Layout l) { return l == Layout::NCHW || (blocked && l == Layout::NCHWc); };
  if (!known(d.x_layout) || !known(d.y_layout)) return false;
  if (d.y_layout == Layout::NCHWc && (d.residual || d.y_image_stride != 0)) return false;
  if (d.y_image_stride != 0 && d.y_image_stride < s.M * s.E * s.F) return false;
  if (s.N < 1 || s.C < 1 || s.H < 1 || s.W < 1 || s.M < 1 || s.R < 1 || s.S < 1) return false;
  if (s.U < 1 || s.U_w < 1 || s.dil_h < 1 || s.dil_w < 1 || s.G < 1) return false;
  if (s.pad_top < 0 || s.pad_left < 0 || s.pad_bottom < 0 || s.pad_right < 0) return false;
  if (s.C % s.G != 0 || s.M % s.G != 0) return false;
  const int64_t span_h = s.H + s.pad_top + s.pad_bottom - s.dil_h * (s.R - 1) - 1;
  const int64_t span_w = s.W + s.pad_left + s.pad_right - s.dil_w * (s.S - 1) - 1;
  if (span_h < 0 || span_w < 0) return false;
  return s.E == span_h / s.U + 1 && s.F == span_w / s.U_w + 1;
}

void nchw_to_blocked(const float* x, int64_t N, int64_t C, int64_t HW, float* out) {
  const int64_t Cb = blocked_channels(C);
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t c = 0; c < Cb; ++c) {
      float* o = out + ((n * Cb + c / 16 * 16) * HW) + c % 16;
      const float* i = x + (n * C + c) * HW;
      for (int64_t p = 0; p < HW; ++p) o[p * 16] = c < C ? i[p] : 0.0f;
    }
  }
}

void blocked_to_nchw(const float* x, int64_t N, int64_t C, int64_t HW, float* out) {
  const int64_t Cb = blocked_channels(C);
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t c = 0; c < C; ++c) {
      const float* i = x + ((n * Cb + c / 16 * 16) * HW) + c % 16;
      float* o = out + (n * C + c) * HW;
      for (int64_t p = 0; p < HW; ++p) o[p] = i[p * 16];
    }
  }
}

void strided_copy_scalar(const float* in, int64_t stride, int64_t n, float* out) {
  for (int64_t f = 0; f < n; ++f) out[f] = in[f * stride];
}

StridedCopy strided_copy_for(Isa isa) {
  switch (resolve_isa(isa)) {
    case Isa::avx512:
      return strided_copy_avx512;
    case Isa::avx2:
      return strided_copy_avx2;
    default:
      return strided_copy_scalar;
  }
}

PhaseRow phase_row_for(Isa isa, int64_t U_w) {
  return resolve_isa(isa) == Isa::avx512 && U_w <= 2 ? phase_row_avx512 : nullptr;
}

PhasedPlane::PhasedPlane(const ops::LayerShape& s, Isa isa, int64_t rows, int64_t slack)
    : H(s.H),
      W(s.W),
      pad_top(s.pad_top),
      pad_left(s.pad_left),
      U_w(s.U_w),
      copy(strided_copy_for(isa)),
      phase_row(phase_row_for(isa, s.U_w)) {
  hp = rows > 0 ? rows : s.H + s.pad_top + s.pad_bottom;
  wq = (s.W + s.pad_left + s.pad_right + s.U_w - 1) / s.U_w + slack;
  floats = s.U_w * hp * wq;
  for (int64_t r = 0; r < s.R; ++r) {
    for (int64_t q = 0; q < s.S; ++q) {
      const int64_t col = q * s.dil_w;
      tap_offset.push_back(((col % s.U_w) * hp + r * s.dil_h) * wq + col / s.U_w);
    }
  }
  for (int64_t phase = 0; phase < s.U_w; ++phase) {
    const int64_t w = ((phase - s.pad_left) % s.U_w + s.U_w) % s.U_w;
    phase_first.push_back(w);
    phase_dst.push_back((w + s.pad_left) / s.U_w);
    phase_count.push_back(w < s.W ? (s.W - w + s.U_w - 1) / s.U_w : 0);
  }
}

void PhasedPlane::fill_rows(const float* plane, float* buf, int64_t r0, int64_t r1,
                            int64_t first) const {
  if (phase_row != nullptr) {
    for (int64_t row = r0; row < r1; ++row) {
      float* dst = buf + (row - first) * wq;  // phase 0's row; phase p's hp * wq floats on
      const int64_t h = row - pad_top;
      if (h >= 0 && h < H) {
        phase_row(plane + h * W, W, pad_left, U_w, wq, dst, hp * wq);
        continue;
      }
      for (int64_t phase = 0; phase < U_w; ++phase) {
        std::memset(dst + phase * hp * wq, 0, sizeof(float) * wq);
      }
    }
    return;
  }
  for (int64_t phase = 0; phase < U_w; ++phase) {
    const auto p = static_cast<size_t>(phase);
    for (int64_t row = r0; row < r1; ++row) {
      float* dst = buf + (phase * hp + row - first) * wq;
      const int64_t h = row - pad_top;
      if (h < 0 || h >= H) {
        std::memset(dst, 0, sizeof(float) * wq);
        continue;
      }
      const int64_t begin = phase_dst[p], end = begin + phase_count[p];
      std::memset(dst, 0, sizeof(float) * begin);
      const float* in = plane + h * W + phase_first[p];
      copy_row(copy, in, U_w, phase_count[p], dst + begin);
      std::memset(dst + end, 0, sizeof(float) * (wq - end));
    }
  }
}

}  // namespace loupe::kernels::conv
