// Strassen recursion (strassen.hpp). Per level, with S / T the operand sums and P the product
// temporary (h x k2, k2 x n2, h x n2):
//   M1 = (A11 + A22)(B11 + B22)   C11 = M1 + M4 - M5 + M7
//   M2 = (A21 + A22) B11          C12 = M3 + M5
//   M3 = A11 (B12 - B22)          C21 = M2 + M4
//   M4 = A22 (B21 - B11)          C22 = M1 - M2 + M3 + M6
//   M5 = (A11 + A12) B22
//   M6 = (A21 - A11)(B11 + B12)
//   M7 = (A12 - A22)(B21 + B22)
// Products that need no operand sum read the quadrant in place (leading dimension of the
// parent), so only 3 temporaries exist per level.
#include "kernels/gemm/strassen.hpp"

#include <algorithm>
#include <vector>

#include "kernels/gemm/gemm.hpp"
#include "loupe/error.hpp"
#include "loupe/thread_pool.hpp"

namespace loupe::kernels {
namespace {

struct Mat {
  const float* p;
  int64_t ld;
  const float* at(int64_t i, int64_t j) const { return p + i * ld + j; }
};

struct Ctx {
  const StrassenDesc* d;
  int threads;
};

// Rows [0, rows) of an element-wise pass, split over the pool when it is large enough to be
// worth waking it (the passes are memory-bound; two cores still read faster than one).
template <typename Body>
void rows_parallel(const Ctx& ctx, int64_t rows, int64_t cols, const Body& body) {
  if (ctx.threads <= 1 || rows * cols < (1 << 16)) {
    body(0, rows);
    return;
  }
  const int64_t parts = std::min<int64_t>(rows, ctx.threads);
  ThreadPool::global().parallel_for(
      parts, [&](int64_t i) { body(rows * i / parts, rows * (i + 1) / parts); }, ctx.threads);
}

// dst (dense, ld = cols) = x + sign * y.
void combine(const Ctx& ctx, int64_t rows, int64_t cols, Mat x, Mat y, float sign, float* dst) {
  rows_parallel(ctx, rows, cols, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      const float* xr = x.at(i, 0);
      const float* yr = y.at(i, 0);
      float* o = dst + i * cols;
      for (int64_t j = 0; j < cols; ++j) o[j] = xr[j] + sign * yr[j];
    }
  });
}

// c (ld) op= src (dense), op: 0 copy, +1 add, -1 subtract.
void accumulate(const Ctx& ctx, int64_t rows, int64_t cols, const float* src, float* c, int64_t ldc,
                int op) {
  rows_parallel(ctx, rows, cols, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      const float* s = src + i * cols;
      float* o = c + i * ldc;
      if (op == 0) {
        std::copy(s, s + cols, o);
      } else if (op > 0) {
        for (int64_t j = 0; j < cols; ++j) o[j] += s[j];
      } else {
        for (int64_t j = 0; j < cols; ++j) o[j] -= s[j];
      }
    }
  });
}

void plain(const Ctx& ctx, int64_t M, int64_t N, int64_t K, Mat a, Mat b, float* c, int64_t ldc,
           float beta) {
  if (M == 0 || N == 0) return;
  GemmDesc g;
  g.M = M;
  g.N = N;
  g.K = K;
  g.lda = a.ld;
  g.ldb = b.ld;
  g.ldc = ldc;
  g.beta = beta;
  g.threads = ctx.threads;
  g.isa = ctx.d->isa;
  plan_gemm(g).run(a.p, b.p, c);
}

