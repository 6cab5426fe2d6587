// Every element-wise path this CPU can run (avx512, avx2, scalar) against the ops reference
// (fp64, ops::make_op(...)->reference) on 200 random shapes per op and ISA, threads 1 and 2.
//
// Tolerances, per element, |got - want| <= rel * |want| + abs (u = 2^-24 = 6e-8):
// - Relu, Clip, LeakyRelu, Add, Mul: one fp32 rounding of the exact result, as the reference's
//   fp64 result rounded once: rel = u (Add may round twice in fp64 then fp32 in rare ties).
// - HardSigmoid / HardSwish: a fused multiply-add with alpha rounded to fp32 (1/6 is not exact),
//   then a multiply: 3 u relative, plus an absolute 2e-7 where alpha x + beta cancels (x ~ -3).
// - Sigmoid, SiLU, Tanh: the SIMD exp errs <= 2 u (eltwise.hpp), then an add, a division (and
//   SiLU's multiply): <= 6 u = 3.6e-7; rel = 1e-6 leaves ~3x margin. abs = 1e-37 covers the
//   documented flush of exp to 0 below -87.3 (sigmoid under 2^-126 = 1.2e-38 comes out 0);
//   SiLU multiplies that by |x| <= 100 here: abs = 100 * 2^-126 ~ 1.2e-36, 2e-36 with margin.
// - Softmax: x - max rounds in fp32 (the reference subtracts in fp64): an argument error of
//   u |x - max| <= 20 u (x in [-10, 10]) becomes a relative error of 20 u in exp; each exp then
//   errs <= 2 u, the row sum accumulates <= cols rounding errors of <= u each (relative to the
//   sum), and a reciprocal and a multiply: rel = (28 + cols) u.
// - LogSoftmax: x - (max + log(sum)): the sum's relative error (8 + cols) u becomes an absolute
//   error in log, and three roundings of values <= |want| + |x| + |max|: abs = (8 + cols) u,
//   rel = 4 u with |x| and |max| <= 10 here folded into abs as 80 u.
// - Batch norm as scale-shift: scale and shift rounded once each, then one fma: error <=
//   2 u (|x s| + |t|) + u |want|, computed per element below.
// - LRN: a sum of `size` squares in fp32 (<= size u relative, all terms positive), alpha / size
//   and the bias add rounded once each, the power (beta 0.75: two square roots and a multiply,
//   3 u; other betas: powf, <= 2 u, scaled by beta <= 1 on the base's error) and the division:
//   rel = (size + 10) u.
// A wrong formula, a dropped tail element or a wrong channel is far above every bound.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "kernels/eltwise/eltwise.hpp"
#include "loupe/random.hpp"
#include "loupe/tensor.hpp"
#include "ops/attributes.hpp"
#include "ops/broadcast.hpp"
#include "ops/op.hpp"

