#pragma once
// The GEMM-based convolutions (im2col_gemm, gemm_1x1) share everything but the lowering of one
// image's group into the B operand: per image n and group g,
//   Y[n, g] (M/G x E*F) = W[g] (M/G x C/G*R*S) * B(n, g) (C/G*R*S x E*F)
// with the bias, residual and clamp fused into the GEMM's epilogue.
//
// Threads: with at least as many (image, group) products as threads, each thread takes a
// contiguous range of them with a single-threaded GEMM and its own lowering buffer; otherwise
// the products run one after the other on the threaded GEMM.
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

  std::string_view algorithm() const override { return name_; }
  int64_t workspace_floats() const override { return slots_ * lower_floats_; }
  void run(const float* x, float* y, const float* residual, float* workspace) const override;

 private:
  std::string_view name_;
  ConvDesc d_;
  std::vector<float> weights_, bias_;
  std::vector<PackedA> packed_;  // the filters of each group, packed for the plan in use
  int64_t lower_floats_;
  Lower lower_;
  int threads_ = 1;
  int slots_ = 1;           // lowering buffers (threads over products) or 1
  GemmPlan serial_, wide_;  // GEMM on 1 thread / on all threads
};

}  // namespace loupe::kernels::conv
