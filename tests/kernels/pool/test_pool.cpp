// Every pooling path this CPU can run (avx512, avx2, scalar) against ops::pool_reference on 250
// random shapes per op and per ISA: kernels 1-7, strides 1-3, asymmetric pads, ceil_mode,
// count_include_pad, dilation, odd sizes, batch > 1, threads 1 and 2 (some shapes are large
// enough to be split over the pool); plus global pooling.
//
// Tolerance: max pooling only selects, so it must match bit for bit. An average sums at most
// R*S values of |x| <= 1 in fp32 (the reference in fp64); each addition errs by at most
// u = 2^-24 of a partial sum <= R*S, so |err| <= (R*S)^2 u / count <= R*S u before the division,
// a few u more after it: 1e-6 * R*S is above that (>= 16x margin) while any dropped, doubled or
// misplaced tap (|x| ~ 0.5 / count) is far above it. Global average: 1e-6 * sqrt-free bound
// plane * u ~ 6e-8 * plane; 1e-6 + 1e-7 * plane covers it.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "kernels/pool/pool.hpp"
#include "loupe/random.hpp"
#include "loupe/tensor.hpp"
#include "ops/pool.hpp"

namespace loupe::kernels::pool {
namespace {

std::vector<Isa> isas() {
  std::vector<Isa> v;
  for (Isa i : {Isa::avx512, Isa::avx2, Isa::scalar}) {
    if (isa_supported(i)) v.push_back(i);
  }
  return v;
}

Tensor random_tensor(const Shape& shape, Rng& rng) {
  Tensor t(shape);
  float* d = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) d[i] = static_cast<float>(rng.uniform(-1.0, 1.0));
  return t;
}

bool same(float a, float b, double tol) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a == b;
  return std::fabs(static_cast<double>(a) - b) <= tol;
}

// A random valid pooling layer (the ops rules reject some draws: those are drawn again).
ops::PoolParams random_params(ops::PoolKind kind, Rng& rng, Shape& x) {
  auto pick = [&](int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(rng.uniform() * static_cast<double>(hi - lo + 1));
  };
  for (;;) {
    ops::PoolParams p;
    p.kind = kind;
    ops::Window2D& w = p.window;
    w.R = pick(1, 7);
    w.S = pick(1, 7);
    w.U = pick(1, 3);
    w.U_w = pick(1, 3);
    if (kind == ops::PoolKind::max && rng.uniform() < 0.3) {
      w.dil_h = pick(1, 3);
      w.dil_w = pick(1, 3);
    }
    // Pads below the dilated kernel, so windows mostly hold input.
    w.pad_top = pick(0, (w.R - 1) * w.dil_h);
    w.pad_left = pick(0, (w.S - 1) * w.dil_w);
    w.pad_bottom = pick(0, (w.R - 1) * w.dil_h);
    w.pad_right = pick(0, (w.S - 1) * w.dil_w);
    p.ceil_mode = rng.uniform() < 0.4;
    p.count_include_pad = kind == ops::PoolKind::average && rng.uniform() < 0.5;
    // Big: threaded, and wide enough that pool() prefers the plane kernel to the lane kernel.
    const bool big = rng.uniform() < 0.1;
    x = Shape{pick(1, 3), big ? pick(16, 24) : pick(1, 9), big ? pick(40, 60) : pick(1, 40),
              big ? pick(40, 120) : pick(1, 40)};
    try {
      ops::pool_layer_shape(p, x);
      return p;
    } catch (const Error&) {
    }
  }
}

// pool() against the reference on one layer; reports up to 3 mismatches with `what`.
void expect_matches(const ops::PoolParams& p, const Shape& xs, Isa isa, int threads, Rng& rng,
                    const std::string& what) {
  const PoolDesc d = pool_desc(p, xs);
  const ops::LayerShape& s = d.shape;
  const Tensor x = random_tensor(xs, rng);
  Tensor want(Shape{s.N, s.C, s.E, s.F});
  ops::pool_reference(p, x, want);
  Tensor got(Shape{s.N, s.C, s.E, s.F});
  pool(d, x.data<float>(), got.data<float>(), threads, isa);
  const double tol = p.kind == ops::PoolKind::max ? 0.0 : 1e-6 * static_cast<double>(s.R * s.S);
  int64_t bad = 0;
  for (int64_t j = 0; j < want.numel() && bad < 3; ++j) {
    if (!same(got.data<float>()[j], want.data<float>()[j], tol)) {
      ++bad;
      ADD_FAILURE() << isa_name(isa) << " " << what << " x=" << shape_str(xs) << " R,S=" << s.R
                    << "," << s.S << " U=" << s.U << "," << s.U_w << " dil=" << s.dil_h << ","
                    << s.dil_w << " pads=" << s.pad_top << "," << s.pad_left << "," << s.pad_bottom
                    << "," << s.pad_right << " ceil=" << p.ceil_mode
                    << " cip=" << p.count_include_pad << " at " << j << ": " << got.data<float>()[j]
                    << " vs " << want.data<float>()[j];
    }
  }
}

void check_random(ops::PoolKind kind, Isa isa, uint64_t seed) {
  Rng rng(seed);
  for (int i = 0; i < 250; ++i) {
    Shape xs;
    const ops::PoolParams p = random_params(kind, rng, xs);
    expect_matches(p, xs, isa, 1 + i % 2, rng, "case " + std::to_string(i));
  }
}

