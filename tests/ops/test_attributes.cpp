#include <gtest/gtest.h>

#include "ops/attributes.hpp"
#include "ops/op.hpp"

namespace loupe::ops {
namespace {

TEST(Attributes, TypedGettersAndDefaults) {
  Attributes a{{"group", int64_t{2}},
               {"alpha", 0.5f},
               {"pads", std::vector<int64_t>{1, 2, 3, 4}},
               {"mode", std::string("reflect")}};
  EXPECT_EQ(a.get_int("group", 1), 2);
  EXPECT_EQ(a.get_int("missing", 7), 7);
  EXPECT_FLOAT_EQ(a.get_float("alpha", 0), 0.5f);
  EXPECT_EQ(a.get_ints("pads"), (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(a.get_ints("group"), (std::vector<int64_t>{2}));
  EXPECT_EQ(a.get_string("mode", ""), "reflect");
}

TEST(Attributes, WrongKindNamesTheKey) {
  Attributes a{{"kernel_shape", std::string("3x3")}};
  try {
    (void)a.get_ints("kernel_shape");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "attribute \"kernel_shape\": expected ints, got string");
  }
  EXPECT_THROW((void)a.require_int("group"), Error);
}

TEST(Attributes, UnknownKeyIsRejected) {
  Attributes a{{"strides", std::vector<int64_t>{1, 1}}, {"stride", int64_t{2}}};
  EXPECT_THROW(a.check_known({"strides", "pads"}), Error);
  EXPECT_NO_THROW(a.check_known({"strides", "stride"}));
}

TEST(Registry, UnknownOpTypeIsAnError) {
  EXPECT_FALSE(is_registered("NoSuchOp"));
  EXPECT_THROW((void)make_op("NoSuchOp", {}), Error);
  EXPECT_TRUE(is_registered("Identity"));
}

TEST(LayerShape, MacsOfTheNest) {
  // AlexNet CONV2 (grouped): 27x27 outputs, M = 256, C/G = 48, 5x5 -> 223,948,800 MACs
  // (REFERENCE.md §1 AlexNet row sums to 666M CONV MACs).
  LayerShape l;
  l.N = 1, l.C = 96, l.M = 256, l.E = 27, l.F = 27, l.R = 5, l.S = 5, l.G = 2;
  EXPECT_EQ(l.macs(), 223'948'800);
}

}  // namespace
}  // namespace loupe::ops
