#pragma once
// The inner loop of direct_nchw (a first layer's few input channels, straight onto plain NCHW
// output), written once per ISA: scalar in direct_nchw.cpp, avx2/ and avx512/ beside it.
//
// The image's C input planes arrive as PhasedPlanes (internal.hpp), one after another, each
// holding the band of padded rows that output rows from in_e0 on read: input k = c R S + t
// (channel c, tap t) of output pixel (e, f) reads in[offset[k] + (e - in_e0) * row_step + f],
// contiguous in f for every stride. Output pixels go along the vector lanes, output channels
// along the registers of a tile (MR of them share each loaded vector of input), so the output is
// written as plain rows and nothing is packed or lowered.
#include <cstdint>

namespace loupe::kernels::conv {

// The AVX2 tile's output channels (the AVX-512 tile takes two blocks); the packed weights come
// in blocks of this many.
inline constexpr int64_t kDirectNchwMR = 4;

struct DirectNchwRows {
  const float* in = nullptr;        // the C phased planes (bands)
  int64_t in_e0 = 0;                // the output row whose window starts at their first row
  const int64_t* offset = nullptr;  // K = C R S: plane and tap of each input
  int64_t K = 0;
  int64_t row_step = 0;  // U rows of a phased plane
  // [M / MR blocks][K][MR]: block b holds channels b MR .. b MR + MR - 1, zero past M.
  const float* weights = nullptr;
  const float* bias = nullptr;  // M, rounded up to MR with zeros
  int64_t M = 0, E = 0, F = 0;
  int64_t e0 = 0, e1 = 0;           // the output rows to compute, every channel
  float* out = nullptr;             // M x E x F (one image)
  const float* residual = nullptr;  // like out, or null
  bool clamp = false;
  float lo = 0.0f, hi = 0.0f;
};

void direct_nchw_rows_scalar(const DirectNchwRows& p);
void direct_nchw_rows_avx2(const DirectNchwRows& p);
void direct_nchw_rows_avx512(const DirectNchwRows& p);

}  // namespace loupe::kernels::conv
