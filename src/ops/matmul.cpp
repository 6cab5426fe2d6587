// MatMul: a batch of FC-like matrix products with numpy broadcasting of the batch axes.
#include "ops/matmul.hpp"

#include <algorithm>

#include "loupe/checked.hpp"
#include "ops/conv.hpp"
#include "ops/gemm.hpp"

namespace loupe::ops {

MatMulDims matmul_dims(const Shape& a, const Shape& b) {
  if (a.empty()) fail("input A is a scalar; MatMul needs rank >= 1");
  if (b.empty()) fail("input B is a scalar; MatMul needs rank >= 1");
  for (const Shape* s : {&a, &b}) {
    for (int64_t d : *s) {
      if (d < 0) fail("shape {} has a negative dimension", shape_str(*s));
    }
  }
  MatMulDims d;
  const size_t a_batch = a.size() >= 2 ? a.size() - 2 : 0;
  const size_t b_batch = b.size() >= 2 ? b.size() - 2 : 0;
  d.M = a.size() >= 2 ? a[a.size() - 2] : 1;
  d.K = a.back();
  const int64_t K_b = b.size() >= 2 ? b[b.size() - 2] : b[0];
  d.N = b.size() >= 2 ? b.back() : 1;
  if (d.K != K_b) {
    fail("A {} and B {}: inner dimensions {} and {} differ", shape_str(a), shape_str(b), d.K, K_b);
  }
  // numpy broadcasting of the batch axes, aligned to the right.
  const size_t rank = std::max(a_batch, b_batch);
  d.batch.assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < a_batch ? a[a_batch - 1 - i] : 1;
    const int64_t db = i < b_batch ? b[b_batch - 1 - i] : 1;
    if (da != db && da != 1 && db != 1) {
      fail("batch axes of A {} and B {} do not broadcast ({} vs {})", shape_str(a), shape_str(b),
           da, db);
    }
    d.batch[rank - 1 - i] = da == 1 ? db : da;
  }
  d.out = d.batch;
  if (a.size() >= 2) d.out.push_back(d.M);
  if (b.size() >= 2) d.out.push_back(d.N);
  return d;
}

namespace {

// Offset (in matrices) of an operand's matrix for the result's batch index `idx`: the operand's
// batch axes are right-aligned with the result's, and a size-1 axis is broadcast.
int64_t batch_offset(const Shape& operand, size_t operand_batch_rank, const Shape& idx) {
  int64_t offset = 0;
  const size_t skip = idx.size() - operand_batch_rank;
  for (size_t i = 0; i < operand_batch_rank; ++i) {
    const int64_t dim = operand[i];
    offset = offset * dim + (dim == 1 ? 0 : idx[skip + i]);
  }
  return offset;
}

}  // namespace

void matmul_reference(const Tensor& a, const Tensor& b, Tensor& y) {
  require_f32_nchw(a, "input A");
  require_f32_nchw(b, "input B");
  require_f32_nchw(y, "output Y");
  const MatMulDims d = matmul_dims(a.shape(), b.shape());
  if (y.shape() != d.out) {
    fail("output Y has shape {}, expected {}", shape_str(y.shape()), shape_str(d.out));
  }
  const int64_t M = d.M, N = d.N, K = d.K;
  const size_t a_batch = a.rank() >= 2 ? static_cast<size_t>(a.rank()) - 2 : 0;
  const size_t b_batch = b.rank() >= 2 ? static_cast<size_t>(b.rank()) - 2 : 0;
  const int64_t batches = checked_numel(d.batch, "MatMul batch");
  const float* ad = a.data<float>();
  const float* bd = b.data<float>();
  float* yd = y.data<float>();
  Shape idx(d.batch.size(), 0);
  for (int64_t i = 0; i < batches; ++i) {
    // The result's batch index of matrix i (row-major over d.batch).
    int64_t rest = i;
    for (size_t j = d.batch.size(); j-- > 0;) {
      idx[j] = rest % d.batch[j];
      rest /= d.batch[j];
    }
    const float* a_mat = ad + batch_offset(a.shape(), a_batch, idx) * M * K;
    const float* b_mat = bd + batch_offset(b.shape(), b_batch, idx) * K * N;
    float* y_mat = yd + i * M * N;
    for (int64_t m = 0; m < M; ++m) {
      for (int64_t n = 0; n < N; ++n) {
        double acc = 0.0;
        for (int64_t k = 0; k < K; ++k) {
          acc += static_cast<double>(a_mat[m * K + k]) * static_cast<double>(b_mat[k * N + n]);
        }
        y_mat[m * N + n] = static_cast<float>(acc);
      }
    }
  }
}

namespace {

class MatMul final : public Op {
 public:
  std::string_view type() const override { return "MatMul"; }

  std::vector<ValueInfo> infer(std::span<const ValueInfo> in) const override {
    if (in.size() != 2 || !in[0].present || !in[1].present) {
      fail("needs inputs A and B, got {} inputs", in.size());
    }
    if (in[0].dtype != DType::f32)
      fail("input A is {}; only f32 is supported", dtype_name(in[0].dtype));
    if (in[1].dtype != DType::f32)
      fail("input B is {}; only f32 is supported", dtype_name(in[1].dtype));
    return {ValueInfo{matmul_dims(in[0].shape, in[1].shape).out, DType::f32}};
  }

  Counts count(std::span<const ValueInfo> in, std::span<const ValueInfo>) const override {
    const MatMulDims d = matmul_dims(in[0].shape, in[1].shape);
    int64_t macs = checked_numel(d.batch, "MACs");
    for (int64_t v : {d.M, d.N, d.K}) macs = checked_mul(macs, v, "MACs");
    return {macs, checked_mul(2, macs, "FLOPs")};
  }

  // Only a plain 2-D product is one FC layer; a batched MatMul (attention) is not one nest.
  std::optional<LayerShape> layer_shape(std::span<const ValueInfo> in) const override {
    if (in[0].shape.size() != 2 || in[1].shape.size() != 2) return std::nullopt;
    const MatMulDims d = matmul_dims(in[0].shape, in[1].shape);
    return gemm_layer_shape(GemmDims{d.M, d.N, d.K});
  }

  void reference(std::span<const Tensor> in, std::span<Tensor> out) const override {
    matmul_reference(in[0], in[1], out[0]);
  }
};

std::unique_ptr<Op> make_matmul(const Attributes& a) {
  a.check_known({});
  return std::make_unique<MatMul>();
}

}  // namespace

LOUPE_REGISTER_OP("MatMul", make_matmul);

}  // namespace loupe::ops
