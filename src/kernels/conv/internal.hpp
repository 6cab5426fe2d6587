#pragma once
// Pieces shared by the conv algorithms (not part of the public interface in conv.hpp): the
// algorithm singletons the registry lists, thread and ISA resolution, and the scalar epilogue.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <vector>

#include "kernels/conv/conv.hpp"
#include "kernels/conv/direct_kernel.hpp"
#include "kernels/conv/im2col.hpp"
#include "loupe/thread_pool.hpp"

namespace loupe::kernels::conv {

const ConvAlgorithm& im2col_gemm_algorithm();
const ConvAlgorithm& gemm_1x1_algorithm();
const ConvAlgorithm& depthwise_algorithm();
const ConvAlgorithm& winograd_f2x3_algorithm();
const ConvAlgorithm& winograd_f4x3_algorithm();
const ConvAlgorithm& winograd_f6x3_algorithm();
const ConvAlgorithm& direct_nchw16c_algorithm();
const ConvAlgorithm& implicit_gemm_algorithm();
const ConvAlgorithm& direct_nchw_algorithm();
const ConvAlgorithm& direct_phased_algorithm();

// desc.threads with 0 resolved to the global pool's size.
int resolve_threads(const ConvDesc& d);

// fn(j) for every job j < jobs on up to `threads` threads, in chunks of about an eighth of a
// thread's share taken from a shared counter: a thread that falls behind (a preempted vCPU)
// leaves its remaining chunks to the others, while each chunk stays on consecutive jobs.
template <typename Fn>
void run_chunked(int threads, int64_t jobs, const Fn& fn) {
  const int slots = static_cast<int>(std::min<int64_t>(threads, jobs));
  if (slots <= 1) {
    for (int64_t j = 0; j < jobs; ++j) fn(j);
    return;
  }
  const int64_t chunk = std::max<int64_t>(1, jobs / (8 * slots));
  std::atomic<int64_t> next{0};
  ThreadPool::global().parallel_for(
      slots,
      [&](int64_t) {
        for (int64_t b = next.fetch_add(chunk); b < jobs; b = next.fetch_add(chunk)) {
          for (int64_t j = b; j < std::min(jobs, b + chunk); ++j) fn(j);
        }
      },
      slots);
}

// The pixels a strided 1x1 layer keeps: `channels` planes of x (H x W) into dense E x F planes,
// each kept row by `copy` (the ISA's strided copy), split over up to `threads` by channels.
void gather_kept_pixels(const ops::LayerShape& s, int64_t channels, const float* x, float* out,
                        StridedCopy copy, int threads);

// gemm_1x1 on a map of few pixels (gemm_1x1_pixel_rows.cpp): pixels as the GEMM's rows.
std::unique_ptr<ConvPrimitive> make_pixel_rows_1x1(const ConvDesc& d, const float* weights,
                                                   const float* bias);

// Output row e of 32-channel group mg from column f0, `pixels` results in `out` ([pixels][32]),
// to the output y (one image, in d.y_layout) through `store` (direct_store_for for that layout)
// with d's bias (bias[M] or unused), residual (like y, or null) and clamp: the direct tiles'
// write-back.
void store_strip(DirectStoreFn store, const ConvDesc& d, const float* bias, const float* out,
                 int pixels, int64_t mg, int64_t e, int64_t f0, float* y, const float* residual);

// The GEMM epilogue of a conv: bias per output channel (a GEMM row), residual, clamp.
GemmEpilogue gemm_epilogue(const ConvDesc& d);

// Whether the description is well formed (positive sizes, channels divisible by the groups,
// output size consistent with the input, window and pads; an output image stride of 0 or at
// least M E F, so that images do not overlap; plain NCHW x and y unless `blocked`, where either
// may be NCHWc and a blocked y has no residual or image stride): every supports() starts here.
bool valid_desc(const ConvDesc& d, bool blocked = false);

// An input plane zero-padded and split into U_w column phases: phase p, padded row i holds the
// padded columns p, p + U_w, p + 2 U_w, ... of row i, `wq` floats per row with at least one
// AVX-512 vector of slack at the end. Tap (r, s) of output pixel (e, f) then reads
// buf[tap_offset[r S + s] + e U wq + f], contiguous in f whatever the stride, so vector kernels
// load taps without gathers (depthwise and direct_nchw).
//
// A buffer may also hold a band of `rows` padded rows only (rows > 0: hp = rows), the first at
// buffer row 0: fill_rows then takes first = the band's first padded row.
struct PhasedPlane {
  // isa picks the strided copy of a stride-2 (or more) layer's phases.
  // slack: floats past each phase row's last column (16: one AVX-512 vector, for kernels that
  // load whole vectors from any column; 0 for those that read only the columns windows reach).
  explicit PhasedPlane(const ops::LayerShape& s, Isa isa = Isa::scalar, int64_t rows = 0,
                       int64_t slack = 16);
  // Writes the whole buffer (floats): the plane (H x W) into its interior, zeros around it.
  void fill(const float* plane, float* buf) const { fill_rows(plane, buf, 0, hp); }
  // Writes padded rows [r0, r1) of every phase whole, interior and zeros, padded row r at buffer
  // row r - first: threads may fill disjoint row ranges of one buffer, and the buffer needs no
  // zeroing beforehand.
  void fill_rows(const float* plane, float* buf, int64_t r0, int64_t r1, int64_t first = 0) const;
  int64_t H = 0, W = 0, pad_top = 0, pad_left = 0, U_w = 1;
  int64_t hp = 0, wq = 0, floats = 0;  // buffer rows, floats per phase row, floats in all
  std::vector<int64_t> tap_offset;     // R * S
  // Per column phase: the first input column w with (w + pad_left) % U_w == phase, where it
  // lands in the phase's row, (w + pad_left) / U_w, and how many input columns the phase takes.
  std::vector<int64_t> phase_first, phase_dst, phase_count;
  StridedCopy copy = nullptr;
  PhaseRow phase_row = nullptr;  // the whole row at once where the ISA has one
};

// y = clamp(v + bias + residual) for one value, the scalar form of the fused epilogue.
struct ScalarEpilogue {
  bool clamp = false;
  float lo = 0.0f, hi = 0.0f;
  float apply(float v) const { return clamp ? std::min(std::max(v, lo), hi) : v; }
};
inline ScalarEpilogue scalar_epilogue(const ConvDesc& d) {
  return {d.activation.clamp, d.activation.lo, d.activation.hi};
}

}  // namespace loupe::kernels::conv
