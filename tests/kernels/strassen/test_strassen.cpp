// Strassen (src/kernels/gemm/strassen.cpp) against an fp64 product on random sizes: odd and even,
// square and rectangular, 1-3 levels with small cutoffs (so that the recursion, its peeling and
// the GEMM fallback are all reached on small matrices), padded leading dimensions, threads 1 / 2,
// every ISA.
//
// Tolerance: entries uniform in [-1, 1], P = max|a| max|b| = 1. The plain GEMM's error is about
// u sqrt(K) P / 3 per element (tests/kernels/gemm/test_gemm.cpp), bounded there by 1e-5 sqrt(K).
// Strassen's bound is norm-wise and grows by up to a factor 12 per level (Higham, "Accuracy and
// Stability of Numerical Algorithms", §23.2.2: the constant is (n/n0)^log2(12) times the
// conventional one): 1e-5 sqrt(K) 12^levels. Even at 3 levels that is 0.017 sqrt(K), while a
// wrong sign or a missing product in a quadrant adds an error of ~sqrt(K/2) / 3 >= 0.2 sqrt(K)
// over a whole quadrant, and a missed peel leaves a row or column at sqrt(K) / 3 off.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "kernels/gemm/strassen.hpp"
#include "loupe/error.hpp"
#include "loupe/random.hpp"

namespace loupe::kernels {
namespace {

int64_t pick(Rng& rng, int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(rng.uniform() * static_cast<double>(hi - lo + 1));
}

// Max |C - A B| / (sqrt(K) 12^levels) for one case (C from strassen_gemm, A B in fp64).
double scaled_error(Rng& rng, StrassenDesc d) {
  const int64_t lda = d.K + d.lda, ldb = d.N + d.ldb, ldc = d.N + d.ldc;  // desc holds padding
  d.lda = lda;
  d.ldb = ldb;
  d.ldc = ldc;
  std::vector<float> a(d.M * lda), b(d.K * ldb), c(d.M * ldc, std::nanf(""));
  for (float& v : a) v = static_cast<float>(rng.uniform(-1, 1));
  for (float& v : b) v = static_cast<float>(rng.uniform(-1, 1));
  strassen_gemm(d, a.data(), b.data(), c.data());
  double worst = 0;
  for (int64_t i = 0; i < d.M; ++i) {
    for (int64_t j = 0; j < d.N; ++j) {
      double s = 0;
      for (int64_t k = 0; k < d.K; ++k) s += double{a[i * lda + k]} * b[k * ldb + j];
      const double e = std::fabs(c[i * ldc + j] - s);
      worst = std::max(worst, std::isfinite(e) ? e : 1e300);
    }
  }
  return worst /
         (std::sqrt(static_cast<double>(std::max<int64_t>(d.K, 1))) * std::pow(12.0, d.levels));
}

TEST(Strassen, MatchesFp64OnRandomSizes) {
  for (Isa isa : {Isa::avx512, Isa::avx2, Isa::scalar}) {
    if (!isa_supported(isa)) continue;
    Rng rng(51 + static_cast<uint64_t>(isa));
    double worst = 0;
    for (int i = 0; i < 120; ++i) {
      StrassenDesc d;
      d.M = pick(rng, 1, 90);
      d.N = rng.uniform() < 0.4 ? d.M : pick(rng, 1, 90);
      d.K = rng.uniform() < 0.4 ? d.M : pick(rng, 1, 90);
      d.levels = static_cast<int>(pick(rng, 1, 3));
      d.cutoff = pick(rng, 2, 16);
      if (rng.uniform() < 0.3) {  // padding of the leading dimensions
        d.lda = pick(rng, 1, 5);
        d.ldb = pick(rng, 1, 5);
        d.ldc = pick(rng, 1, 5);
      }
      d.threads = 1 + i % 2;
      d.isa = isa;
      const double e = scaled_error(rng, d);
      worst = std::max(worst, e);
      ASSERT_LE(e, 1e-5) << isa_name(isa) << " M=" << d.M << " N=" << d.N << " K=" << d.K
                         << " levels=" << d.levels << " cutoff=" << d.cutoff;
    }
    std::printf("strassen %s: worst max|err| / (sqrt(K) 12^levels) = %.2e (bound 1e-5)\n",
                std::string(isa_name(isa)).c_str(), worst);
  }
}

TEST(Strassen, LargerProductsAcrossThreads) {
  // Large enough for the element-wise passes and the GEMM to be split over 2 threads.
  Rng rng(52);
  for (int64_t n : {257, 300}) {
    StrassenDesc d;
    d.M = n;
    d.N = n + 3;
    d.K = n - 1;
    d.levels = 2;
    d.cutoff = 64;
    d.threads = 2;
    EXPECT_LE(scaled_error(rng, d), 1e-5) << n;
  }
}

TEST(Strassen, ZeroLevelsIsThePlainGemm) {
  Rng rng(53);
  StrassenDesc d;
  d.M = 33;
  d.N = 17;
  d.K = 29;
  d.levels = 0;
  EXPECT_LE(scaled_error(rng, d), 1e-5);
}

TEST(Strassen, RejectsBadDescriptions) {
  float v = 0;
  StrassenDesc d;
  d.M = -1;
  EXPECT_THROW(strassen_gemm(d, &v, &v, &v), Error);
  d.M = d.N = d.K = 4;
  d.lda = 2;
  EXPECT_THROW(strassen_gemm(d, &v, &v, &v), Error);
  d.lda = 0;
  d.levels = -1;
  EXPECT_THROW(strassen_gemm(d, &v, &v, &v), Error);
}

}  // namespace
}  // namespace loupe::kernels
