// Graph validation and the reference executor, with a tiny op of the test's own so that these
// tests do not depend on any real op's correctness.
#include <gtest/gtest.h>

#include "graph/executor.hpp"
#include "graph/graph.hpp"
#include "graph/memory_plan.hpp"
#include "test_util.hpp"

namespace loupe::graph {
namespace {

// "TestScale": y = k * x (attribute k), any number of f32 inputs summed first.
class TestScale final : public ops::Op {
 public:
  explicit TestScale(float k) : k_(k) {}
  std::string_view type() const override { return "TestScale"; }
  std::vector<ops::ValueInfo> infer(std::span<const ops::ValueInfo> in) const override {
    if (in.empty()) fail("needs an input");
    for (const auto& v : in) {
      if (v.shape != in[0].shape)
        fail("shape {} differs from {}", shape_str(v.shape), shape_str(in[0].shape));
    }
    return {{in[0].shape, DType::f32}};
  }
  void reference(std::span<const Tensor> in, std::span<Tensor> out) const override {
    float* y = out[0].data<float>();
    for (const Tensor& x : in) {
      for (int64_t i = 0; i < x.numel(); ++i) y[i] += k_ * x.data<float>()[i];
    }
  }

 private:
  float k_;
};

LOUPE_REGISTER_OP("TestScale", [](const ops::Attributes& a) {
  a.check_known({"k"});
  return std::make_unique<TestScale>(a.get_float("k", 1.0f));
});

using loupe::testing::error_of;

TEST(Graph, UnknownInputNamesTheNode) {
  Graph g("t");
  g.add_input("x", {2});
  g.add_node("TestScale", "a", {"x", "nope"}, {"y"});
  g.add_output("y");
  EXPECT_EQ(error_of([&] { g.finalize(); }),
            "node \"a\" (TestScale): input \"nope\" is not a graph input, an initializer or any "
            "node's output");
}

TEST(Graph, CycleIsDetected) {
  Graph g("t");
  g.add_input("x", {2});
  g.add_node("TestScale", "a", {"x", "c"}, {"b"});
  g.add_node("TestScale", "b", {"b"}, {"c"});
  g.add_output("c");
  EXPECT_NE(error_of([&] { g.finalize(); }).find("part of a cycle"), std::string::npos);
}

TEST(Graph, DuplicateProducerAndNodeName) {
  Graph g("t");
  g.add_input("x", {2});
  g.add_node("TestScale", "a", {"x"}, {"y"});
  g.add_node("TestScale", "b", {"x"}, {"y"});
  EXPECT_NE(error_of([&] { g.finalize(); }).find("already produced"), std::string::npos);
  Graph h("t");
  h.add_input("x", {2});
  h.add_node("TestScale", "a", {"x"}, {"y"});
  h.add_node("TestScale", "a", {"y"}, {"z"});
  EXPECT_NE(error_of([&] { h.finalize(); }).find("two nodes are named \"a\""), std::string::npos);
}

TEST(Graph, ShapeMismatchAndUnknownOpNameTheNode) {
  Graph g("t");
  g.add_input("x", {2});
  g.add_input("z", {3});
  g.add_node("TestScale", "add", {"x", "z"}, {"y"});
  g.add_output("y");
  EXPECT_EQ(error_of([&] { g.finalize(); }),
            "node \"add\" (TestScale): shape [3] differs from [2]");
  Graph h("t");
  h.add_input("x", {2});
  h.add_node("NoSuchOp", "n1", {"x"}, {"y"});
  EXPECT_EQ(error_of([&] { h.finalize(); }),
            "node \"n1\" (NoSuchOp): unknown op type \"NoSuchOp\"");
  Graph k("t");
  k.add_input("x", {2});
  k.add_node("TestScale", "n1", {"x"}, {"y"}, {{"kk", int64_t{2}}});
  EXPECT_EQ(error_of([&] { k.finalize(); }),
            "node \"n1\" (TestScale): attribute \"kk\" is not supported by this op");
}

TEST(Graph, TopologicalOrderFromShuffledNodes) {
  Graph g("t");
  g.add_input("x", {1});
  g.add_node("TestScale", "second", {"y"}, {"z"});
  g.add_node("TestScale", "first", {"x"}, {"y"});
  g.add_output("z");
  g.finalize();
  EXPECT_EQ(g.nodes()[0].name, "first");
  EXPECT_EQ(g.nodes()[1].name, "second");
}

// x -> a -> b -> d, x -> c -> d; 4-element f32 values (16 bytes each).
Graph diamond() {
  Graph g("diamond");
  g.add_input("x", {4});
  g.add_initializer("w", Tensor::from({4}, std::vector<float>{1, 1, 1, 1}));
  g.add_node("TestScale", "a", {"x"}, {"a"}, {{"k", 2.0f}});
  g.add_node("TestScale", "b", {"a", "w"}, {"b"}, {{"k", 3.0f}});
  g.add_node("TestScale", "c", {"x"}, {"c"}, {{"k", -1.0f}});
  g.add_node("TestScale", "d", {"b", "c"}, {"d"});
  g.add_output("d");
  g.finalize();
  return g;
}

TEST(Executor, RunsInOrderAndComputesByHand) {
  const Graph g = diamond();
  TensorMap in;
  in.emplace("x", Tensor::from({4}, std::vector<float>{1, 2, 3, 4}));
  const TensorMap out = ReferenceExecutor(g).run(in);
  // d = 3*(2x + 1) + (-x) = 5x + 3
  const float* d = out.at("d").data<float>();
  EXPECT_EQ(d[0], 8);
  EXPECT_EQ(d[1], 13);
  EXPECT_EQ(d[2], 18);
  EXPECT_EQ(d[3], 23);
}

TEST(Executor, MeasuredPeakEqualsPlannedPeak) {
  const Graph g = diamond();
  const MemoryPlan plan = plan_memory(g);
  // By hand: x(16) lives until c; running b holds x, a, b = 48; running c holds x, b, c = 48
  // (a died after b); running d holds b, c, d = 48. Initializer w is not an activation.
  EXPECT_EQ(plan.peak_activation_bytes, 48);
  TensorMap in;
  in.emplace("x", Tensor({4}));
  RunStats stats;
  ReferenceExecutor(g).run(in, &stats);
  EXPECT_EQ(stats.peak_activation_bytes, plan.peak_activation_bytes);
}

TEST(Executor, BadFeedsAreClearErrors) {
  const Graph g = diamond();
  ReferenceExecutor ex(g);
  EXPECT_EQ(error_of([&] { ex.run({}); }), "input \"x\": not given (f32 [4])");
  TensorMap wrong_shape;
  wrong_shape.emplace("x", Tensor({5}));
  EXPECT_EQ(error_of([&] { ex.run(wrong_shape); }), "input \"x\": expected f32 [4], got f32 [5]");
  TensorMap wrong_name;
  wrong_name.emplace("x", Tensor({4}));
  wrong_name.emplace("xx", Tensor({4}));
  EXPECT_EQ(error_of([&] { ex.run(wrong_name); }),
            "input \"xx\": the model has no such input (its inputs: x)");
}

}  // namespace
}  // namespace loupe::graph

