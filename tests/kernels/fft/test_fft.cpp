// loupe's FFT (src/kernels/fft/) against a direct fp64 DFT, and FFT convolution
// (src/kernels/conv/fft_conv.cpp) against ops::conv_reference on 240 random shapes per ISA.
//
// Tolerances. An fp32 FFT of length n has a relative L2 error of about u sqrt(log2 n) per level
// (u = 2^-24 = 6e-8; Higham, "Accuracy and Stability of Numerical Algorithms", §24.1), well
// under 1e-6 for n <= 1000; a plain DFT step of a prime factor p adds u sqrt(p). 2e-6 relative L2
// leaves a margin of several times while one wrong twiddle or index gives an O(1) error.
// FFT convolution: the bound for the transform algorithms, relative L2 <= 1e-4 (the
// errors of two 2-D transforms and a C-term sum of products, ~1e-6 here, are far below it).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdio>
#include <numbers>
#include <vector>

#include "kernels/conv/fft_conv.hpp"
#include "kernels/fft/fft.hpp"
#include "loupe/error.hpp"
#include "loupe/random.hpp"
#include "loupe/tensor.hpp"
#include "ops/conv.hpp"

namespace loupe::kernels {
namespace {

using cd = std::complex<double>;
using fft::cf;

int64_t pick(Rng& rng, int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(rng.uniform() * static_cast<double>(hi - lo + 1));
}

std::vector<cd> dft(const std::vector<cf>& x, int sign) {
  const int64_t n = static_cast<int64_t>(x.size());
  std::vector<cd> y(x.size());
  for (int64_t k = 0; k < n; ++k) {
    cd s = 0;
    for (int64_t j = 0; j < n; ++j) {
      const double a = sign * 2.0 * std::numbers::pi * static_cast<double>((j * k) % n) / n;
      s += cd(x[j]) * cd(std::cos(a), std::sin(a));
    }
    y[k] = s;
  }
  return y;
}

template <typename A, typename B>
double rel_l2(const A& got, const B& want) {
  double num = 0, den = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    num += std::norm(cd(got[i]) - cd(want[i]));
    den += std::norm(cd(want[i]));
  }
  return std::sqrt(num) / std::max(std::sqrt(den), 1e-30);
}

TEST(Fft, FastSizesHaveOnlyFactors235) {
  EXPECT_EQ(fft::fast_size(1), 1);
  EXPECT_EQ(fft::fast_size(7), 8);
  EXPECT_EQ(fft::fast_size(11), 12);
  EXPECT_EQ(fft::fast_size(31), 32);
  EXPECT_EQ(fft::fast_size(227), 240);
  EXPECT_EQ(fft::fast_size(97), 100);
  EXPECT_THROW(fft::fast_size(0), Error);
}

TEST(Fft, ComplexMatchesDirectDft) {
  Rng rng(41);
  std::vector<int64_t> sizes;
  for (int64_t n = 1; n <= 40; ++n) sizes.push_back(n);
  for (int64_t n : {48, 60, 64, 77, 81, 97, 100, 125, 128, 240, 256}) sizes.push_back(n);
  for (int64_t n : sizes) {
    const fft::FftPlan plan(n);
    for (int stride : {1, 3}) {
      std::vector<cf> x(n * stride);
      for (cf& v : x) {
        v = cf(static_cast<float>(rng.uniform(-1, 1)), static_cast<float>(rng.uniform(-1, 1)));
      }
      std::vector<cf> dense(n);
      for (int64_t j = 0; j < n; ++j) dense[j] = x[j * stride];
      std::vector<cf> y(n);
      plan.forward(x.data(), y.data(), stride);
      EXPECT_LE(rel_l2(y, dft(dense, -1)), 2e-6) << "forward n=" << n << " stride=" << stride;
      plan.inverse(x.data(), y.data(), stride);
      EXPECT_LE(rel_l2(y, dft(dense, +1)), 2e-6) << "inverse n=" << n << " stride=" << stride;
    }
  }
}

TEST(Fft, Real2dMatchesDirectDftAndInverts) {
  Rng rng(42);
  for (int i = 0; i < 60; ++i) {
    const int64_t P = pick(rng, 1, 20), Q = pick(rng, 1, 20);
    const int64_t h = pick(rng, 1, P), w = pick(rng, 1, Q);
    const int64_t top = pick(rng, 0, P - h), left = pick(rng, 0, Q - w);
    std::vector<float> x(h * w);
    for (float& v : x) v = static_cast<float>(rng.uniform(-1, 1));
    const fft::RealFft2d t(P, Q);
    std::vector<float> re(t.bins()), im(t.bins()), scratch(t.scratch_floats());
    t.forward(x.data(), h, w, w, top, left, re.data(), im.data(), scratch.data());
    // Direct 2-D DFT of the placed image at the kept bins (k <= Q/2), b = k * P + p.
    std::vector<cd> want(t.bins());
    std::vector<cd> got(t.bins());
    for (int64_t k = 0; k <= Q / 2; ++k) {
      for (int64_t p = 0; p < P; ++p) {
        cd s = 0;
        for (int64_t a = 0; a < h; ++a) {
          for (int64_t b = 0; b < w; ++b) {
            const double ang = -2.0 * std::numbers::pi *
                               (static_cast<double>(((top + a) * p) % P) / P +
                                static_cast<double>(((left + b) * k) % Q) / Q);
            s += static_cast<double>(x[a * w + b]) * cd(std::cos(ang), std::sin(ang));
          }
        }
        want[k * P + p] = s;
        got[k * P + p] = cd(re[k * P + p], im[k * P + p]);
      }
    }
    EXPECT_LE(rel_l2(got, want), 2e-6) << P << "x" << Q;
    // The inverse of the spectrum is P Q times the placed image.
    std::vector<float> back(P * Q);
    t.inverse(re.data(), im.data(), back.data(), P, Q, Q, scratch.data());
    std::vector<double> placed(P * Q, 0.0), scaled(P * Q);
    for (int64_t a = 0; a < h; ++a) {
      for (int64_t b = 0; b < w; ++b) placed[(top + a) * Q + left + b] = x[a * w + b];
    }
    for (int64_t j = 0; j < P * Q; ++j) scaled[j] = back[j] / static_cast<double>(P * Q);
    EXPECT_LE(rel_l2(scaled, placed), 2e-6) << P << "x" << Q;
  }
}

std::vector<float> random_values(Rng& rng, int64_t n) {
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = static_cast<float>(rng.uniform(-1.0, 1.0));
  return v;
}

// Relative L2 error of the FFT conv against the oracle for one layer.
double conv_error(const conv::ConvDesc& d, Rng& rng) {
  const ops::LayerShape& s = d.shape;
  const auto x = random_values(rng, s.N * s.C * s.H * s.W);
  const auto w = random_values(rng, s.M * s.C * s.R * s.S);
  const auto b = random_values(rng, s.M);
  const int64_t ny = s.N * s.M * s.E * s.F;
  const auto res = random_values(rng, ny);
  ops::ConvParams p;
  p.window.R = s.R;
  p.window.S = s.S;
  p.window.pad_top = s.pad_top;
  p.window.pad_left = s.pad_left;
  p.window.pad_bottom = s.pad_bottom;
  p.window.pad_right = s.pad_right;
  const Tensor xt = Tensor::from({s.N, s.C, s.H, s.W}, x);
  const Tensor wt = Tensor::from({s.M, s.C, s.R, s.S}, w);
  const Tensor bt = Tensor::from({s.M}, b);
  Tensor ref({s.N, s.M, s.E, s.F});
  ops::conv_reference(p, xt, wt, d.has_bias ? &bt : nullptr, ref);
  const auto prim = conv::fft_algorithm().create(d, w.data(), d.has_bias ? b.data() : nullptr);
  EXPECT_EQ(prim->algorithm(), "fft");
  // Poisoned workspace and output: every output must be written, no garbage read.
  std::vector<float> ws(static_cast<size_t>(prim->workspace_floats()), std::nanf(""));
  std::vector<float> y(static_cast<size_t>(ny), std::nanf(""));
  prim->run(x.data(), y.data(), d.residual ? res.data() : nullptr, ws.data());
  double num = 0, den = 0;
  for (int64_t i = 0; i < ny; ++i) {
    double v = ref.data<float>()[i] + (d.residual ? res[i] : 0.0f);
    if (d.activation.clamp) v = std::clamp(v, double{d.activation.lo}, double{d.activation.hi});
    const double diff = y[i] - v;
    num += std::isfinite(diff) ? diff * diff : 1e300;
    den += v * v;
  }
  return std::sqrt(num) / std::max(std::sqrt(den), 1e-3);
}

conv::ConvDesc random_layer(Rng& rng) {
  conv::ConvDesc d;
  ops::LayerShape& s = d.shape;
  for (;;) {
    s.N = pick(rng, 1, 3);
    s.C = pick(rng, 1, rng.uniform() < 0.15 ? 33 : 9);
    s.M = pick(rng, 1, rng.uniform() < 0.15 ? 33 : 9);
    s.R = pick(rng, 1, 11);
    s.S = rng.uniform() < 0.7 ? s.R : pick(rng, 1, 11);
    s.H = pick(rng, 1, 24);
    s.W = pick(rng, 1, 24);
    s.pad_top = pick(rng, 0, s.R / 2 + 1);
    s.pad_left = pick(rng, 0, s.S / 2 + 1);
    s.pad_bottom = rng.uniform() < 0.6 ? s.pad_top : pick(rng, 0, s.R / 2 + 1);
    s.pad_right = rng.uniform() < 0.6 ? s.pad_left : pick(rng, 0, s.S / 2 + 1);
    s.E = s.H + s.pad_top + s.pad_bottom - s.R + 1;
    s.F = s.W + s.pad_left + s.pad_right - s.S + 1;
    if (s.E >= 1 && s.F >= 1) break;
  }
  d.has_bias = rng.uniform() < 0.5;
  d.residual = rng.uniform() < 0.3;
  const double act = rng.uniform();
  if (act < 0.3) d.activation = GemmEpilogue::relu();
  if (act > 0.85) d.activation = GemmEpilogue::relu6();
  d.threads = rng.uniform() < 0.5 ? 1 : 2;
  return d;
}

TEST(FftConv, MatchesReferenceOnRandomShapesOnEveryIsa) {
  for (Isa isa : {Isa::avx512, Isa::avx2, Isa::scalar}) {
    if (!isa_supported(isa)) continue;
    Rng rng(43 + static_cast<uint64_t>(isa));
    double worst = 0;
    for (int i = 0; i < 240; ++i) {
      conv::ConvDesc d = random_layer(rng);
      d.isa = isa;
      ASSERT_TRUE(conv::fft_algorithm().supports(d));
      const double err = conv_error(d, rng);
      worst = std::max(worst, err);
      const ops::LayerShape& s = d.shape;
      ASSERT_LE(err, 1e-4) << isa_name(isa) << " N=" << s.N << " C=" << s.C << " M=" << s.M
                           << " H,W=" << s.H << "," << s.W << " R,S=" << s.R << "," << s.S
                           << " pads=" << s.pad_top << "," << s.pad_left << "," << s.pad_bottom
                           << "," << s.pad_right;
    }
    std::printf("fft conv %s: worst relative L2 error %.2e over 240 shapes\n",
                std::string(isa_name(isa)).c_str(), worst);
  }
}

TEST(FftConv, ErrorOnLargeFilterLayers) {
  // AlexNet-like conv1 (11x11 over 3 channels, at stride 1 here) and conv2 (5x5), a 7x7 layer.
  Rng rng(44);
  struct L {
    int64_t C, M, HW, R, pad;
  };
  for (const L& l : {L{3, 16, 64, 11, 5}, L{48, 32, 27, 5, 2}, L{16, 16, 32, 7, 3}}) {
    conv::ConvDesc d;
    ops::LayerShape& s = d.shape;
    s.C = l.C;
    s.M = l.M;
    s.H = s.W = l.HW;
    s.R = s.S = l.R;
    s.pad_top = s.pad_left = s.pad_bottom = s.pad_right = l.pad;
    s.E = s.F = l.HW + 2 * l.pad - l.R + 1;
    d.has_bias = true;
    d.threads = 2;
    const double err = conv_error(d, rng);
    EXPECT_LE(err, 1e-4);
    std::printf("fft conv C=%lld M=%lld HW=%lld R=%lld: relative L2 error %.2e\n",
                static_cast<long long>(l.C), static_cast<long long>(l.M),
                static_cast<long long>(l.HW), static_cast<long long>(l.R), err);
  }
}

TEST(FftConv, SupportsOnlyStride1Dilation1Groups1) {
  conv::ConvDesc d;
  ops::LayerShape& s = d.shape;
  s.C = s.M = 4;
  s.H = s.W = 10;
  s.R = s.S = 3;
  s.E = s.F = 8;
  EXPECT_TRUE(conv::fft_algorithm().supports(d));
  conv::ConvDesc strided = d;
  strided.shape.U = strided.shape.U_w = 2;
  strided.shape.E = strided.shape.F = 4;
  EXPECT_FALSE(conv::fft_algorithm().supports(strided));
  conv::ConvDesc dilated = d;
  dilated.shape.dil_h = 2;
  dilated.shape.E = 6;
  EXPECT_FALSE(conv::fft_algorithm().supports(dilated));
  conv::ConvDesc grouped = d;
  grouped.shape.G = 2;
  EXPECT_FALSE(conv::fft_algorithm().supports(grouped));
  EXPECT_THROW(conv::fft_algorithm().create(strided, nullptr, nullptr), Error);
}

}  // namespace
}  // namespace loupe::kernels
