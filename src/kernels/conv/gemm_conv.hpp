#pragma once
// The GEMM-based convolutions (im2col_gemm, gemm_1x1) share everything but the lowering of one
// image's group into the B operand: per image n and group g,
//   Y[n, g] (M/G x E*F) = W[g] (M/G x C/G*R*S) * B(n, g) (C/G*R*S x E*F)
// with the bias, residual and clamp fused into the GEMM's epilogue.
//
// Threads: with at least as many (image, group) products as threads, each thread takes a
// contiguous range of them with a single-threaded GEMM and its own lowering buffer; otherwise
// the products run one after the other on the threaded GEMM.
//
// Bands: a lowering that can produce any range of output rows (im2col) is run band by band
// when one image's whole column buffer would not stay in L2 (VGG-16's conv1_2 lowers to
// 576 x 50176 floats, 115 MB): each band of output rows is lowered into an L2-sized buffer and
// multiplied straight away (C columns e0*F.. of Y, row stride E*F), so B is read from L2
// instead of making a DRAM round trip. Threads then take (image, group, band) items.
#include <functional>
#include <string_view>
#include <vector>

#include "kernels/conv/internal.hpp"

namespace loupe::kernels::conv {

class GemmConvPrimitive : public ConvPrimitive {
 public:
  // lower(x_group, buffer) returns B for one image's group: x_group points at channel g*C/G of
  // image n; buffer holds lower_floats floats (unused when lower_floats is 0).
  using Lower = std::function<const float*(const float* x_group, float* buffer)>;

  GemmConvPrimitive(std::string_view name, const ConvDesc& d, const float* weights,
                    const float* bias, int64_t lower_floats, Lower lower);

  // lower(x_group, buffer, e0, e1) writes B's columns for output rows [e0, e1) into buffer, a
  // dense (C/G*R*S) x ((e1 - e0) * F) matrix.
  using BandLower =
      std::function<void(const float* x_group, float* buffer, int64_t e0, int64_t e1)>;
  GemmConvPrimitive(std::string_view name, const ConvDesc& d, const float* weights,
                    const float* bias, BandLower lower);

  std::string_view algorithm() const override { return name_; }
  // Output rows per band, 0 when the layer is not banded (for tests).
  int64_t band_rows() const { return band_rows_; }
  int64_t workspace_floats() const override { return slots_ * lower_floats_; }
  void run(const float* x, float* y, const float* residual, float* workspace) const override;

 private:
  void setup(const float* weights, const float* bias, bool can_band);
  void run_bands(const float* x, float* y, const float* residual, float* workspace) const;

  std::string_view name_;
  ConvDesc d_;
  std::vector<float> bias_;
  std::vector<PackedA> packed_;  // the filters of each group, packed for the plan in use
  int64_t lower_floats_;
  Lower lower_;
  BandLower band_lower_;
  int64_t band_rows_ = 0, bands_ = 1;  // output rows per band (0: not banded) and band count
  GemmPlan band_, band_tail_;          // 1 thread, N = band_rows_ * F / the last band's
  int threads_ = 1;
  int slots_ = 1;           // lowering buffers (threads over products) or 1
  GemmPlan serial_, wide_;  // GEMM on 1 thread / on all threads
};

}  // namespace loupe::kernels::conv