namespace loupe::graph {
namespace {

TEST(Graph, NodesOfConstantsAreFoldedAtLoad) {
  // w2 = 2 * w is known at load time: the node becomes an initializer and leaves the graph.
  Graph g("fold");
  g.add_input("x", {2});
  g.add_initializer("w", Tensor::from({2}, std::vector<float>{1, 2}));
  g.add_node("TestScale", "double_w", {"w"}, {"w2"}, {{"k", 2.0f}});
  g.add_node("TestScale", "use", {"x", "w2"}, {"y"});
  g.add_output("y");
  g.finalize();
  ASSERT_EQ(g.nodes().size(), 1u);
  EXPECT_EQ(g.nodes()[0].name, "use");
  const Tensor* w2 = g.initializer("w2");
  ASSERT_NE(w2, nullptr);
  EXPECT_EQ(w2->data<float>()[1], 4);
  EXPECT_EQ(g.info("w2").constant, w2);
  TensorMap in;
  in.emplace("x", Tensor::from({2}, std::vector<float>{10, 20}));
  const TensorMap out = ReferenceExecutor(g).run(in);
  EXPECT_EQ(out.at("y").data<float>()[0], 12);
  EXPECT_EQ(out.at("y").data<float>()[1], 24);
}

}  // namespace
}  // namespace loupe::graph

namespace loupe::graph {
namespace {

TEST(Executor, RefusesAPlanLargerThanTheMachine) {
  // 2^22 x 2^22 f32 = 64 TiB of activations: refused by the plan, before any allocation.
  Graph g("huge");
  g.add_input("x", {int64_t{1} << 22, int64_t{1} << 22});
  g.add_node("TestScale", "a", {"x"}, {"y"});
  g.add_output("y");
  g.finalize();
  EXPECT_NE(error_of([&] { ReferenceExecutor ex(g); }).find("more than this machine's"),
            std::string::npos);
}

}  // namespace
}  // namespace loupe::graph

namespace loupe::graph {
namespace {

TEST(Graph, LargeConstantsAreNotFoldedAtLoad) {
  // Just over the 64 MiB folding budget: the node stays and computes at run time instead.
  Graph g("big");
  g.add_initializer("w", Tensor({(int64_t{16} << 20) + 16}));
  g.add_node("TestScale", "scale_w", {"w"}, {"y"});
  g.add_output("y");
  g.finalize();
  ASSERT_EQ(g.nodes().size(), 1u);
  EXPECT_EQ(g.initializer("y"), nullptr);
}

}  // namespace
}  // namespace loupe::graph