namespace loupe::kernels::eltwise {
namespace {

constexpr double kU = 0x1.0p-24;

std::vector<Isa> isas() {
  std::vector<Isa> v;
  for (Isa i : {Isa::avx512, Isa::avx2, Isa::scalar}) {
    if (isa_supported(i)) v.push_back(i);
  }
  return v;
}

Tensor random_tensor(const Shape& shape, Rng& rng, double lo, double hi) {
  Tensor t(shape);
  float* d = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) d[i] = static_cast<float>(rng.uniform(lo, hi));
  return t;
}

// The reference op's output for these inputs.
Tensor reference(std::string_view type, const ops::Attributes& attrs,
                 const std::vector<Tensor>& inputs) {
  const auto op = ops::make_op(type, attrs);
  std::vector<ops::ValueInfo> infos;
  for (const Tensor& t : inputs) infos.push_back({t.shape(), DType::f32});
  const auto out_infos = op->infer(infos);
  std::vector<Tensor> outs;
  for (const auto& o : out_infos) outs.emplace_back(o.shape, o.dtype);
  op->reference(inputs, outs);
  return std::move(outs[0]);
}

int64_t pick(Rng& rng, int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(rng.uniform() * static_cast<double>(hi - lo + 1));
}

void expect_close(const Tensor& got, const Tensor& want, double rel, double abs,
                  const std::string& what) {
  ASSERT_EQ(got.numel(), want.numel()) << what;
  int bad = 0;
  for (int64_t i = 0; i < want.numel() && bad < 3; ++i) {
    const double g = got.data<float>()[i], w = want.data<float>()[i];
    if (!(std::fabs(g - w) <= rel * std::fabs(w) + abs)) {
      ++bad;
      ADD_FAILURE() << what << " at " << i << ": " << g << " vs " << w;
    }
  }
}

struct UnaryCase {
  const char* type;
  ops::Attributes attrs;
  Unary u;
  double rel, abs;
};

std::vector<UnaryCase> unary_cases() {
  return {
      {"Relu", {}, Unary::relu(), kU, 0},
      {"Clip", {{"min", 0.0f}, {"max", 6.0f}}, Unary::relu6(), kU, 0},
      {"Clip", {{"min", -0.5f}, {"max", 0.25f}}, Unary::clip(-0.5f, 0.25f), kU, 0},
      {"LeakyRelu", {{"alpha", 0.1f}}, Unary::leaky_relu(0.1f), kU, 0},
      {"Sigmoid", {}, Unary::sigmoid(), 1e-6, 1e-37},
      {"Tanh", {}, Unary::tanh(), 1e-6, 1e-37},
      {"Silu", {}, Unary::silu(), 1e-6, 2e-36},
      {"HardSigmoid",
       {{"alpha", 0.2f}, {"beta", 0.5f}},
       Unary::hard_sigmoid(0.2f, 0.5f),
       3 * kU,
       2e-7},
      {"HardSwish", {}, Unary::hard_swish(), 3 * kU, 2e-7},
  };
}

TEST(EltwiseKernel, UnaryMatchesReferenceOnRandomShapes) {
  for (Isa isa : isas()) {
    for (const UnaryCase& c : unary_cases()) {
      Rng rng(21);
      for (int i = 0; i < 200; ++i) {
        const Shape s{pick(rng, 1, 3), pick(rng, 1, 17), pick(rng, 1, i % 10 == 0 ? 200 : 40)};
        // Mostly the interesting range, every 8th case far out (exp's clamps, tanh's +-1).
        const double r = i % 8 == 7 ? 100.0 : 10.0;
        const Tensor x = random_tensor(s, rng, -r, r);
        const Tensor want = reference(c.type, c.attrs, {x});
        Tensor got(s);
        unary(c.u, x.data<float>(), got.data<float>(), x.numel(), 1 + i % 2, isa);
        expect_close(got, want, c.rel, c.abs,
                     std::string(c.type) + " " + std::string(isa_name(isa)) + " " + shape_str(s));
        // In place gives the same.
        Tensor inplace = x;
        unary(c.u, inplace.data<float>(), inplace.data<float>(), x.numel(), 1, isa);
        expect_close(inplace, want, c.rel, c.abs, std::string(c.type) + " in place");
      }
    }
  }
}

TEST(EltwiseKernel, LargeUnaryIsSplitOverThreads) {
  Rng rng(22);
  const Tensor x = random_tensor(Shape{3, 64, 1000}, rng, -8, 8);
  const Tensor want = reference("Sigmoid", {}, {x});
  for (Isa isa : isas()) {
    Tensor got(x.shape());
    unary(Unary::sigmoid(), x.data<float>(), got.data<float>(), x.numel(), 2, isa);
    expect_close(got, want, 1e-6, 1e-37, std::string(isa_name(isa)));
  }
}

// A random pair of shapes that broadcast: each of a's axes is kept, set to 1 in one operand, or
// dropped from b's front; covers same shape, scalar, per-channel and general patterns.
void random_broadcast(Rng& rng, int i, Shape& a, Shape& b) {
  const int64_t rank = pick(rng, 1, 4);
  a.assign(rank, 1);
  for (auto& d : a) d = pick(rng, 1, i % 10 == 0 ? 40 : 9);
  b = a;
  switch (i % 5) {
    case 0:  // same shape
      break;
    case 1:  // scalar
      b = Shape{};
      break;
    case 2:  // per-channel [1,C,1,1] against [N,C,H,W]
      a = Shape{pick(rng, 1, 3), pick(rng, 1, 20), pick(rng, 1, 12), pick(rng, 1, 12)};
      b = Shape{1, a[1], 1, 1};
      break;
    default:  // random 1s on either side, maybe a shorter b
      for (int64_t k = 0; k < rank; ++k) {
        const double u = rng.uniform();
        if (u < 0.3)
          b[k] = 1;
        else if (u < 0.5)
          a[k] = 1;
      }
      if (rng.uniform() < 0.3) b.erase(b.begin());
  }
  if (i % 7 == 3) std::swap(a, b);
}

TEST(EltwiseKernel, BinaryBroadcastMatchesReferenceOnRandomShapes) {
  for (Isa isa : isas()) {
    Rng rng(23);
    for (int i = 0; i < 400; ++i) {
      Shape as, bs;
      random_broadcast(rng, i, as, bs);
      const Tensor a = random_tensor(as, rng, -2, 2);
      const Tensor b = random_tensor(bs, rng, -2, 2);
      const bool add = i % 2 == 0;
      const Tensor want = reference(add ? "Add" : "Mul", {}, {a, b});
      Tensor got(want.shape());
      binary_broadcast(add ? BinaryKind::add : BinaryKind::mul, a.data<float>(), as,
                       b.data<float>(), bs, got.data<float>(), 1 + i % 2, isa);
      expect_close(got, want, kU, 0,
                   fmt::format("{} {} {} {}", add ? "Add" : "Mul", isa_name(isa), shape_str(as),
                               shape_str(bs)));
    }
  }
}

TEST(EltwiseKernel, BinaryBroadcastRejectsIncompatibleShapes) {
  float v[6] = {};
  EXPECT_THROW(binary_broadcast(BinaryKind::add, v, Shape{2, 3}, v, Shape{3, 2}, v), Error);
}

TEST(EltwiseKernel, BatchNormMatchesReferenceOnRandomShapes) {
  for (Isa isa : isas()) {
    Rng rng(24);
    for (int i = 0; i < 200; ++i) {
      const Shape s{pick(rng, 1, 3), pick(rng, 1, 24), pick(rng, 1, 15), pick(rng, 1, 15)};
      const int64_t C = s[1];
      const Tensor x = random_tensor(s, rng, -3, 3);
      const Tensor gamma = random_tensor(Shape{C}, rng, 0.5, 2);
      const Tensor beta = random_tensor(Shape{C}, rng, -1, 1);
      const Tensor mean = random_tensor(Shape{C}, rng, -1, 1);
      const Tensor var = random_tensor(Shape{C}, rng, 0.1, 3);
      const float eps = 1e-5f;
      const Tensor want =
          reference("BatchNormalization", {{"epsilon", eps}}, {x, gamma, beta, mean, var});
      std::vector<float> scale(C), shift(C);
      batch_norm_coefficients(gamma.data<float>(), beta.data<float>(), mean.data<float>(),
                              var.data<float>(), eps, C, scale.data(), shift.data());
      Tensor got(s);
      scale_shift(x.data<float>(), scale.data(), shift.data(), got.data<float>(), s[0], C,
                  s[2] * s[3], 1 + i % 2, isa);
      const int64_t HW = s[2] * s[3];
      for (int64_t j = 0; j < x.numel(); ++j) {
        const int64_t c = j / HW % C;
        const double w = want.data<float>()[j];
        const double tol =
            2 * kU * (std::fabs(x.data<float>()[j] * scale[c]) + std::fabs(shift[c])) +
            kU * std::fabs(w);
        ASSERT_LE(std::fabs(got.data<float>()[j] - w), tol)
            << isa_name(isa) << " " << shape_str(s) << " at " << j;
      }
    }
  }
}

TEST(EltwiseKernel, SoftmaxMatchesReferenceOnRandomShapes) {
  for (Isa isa : isas()) {
    for (bool log : {false, true}) {
      Rng rng(25);
      for (int i = 0; i < 200; ++i) {
        const int64_t cols = pick(rng, 1, i % 10 == 0 ? 1000 : 70);
        const Shape s{pick(rng, 1, 4), pick(rng, 1, 6), cols};
        const Tensor x = random_tensor(s, rng, -10, 10);
        const Tensor want = reference(log ? "LogSoftmax" : "Softmax", {}, {x});
        Tensor got(s);
        softmax(x.data<float>(), got.data<float>(), s[0] * s[1], cols, log, 1 + i % 2, isa);
        const double n = static_cast<double>(8 + cols);
        expect_close(
            got, want, log ? 4 * kU : (n + 20) * kU, log ? (n + 80) * kU : 1e-37,
            fmt::format("{} {} {}", log ? "LogSoftmax" : "Softmax", isa_name(isa), shape_str(s)));
      }
    }
  }
}

TEST(EltwiseKernel, LrnMatchesReferenceOnRandomShapes) {
  for (Isa isa : isas()) {
    Rng rng(26);
    for (int i = 0; i < 200; ++i) {
      // Windows up to 7 channels, now and then 19 (wider than lrn_row's vector tail buffer).
      const int64_t size = i % 25 == 0 ? 19 : pick(rng, 1, 7);
      const float betas[] = {0.75f, 0.5f, 1.0f, 0.6f};
      const float beta = betas[i % 4];
      const float alpha = static_cast<float>(rng.uniform(1e-4, 2.0));
      const float bias = static_cast<float>(rng.uniform(0.5, 2.0));
      const Shape s{pick(rng, 1, 3), pick(rng, 1, 24), pick(rng, 1, 9), pick(rng, 1, 13)};
      const Tensor x = random_tensor(s, rng, -5, 5);
      const ops::Attributes attrs{{"size", size}, {"alpha", alpha}, {"beta", beta}, {"bias", bias}};
      const Tensor want = reference("LRN", attrs, {x});
      Tensor got(s);
      lrn(x.data<float>(), got.data<float>(), s[0], s[1], s[2] * s[3], size, alpha, beta, bias,
          1 + i % 2, isa);
      expect_close(
          got, want, static_cast<double>(size + 10) * kU, 0,
          fmt::format("LRN {} size {} beta {} {}", isa_name(isa), size, beta, shape_str(s)));
    }
  }
}

TEST(EltwiseKernel, LrnRejectsAnEmptyWindow) {
  float v = 0, w = 0;
  EXPECT_THROW(lrn(&v, &w, 1, 1, 1, 0, 1e-4f, 0.75f, 1.0f), Error);
}

TEST(EltwiseKernel, SoftmaxRejectsEmptyRows) {
  float v = 0;
  EXPECT_THROW(softmax(&v, &v, 1, 0), Error);
}

}  // namespace
}  // namespace loupe::kernels::eltwise
