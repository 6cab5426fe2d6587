#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "loupe/checked.hpp"
#include "loupe/random.hpp"
#include "loupe/tensor.hpp"

namespace loupe {
namespace {

TEST(Tensor, ShapeDtypeAndZeroFill) {
  Tensor t({2, 3, 4}, DType::f32);
  EXPECT_EQ(t.numel(), 24);
  EXPECT_EQ(t.nbytes(), 96u);
  EXPECT_EQ(t.rank(), 3);
  EXPECT_EQ(t.dim(-1), 4);
  EXPECT_TRUE(t.defined());
  for (float v : t.span<float>()) EXPECT_EQ(v, 0.0f);
}

TEST(Tensor, StorageIs64ByteAligned) {
  for (DType d : {DType::f32, DType::f64, DType::i64, DType::i32, DType::i8, DType::u8}) {
    Tensor t({3, 5, 7}, d);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw()) % 64, 0u) << dtype_name(d);
    EXPECT_EQ(t.nbytes(), 105 * dtype_size(d));
  }
}

TEST(Tensor, DefaultIsUndefined) {
  Tensor t;
  EXPECT_FALSE(t.defined());
  Tensor scalar(Shape{});
  EXPECT_TRUE(scalar.defined());
  EXPECT_EQ(scalar.numel(), 1);
}

TEST(Tensor, CopiesShareCloneDoesNot) {
  Tensor a = Tensor::from({2, 2}, std::vector<float>{1, 2, 3, 4});
  Tensor shallow = a;
  Tensor deep = a.clone();
  a.data<float>()[0] = 9;
  EXPECT_EQ(shallow.data<float>()[0], 9);
  EXPECT_EQ(deep.data<float>()[0], 1);
}

TEST(Tensor, WrongDtypeAccessIsAnError) {
  Tensor t({2}, DType::i32);
  EXPECT_THROW((void)t.data<float>(), Error);
}

TEST(Tensor, ReshapeKeepsDataAndChecksCount) {
  Tensor a = Tensor::from({2, 3}, std::vector<float>{0, 1, 2, 3, 4, 5});
  Tensor b = a.reshaped({3, 2});
  EXPECT_EQ(b.shape(), (Shape{3, 2}));
  EXPECT_EQ(b.data<float>()[5], 5);
  EXPECT_THROW((void)a.reshaped({4, 2}), Error);
}

TEST(Tensor, BlockedLayoutPadsTheChannelTail) {
  // C = 20 with 16-channel blocks: 2 blocks, 32 padded channels per (n, h, w).
  Tensor t({1, 20, 3, 3}, DType::f32, Layout::NCHWc, 16);
  EXPECT_EQ(t.numel(), 180);
  EXPECT_EQ(t.nbytes(), 1u * 32 * 3 * 3 * 4);
}

TEST(Tensor, NegativeOrOverflowingShapeIsAnError) {
  EXPECT_THROW(Tensor({2, -1}), Error);
  const int64_t big = int64_t{1} << 40;
  try {
    Tensor t({big, big});
    FAIL() << "expected overflow error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("overflow"), std::string::npos) << e.what();
  }
  // Fits in 64 bits but is absurd for one machine: refused before allocating.
  EXPECT_THROW(Tensor({int64_t{1} << 30, int64_t{1} << 20}), Error);
}

TEST(Tensor, ShapeStrElidesLongLists) {
  EXPECT_EQ(shape_str(Shape{}), "[]");
  EXPECT_EQ(shape_str(Shape{1, 3, 224, 224}), "[1,3,224,224]");
  const std::vector<int64_t> sixteen(16, 7);
  EXPECT_EQ(shape_str(sixteen), "[7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7]");
  std::vector<int64_t> long_list(1000000, 5);
  long_list.front() = 1;
  long_list.back() = 9;
  EXPECT_EQ(shape_str(long_list), "[1,5,5,5,5,5,5,5,...,5,9] (1000000 entries)");
}

TEST(Checked, MulAddAndNumel) {
  EXPECT_EQ(checked_mul(1 << 20, 1 << 20), int64_t{1} << 40);
  EXPECT_THROW((void)checked_mul(std::numeric_limits<int64_t>::max(), 2), Error);
  EXPECT_THROW((void)checked_add(std::numeric_limits<int64_t>::max(), 1), Error);
  const int64_t dims[] = {2, 3, 4};
  EXPECT_EQ(checked_numel(dims), 24);
  const int64_t neg[] = {2, -3};
  EXPECT_THROW((void)checked_numel(neg), Error);
}

TEST(Error, PrefixedKeepsTheReason) {
  const Error e =
      Error("kernel_shape mismatch").prefixed("node \"conv2\" (Conv)").prefixed("m.onnx");
  EXPECT_STREQ(e.what(), "m.onnx: node \"conv2\" (Conv): kernel_shape mismatch");
}

TEST(Rng, IsDeterministicAndRoughlyNormal) {
  Rng a(42), b(42);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a.next_u64(), b.next_u64());
  // SplitMix64 of seed 0, first output (Vigna's reference value).
  EXPECT_EQ(Rng(0).next_u64(), 0xE220A8397B1DCDAFull);
  Rng r(7);
  double sum = 0, sq = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double x = r.normal();
    sum += x;
    sq += x * x;
  }
  EXPECT_NEAR(sum / n, 0.0, 0.01);
  EXPECT_NEAR(sq / n, 1.0, 0.02);
}

}  // namespace
}  // namespace loupe
