#include <cmath>

#include "ew_test_util.hpp"

namespace loupe::ops {
namespace {

using test::f32;
using test::i64;
using test::run1;

Attributes to(int64_t code) { return {{"to", code}}; }

template <typename T>
std::vector<T> vals(const Tensor& t) {
  const auto s = t.span<T>();
  return {s.begin(), s.end()};
}

TEST(Cast, FloatToIntegersTruncatesTowardZero) {
  const Tensor x = f32({5}, {1.9f, -1.9f, 0.5f, -0.5f, 100.0f});
  const Tensor a = run1("Cast", to(7), {x});
  EXPECT_EQ(a.dtype(), DType::i64);
  EXPECT_EQ(vals<int64_t>(a), (std::vector<int64_t>{1, -1, 0, 0, 100}));
  const Tensor b = run1("Cast", to(6), {x});
  EXPECT_EQ(vals<int32_t>(b), (std::vector<int32_t>{1, -1, 0, 0, 100}));
  const Tensor c = run1("Cast", to(3), {x});
  EXPECT_EQ(vals<int8_t>(c), (std::vector<int8_t>{1, -1, 0, 0, 100}));
}

TEST(Cast, OutOfRangeFloatsSaturateAndNanIsZero) {
  const Tensor x = f32({4}, {300.0f, -5.0f, 1e30f, std::nanf("")});
  EXPECT_EQ(vals<uint8_t>(run1("Cast", to(2), {x})), (std::vector<uint8_t>{255, 0, 255, 0}));
  EXPECT_EQ(vals<int8_t>(run1("Cast", to(3), {x})), (std::vector<int8_t>{127, -5, 127, 0}));
  EXPECT_EQ(vals<int64_t>(run1("Cast", to(7), {f32({2}, {-1e30f, 1e30f})})),
            (std::vector<int64_t>{INT64_MIN, INT64_MAX}));
}

TEST(Cast, IntegersWrapWhenNarrowedAndWidenExactly) {
  const Tensor x = i64({4}, {257, -1, 128, 9007199254740993});
  EXPECT_EQ(vals<uint8_t>(run1("Cast", to(2), {x})), (std::vector<uint8_t>{1, 255, 128, 1}));
  EXPECT_EQ(vals<int8_t>(run1("Cast", to(3), {x})), (std::vector<int8_t>{1, -1, -128, 1}));
  // 2^53 + 1 rounds to the nearest double, 2^53.
  const Tensor d = run1("Cast", to(11), {x});
  EXPECT_EQ(vals<double>(d), (std::vector<double>{257, -1, 128, 9007199254740992.0}));
}

TEST(Cast, FloatWidths) {
  const Tensor d = run1("Cast", to(11), {f32({2}, {0.1f, -2})});
  EXPECT_EQ(d.dtype(), DType::f64);
  EXPECT_EQ(vals<double>(d), (std::vector<double>{static_cast<double>(0.1f), -2.0}));
  const Tensor f = run1("Cast", to(1), {d});
  test::expect_near(f, {0.1f, -2}, 0);
}

TEST(Cast, StringTargetOfOpsetsOneToFive) {
  const Tensor y = run1("Cast", {{"to", std::string("INT64")}}, {f32({1}, {3.7f})});
  EXPECT_EQ(vals<int64_t>(y), (std::vector<int64_t>{3}));
}

TEST(CastLike, TakesTheSecondInputsDtype) {
  const Tensor y = run1("CastLike", {}, {f32({2}, {1.5f, 2.5f}), i64({1}, {0})});
  EXPECT_EQ(vals<int64_t>(y), (std::vector<int64_t>{1, 2}));
}

TEST(Cast, Errors) {
  EXPECT_LOUPE_ERROR(make_op("Cast", to(10)), "cast to FLOAT16 (10) is not supported");
  EXPECT_LOUPE_ERROR(make_op("Cast", to(8)), "cast to STRING (8) is not supported");
  EXPECT_LOUPE_ERROR(make_op("Cast", to(99)), "attribute to: 99 is not an ONNX data type");
  EXPECT_LOUPE_ERROR(make_op("Cast", {{"to", std::string("HALF")}}), "\"HALF\" is not an ONNX");
  EXPECT_LOUPE_ERROR(make_op("Cast", {}), "attribute \"to\" is required");
  EXPECT_LOUPE_ERROR(run1("Cast", to(1), {}), "needs 1 input(s), got 0");
}

}  // namespace
}  // namespace loupe::ops
