// BatchNormalization (inference) against hand-computed values.
#include "ops/nn_test_util.hpp"

namespace loupe::ops::test {
namespace {

using ::testing::HasSubstr;

// C = 2: scale [3, 0.5], B [1, -1], mean [2, 1], var [4, 0.25].
std::vector<Tensor> inputs(Tensor x) {
  return {std::move(x), tensor({2}, {3, 0.5f}), tensor({2}, {1, -1}), tensor({2}, {2, 1}),
          tensor({2}, {4, 0.25f})};
}

TEST(BatchNormReference, EpsilonZero) {
  // y = scale * (x - mean) / sqrt(var) + B: channel 0: 3(x-2)/2 + 1; channel 1: 0.5(x-1)/0.5 - 1
  // = x - 2. X [2,2,1,2]: image 0 ch0 [1,3] -> -0.5, 2.5; ch1 [0,4] -> -2, 2;
  // image 1 ch0 [5,-1] -> 5.5, -3.5; ch1 [1,2] -> -1, 0.
  const Tensor x = tensor({2, 2, 1, 2}, {1, 3, 0, 4, 5, -1, 1, 2});
  expect_values(run_op("BatchNormalization", {{"epsilon", 0.0f}}, inputs(x))[0], {2, 2, 1, 2},
                {-0.5, 2.5, -2, 2, 5.5, -3.5, -1, 0});
}

TEST(BatchNormReference, EpsilonAndMomentum) {
  // epsilon 0.5: channel 0 divides by sqrt(4.5), so 3(x-2)/sqrt(4.5) = sqrt(2)(x-2):
  // x=1 -> 1 - sqrt(2) = -0.41421356, x=3 -> 1 + sqrt(2) = 2.41421356.
  // Channel 1 divides by sqrt(0.75): 0.5(x-1)/sqrt(0.75) = (x-1)/sqrt(3):
  // x=0 -> -1 - 1/sqrt(3) = -1.57735027, x=4 -> -1 + sqrt(3) = 0.73205081.
  // momentum only matters for training and is ignored.
  const Tensor x = tensor({1, 2, 1, 2}, {1, 3, 0, 4});
  const Attributes a{{"epsilon", 0.5f}, {"momentum", 0.9f}};
  expect_values(run_op("BatchNormalization", a, inputs(x))[0], {1, 2, 1, 2},
                {-0.41421356, 2.41421356, -1.57735027, 0.73205081});
  // Rank 2 [N,C] (after a Flatten) is the same per-channel formula.
  expect_values(run_op("BatchNormalization", a, inputs(tensor({1, 2}, {3, 4})))[0], {1, 2},
                {2.41421356, 0.73205081});
}

TEST(BatchNormCount, ParamsAndFlops) {
  // Only scale and B are learned: 2 * C = 4 of the 8 constant elements. 2 FLOPs per element.
  const std::vector<Tensor> in = inputs(Tensor({2, 2, 3, 3}));
  const std::vector<ValueInfo> infos = infos_of(in, /*constants=*/true);
  std::vector<ValueInfo> with_x_input = infos;
  with_x_input[0].constant = nullptr;
  const auto op = make_op("BatchNormalization", {});
  EXPECT_EQ(op->param_count(with_x_input), 4);
  const Counts c = op->count(with_x_input, op->infer(with_x_input));
  EXPECT_EQ(c.macs, 0);
  EXPECT_EQ(c.flops, 2 * 36);
  EXPECT_FALSE(op->layer_shape(with_x_input).has_value());
}

TEST(BatchNormErrors, TrainingAndShapes) {
  EXPECT_THAT(error_of([] {
                make_op("BatchNormalization", {{"training_mode", int64_t{1}}});
              }),
              HasSubstr("training_mode=1 is not supported"));
  EXPECT_THAT(error_of([] {
                make_op("BatchNormalization", {{"spatial", int64_t{0}}});
              }),
              HasSubstr("spatial=0"));
  EXPECT_NO_THROW(
      make_op("BatchNormalization", {{"spatial", int64_t{1}}, {"is_test", int64_t{1}}}));
  EXPECT_THAT(error_of([] {
                make_op("BatchNormalization", {{"axis", int64_t{1}}});
              }),
              HasSubstr("\"axis\" is not supported"));
  // A node asking for the training outputs is refused by the graph: the op produces Y only.
  const auto op = make_op("BatchNormalization", {});
  std::vector<ValueInfo> in{shape_info({1, 2, 3, 3}), shape_info({2}), shape_info({2}),
                            shape_info({2}), shape_info({2})};
  EXPECT_EQ(op->infer(in).size(), 1u);
  in[3] = shape_info({3});
  EXPECT_THAT(error_of([&] { op->infer(in); }), HasSubstr("mean has shape [3], expected [2]"));
  in.pop_back();
  EXPECT_THAT(error_of([&] { op->infer(in); }), HasSubstr("needs inputs X, scale, B, mean, var"));
  EXPECT_THAT(error_of([&] {
                op->infer({{shape_info({4}), shape_info({4}), shape_info({4}), shape_info({4}),
                            shape_info({4})}});
              }),
              HasSubstr("rank >= 2"));
  EXPECT_THAT(error_of([&] {
                op->infer({{ValueInfo{{1, 2}, DType::f64}, shape_info({2}), shape_info({2}),
                            shape_info({2}), shape_info({2})}});
              }),
              HasSubstr("input X is f64"));
}

}  // namespace
}  // namespace loupe::ops::test
