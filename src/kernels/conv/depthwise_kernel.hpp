#pragma once
// The inner loop of the depthwise convolution, one (image, channel) plane at a time, written
// once per ISA (scalar here, avx2/ and avx512/ beside it).
//
// The input plane arrives zero-padded and split into U_w column phases: phase p row i holds the
// padded columns p, p + U_w, p + 2 U_w, ... of padded row i, `wq` floats per row (with at least
// one vector of zero slack at the end). Tap (r, s) of output pixel (e, f) then reads
// in[tap_offset[r*S + s] + e*row_step + f]: contiguous in f for every stride, so the vector
// kernels need no gathers.
#include <cstdint>

namespace loupe::kernels::conv {

struct DepthwisePlane {
  const float* in = nullptr;
  const int64_t* tap_offset = nullptr;  // R*S offsets into `in`
  const float* weights = nullptr;       // R*S taps of this channel
  int64_t taps = 0;
  int64_t row_step = 0;  // U rows of the phased plane
  int64_t E = 0, F = 0;
  float bias = 0.0f;
  const float* residual = nullptr;  // E x F or null
  float* out = nullptr;             // E x F
  bool clamp = false;
  float lo = 0.0f, hi = 0.0f;
};

// The direct path for MobileNet-like layers: K x K windows (K = 3 or 5), dilation 1, the same
// stride U in both directions (1 or 2), any pads. It reads the caller's plain H x W plane as is:
// taps that fall into the padding are masked off (columns) or read a row of zeros (rows), so no
// copy is made. Stride 2 loads 2 vectors of consecutive columns and deinterleaves
// them into the even and odd taps with one permute each.
struct DepthwiseDirect {
  // `planes` consecutive channels of one image: plane i reads in + i*H*W, writes out + i*E*F
  // (residual likewise) with weights + i*K*K and bias[i].
  const float* in = nullptr;
  float* out = nullptr;
  const float* residual = nullptr;  // or null
  const float* weights = nullptr;
  const float* bias = nullptr;
  const float* zero = nullptr;  // W zeros: what rows in the padding read
  int64_t planes = 0;
  int64_t H = 0, W = 0, E = 0, F = 0;
  int64_t pad_top = 0, pad_left = 0;
  int K = 3, U = 1;
  bool clamp = false;
  float lo = 0.0f, hi = 0.0f;
};

void depthwise_direct_avx512(const DepthwiseDirect& p);
void depthwise_direct_avx2(const DepthwiseDirect& p);

void depthwise_plane_scalar(const DepthwisePlane& p);
void depthwise_plane_avx2(const DepthwisePlane& p);
void depthwise_plane_avx512(const DepthwisePlane& p);

}  // namespace loupe::kernels::conv
