#include "analysis/eval.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "loupe/error.hpp"
#include "loupe/random.hpp"
#include "test_util.hpp"
#include "zoo/zoo.hpp"

namespace loupe::analysis {
namespace {

using loupe::testing::error_of;

// A 4-class "classifier" whose scores are the 4 pixels of a 2x2 image: it predicts the brightest
// pixel, so every prediction is known in advance.
graph::Graph brightest_pixel(int64_t batch) {
  graph::Graph g("brightest");
  g.add_input("pixels", {batch, 1, 2, 2});
  g.add_node("Flatten", "flatten", {"pixels"}, {"scores"});
  g.add_output("scores");
  g.finalize();
  return g;
}

// Image i lights pixel hot[i] (a tie between pixels when two are given).
Tensor images_lighting(const std::vector<std::vector<int>>& hot) {
  Tensor t({static_cast<int64_t>(hot.size()), 1, 2, 2});
  float* p = t.data<float>();
  for (size_t i = 0; i < hot.size(); ++i) {
    for (int k : hot[i]) p[4 * i + static_cast<size_t>(k)] = 0.5f;
  }
  return t;
}

TEST(Eval, KnownPredictionsOverPartialLastBatch) {
  // 7 images in batches of 3: the last batch holds one image and two padding rows.
  const Tensor images = images_lighting({{0}, {1}, {2}, {3}, {1, 3}, {2}, {}});
  const std::vector<uint8_t> labels = {0, 1, 3, 3, 1, 1, 0};
  // predictions:                        0  1  2  3  1  2  0 (ties: the first maximum)
  const EvalResult r = evaluate(brightest_pixel(3), images, labels);
  EXPECT_EQ(r.model, "brightest");
  EXPECT_EQ(r.images, 7);
  EXPECT_EQ(r.batch, 3);
  EXPECT_EQ(r.batches, 3);
  EXPECT_EQ(r.predictions, (std::vector<uint8_t>{0, 1, 2, 3, 1, 2, 0}));
  EXPECT_EQ(r.correct, 5);
  EXPECT_DOUBLE_EQ(r.top1, 100.0 * 5 / 7);
  const std::vector<std::vector<int64_t>> confusion = {
      {2, 0, 0, 0}, {0, 2, 1, 0}, {0, 0, 0, 0}, {0, 0, 1, 1}};
  EXPECT_EQ(r.confusion, confusion);
  EXPECT_GT(r.throughput_per_s, 0);
  EXPECT_GT(r.latency_ms_per_batch, 0);

  // --limit: the first 4 images, two batches.
  const EvalResult first4 = evaluate(brightest_pixel(3), images, labels, 4);
  EXPECT_EQ(first4.images, 4);
  EXPECT_EQ(first4.batches, 2);
  EXPECT_EQ(first4.correct, 3);
  EXPECT_DOUBLE_EQ(first4.top1, 75.0);
  // A limit past the end is the whole set; a batch larger than the set is one padded batch.
  EXPECT_EQ(evaluate(brightest_pixel(3), images, labels, 100).images, 7);
  const EvalResult one = evaluate(brightest_pixel(16), images, labels);
  EXPECT_EQ(one.batches, 1);
  EXPECT_EQ(one.predictions, r.predictions);
}

TEST(Eval, ReportsProgressAfterEveryBatch) {
  const Tensor images = images_lighting({{0}, {1}, {2}, {3}, {1, 3}, {2}, {}});
  const std::vector<uint8_t> labels = {0, 1, 3, 3, 1, 1, 0};
  std::vector<std::pair<int64_t, int64_t>> calls;
  evaluate(brightest_pixel(3), images, labels, 0, 0,
           [&](int64_t done, int64_t total) { calls.emplace_back(done, total); });
  // 7 images in batches of 3: 3, 6, then the partial last batch.
  const std::vector<std::pair<int64_t, int64_t>> expected = {{3, 7}, {6, 7}, {7, 7}};
  EXPECT_EQ(calls, expected);
}

TEST(Eval, JsonAndTable) {
  const Tensor images = images_lighting({{0}, {1}, {3}});
  const std::vector<uint8_t> labels = {0, 1, 2};
  EvalResult r = evaluate(brightest_pixel(2), images, labels);
  r.dataset = "toy";
  r.classes = {"zero", "one", "two", "three"};
  const nlohmann::json j = to_json(r);
  for (const char* key : {"model", "dataset", "images", "top1", "correct", "confusion",
                          "throughput_per_s", "latency_ms_per_batch", "batch"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["images"], 3);
  EXPECT_EQ(j["correct"], 2);
  EXPECT_EQ(j["batch"], 2);
  EXPECT_EQ(j["confusion"][2][3], 1);
  const std::string table = to_table(r);
  EXPECT_NE(table.find("top-1 accuracy 66.67%  (2 of 3 correct)"), std::string::npos) << table;
  EXPECT_NE(table.find("three"), std::string::npos) << table;
  EXPECT_NE(table.find("images/s"), std::string::npos) << table;
}

TEST(Eval, ShapeAndLabelMismatchesAreOneLineErrors) {
  const std::vector<uint8_t> labels = {0, 1};
  // Images of another size than the model's input.
  const Tensor big({2, 1, 3, 3});
  EXPECT_EQ(error_of([&] { evaluate(brightest_pixel(2), big, labels); }),
            "model brightest: input \"pixels\" is f32 [2,1,2,2]; the data set's images need f32 "
            "[N,1,3,3]");
  // Output [N, 4] where 10 classes are wanted.
  const Tensor images = images_lighting({{0}, {1}});
  EXPECT_EQ(error_of([&] { evaluate(brightest_pixel(2), images, labels, 0, 10); }),
            "model brightest: output \"scores\" is f32 [2,4]; eval needs class scores f32 [2,10]");
  // A label the model cannot predict.
  const std::vector<uint8_t> bad = {0, 4};
  EXPECT_EQ(error_of([&] { evaluate(brightest_pixel(2), images, bad); }),
            "eval: label 4 of image 1 is not a class of model brightest (its output has 4 "
            "classes)");
  EXPECT_NE(error_of([&] {
              evaluate(brightest_pixel(2), images, std::vector<uint8_t>{0});
            }).find("2 images but 1 labels"),
            std::string::npos);
  EXPECT_NE(error_of([&] { evaluate(brightest_pixel(2), images, labels, -1); }).find("--limit -1"),
            std::string::npos);
}

// The zoo's LeNet-5 (random weights, the trained model's architecture) on random images: the
// predictions must not depend on the batch the images are fed in, padding included.
TEST(Eval, Lenet5PredictionsDoNotDependOnTheBatch) {
  constexpr int64_t kImages = 13;
  Tensor images({kImages, 1, 28, 28});
  Rng rng(7);
  for (float& v : images.span<float>()) v = static_cast<float>(rng.uniform());
  std::vector<uint8_t> labels(kImages);
  for (int64_t i = 0; i < kImages; ++i) labels[static_cast<size_t>(i)] = i % 10;
  const EvalResult by1 = evaluate(zoo::build("lenet5", 1), images, labels, 0, 10);
  const EvalResult by5 = evaluate(zoo::build("lenet5", 5), images, labels, 0, 10);
  EXPECT_EQ(by1.batches, 13);
  EXPECT_EQ(by5.batches, 3);
  EXPECT_EQ(by1.predictions, by5.predictions);
  EXPECT_EQ(by1.correct, by5.correct);
  EXPECT_EQ(by5.confusion.size(), 10u);
}

}  // namespace
}  // namespace loupe::analysis
