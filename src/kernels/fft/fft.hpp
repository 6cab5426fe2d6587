#pragma once
// loupe's own FFT (no dependency): a mixed-radix complex FFT of any length (radices 4, 2, 3, 5
// and a plain DFT step for larger prime factors) and a 2-D real-to-complex transform built on
// it, for FFT convolution (kernels/conv/fft_conv.cpp). Sizes with factors 2, 3, 5 only are
// fast; fast_size() picks them.
//
// Decimation in time, recursive (Cooley-Tukey 1965): a length-n transform with first factor p
// does p transforms of length n/p on every p-th input, then n/p butterflies of size p with
// twiddles w^(q k) taken from one table of the plan's n roots of unity.
#include <complex>
#include <cstdint>
#include <vector>

namespace loupe::kernels::fft {

using cf = std::complex<float>;

// The smallest m >= n with no prime factor other than 2, 3 and 5.
int64_t fast_size(int64_t n);

class FftPlan {
 public:
  explicit FftPlan(int64_t n);  // n >= 1
  int64_t size() const { return n_; }
  // out[k] = sum_j in[j * stride] exp(-2 pi i j k / n); `in` and `out` must not overlap.
  void forward(const cf* in, cf* out, int64_t stride = 1) const;
  // out[k] = sum_j in[j * stride] exp(+2 pi i j k / n) (unnormalized); in must not overlap out.
  void inverse(const cf* in, cf* out, int64_t stride = 1) const;

 private:
  void step(const cf* in, int64_t stride, cf* out, int64_t n, size_t level, bool inv) const;
  int64_t n_;
  std::vector<int> factors_;
  std::vector<cf> roots_;  // exp(-2 pi i k / n), k < n (in double, rounded once)
};

// A P x Q real 2-D transform with the spectrum kept for columns k <= Q/2 only (the rest are
// conjugates). Spectra are planar: re[b] and im[b] with b = k * P + p (column-major, so each
// column transform writes contiguously), bins() = P * (Q/2 + 1) of each.
class RealFft2d {
 public:
  RealFft2d(int64_t P, int64_t Q);
  int64_t rows() const { return P_; }
  int64_t cols() const { return Q_; }
  int64_t bins() const { return P_ * (Q_ / 2 + 1); }
  // Floats of scratch one forward or inverse call needs.
  int64_t scratch_floats() const;

  // Spectrum of the P x Q image holding x (h x w, row stride ld) at rows [top, top + h) and
  // columns [left, left + w), zeros elsewhere. re / im: bins() floats each.
  void forward(const float* x, int64_t h, int64_t w, int64_t ld, int64_t top, int64_t left,
               float* re, float* im, float* scratch) const;
  // The real image (unnormalized: P * Q times the inverse) of a spectrum, rows [0, h) and
  // columns [0, w) only, row stride ld.
  void inverse(const float* re, const float* im, float* y, int64_t h, int64_t w, int64_t ld,
               float* scratch) const;

 private:
  int64_t P_, Q_, Qh_;
  FftPlan row_, col_;
};

}  // namespace loupe::kernels::fft