TEST(PoolKernel, MaxMatchesReferenceOnRandomShapes) {
  for (Isa isa : isas()) check_random(ops::PoolKind::max, isa, 11);
}

TEST(PoolKernel, AverageMatchesReferenceOnRandomShapes) {
  for (Isa isa : isas()) check_random(ops::PoolKind::average, isa, 12);
}

// The zoo's windows, which the random draws reach only now and then (a 3 x 3 window is 1 in 49):
// 3 x 3 stride 1 pad 1, 3 x 3 stride 2 (with and without ceil_mode and padding), 2 x 2 stride 2
// (with and without padding), on maps narrow enough for the lane kernel (8 planes per vector,
// plus leftover planes) and wide enough for the plane kernel (105 columns: a stride-2 row tail
// of 9). AVX-512's max pools read the plane's rows as vectors of 16 (max_rows): 32 columns fill
// two, and with stride 2 and ceil_mode make a 16th output column; 105 make several.
TEST(PoolKernel, ZooWindowsMatchReference) {
  struct Window {
    int64_t K, U, pad;
    bool ceil;
  };
  const Window windows[] = {
      {3, 1, 1, false}, {3, 2, 0, true}, {3, 2, 1, false}, {2, 2, 0, false}, {2, 2, 1, true}};
  const Shape maps[] = {
      {1, 19, 14, 14}, {2, 8, 28, 27}, {1, 9, 7, 7}, {1, 17, 31, 32}, {1, 10, 57, 105}};
  Rng rng(77);
  for (Isa isa : isas()) {
    for (ops::PoolKind kind : {ops::PoolKind::max, ops::PoolKind::average}) {
      for (const Window& w : windows) {
        for (const Shape& xs : maps) {
          ops::PoolParams p;
          p.kind = kind;
          p.window.R = p.window.S = w.K;
          p.window.U = p.window.U_w = w.U;
          p.window.pad_top = p.window.pad_left = p.window.pad_bottom = p.window.pad_right = w.pad;
          p.ceil_mode = w.ceil;
          for (int threads : {1, 2}) expect_matches(p, xs, isa, threads, rng, "zoo window");
        }
      }
    }
  }
}

TEST(PoolKernel, GlobalMatchesReferenceOnRandomShapes) {
  for (Isa isa : isas()) {
    Rng rng(13);
    for (int i = 0; i < 200; ++i) {
      const ops::PoolKind kind = i % 2 ? ops::PoolKind::max : ops::PoolKind::average;
      const Shape xs{1 + i % 3, 1 + static_cast<int64_t>(rng.uniform() * 40),
                     1 + static_cast<int64_t>(rng.uniform() * 30),
                     1 + static_cast<int64_t>(rng.uniform() * 30)};
      ops::PoolParams p;
      p.kind = kind;
      p.global = true;
      const Tensor x = random_tensor(xs, rng);
      Tensor want(Shape{xs[0], xs[1], 1, 1});
      ops::pool_reference(p, x, want);
      Tensor got(Shape{xs[0], xs[1], 1, 1});
      global_pool(kind, xs[0] * xs[1], xs[2] * xs[3], x.data<float>(), got.data<float>(), 1 + i % 2,
                  isa);
      const double tol = kind == ops::PoolKind::max ? 0.0 : 1e-6 + 1e-7 * xs[2] * xs[3];
      for (int64_t j = 0; j < want.numel(); ++j) {
        ASSERT_TRUE(same(got.data<float>()[j], want.data<float>()[j], tol))
            << isa_name(isa) << " case " << i << " x=" << shape_str(xs) << " at " << j;
      }
    }
  }
}

TEST(PoolKernel, EmptyWindowsFollowTheReference) {
  // Two taps 4 rows apart over a 2-row input padded by 2 each side: the windows' taps land at
  // rows {-2, 2} and {-1, 3}, all outside, so the max is -inf and the average 0/0, as in the
  // reference.
  ops::PoolParams p;
  p.window.R = 2;
  p.window.S = 1;
  p.window.dil_h = 4;
  p.window.pad_top = 2;
  p.window.pad_bottom = 2;
  const Shape xs{1, 1, 2, 4};
  Rng rng(1);
  const Tensor x = random_tensor(xs, rng);
  for (ops::PoolKind kind : {ops::PoolKind::max, ops::PoolKind::average}) {
    p.kind = kind;
    const PoolDesc d = pool_desc(p, xs);
    Tensor want(Shape{1, 1, d.shape.E, d.shape.F});
    ops::pool_reference(p, x, want);
    for (Isa isa : isas()) {
      Tensor got(Shape{1, 1, d.shape.E, d.shape.F});
      pool(d, x.data<float>(), got.data<float>(), 1, isa);
      for (int64_t j = 0; j < want.numel(); ++j) {
        EXPECT_TRUE(same(got.data<float>()[j], want.data<float>()[j], 1e-6))
            << isa_name(isa) << " at " << j;
      }
    }
  }
}

TEST(PoolKernel, RejectsBadDescriptions) {
  PoolDesc d;
  d.shape.E = 0;
  float v = 0;
  EXPECT_THROW(pool(d, &v, &v, 1), Error);
  EXPECT_THROW(global_pool(ops::PoolKind::max, 1, 0, &v, &v, 1), Error);
}

}  // namespace
}  // namespace loupe::kernels::pool
