// Mixed-radix complex FFT and the 2-D real transform of fft.hpp.
#include "kernels/fft/fft.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "loupe/error.hpp"

namespace loupe::kernels::fft {

int64_t fast_size(int64_t n) {
  if (n < 1) fail("fft: size {} must be positive", n);
  for (int64_t m = n;; ++m) {
    int64_t r = m;
    for (int64_t p : {2, 3, 5}) {
      while (r % p == 0) r /= p;
    }
    if (r == 1) return m;
  }
}

FftPlan::FftPlan(int64_t n) : n_(n) {
  if (n < 1) fail("fft: size {} must be positive", n);
  // Radix 4 first (fewest passes for powers of two), then 2, 3, 5, then any other prime.
  int64_t r = n;
  while (r % 4 == 0) {
    factors_.push_back(4);
    r /= 4;
  }
  for (int p : {2, 3, 5}) {
    while (r % p == 0) {
      factors_.push_back(p);
      r /= p;
    }
  }
  for (int64_t p = 7; r > 1; p += 2) {
    while (r % p == 0) {
      factors_.push_back(static_cast<int>(p));
      r /= p;
    }
  }
  roots_.resize(n);
  for (int64_t k = 0; k < n; ++k) {
    const double a = -2.0 * std::numbers::pi * static_cast<double>(k) / static_cast<double>(n);
    roots_[k] = cf(static_cast<float>(std::cos(a)), static_cast<float>(std::sin(a)));
  }
}

namespace {

// (a.re * b.re - a.im * b.im, ...) without std::complex's NaN / infinity recovery path.
inline cf mul(cf a, cf b) {
  return {a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real()};
}
inline cf conj_if(cf a, bool c) { return c ? std::conj(a) : a; }

}  // namespace

// Transforms n inputs in[j * stride] into out[0, n) using factors_[level...].
void FftPlan::step(const cf* in, int64_t stride, cf* out, int64_t n, size_t level, bool inv) const {
  if (n == 1) {
    out[0] = in[0];
    return;
  }
  const int p = factors_[level];
  const int64_t m = n / p;
  if (m == 1) {  // the last factor: its inputs are the leaves, no call per element
    for (int q = 0; q < p; ++q) out[q] = in[q * stride];
  } else {
    for (int q = 0; q < p; ++q) step(in + q * stride, stride * p, out + q * m, m, level + 1, inv);
  }
  const int64_t tw = n_ / n;  // roots_[tw * j] = exp(-2 pi i j / n)
  // times -i (forward) or +i (inverse): the rotation every odd-radix butterfly needs.
  auto rot = [inv](cf x) { return inv ? cf(-x.imag(), x.real()) : cf(x.imag(), -x.real()); };
  if (p == 3) {
    // y1,2 = a0 - (a1 + a2) / 2 -+ i sin(2 pi / 3) (a1 - a2) (forward signs).
    constexpr float kS = 0.866025403784438647f;
    for (int64_t k = 0; k < m; ++k) {
      const cf a0 = out[k];
      const cf a1 = mul(out[k + m], conj_if(roots_[tw * k], inv));
      const cf a2 = mul(out[k + 2 * m], conj_if(roots_[2 * tw * k], inv));
      const cf t = a1 + a2;
      const cf c = a0 - 0.5f * t;
      const cf r = rot(kS * (a1 - a2));
      out[k] = a0 + t;
      out[k + m] = c + r;
      out[k + 2 * m] = c - r;
    }
    return;
  }
  if (p == 5) {
    // With b1 = a1 + a4, b2 = a2 + a3, d1 = a1 - a4, d2 = a2 - a3 and c_j = cos(2 pi j / 5),
    // s_j = sin(2 pi j / 5): y1,4 = a0 + c1 b1 + c2 b2 -+ i (s1 d1 + s2 d2) and
    // y2,3 = a0 + c2 b1 + c1 b2 -+ i (s2 d1 - s1 d2) (forward signs).
    constexpr float kC1 = 0.309016994374947424f, kC2 = -0.809016994374947424f;
    constexpr float kS1 = 0.951056516295153572f, kS2 = 0.587785252292473129f;
    for (int64_t k = 0; k < m; ++k) {
      const cf a0 = out[k];
      const cf a1 = mul(out[k + m], conj_if(roots_[tw * k], inv));
      const cf a2 = mul(out[k + 2 * m], conj_if(roots_[2 * tw * k], inv));
      const cf a3 = mul(out[k + 3 * m], conj_if(roots_[3 * tw * k], inv));
      const cf a4 = mul(out[k + 4 * m], conj_if(roots_[4 * tw * k], inv));
      const cf b1 = a1 + a4, b2 = a2 + a3, d1 = a1 - a4, d2 = a2 - a3;
      const cf e1 = a0 + kC1 * b1 + kC2 * b2, e2 = a0 + kC2 * b1 + kC1 * b2;
      const cf r1 = rot(kS1 * d1 + kS2 * d2), r2 = rot(kS2 * d1 - kS1 * d2);
      out[k] = a0 + b1 + b2;
      out[k + m] = e1 + r1;
      out[k + 4 * m] = e1 - r1;
      out[k + 2 * m] = e2 + r2;
      out[k + 3 * m] = e2 - r2;
    }
    return;
  }
  if (p == 2) {
    for (int64_t k = 0; k < m; ++k) {
      const cf a = out[k];
      const cf b = mul(out[k + m], conj_if(roots_[tw * k], inv));
      out[k] = a + b;
      out[k + m] = a - b;
    }
    return;
  }
  if (p == 4) {
    for (int64_t k = 0; k < m; ++k) {
      const cf a0 = out[k];
      const cf a1 = mul(out[k + m], conj_if(roots_[tw * k], inv));
      const cf a2 = mul(out[k + 2 * m], conj_if(roots_[2 * tw * k], inv));
      const cf a3 = mul(out[k + 3 * m], conj_if(roots_[3 * tw * k], inv));
      const cf s02 = a0 + a2, d02 = a0 - a2, s13 = a1 + a3, d13 = a1 - a3;
      const cf r = rot(d13);
      out[k] = s02 + s13;
      out[k + m] = d02 + r;
      out[k + 2 * m] = s02 - s13;
      out[k + 3 * m] = d02 - r;
    }
    return;
  }
  // Any other (prime) radix: a direct size-p DFT per butterfly; fast sizes never get here.
  cf small[8];
  std::vector<cf> large;
  cf* t = small;
  if (p > 8) {
    large.resize(p);
    t = large.data();
  }
  const int64_t root_step = n_ / p;  // roots_[root_step * j] = exp(-2 pi i j / p)
  for (int64_t k = 0; k < m; ++k) {
    for (int q = 0; q < p; ++q) t[q] = mul(out[k + q * m], conj_if(roots_[tw * q * k], inv));
    for (int j = 0; j < p; ++j) {
      cf s = t[0];
      for (int q = 1; q < p; ++q) {
        s += mul(t[q], conj_if(roots_[root_step * ((q * j) % p)], inv));
      }
      out[k + j * m] = s;
    }
  }
}

void FftPlan::forward(const cf* in, cf* out, int64_t stride) const {
  step(in, stride, out, n_, 0, false);
}

void FftPlan::inverse(const cf* in, cf* out, int64_t stride) const {
  step(in, stride, out, n_, 0, true);
}

RealFft2d::RealFft2d(int64_t P, int64_t Q) : P_(P), Q_(Q), Qh_(Q / 2 + 1), row_(Q), col_(P) {}

int64_t RealFft2d::scratch_floats() const {
  // tmp: Qh x P complex (column-major); two Q-long complex rows; two P-long complex columns.
  return 2 * (Qh_ * P_ + 2 * Q_ + 2 * P_);
}

void RealFft2d::forward(const float* x, int64_t h, int64_t w, int64_t ld, int64_t top, int64_t left,
                        float* re, float* im, float* scratch) const {
  cf* tmp = reinterpret_cast<cf*>(scratch);  // tmp[k * P + p]
  cf* z = tmp + Qh_ * P_;
  cf* Z = z + Q_;
  cf* col = Z + Q_;
  cf* col_out = col + P_;
  std::fill(tmp, tmp + Qh_ * P_, cf(0.0f, 0.0f));
  // Rows, two real rows per complex transform: z = a + i b gives A[k] = (Z[k] + conj(Z[-k])) / 2
  // and B[k] = (Z[k] - conj(Z[-k])) / 2i.
  for (int64_t i = 0; i < h; i += 2) {
    const float* a = x + i * ld;
    const float* b = i + 1 < h ? a + ld : nullptr;
    std::fill(z, z + Q_, cf(0.0f, 0.0f));
    for (int64_t j = 0; j < w; ++j) z[left + j] = cf(a[j], b ? b[j] : 0.0f);
    row_.forward(z, Z);
    const int64_t pa = top + i, pb = top + i + 1;
    for (int64_t k = 0; k < Qh_; ++k) {
      const cf zk = Z[k], zn = std::conj(Z[(Q_ - k) % Q_]);
      tmp[k * P_ + pa] = 0.5f * (zk + zn);
      if (b) {
        const cf d = 0.5f * (zk - zn);  // B = d / i = (d.im, -d.re)
        tmp[k * P_ + pb] = cf(d.imag(), -d.real());
      }
    }
  }
  // Columns.
  for (int64_t k = 0; k < Qh_; ++k) {
    col_.forward(tmp + k * P_, col_out);
    for (int64_t p = 0; p < P_; ++p) {
      re[k * P_ + p] = col_out[p].real();
      im[k * P_ + p] = col_out[p].imag();
    }
  }
  (void)col;
}

void RealFft2d::inverse(const float* re, const float* im, float* y, int64_t h, int64_t w,
                        int64_t ld, float* scratch) const {
  cf* tmp = reinterpret_cast<cf*>(scratch);  // tmp[k * P + p]
  cf* z = tmp + Qh_ * P_;
  cf* Z = z + Q_;
  cf* col = Z + Q_;
  for (int64_t k = 0; k < Qh_; ++k) {
    for (int64_t p = 0; p < P_; ++p) col[p] = cf(re[k * P_ + p], im[k * P_ + p]);
    col_.inverse(col, tmp + k * P_);
  }
  // Rows, two per transform: Z = A + i B over the full circle (A[-k] = conj(A[k])), whose
  // inverse has a in the real part and b in the imaginary part.
  for (int64_t i = 0; i < h; i += 2) {
    const bool two = i + 1 < h;
    for (int64_t k = 0; k < Q_; ++k) {
      const bool mirrored = k >= Qh_;
      const int64_t kk = mirrored ? Q_ - k : k;
      cf A = tmp[kk * P_ + i];
      cf B = two ? tmp[kk * P_ + i + 1] : cf(0.0f, 0.0f);
      if (mirrored) {
        A = std::conj(A);
        B = std::conj(B);
      }
      Z[k] = A + cf(-B.imag(), B.real());
    }
    row_.inverse(Z, z);
    for (int64_t j = 0; j < w; ++j) {
      y[i * ld + j] = z[j].real();
      if (two) y[(i + 1) * ld + j] = z[j].imag();
    }
  }
}

}  // namespace loupe::kernels::fft
