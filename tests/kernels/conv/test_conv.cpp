// Every conv algorithm on every ISA this CPU runs against the fp64-accumulating oracle
// ops::conv_reference, on >= 200 randomized shapes per algorithm drawn from what the algorithm
// supports: odd C and M, symmetric and asymmetric padding, stride 1-3, dilation 1-2, groups,
// batch > 1, with and without bias, residual and ReLU / ReLU6, threads 1 and 2.
//
// Tolerance: inputs and weights are uniform in [-1, 1]; an fp32 dot product of K terms then errs
// by about u sqrt(K) times the typical output (u = 2^-24), ~1e-7 relative for K < 1000, so a
// relative L2 error of 1e-5 (the bound) has a wide margin while one wrong tap is far
// above it. Winograd's transforms amplify rounding by their coefficients' magnitudes (the 1e-4
// bound of the issue applies to them).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "kernels/conv/conv.hpp"
#include "kernels/conv/gemm_conv.hpp"
#include "kernels/conv/im2col.hpp"
#include "loupe/error.hpp"
#include "loupe/random.hpp"
#include "loupe/tensor.hpp"
#include "ops/conv.hpp"

namespace loupe::kernels::conv {
namespace {

int64_t pick(Rng& rng, int64_t lo, int64_t hi) {  // uniform in [lo, hi]
  return lo + static_cast<int64_t>(rng.uniform() * static_cast<double>(hi - lo + 1));
}

// Output size by ONNX's rule; false when the window does not fit.
bool finish_shape(ops::LayerShape& s) {
  const int64_t span_h = s.H + s.pad_top + s.pad_bottom - s.dil_h * (s.R - 1) - 1;
  const int64_t span_w = s.W + s.pad_left + s.pad_right - s.dil_w * (s.S - 1) - 1;
  if (span_h < 0 || span_w < 0) return false;
  s.E = span_h / s.U + 1;
  s.F = span_w / s.U_w + 1;
  return true;
}

struct Case {
  ConvDesc d;
  std::string str() const {
    const ops::LayerShape& s = d.shape;
    return fmt::format(
        "N={} C={} H={} W={} M={} R={} S={} U={},{} dil={},{} G={} pads={},{},{},{} bias={} "
        "res={} clamp={}[{},{}] threads={}",
        s.N, s.C, s.H, s.W, s.M, s.R, s.S, s.U, s.U_w, s.dil_h, s.dil_w, s.G, s.pad_top, s.pad_left,
        s.pad_bottom, s.pad_right, d.has_bias, d.residual, d.activation.clamp, d.activation.lo,
        d.activation.hi, d.threads);
  }
};

// A random layer shaped for `algo` (kernel size, stride, groups as the algorithm requires).
ConvDesc random_desc(Rng& rng, std::string_view algo) {
  for (;;) {
    ops::LayerShape s;
    s.N = pick(rng, 1, 3);
    const bool depthwise = algo == "depthwise";
    const bool winograd = algo.starts_with("winograd");
    const bool one = algo == "gemm_1x1";
    // Transform algorithms: stride 1, dilation 1, groups 1 only.
    const bool unit = winograd || algo == "fft";
    s.G = depthwise ? pick(rng, 1, 19) : (unit ? 1 : (rng.uniform() < 0.3 ? pick(rng, 2, 4) : 1));
    // Mostly small; sometimes past 16 and 32 so that the 16-lane channel blocks get tails.
    const int64_t wide = rng.uniform() < 0.15 ? 40 : 13;
    const int64_t cg = depthwise ? 1 : pick(rng, 1, wide);
    const int64_t mg = depthwise ? 1 : pick(rng, 1, wide);
    s.C = s.G * cg;
    s.M = s.G * mg;
    s.R = one ? 1 : (winograd ? 3 : pick(rng, 1, 5));
    s.S = one ? 1 : (winograd ? 3 : pick(rng, 1, 5));
    s.U = unit ? 1 : pick(rng, 1, 3);
    s.U_w = unit ? 1 : (rng.uniform() < 0.7 ? s.U : pick(rng, 1, 3));
    s.dil_h = (unit || one) ? 1 : pick(rng, 1, 2);
    s.dil_w = (unit || one) ? 1 : pick(rng, 1, 2);
    if (!one) {
      s.pad_top = pick(rng, 0, 2);
      s.pad_left = pick(rng, 0, 2);
      // Symmetric most of the time, asymmetric (SAME_UPPER-like) otherwise.
      s.pad_bottom = rng.uniform() < 0.6 ? s.pad_top : pick(rng, 0, 2);
      s.pad_right = rng.uniform() < 0.6 ? s.pad_left : pick(rng, 0, 2);
    }
    // Half the depthwise layers MobileNet-like (3x3 or 5x5, dilation 1, stride 1 or 2 in both
    // directions): the shapes of the direct kernel, which the general draw above rarely makes.
    if (depthwise && rng.uniform() < 0.5) {
      s.R = s.S = rng.uniform() < 0.75 ? 3 : 5;
      s.dil_h = s.dil_w = 1;
      s.U = s.U_w = pick(rng, 1, 2);
    }
    s.H = pick(rng, 1, winograd ? 19 : 13);
    s.W = pick(rng, 1, winograd ? 19 : 13);
    // Now and then a wide plane, so that output rows get every vector tail (F mod 64 up to 63:
    // MobileNet's 56-wide rows once fell through the AVX-512 depthwise kernel's tail switch).
    if (rng.uniform() < (depthwise ? 0.3 : 0.15) && (depthwise || s.G == 1)) {
      s.W = pick(rng, 20, depthwise ? 130 : 70);
      s.C = std::min<int64_t>(s.C, 8 * s.G);
      s.M = depthwise ? s.C : s.M;
    }
    if (!finish_shape(s)) continue;
    ConvDesc d;
    d.shape = s;
    d.has_bias = rng.uniform() < 0.5;
    d.residual = rng.uniform() < 0.3;
    const double act = rng.uniform();
    if (act < 0.3)
      d.activation = GemmEpilogue::relu();
    else if (act < 0.45)
      d.activation = GemmEpilogue::relu6();
    d.threads = rng.uniform() < 0.5 ? 1 : 2;
    return d;
  }
}

std::vector<float> random_values(Rng& rng, int64_t n) {
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = static_cast<float>(rng.uniform(-1.0, 1.0));
  return v;
}

Tensor tensor_of(Shape shape, const std::vector<float>& v) {
  return Tensor::from(std::move(shape), std::span<const float>(v));
}

// Relative L2 error of `algo` against the oracle on one case (-1 when not supported).
double run_case(const ConvAlgorithm& algo, const ConvDesc& d, Rng& rng) {
  const ops::LayerShape& s = d.shape;
  const std::vector<float> x = random_values(rng, s.N * s.C * s.H * s.W);
  const std::vector<float> w = random_values(rng, s.M * (s.C / s.G) * s.R * s.S);
  const std::vector<float> b = random_values(rng, s.M);
  const int64_t ny = s.N * s.M * s.E * s.F;
  const std::vector<float> res = random_values(rng, ny);

  ops::ConvParams p;
  p.G = s.G;
  p.window.R = s.R;
  p.window.S = s.S;
  p.window.U = s.U;
  p.window.U_w = s.U_w;
  p.window.dil_h = s.dil_h;
  p.window.dil_w = s.dil_w;
  p.window.pad_top = s.pad_top;
  p.window.pad_left = s.pad_left;
  p.window.pad_bottom = s.pad_bottom;
  p.window.pad_right = s.pad_right;
  const Tensor xt = tensor_of({s.N, s.C, s.H, s.W}, x);
  const Tensor wt = tensor_of({s.M, s.C / s.G, s.R, s.S}, w);
  const Tensor bt = tensor_of({s.M}, b);
  Tensor ref({s.N, s.M, s.E, s.F});
  ops::conv_reference(p, xt, wt, d.has_bias ? &bt : nullptr, ref);
  const float* r = ref.data<float>();
  std::vector<double> expect(static_cast<size_t>(ny));
  for (int64_t i = 0; i < ny; ++i) {
    double v = r[i] + (d.residual ? res[i] : 0.0f);
    if (d.activation.clamp)
      v = std::min(std::max(v, double{d.activation.lo}), double{d.activation.hi});
    expect[i] = v;
  }

  const auto prim = algo.create(d, w.data(), d.has_bias ? b.data() : nullptr);
  EXPECT_EQ(prim->algorithm(), algo.name());
  // A blocked x is handed over blocked, its tail block's channels past C zero as the layout
  // promises (NaN there would poison the zero filters' sums).
  std::vector<float> xb;
  if (d.x_layout == Layout::NCHWc) {
    xb.resize(static_cast<size_t>(s.N * x_image_floats(d)), std::nanf(""));
    nchw_to_blocked(x.data(), s.N, s.C, s.H * s.W, xb.data());
  }
  // Poisoned workspace and output: the primitive must write every output and not read garbage.
  // With strided images (d.y_image_stride) the gaps between them must stay untouched.
  std::vector<float> ws(static_cast<size_t>(prim->workspace_floats()) + 16, std::nanf(""));
  const bool blocked_y = d.y_layout == Layout::NCHWc;
  const int64_t plain = s.M * s.E * s.F, ys = blocked_y ? plain : y_image_floats(d);
  std::vector<float> y(static_cast<size_t>((s.N - 1) * ys + plain), std::nanf(""));
  std::vector<float> yb(blocked_y ? static_cast<size_t>(s.N * y_image_floats(d)) : 0,
                        std::nanf(""));
  prim->run(xb.empty() ? x.data() : xb.data(), blocked_y ? yb.data() : y.data(),
            d.residual ? res.data() : nullptr, ws.data());
  if (blocked_y) {
    // Every channel of the padded tail block written, as zeros past M.
    const int64_t Mb = blocked_channels(s.M), plane = s.E * s.F;
    for (int64_t n = 0; n < s.N; ++n) {
      for (int64_t m = s.M; m < Mb; ++m) {
        for (int64_t p = 0; p < plane; ++p) {
          if (yb[static_cast<size_t>(((n * Mb + m / 16 * 16) * plane) + p * 16 + m % 16)] != 0.0f)
            return 1e300;
        }
      }
    }
    blocked_to_nchw(yb.data(), s.N, s.M, plane, y.data());
  }

  double num = 0.0, den = 0.0;
  for (int64_t i = 0; i < ny; ++i) {
    const double diff = static_cast<double>(y[i / plain * ys + i % plain]) - expect[i];
    num += std::isfinite(diff) ? diff * diff : 1e300;
    den += expect[i] * expect[i];
  }
  for (int64_t n = 0; n + 1 < s.N; ++n) {
    for (int64_t j = plain; j < ys; ++j) {
      if (!std::isnan(y[n * ys + j])) return 1e300;  // wrote between two images
    }
  }
  return std::sqrt(num) / std::max(std::sqrt(den), 1e-3);
}

double tolerance(std::string_view algo) { return algo.starts_with("winograd") ? 1e-4 : 1e-5; }

class ConvAlgorithms : public ::testing::TestWithParam<std::string> {};

TEST_P(ConvAlgorithms, MatchReferenceOnRandomShapesOnEveryIsa) {
  const ConvAlgorithm* algo = find_algorithm(GetParam());
  ASSERT_NE(algo, nullptr);
  constexpr int kShapes = 200;
  for (Isa isa : {Isa::avx512, Isa::avx2, Isa::scalar}) {
    if (!isa_supported(isa)) continue;
    Rng rng(977 + static_cast<uint64_t>(isa));
    int tested = 0;
    for (int i = 0; tested < kShapes; ++i) {
      ASSERT_LT(i, 10 * kShapes) << "generator yields too few supported shapes";
      ConvDesc d = random_desc(rng, algo->name());
      d.isa = isa;
      if (!algo->supports(d)) continue;
      // Every third case of two or more images with each image's output a slice of a wider
      // tensor, where the algorithm takes that (ConvDesc::y_image_stride).
      if (i % 3 == 0 && d.shape.N > 1) {
        d.y_image_stride = d.shape.M * d.shape.E * d.shape.F + 16 * (1 + i % 4);
        if (!algo->supports(d)) d.y_image_stride = 0;
        // One float short of an image would overlap the next: refused by every algorithm.
        ConvDesc overlapping = d;
        overlapping.y_image_stride = d.shape.M * d.shape.E * d.shape.F - 1;
        if (overlapping.y_image_stride > 0) {
          EXPECT_FALSE(algo->supports(overlapping)) << Case{d}.str();
        }
      }
      ++tested;
      const double err = run_case(*algo, d, rng);
      ASSERT_LE(err, tolerance(algo->name()))
          << algo->name() << " isa=" << isa_name(isa) << " " << Case{d}.str();
    }
  }
}

// direct_nchw16c takes and returns the channel-blocked layout as well (the graph's layout
// propagation): x blocked, y blocked, or both, on random shapes; every other algorithm refuses
// a blocked side.
TEST(ConvDirect, BlockedLayoutsMatchReferenceOnEveryIsa) {
  const ConvAlgorithm* algo = find_algorithm("direct_nchw16c");
  ASSERT_NE(algo, nullptr);
  constexpr int kShapes = 200;
  for (Isa isa : {Isa::avx512, Isa::avx2, Isa::scalar}) {
    if (!isa_supported(isa)) continue;
    Rng rng(4099 + static_cast<uint64_t>(isa));
    int tested = 0;
    for (int i = 0; tested < kShapes; ++i) {
      ASSERT_LT(i, 10 * kShapes) << "generator yields too few supported shapes";
      ConvDesc d = random_desc(rng, algo->name());
      d.isa = isa;
      if (i % 3 != 1) d.x_layout = Layout::NCHWc;
      if (i % 3 != 0) {
        d.y_layout = Layout::NCHWc;
        // A blocked y takes no residual.
        ConvDesc with_residual = d;
        with_residual.residual = true;
        EXPECT_FALSE(algo->supports(with_residual));
        d.residual = false;
      }
      if (!algo->supports(d)) continue;
      for (const ConvAlgorithm* other : algorithms()) {
        if (other != algo) {
          EXPECT_FALSE(other->supports(d)) << other->name();
        }
      }
      ++tested;
      const double err = run_case(*algo, d, rng);
      ASSERT_LE(err, tolerance(algo->name()))
          << "isa=" << isa_name(isa) << " x " << layout_name(d.x_layout) << " y "
          << layout_name(d.y_layout) << " " << Case{d}.str();
    }
  }
}

std::vector<std::string> algorithm_names() {
  std::vector<std::string> names;
  for (const ConvAlgorithm* a : algorithms()) names.emplace_back(a->name());
  return names;
}

INSTANTIATE_TEST_SUITE_P(All, ConvAlgorithms, ::testing::ValuesIn(algorithm_names()),
                         [](const auto& info) { return info.param; });

bool supports(std::string_view name, const ConvDesc& d) {
  const ConvAlgorithm* a = find_algorithm(name);
  return a != nullptr && a->supports(d);
}

ConvDesc layer(int64_t C, int64_t M, int64_t HW, int64_t R, int64_t U, int64_t pad, int64_t G) {
  ConvDesc d;
  ops::LayerShape& s = d.shape;
  s.N = 1;
  s.C = C;
  s.M = M;
  s.H = s.W = HW;
  s.R = s.S = R;
  s.U = s.U_w = U;
  s.G = G;
  s.pad_top = s.pad_left = s.pad_bottom = s.pad_right = pad;
  finish_shape(s);
  return d;
}

// The im2col row copy out[f] = in[f * stride] of each ISA, on every length up to a few vectors
// (the vector loops, their early stop for stride 2 and the scalar tails); the input ends at the
// last element the copy may read, so that the ASan build catches a vector load past it.
TEST(ConvIm2col, StridedCopyMatchesScalarOnEveryIsa) {
  struct Copy {
    Isa isa;
    void (*fn)(const float*, int64_t, int64_t, float*);
  };
  for (const Copy& c :
       {Copy{Isa::avx512, strided_copy_avx512}, Copy{Isa::avx2, strided_copy_avx2}}) {
    if (!isa_supported(c.isa)) continue;
    for (int64_t stride = 2; stride <= 4; ++stride) {
      for (int64_t n = 0; n <= 70; ++n) {
        const int64_t last = n == 0 ? 0 : (n - 1) * stride + 1;  // floats the copy may read
        std::vector<float> in(static_cast<size_t>(std::max<int64_t>(last, 1)), std::nanf(""));
        for (int64_t i = 0; i < last; ++i) in[static_cast<size_t>(i)] = static_cast<float>(i);
        std::vector<float> out(static_cast<size_t>(n) + 1, -1.0f);
        c.fn(in.data(), stride, n, out.data());
        for (int64_t f = 0; f < n; ++f) {
          ASSERT_EQ(out[static_cast<size_t>(f)], static_cast<float>(f * stride))
              << isa_name(c.isa) << " stride " << stride << " n " << n << " f " << f;
        }
        ASSERT_EQ(out[static_cast<size_t>(n)], -1.0f) << "wrote past n";
      }
    }
  }
}

// direct_nchw16c and direct_phased cut each output row into strips of equal width (AVX-512: up
// to 14 pixels, AVX2 / scalar: 12 and the rest): every row width up to five strips, so that each
// tile width 1..14 and each split of a row runs, with a channel-block tail (C = 17), a partial
// 32-filter group (M = 40), stride 1 and 2, residual and clamp.
class ConvDirectTiles : public ::testing::TestWithParam<const char*> {};

TEST_P(ConvDirectTiles, EveryRowWidthOnEveryIsa) {
  const ConvAlgorithm* algo = find_algorithm(GetParam());
  ASSERT_NE(algo, nullptr);
  Rng rng(4242);
  for (Isa isa : {Isa::avx512, Isa::avx2, Isa::scalar}) {
    if (!isa_supported(isa)) continue;
    for (int64_t U = 1; U <= 2; ++U) {
      for (int64_t F = 1; F <= 57; ++F) {
        ConvDesc d = layer(17, 40, (F - 1) * U + 1, 3, U, 1, 1);
        d.shape.H = 3;
        ASSERT_TRUE(finish_shape(d.shape));
        ASSERT_EQ(d.shape.F, F);
        d.isa = isa;
        d.has_bias = true;
        d.residual = F % 2 == 0;
        d.activation = GemmEpilogue::relu();
        d.threads = F % 3 == 0 ? 2 : 1;
        const double err = run_case(*algo, d, rng);
        ASSERT_LE(err, tolerance(algo->name())) << isa_name(isa) << " " << Case{d}.str();
      }
    }
  }
}

// Maps at most 7 wide go through AVX-512 tiles of two output rows: every width 1..7 at heights
// 1..6 (a lone last row when odd), stride 1 to 3 (3: the intrinsics tile, not the assembly one),
// dilation 2, batch 2 on 2 threads. direct_nchw16c computes such maps a filter group at a time,
// its channel blocks (two here) in separate calls that add to the tiles' sums.
TEST_P(ConvDirectTiles, TwoRowTilesOnNarrowMapsOnEveryIsa) {
  const ConvAlgorithm* algo = find_algorithm(GetParam());
  ASSERT_NE(algo, nullptr);
  Rng rng(733);
  for (Isa isa : {Isa::avx512, Isa::avx2, Isa::scalar}) {
    if (!isa_supported(isa)) continue;
    for (int64_t U = 1; U <= 3; ++U) {
      for (int64_t dil = 1; dil <= 2; ++dil) {
        for (int64_t F = 1; F <= 7; ++F) {
          for (int64_t E = 1; E <= 6; ++E) {
            ConvDesc d = layer(17, 40, 1, 3, U, dil, 1);
            ops::LayerShape& s = d.shape;
            s.dil_h = s.dil_w = dil;
            s.W = (F - 1) * U + 1;
            s.H = (E - 1) * U + 1;
            s.N = 2;
            ASSERT_TRUE(finish_shape(s));
            ASSERT_EQ(s.E, E);
            ASSERT_EQ(s.F, F);
            d.isa = isa;
            d.has_bias = true;
            d.residual = (E + F) % 2 == 0;
            d.activation = GemmEpilogue::relu();
            d.threads = 2;
            const double err = run_case(*algo, d, rng);
            ASSERT_LE(err, tolerance(algo->name())) << isa_name(isa) << " " << Case{d}.str();
          }
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(BlockedAndPhased, ConvDirectTiles,
                         ::testing::Values("direct_nchw16c", "direct_phased"));

// direct_nchw16c reorders a map whose blocked copy exceeds L2 band by band, each thread into its
// own buffer (its workspace then holds a few rows per thread, not the image). Sized from this
// CPU's L2; each case at two consecutive heights, so that with bands of two or more rows one of
// them ends in a short band; with padding rows at both ends, stride and dilation, asymmetric
// padding, 5 x 5, a channel-block tail, batch 2, residual and both thread counts.
TEST(ConvDirect, BandedLargeMapsMatchReferenceOnEveryIsa) {
  const ConvAlgorithm* algo = find_algorithm("direct_nchw16c");
  ASSERT_NE(algo, nullptr);
  const auto side = static_cast<int64_t>(std::sqrt(static_cast<double>(cache_sizes().l2) / 128));
  for (Isa isa : {Isa::avx512, Isa::avx2}) {
    if (!isa_supported(isa)) continue;
    Rng rng(977 + static_cast<uint64_t>(isa));
    for (int i = 0; i < 3; ++i) {
      for (int64_t grow = 0; grow < 2; ++grow) {
        ConvDesc d = layer(17, 40, side + 4 + grow, 3, 1, 1, 1);
        ops::LayerShape& s = d.shape;
        s.N = i == 0 ? 2 : 1;
        if (i == 1) {  // stride 2, dilation 2, asymmetric padding
          s.U = s.U_w = 2;
          s.dil_h = s.dil_w = 2;
          s.pad_top = 2;
          s.pad_bottom = 0;
          s.pad_right = 3;
          s.W = side + 16;
          s.H = 2 * side + 8 + grow;
        }
        if (i == 2) {  // 5 x 5, three channel blocks
          s.C = 33;
          s.R = s.S = 5;
          s.pad_top = s.pad_left = s.pad_bottom = s.pad_right = 2;
        }
        ASSERT_TRUE(finish_shape(s));
        d.isa = isa;
        d.has_bias = true;
        d.residual = i != 1;
        d.activation = GemmEpilogue::relu();
        d.threads = i == 1 ? 1 : 2;
        const auto prim = algo->create(d, random_values(rng, s.M * s.C * s.R * s.S).data(),
                                       random_values(rng, s.M).data());
        const int64_t image = (s.C + 15) / 16 * (s.H + s.pad_top + s.pad_bottom) *
                              (s.W + s.pad_left + s.pad_right) * 16;
        ASSERT_LT(prim->workspace_floats(), image) << "not banded: " << Case{d}.str();
        const double err = run_case(*algo, d, rng);
        ASSERT_LE(err, 1e-5) << "isa=" << isa_name(isa) << " " << Case{d}.str();
      }
    }
  }
}

// Layers whose whole im2col buffer exceeds L2 run band by band (output rows lowered into an
// L2-sized buffer, the GEMM writing a slice of Y). The random shapes above are too small for that:
// these are large enough on any L2 up to 4 MiB, with a last band shorter than the others, groups,
// stride, dilation, asymmetric padding, batch 2, residual and both thread counts.
TEST(ConvIm2col, BandedLayersMatchReferenceOnEveryIsa) {
  const ConvAlgorithm* algo = find_algorithm("im2col_gemm");
  ASSERT_NE(algo, nullptr);
  for (Isa isa : {Isa::avx512, Isa::avx2, Isa::scalar}) {
    if (!isa_supported(isa)) continue;
    Rng rng(4242 + static_cast<uint64_t>(isa));
    for (int i = 0; i < 4; ++i) {
      ConvDesc d = layer(24, 13, 83, 3, 1, 1, 1);
      ops::LayerShape& s = d.shape;
      s.N = i % 2 == 0 ? 1 : 2;
      if (i == 1) {  // groups, odd M per group
        s.C = 48;
        s.M = 14;
        s.G = 2;
      }
      if (i == 2) {  // stride 2 in H, dilation 2 in W, asymmetric padding
        s.H = s.W = 131;
        s.U = 2;
        s.dil_w = 2;
        s.pad_bottom = 0;
        s.pad_right = 2;
      }
      if (i == 3) {  // 5 x 5, wide rows
        s.R = s.S = 5;
        s.W = 170;
        s.pad_top = s.pad_left = s.pad_bottom = s.pad_right = 2;
      }
      d.isa = isa;
      d.has_bias = true;
      d.residual = i != 1;
      d.activation = GemmEpilogue::relu();
      d.threads = i % 2 == 0 ? 2 : 1;
      // The band height follows this CPU's L2: a few more input rows until the last band is
      // short, so that both band plans run whatever the cache.
      int64_t band_rows = 0;
      for (int grow = 0; grow < 8; ++grow, ++s.H) {
        ASSERT_TRUE(finish_shape(s));
        const auto prim = algo->create(d, random_values(rng, s.M * s.C / s.G * s.R * s.S).data(),
                                       random_values(rng, s.M).data());
        const auto* banded = dynamic_cast<const GemmConvPrimitive*>(prim.get());
        ASSERT_NE(banded, nullptr);
        band_rows = banded->band_rows();
        ASSERT_GT(band_rows, 0) << "not banded: " << Case{d}.str();
        if (s.E % band_rows != 0) break;
      }
      ASSERT_NE(s.E % band_rows, 0) << "no short last band: " << Case{d}.str();
      const double err = run_case(*algo, d, rng);
      ASSERT_LE(err, 1e-5) << "isa=" << isa_name(isa) << " " << Case{d}.str();
    }
  }
}

// The error bound for the transforms on ResNet / VGG-like layers (more channels than the
// random shapes): relative L2 <= 1e-4 against the fp64 oracle.
TEST(ConvWinograd, ErrorOnResNetAndVggLikeLayers) {
  Rng rng(31337);
  const ConvDesc layers[] = {layer(64, 64, 28, 3, 1, 1, 1), layer(128, 128, 14, 3, 1, 1, 1),
                             layer(256, 64, 7, 3, 1, 1, 1), layer(3, 64, 32, 3, 1, 1, 1)};
  for (const char* name : {"winograd_f2x3", "winograd_f4x3", "winograd_f6x3"}) {
    const ConvAlgorithm* algo = find_algorithm(name);
    if (algo == nullptr) continue;
    for (ConvDesc d : layers) {
      d.has_bias = true;
      d.threads = 2;
      // ReLU6 on 64+ channels: sums of 576+ products of U(-1, 1) pass 6 often, so the clamp's
      // upper bound is checked where the output transform applies it.
      if (d.shape.C >= 64 && d.shape.M == 64) {
        d.activation = GemmEpilogue::relu6();
        d.residual = true;
      }
      const double err = run_case(*algo, d, rng);
      EXPECT_LE(err, 1e-4) << name << " " << Case{d}.str();
      std::printf("%s C=%lld M=%lld HW=%lld: relative L2 error %.2e\n", name,
                  static_cast<long long>(d.shape.C), static_cast<long long>(d.shape.M),
                  static_cast<long long>(d.shape.H), err);
    }
  }
}

// Batch 1 on a map of few tiles with 2 threads, M >= 256 and U (alpha^2 C M floats) larger than
// a quarter of the L3: the threads split the output channels (a part of M not a multiple of 16
// included), each running every tile. C is sized from this CPU's L3 so that even F(2x2)'s U
// outgrows that quarter.
TEST(ConvWinograd, OutputChannelSplitMatchesReferenceOnEveryIsa) {
  Rng rng(4242);
  const int64_t M = 264, C = cache_sizes().l3 / 4 / (16 * M * 4) + 1;
  for (Isa isa : {Isa::avx512, Isa::avx2, Isa::scalar}) {
    if (!isa_supported(isa)) continue;
    for (const char* name : {"winograd_f2x3", "winograd_f4x3", "winograd_f6x3"}) {
      const ConvAlgorithm* algo = find_algorithm(name);
      ASSERT_NE(algo, nullptr) << name;
      ConvDesc d = layer(C, M, 4, 3, 1, 1, 1);
      d.isa = isa;
      d.threads = 2;
      d.has_bias = true;
      d.residual = true;
      d.activation = GemmEpilogue::relu();
      ASSERT_TRUE(algo->supports(d)) << name << " " << Case{d}.str();
      EXPECT_LE(run_case(*algo, d, rng), 1e-4)
          << name << " isa=" << isa_name(isa) << " " << Case{d}.str();
    }
  }
}

// Strided 1x1 layers large enough that gemm_1x1 splits the gather of the kept pixels over the
// threads by channels (an odd channel count, so the parts differ; a 14 x 14 output), at batch 1
// and, with an image per thread (the split then runs serially inside each image's task),
// batch 2; and the same on a 7 x 7 output (pixel rows, gathered on one thread).
TEST(ConvGemm1x1, StridedGatherSplitOverThreadsOnEveryIsa) {
  Rng rng(555);
  const ConvAlgorithm* algo = find_algorithm("gemm_1x1");
  ASSERT_NE(algo, nullptr);
  for (Isa isa : {Isa::avx512, Isa::avx2, Isa::scalar}) {
    if (!isa_supported(isa)) continue;
    for (const int64_t HW : {int64_t{28}, int64_t{14}}) {
      for (const int64_t N : {int64_t{1}, int64_t{2}}) {
        ConvDesc d = layer(349, 48, HW, 1, 2, 0, 1);
        d.shape.N = N;
        d.isa = isa;
        d.threads = 2;
        d.has_bias = true;
        d.residual = true;
        d.activation = GemmEpilogue::relu();
        ASSERT_GE(d.shape.C * d.shape.E * d.shape.F, 16384) << Case{d}.str();
        EXPECT_LE(run_case(*algo, d, rng), 1e-5) << "isa=" << isa_name(isa) << " " << Case{d}.str();
      }
    }
  }
}

// Every depthwise layer shape of MobileNet v1 and v2 (C, input size, stride) with the epilogue
// the graph fuses there (bias + ReLU6), on every ISA, 1 and 2 threads.
TEST(ConvDepthwise, MobileNetLayersOnEveryIsa) {
  const ConvAlgorithm* algo = find_algorithm("depthwise");
  ASSERT_NE(algo, nullptr);
  const int64_t layers[][3] = {{32, 112, 1}, {64, 112, 2}, {96, 112, 2}, {128, 56, 1},
                               {144, 56, 2}, {256, 28, 1}, {192, 28, 2}, {384, 14, 1},
                               {512, 14, 2}, {1024, 7, 1}, {960, 7, 1}};
  Rng rng(2024);
  for (Isa isa : {Isa::avx512, Isa::avx2, Isa::scalar}) {
    if (!isa_supported(isa)) continue;
    for (const auto& l : layers) {
      ConvDesc d = layer(l[0], l[0], l[1], 3, l[2], 1, l[0]);
      d.has_bias = true;
      d.activation = GemmEpilogue::relu6();
      d.threads = l[0] % 3 == 0 ? 1 : 2;
      d.isa = isa;
      ASSERT_TRUE(algo->supports(d));
      const double err = run_case(*algo, d, rng);
      EXPECT_LE(err, 1e-5) << "isa=" << isa_name(isa) << " " << Case{d}.str();
    }
  }
}

TEST(ConvRegistry, NamesAreUniqueAndFindable) {
  const auto names = algorithm_names();
  for (const std::string& n : names) {
    EXPECT_EQ(std::count(names.begin(), names.end(), n), 1) << n;
    ASSERT_NE(find_algorithm(n), nullptr);
    EXPECT_EQ(find_algorithm(n)->name(), n);
  }
  EXPECT_EQ(find_algorithm("no_such_algorithm"), nullptr);
  EXPECT_NE(find_algorithm("im2col_gemm"), nullptr);
  EXPECT_NE(find_algorithm("gemm_1x1"), nullptr);
}

TEST(ConvRegistry, SupportsRules) {
  const ConvDesc conv3 = layer(64, 64, 56, 3, 1, 1, 1);
  const ConvDesc conv1 = layer(64, 256, 56, 1, 1, 0, 1);
  const ConvDesc conv1_s2 = layer(256, 512, 56, 1, 2, 0, 1);
  const ConvDesc conv1_pad = layer(8, 8, 10, 1, 1, 1, 1);
  const ConvDesc dw = layer(32, 32, 28, 3, 2, 1, 32);
  const ConvDesc grouped = layer(32, 64, 28, 3, 1, 1, 4);
  EXPECT_TRUE(supports("im2col_gemm", conv3));
  EXPECT_TRUE(supports("im2col_gemm", dw));
  EXPECT_TRUE(supports("im2col_gemm", grouped));
  EXPECT_TRUE(supports("gemm_1x1", conv1));
  EXPECT_TRUE(supports("gemm_1x1", conv1_s2));
  EXPECT_FALSE(supports("gemm_1x1", conv1_pad));
  EXPECT_FALSE(supports("gemm_1x1", conv3));
  if (find_algorithm("depthwise") != nullptr) {
    EXPECT_TRUE(supports("depthwise", dw));
    EXPECT_FALSE(supports("depthwise", grouped));
    EXPECT_FALSE(supports("depthwise", conv3));
  }
  for (const char* wino : {"winograd_f2x3", "winograd_f4x3", "winograd_f6x3"}) {
    if (find_algorithm(wino) == nullptr) continue;
    EXPECT_TRUE(supports(wino, conv3)) << wino;
    EXPECT_FALSE(supports(wino, conv1)) << wino;
    EXPECT_FALSE(supports(wino, dw)) << wino;
    EXPECT_FALSE(supports(wino, grouped)) << wino;
    EXPECT_FALSE(supports(wino, layer(64, 64, 56, 3, 2, 1, 1))) << wino;
  }
  // Malformed shapes: no algorithm accepts them, and choose_algorithm says so.
  ConvDesc bad = conv3;
  bad.shape.E = 7;  // inconsistent with H, R, pads
  ConvDesc bad_groups = grouped;
  bad_groups.shape.G = 5;  // does not divide C
  for (const ConvAlgorithm* a : algorithms()) {
    EXPECT_FALSE(a->supports(bad)) << a->name();
    EXPECT_FALSE(a->supports(bad_groups)) << a->name();
  }
  EXPECT_THROW(choose_algorithm(bad), Error);
}

TEST(ConvRegistry, ChoiceAlwaysSupportsTheLayer) {
  Rng rng(4242);
  for (const char* kind : {"im2col_gemm", "gemm_1x1", "depthwise", "winograd_f4x3"}) {
    for (int i = 0; i < 50; ++i) {
      const ConvDesc d = random_desc(rng, kind);
      EXPECT_TRUE(choose_algorithm(d).supports(d)) << Case{d}.str();
    }
  }
  EXPECT_EQ(choose_algorithm(layer(64, 256, 56, 1, 1, 0, 1)).name(), "gemm_1x1");
  EXPECT_EQ(choose_algorithm(layer(32, 32, 28, 3, 2, 1, 32)).name(), "depthwise");
  EXPECT_EQ(choose_algorithm(layer(256, 256, 28, 3, 1, 1, 1)).name(), "winograd_f4x3");
  // Winograd from 16 channels in and 32 out (SqueezeNet's expand layers) on every ISA, not below.
  EXPECT_EQ(choose_algorithm(layer(16, 64, 55, 3, 1, 1, 1)).name(), "winograd_f4x3");
  EXPECT_FALSE(choose_algorithm(layer(15, 64, 55, 3, 1, 1, 1)).name().starts_with("winograd"));
  EXPECT_FALSE(choose_algorithm(layer(16, 31, 55, 3, 1, 1, 1)).name().starts_with("winograd"));
  // F(4x4) on a 14 x 14 map has 16 tiles: enough for one thread of AVX2, too few for two
  // threads of AVX2 (or scalar code) and for AVX-512 at batch 1 (registry.cpp). With AVX-512 8
  // images make 128.
  const bool avx512 = best_isa() == Isa::avx512;
  ConvDesc wino14 = layer(256, 256, 14, 3, 1, 1, 1);
  wino14.threads = 1;
  EXPECT_EQ(choose_algorithm(wino14).name(), avx512 ? "winograd_f2x3" : "winograd_f4x3");
  wino14.threads = 2;
  EXPECT_EQ(choose_algorithm(wino14).name(), "winograd_f2x3");
  wino14.shape.N = 8;
  EXPECT_EQ(choose_algorithm(wino14).name(), avx512 ? "winograd_f4x3" : "winograd_f2x3");
  // F(2x2) on a 7 x 7 map has 16 tiles: with AVX-512 at batch 1, on one thread or two, the
  // blocked direct kernel (a filter group at a time on so small a map) goes first, and not the
  // phased one.
  ConvDesc wino7 = layer(160, 320, 7, 3, 1, 1, 1);
  for (const int threads : {1, 2}) {
    wino7.threads = threads;
    EXPECT_EQ(choose_algorithm(wino7).name(), avx512 ? "direct_nchw16c" : "winograd_f2x3");
  }
  // Other direct layers: stride 1 on the phase-split planes with AVX-512 (AlexNet's conv2),
  // stride 2 channel-blocked (ResNet-50's downsampling 3x3).
  const char* blocked = best_isa() == Isa::scalar ? "im2col_gemm" : "direct_nchw16c";
  EXPECT_EQ(choose_algorithm(layer(64, 192, 27, 5, 1, 2, 1)).name(),
            best_isa() == Isa::avx512 ? "direct_phased" : blocked);
  EXPECT_EQ(choose_algorithm(layer(128, 128, 56, 3, 2, 1, 1)).name(), blocked);
  // First layers: direct_nchw with a vector tile (AVX-512 from K = C R S = 27, AVX2 from 100).
  EXPECT_EQ(choose_algorithm(layer(3, 64, 32, 3, 1, 1, 1)).name(),
            best_isa() == Isa::avx512 ? "direct_nchw" : "im2col_gemm");
  EXPECT_EQ(choose_algorithm(layer(3, 64, 224, 7, 2, 3, 1)).name(),
            best_isa() == Isa::scalar ? "implicit_gemm" : "direct_nchw");
  // AlexNet's 11x11 (K = 363) on the phased tile with AVX-512.
  EXPECT_EQ(choose_algorithm(layer(3, 64, 224, 11, 4, 2, 1)).name(),
            best_isa() == Isa::avx512   ? "direct_phased"
            : best_isa() == Isa::scalar ? "implicit_gemm"
                                        : "direct_nchw");
}

}  // namespace
}  // namespace loupe::kernels::conv
