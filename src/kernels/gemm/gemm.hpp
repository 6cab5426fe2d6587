#pragma once
// Fast fp32 GEMM (SGEMM), BLIS-style: C[M x N] = act(alpha * op(A) * op(B) + beta * C + bias +
// residual), all matrices row-major with leading dimensions, op() an optional transpose.
//
// Describe, then execute (like a oneDNN primitive descriptor): plan_gemm() resolves the ISA,
// the microkernel, the cache blocking (MC, NC, KC from the CPU's caches) and the thread split
// from a GemmDesc before any data exists; GemmPlan::run() only computes and can be called any
// number of times, from any thread. Weights that are the B operand can be packed once at load
// (pack_b) and reused by every plan with the same ISA, K, N and B layout.
//
// docs/kernels.md describes the loop structure, the block sizes and the microkernels.
#include <cstdint>
#include <limits>
#include <memory>
#include <string_view>

#include "kernels/gemm/ukernel.hpp"
#include "kernels/isa.hpp"

namespace loupe::kernels {

enum class BiasKind : uint8_t { none, per_row, per_col };

// Applied to each C tile right after its last K block is accumulated, while it is still in
// registers: C = min(max(alpha*AB + beta*C + bias + residual, lo), hi).
struct GemmEpilogue {
  BiasKind bias = BiasKind::none;  // per_row: bias[M] (a conv's filters), per_col: bias[N]
  bool residual = false;           // add another M x N matrix (ResNet's shortcut)
  bool clamp = false;              // ReLU: {0, +inf}; ReLU6: {0, 6}
  float lo = -std::numeric_limits<float>::infinity();
  float hi = std::numeric_limits<float>::infinity();

  static GemmEpilogue relu() { return clamped(0.0f, std::numeric_limits<float>::infinity()); }
  static GemmEpilogue relu6() { return clamped(0.0f, 6.0f); }
  static GemmEpilogue clamped(float lo, float hi) {
    GemmEpilogue e;
    e.clamp = true;
    e.lo = lo;
    e.hi = hi;
    return e;
  }
};

struct GemmDesc {
  int64_t M = 0, N = 0, K = 0;
  bool trans_a = false;  // A stored K x M (element (i, k) at A[k*lda + i])
  bool trans_b = false;  // B stored N x K (element (k, j) at B[j*ldb + k])
  // C stored N x M (element (i, j) at C[j*ldc + i]), the residual likewise: a 1x1 conv with
  // pixels as rows writes its NCHW output directly.
  bool trans_c = false;
  int64_t lda = 0, ldb = 0, ldc = 0;  // 0: the dense row length of the stored matrix
  float alpha = 1.0f;
  float beta = 0.0f;  // 0: C is write-only (not read, may hold garbage)
  GemmEpilogue epilogue;
  int threads = 0;  // 0: ThreadPool::global().size(); 1: run on the calling thread
  Isa isa = Isa::automatic;
  // Block sizes; 0 derives them from the caches (tests set small ones to cover every loop).
  int64_t mc = 0, nc = 0, kc = 0;
};

// Data for the epilogue's operands, given at run time.
struct GemmEpilogueData {
  const float* bias = nullptr;      // M or N floats, by GemmEpilogue::bias
  const float* residual = nullptr;  // M x N, row stride ldr (trans_c: N x M)
  int64_t ldr = 0;                  // 0: N (trans_c: M)
};

struct GemmBlocking {
  int64_t mc = 0, nc = 0, kc = 0;  // multiples of mr / nr (mc, nc); kc any
  int mr = 0, nr = 0;
};

class PackedA;
class PackedB;

class GemmPlan {
 public:
  const GemmDesc& desc() const { return desc_; }
  Isa isa() const { return kernel_->isa; }
  std::string_view kernel_name() const { return kernel_->name; }
  const GemmBlocking& blocking() const { return blocking_; }
  // Threads the product is split over (tm x tn blocks of C).
  int threads() const { return transposed_ ? transposed_->threads() : tm_ * tn_; }
  // Whether run() on raw A and B computes C^T = op(B)^T op(A)^T (fewer idle vector lanes: a
  // 7 x 7 map as N) and transposes it into C. Runs with a pre-packed operand never do.
  bool transposed() const { return transposed_ != nullptr; }

  void run(const float* a, const float* b, float* c, const GemmEpilogueData& e = {}) const;
  // B packed by pack_b() for a compatible plan (same ISA, K, N; trans_b / ldb as packed).
  void run(const float* a, const PackedB& b, float* c, const GemmEpilogueData& e = {}) const;
  // A packed by pack_a() for a compatible plan (same ISA, M, K, kc; trans_a / lda as packed):
  // a conv's weights, so that a product with few columns (a 7x7 feature map) does not spend its
  // time repacking them on every run.
  void run(const PackedA& a, const float* b, float* c, const GemmEpilogueData& e = {}) const;

 private:
  friend GemmPlan plan_gemm(const GemmDesc& desc);
  friend PackedA pack_a(const GemmPlan& plan, const float* a);
  friend PackedB pack_b(const GemmPlan& plan, const float* b);
  struct BSource;
  BSource raw_b(const float* b) const;  // B as stored, per desc_'s trans_b / ldb
  void execute(const float* a, const PackedA* packed_a, const BSource& b, float* c,
               const GemmEpilogueData& e) const;
  void execute_transposed(const float* a, const float* b, float* c,
                          const GemmEpilogueData& e) const;

  GemmDesc desc_;
  const gemm::Microkernel* kernel_ = nullptr;
  GemmBlocking blocking_;
  int tm_ = 1, tn_ = 1;
  std::shared_ptr<const GemmPlan> transposed_;  // the C^T product, when it pays
};

// Throws Error for negative sizes, leading dimensions too small, or an unsupported ISA.
GemmPlan plan_gemm(const GemmDesc& desc);

// B (K x N after op) packed into the plan's NR-wide micro-panels, KC rows per block.
class PackedB {
 public:
  PackedB() = default;
  int64_t K() const { return K_; }
  int64_t N() const { return N_; }
  Isa isa() const { return isa_; }
  const float* data() const { return data_.get(); }

 private:
  friend PackedB pack_b(const GemmPlan& plan, const float* b);
  friend class GemmPlan;
  int64_t K_ = 0, N_ = 0, kc_ = 0, n_padded_ = 0;
  int nr_ = 0;
  Isa isa_ = Isa::scalar;
  std::shared_ptr<float[]> data_;
};

PackedB pack_b(const GemmPlan& plan, const float* b);

// A (M x K after op) packed into the plan's MR-tall micro-panels: K blocks of kc columns one
// after another, each holding every row panel [kc][MR] of M (padded to MR).
class PackedA {
 public:
  PackedA() = default;
  int64_t M() const { return M_; }
  int64_t K() const { return K_; }
  Isa isa() const { return isa_; }
  const float* data() const { return data_.get(); }

 private:
  friend PackedA pack_a(const GemmPlan& plan, const float* a);
  friend class GemmPlan;
  int64_t M_ = 0, K_ = 0, kc_ = 0, m_padded_ = 0;
  int mr_ = 0;
  Isa isa_ = Isa::scalar;
  std::shared_ptr<float[]> data_;
};

PackedA pack_a(const GemmPlan& plan, const float* a);

}  // namespace loupe::kernels