void recurse(const Ctx& ctx, int64_t M, int64_t N, int64_t K, Mat a, Mat b, float* c, int64_t ldc,
             int level) {
  if (level == 0 || std::min({M, N, K}) < std::max<int64_t>(ctx.d->cutoff, 2)) {
    plain(ctx, M, N, K, a, b, c, ldc, 0.0f);
    return;
  }
  const int64_t h = M / 2, n2 = N / 2, k2 = K / 2;  // the even parts are 2h, 2 n2, 2 k2
  const Mat a11{a.p, a.ld}, a12{a.at(0, k2), a.ld}, a21{a.at(h, 0), a.ld}, a22{a.at(h, k2), a.ld};
  const Mat b11{b.p, b.ld}, b12{b.at(0, n2), b.ld}, b21{b.at(k2, 0), b.ld}, b22{b.at(k2, n2), b.ld};
  float* c11 = c;
  float* c12 = c + n2;
  float* c21 = c + h * ldc;
  float* c22 = c + h * ldc + n2;
  std::vector<float> sa(static_cast<size_t>(h * k2)), sb(static_cast<size_t>(k2 * n2)),
      p(static_cast<size_t>(h * n2));
  const Mat SA{sa.data(), k2}, SB{sb.data(), n2};
  auto product = [&](Mat x, Mat y) { recurse(ctx, h, n2, k2, x, y, p.data(), n2, level - 1); };
  auto into = [&](float* dst, int op) { accumulate(ctx, h, n2, p.data(), dst, ldc, op); };

  combine(ctx, h, k2, a11, a22, 1.0f, sa.data());
  combine(ctx, k2, n2, b11, b22, 1.0f, sb.data());
  product(SA, SB);  // M1
  into(c11, 0);
  into(c22, 0);
  combine(ctx, h, k2, a21, a22, 1.0f, sa.data());
  product(SA, b11);  // M2
  into(c21, 0);
  into(c22, -1);
  combine(ctx, k2, n2, b12, b22, -1.0f, sb.data());
  product(a11, SB);  // M3
  into(c12, 0);
  into(c22, 1);
  combine(ctx, k2, n2, b21, b11, -1.0f, sb.data());
  product(a22, SB);  // M4
  into(c11, 1);
  into(c21, 1);
  combine(ctx, h, k2, a11, a12, 1.0f, sa.data());
  product(SA, b22);  // M5
  into(c11, -1);
  into(c12, 1);
  combine(ctx, h, k2, a21, a11, -1.0f, sa.data());
  combine(ctx, k2, n2, b11, b12, 1.0f, sb.data());
  product(SA, SB);  // M6
  into(c22, 1);
  combine(ctx, h, k2, a12, a22, -1.0f, sa.data());
  combine(ctx, k2, n2, b21, b22, 1.0f, sb.data());
  product(SA, SB);  // M7
  into(c11, 1);

  // Peeling: the even block above misses K's last index, N's last column and M's last row.
  const int64_t Me = 2 * h, Ne = 2 * n2, Ke = 2 * k2;
  if (Ke < K) {  // C[0:Me, 0:Ne] += A[0:Me, K-1] B[K-1, 0:Ne]
    plain(ctx, Me, Ne, 1, Mat{a.at(0, Ke), a.ld}, Mat{b.at(Ke, 0), b.ld}, c, ldc, 1.0f);
  }
  if (Ne < N) plain(ctx, M, 1, K, a, Mat{b.at(0, Ne), b.ld}, c + Ne, ldc, 0.0f);
  if (Me < M) plain(ctx, 1, Ne, K, Mat{a.at(Me, 0), a.ld}, b, c + Me * ldc, ldc, 0.0f);
}

}  // namespace

void strassen_gemm(const StrassenDesc& d, const float* a, const float* b, float* c) {
  if (d.M < 0 || d.N < 0 || d.K < 0) fail("strassen: negative size {}x{}x{}", d.M, d.N, d.K);
  const int64_t lda = d.lda ? d.lda : d.K, ldb = d.ldb ? d.ldb : d.N, ldc = d.ldc ? d.ldc : d.N;
  if (lda < d.K || ldb < d.N || ldc < d.N) {
    fail("strassen: leading dimensions {}, {}, {} too small for {}x{}x{}", lda, ldb, ldc, d.M, d.N,
         d.K);
  }
  if (d.levels < 0) fail("strassen: levels {} must be >= 0", d.levels);
  resolve_isa(d.isa);  // fails early on an unsupported ISA
  if (d.M == 0 || d.N == 0) return;
  const Ctx ctx{&d, d.threads > 0 ? d.threads : ThreadPool::global().size()};
  recurse(ctx, d.M, d.N, d.K, Mat{a, lda}, Mat{b, ldb}, c, ldc, d.levels);
}

}  // namespace loupe::kernels
