#include <cmath>
#include <limits>

#include "ew_test_util.hpp"

namespace loupe::ops {
namespace {

using test::f32;
using test::i64;
using test::run1;

TEST(Unary, ExactValues) {
  const Tensor x = f32({4}, {-2.5f, -0.5f, 0.5f, 4});
  test::expect_near(run1("Abs", {}, {x}), {2.5f, 0.5f, 0.5f, 4}, 0);
  test::expect_near(run1("Neg", {}, {x}), {2.5f, 0.5f, -0.5f, -4}, 0);
  test::expect_near(run1("Reciprocal", {}, {x}), {-0.4f, -2, 2, 0.25f}, 0);
  test::expect_near(run1("Floor", {}, {x}), {-3, -1, 0, 4}, 0);
  test::expect_near(run1("Ceil", {}, {x}), {-2, -0.0f, 1, 4}, 0);
  test::expect_near(run1("Sqrt", {}, {f32({3}, {0, 2.25f, 16})}), {0, 1.5f, 4}, 0);
}

TEST(Unary, Transcendentals) {
  // exp(1) = 2.718281828..., log(10) = 2.302585093..., erf(0.5) = 0.520499877..., erf(-2) =
  // -0.995322265...
  test::expect_near(run1("Exp", {}, {f32({3}, {0, 1, -1})}), {1, 2.7182817f, 0.36787945f}, 1e-7);
  test::expect_near(run1("Log", {}, {f32({3}, {1, 10, 0.5f})}), {0, 2.3025851f, -0.6931472f}, 1e-7);
  test::expect_near(run1("Erf", {}, {f32({3}, {0, 0.5f, -2})}), {0, 0.5204999f, -0.9953223f}, 1e-7);
}

TEST(Unary, RoundSignSoftplusSoftsign) {
  // Halves round to even.
  test::expect_near(run1("Round", {}, {f32({6}, {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 2.4f})}),
                    {0, 2, 2, -0.0f, -2, 2}, 0);
  test::expect_near(run1("Sign", {}, {f32({3}, {-3, 0, 0.25f})}), {-1, 0, 1}, 0);
  // softplus(0) = log 2, softplus(100) = 100; softsign(3) = 3/4.
  test::expect_near(run1("Softplus", {}, {f32({2}, {0, 100})}), {0.6931472f, 100}, 1e-7);
  test::expect_near(run1("Softsign", {}, {f32({2}, {3, -1})}), {0.75f, -0.5f}, 0);
}

TEST(Unary, TrigonometricAndHyperbolic) {
  // sin(pi/6) = 0.5, cos(0) = 1, tan(pi/4) = 1, asin(1) = pi/2, acos(0) = pi/2, atan(1) = pi/4,
  // sinh(1) = 1.1752012, cosh(1) = 1.5430806, asinh(1) = 0.8813736, acosh(2) = 1.3169579,
  // atanh(0.5) = 0.5493061.
  test::expect_near(run1("Sin", {}, {f32({1}, {0.5235988f})}), {0.5f}, 1e-7);
  test::expect_near(run1("Cos", {}, {f32({1}, {0})}), {1}, 0);
  test::expect_near(run1("Tan", {}, {f32({1}, {0.7853982f})}), {1}, 1e-6);
  test::expect_near(run1("Asin", {}, {f32({1}, {1})}), {1.5707964f}, 1e-7);
  test::expect_near(run1("Acos", {}, {f32({1}, {0})}), {1.5707964f}, 1e-7);
  test::expect_near(run1("Atan", {}, {f32({1}, {1})}), {0.7853982f}, 1e-7);
  test::expect_near(run1("Sinh", {}, {f32({1}, {1})}), {1.1752012f}, 1e-6);
  test::expect_near(run1("Cosh", {}, {f32({1}, {1})}), {1.5430806f}, 1e-6);
  test::expect_near(run1("Asinh", {}, {f32({1}, {1})}), {0.8813736f}, 1e-6);
  test::expect_near(run1("Acosh", {}, {f32({1}, {2})}), {1.3169579f}, 1e-6);
  test::expect_near(run1("Atanh", {}, {f32({1}, {0.5f})}), {0.5493061f}, 1e-6);
}

TEST(Unary, SpecialValues) {
  const Tensor y = run1("Log", {}, {f32({2}, {0, -1})});
  EXPECT_EQ(y.data<float>()[0], -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(y.data<float>()[1]));
  EXPECT_TRUE(std::isnan(run1("Sqrt", {}, {f32({1}, {-4})}).data<float>()[0]));
  EXPECT_EQ(run1("Reciprocal", {}, {f32({1}, {0})}).data<float>()[0],
            std::numeric_limits<float>::infinity());
}

TEST(Unary, IntegerAbsAndNeg) {
  const Tensor x = i64({3}, {-3, 0, 5});
  EXPECT_EQ(test::ivalues(run1("Abs", {}, {x})), (std::vector<int64_t>{3, 0, 5}));
  EXPECT_EQ(test::ivalues(run1("Neg", {}, {x})), (std::vector<int64_t>{3, 0, -5}));
  // The minimum has no positive counterpart: it wraps to itself, as in NumPy.
  const int64_t lo = std::numeric_limits<int64_t>::min();
  EXPECT_EQ(test::ivalues(run1("Neg", {}, {i64({1}, {lo})})), (std::vector<int64_t>{lo}));
}

TEST(Unary, Double) {
  Tensor x(Shape{2}, DType::f64);
  x.data<double>()[0] = 2.0;
  x.data<double>()[1] = 9.0;
  const Tensor y = run1("Sqrt", {}, {x});
  EXPECT_EQ(y.dtype(), DType::f64);
  EXPECT_EQ(y.data<double>()[0], 1.4142135623730951);
  EXPECT_EQ(y.data<double>()[1], 3.0);
}

TEST(Unary, CountsOneFlopPerFloatElement) {
  const auto op = make_op("Erf", {});
  const Tensor x = test::iota_f32({2, 3});
  const auto in = test::infos({x});
  EXPECT_EQ(op->count(in, op->infer(in)).flops, 6);
  const auto neg = make_op("Neg", {});
  const auto iin = test::infos({i64({2}, {1, 2})});
  EXPECT_EQ(neg->count(iin, neg->infer(iin)).flops, 0);
}

TEST(Unary, Errors) {
  EXPECT_LOUPE_ERROR(run1("Sqrt", {}, {i64({1}, {4})}),
                     "input dtype i64 is not supported (f32 or f64)");
  EXPECT_LOUPE_ERROR(run1("Exp", {}, {}), "needs 1 input, got 0");
  EXPECT_LOUPE_ERROR(make_op("Exp", {{"consumed_inputs", std::vector<int64_t>{0}}}),
                     "attribute \"consumed_inputs\" is not supported");
}

}  // namespace
}  // namespace loupe::ops
