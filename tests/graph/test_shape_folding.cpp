// The shape-computing sub-graph PyTorch writes for x.view(x.size(0), -1) and similar: every node
// but the Reshape and the ops on data folds at load time, because Shape folds from the input's
// shape alone and each later node then sees only constants.
#include <gtest/gtest.h>

#include <cstring>

#include "graph/executor.hpp"
#include "graph/graph.hpp"

namespace loupe::graph {
namespace {

Tensor i64s(Shape shape, std::vector<int64_t> v) {
  Tensor t(std::move(shape), DType::i64);
  if (!v.empty()) std::memcpy(t.raw(), v.data(), v.size() * sizeof(int64_t));
  return t;
}

TEST(ShapeFolding, ShapeGatherUnsqueezeConcatReshapeFoldsToAConstantShape) {
  Graph g("flatten_export");
  g.add_input("x", {2, 3, 4, 5});
  g.add_initializer("zero", i64s({}, {0}));
  g.add_initializer("axes0", i64s({1}, {0}));
  g.add_node("Shape", "shape", {"x"}, {"s"});
  g.add_node("Gather", "batch", {"s", "zero"}, {"n"}, {{"axis", int64_t{0}}});
  g.add_node("Unsqueeze", "n1", {"n", "axes0"}, {"n_1d"});
  g.add_node("Constant", "minus1", {}, {"m1"}, {{"value_ints", std::vector<int64_t>{-1}}});
  g.add_node("Concat", "target", {"n_1d", "m1"}, {"spec"}, {{"axis", int64_t{0}}});
  g.add_node("Reshape", "flat", {"x", "spec"}, {"y"});
  g.add_output("y");
  g.finalize();

  ASSERT_EQ(g.nodes().size(), 1u);
  EXPECT_EQ(g.nodes()[0].op_type, "Reshape");
  const Tensor* spec = g.initializer("spec");
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(std::vector<int64_t>(spec->data<int64_t>(), spec->data<int64_t>() + 2),
            (std::vector<int64_t>{2, -1}));
  EXPECT_EQ(g.info("y").shape, (Shape{2, 60}));

  Tensor x({2, 3, 4, 5});
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = static_cast<float>(i);
  const TensorMap out = ReferenceExecutor(g).run({{"x", x}});
  const Tensor& y = out.at("y");
  EXPECT_EQ(y.shape(), (Shape{2, 60}));
  EXPECT_EQ(y.data<float>()[61], 61.0f);
}

TEST(ShapeFolding, ConstantOfShapeFromAFoldedShape) {
  // torch.zeros_like-style: ConstantOfShape(Shape(x)) is a constant even though x is an input.
  Graph g("zeros_like");
  g.add_input("x", {2, 3});
  g.add_node("Shape", "shape", {"x"}, {"s"});
  g.add_node("ConstantOfShape", "zeros", {"s"}, {"z"});
  g.add_node("Add", "add", {"x", "z"}, {"y"});
  g.add_output("y");
  g.finalize();
  ASSERT_EQ(g.nodes().size(), 1u);
  EXPECT_EQ(g.nodes()[0].op_type, "Add");
  ASSERT_NE(g.initializer("z"), nullptr);
  EXPECT_EQ(g.initializer("z")->shape(), (Shape{2, 3}));
}

}  // namespace
}  // namespace loupe::graph
