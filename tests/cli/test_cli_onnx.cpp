// `loupe summary / run` on ONNX files: a model the importer cannot take is one line naming every
// unsupported op (exit 1); a good one runs on a TensorProto .pb input and writes its output.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cli_runner.hpp"
#include "io/npy.hpp"
#include "io/test_onnx_import_util.hpp"

namespace loupe::testing {
namespace {

namespace fs = std::filesystem;

fs::path onnx_dir() {
  const fs::path d = scratch_dir() / "onnx";
  fs::create_directories(d);
  return d;
}

TEST(CliOnnx, SummaryOfUnsupportedModelIsOneLine) {
  ModelBuilder m;
  m.input("x", {1, 3, 4, 4});
  m.node("Resize", "up1", {"x"}, {"a"});
  m.node("Relu", "r", {"a"}, {"b"});
  m.node("NonMaxSuppression", "nms", {"b"}, {"y"});
  m.output("y");
  const fs::path path = onnx_dir() / "bad.onnx";
  m.save(path);
  const CliResult r = run_loupe("summary " + path.string());
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(path.string() + ": unsupported ops: Resize (node \"up1\"), "
                                       "NonMaxSuppression (node \"nms\")"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST(CliOnnx, SummaryOfTruncatedModelIsOneLine) {
  ModelBuilder m;
  m.input("x", {1, 4});
  m.node("Relu", "r", {"x"}, {"y"});
  m.output("y");
  const std::string bytes = m.bytes();
  const fs::path path = onnx_dir() / "cut.onnx";
  std::ofstream(path, std::ios::binary) << bytes.substr(0, bytes.size() - 3);
  const CliResult r = run_loupe("summary " + path.string());
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(path.string() + ": not an ONNX model"), std::string::npos) << r.err;
}

TEST(CliOnnx, RunsOnTensorProtoInput) {
  // y = Relu(x W) with W [2,2] = [[1,-1],[2,0]] and a symbolic batch.
  ModelBuilder m(11);
  m.input("x", {kSym, 2});
  m.initializer(f32_tensor("W", {2, 2}, {1, -1, 2, 0}));
  m.node("MatMul", "mm", {"x", "W"}, {"xw"});
  m.node("Relu", "relu", {"xw"}, {"y"});
  m.output("y");
  const fs::path dir = onnx_dir();
  m.save(dir / "model.onnx");
  std::ofstream(dir / "x.pb", std::ios::binary)
      << f32_tensor("x", {2, 2}, {1, 1, -1, 3}, false).SerializeAsString();

  const fs::path out = dir / "out";
  const CliResult r = run_loupe("run " + (dir / "model.onnx").string() + " --batch 2 --input " +
                                (dir / "x.pb").string() + " --output-dir " + out.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const Tensor y = io::read_npy((out / "y.npy").string());
  ASSERT_EQ(y.shape(), (Shape{2, 2}));
  // [1,1] W = [3, -1] -> [3, 0]; [-1,3] W = [5, 1].
  EXPECT_EQ(y.data<float>()[0], 3.f);
  EXPECT_EQ(y.data<float>()[1], 0.f);
  EXPECT_EQ(y.data<float>()[2], 5.f);
  EXPECT_EQ(y.data<float>()[3], 1.f);

  // The same file by name; a wrong batch is the file's fault, named with the input.
  const CliResult named =
      run_loupe("run " + (dir / "model.onnx").string() + " --input x=" + (dir / "x.pb").string());
  EXPECT_EQ(named.code, 1);
  EXPECT_NE(named.err.find("input \"x\" expects f32 [1,2], the file holds f32 [2,2]"),
            std::string::npos)
      << named.err;

  const CliResult summary = run_loupe("summary " + (dir / "model.onnx").string() + " --json");
  EXPECT_EQ(summary.code, 0) << summary.err;
  EXPECT_NE(summary.out.find("\"model\": \"model\""), std::string::npos) << summary.out;
}

}  // namespace
}  // namespace loupe::testing
