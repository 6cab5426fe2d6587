// ONNX import: small models built with the protobuf API, loaded, run with the reference executor
// and compared with values worked out by hand; malformed files must give one loupe::Error line
// that starts with the file name.
#include "io/onnx_import.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "graph/executor.hpp"
#include "io/test_onnx_import_util.hpp"
#include "loupe/error.hpp"
#include "ops/op.hpp"
#include "test_util.hpp"

namespace loupe::io {
namespace {

namespace fs = std::filesystem;
using namespace loupe::testing;

fs::path scratch(const std::string& name) {
  const fs::path d =
      fs::temp_directory_path() / ("loupe_onnx_test_" + std::to_string(::getpid())) / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

using loupe::testing::error_of;

Tensor tf(Shape shape, const std::vector<float>& v) { return Tensor::from(std::move(shape), v); }

std::vector<float> values(const Tensor& t) {
  std::vector<float> v;
  for (int64_t i = 0; i < t.numel(); ++i) v.push_back(static_cast<float>(t.at(i)));
  return v;
}

// Runs a one-input, one-output graph.
std::vector<float> run1(const graph::Graph& g, const Tensor& x) {
  const std::vector<graph::GraphInput> feeds = graph::feed_inputs(g);
  EXPECT_EQ(feeds.size(), 1u);
  const graph::TensorMap out = graph::ReferenceExecutor(g).run({{feeds.at(0).name, x}});
  return values(out.at(g.outputs().at(0)));
}

const std::vector<float> kW = {1, 2, 3, 4, 5, 6};  // [2,3]
const std::vector<float> kB = {0.5f, -10, 0};

// y = Relu(x W + B), x [rows, 2].
ModelBuilder linear_model(bool raw = true, int64_t opset = 13,
                          std::vector<int64_t> x_dims = {2, 2}) {
  ModelBuilder m(opset);
  m.input("x", x_dims);
  m.initializer(f32_tensor("W", {2, 3}, kW, raw));
  m.initializer(f32_tensor("B", {3}, kB, raw));
  m.node("MatMul", "mm", {"x", "W"}, {"xw"});
  m.node("Add", "add", {"xw", "B"}, {"z"});
  m.node("Relu", "relu", {"z"}, {"y"});
  m.output("y");
  return m;
}

// x = [[1, 2], [-1, 0]]: xW + B = [[9.5, 2, 15], [-0.5, -12, -3]], Relu zeroes the second row.
const std::vector<float> kLinearX = {1, 2, -1, 0};
const std::vector<float> kLinearY = {9.5f, 2, 15, 0, 0, 0};

graph::Graph load_bytes(const ModelBuilder& m, const std::string& name = "model.onnx",
                        const std::string& dir = "", int64_t batch = 1) {
  const std::string s = m.bytes();
  return parse_onnx(std::as_bytes(std::span(s.data(), s.size())), name, dir, OnnxOptions{batch});
}

TEST(OnnxImport, RawDataInitializers) {
  const fs::path dir = scratch("raw");
  linear_model(true).save(dir / "lin.onnx");
  const graph::Graph g = load_onnx((dir / "lin.onnx").string());
  EXPECT_EQ(g.name(), "lin");
  ASSERT_EQ(g.outputs(), std::vector<std::string>{"y"});
  EXPECT_EQ(run1(g, tf({2, 2}, kLinearX)), kLinearY);
}

TEST(OnnxImport, TypedFieldInitializers) {
  EXPECT_EQ(run1(load_bytes(linear_model(false)), tf({2, 2}, kLinearX)), kLinearY);
}

TEST(OnnxImport, InitializerListedAsInputIsAConstant) {
  ModelBuilder m = linear_model();
  m.input("W", {2, 3});  // older exporters list every weight as a graph input as well
  m.input("B", {3});
  const graph::Graph g = load_bytes(m);
  const auto feeds = graph::feed_inputs(g);
  ASSERT_EQ(feeds.size(), 1u);
  EXPECT_EQ(feeds[0].name, "x");
  EXPECT_EQ(run1(g, tf({2, 2}, kLinearX)), kLinearY);
}

TEST(OnnxImport, SymbolicBatchIsBoundToTheOption) {
  const graph::Graph g = load_bytes(linear_model(true, 13, {kSym, 2}), "m.onnx", "", 3);
  ASSERT_EQ(g.inputs().at(0).shape, (Shape{3, 2}));
  const std::vector<float> x = {1, 2, -1, 0, 0, 1};
  std::vector<float> want = kLinearY;
  want.insert(want.end(), {4.5f, -5, 6});  // [0,1] W + B = [4, 5, 6] + B
  want[7] = 0;                             // Relu(-5)
  EXPECT_EQ(run1(g, tf({3, 2}, x)), want);

  // dim_value 0 and an unset dimension read as symbolic too.
  ModelBuilder zero = linear_model(true, 13, {0, 2});
  EXPECT_EQ(load_bytes(zero, "m.onnx", "", 4).inputs().at(0).shape, (Shape{4, 2}));
  ModelBuilder unset = linear_model(true, 13, {1, 2});
  unset.model()
      .mutable_graph()
      ->mutable_input(0)
      ->mutable_type()
      ->mutable_tensor_type()
      ->mutable_shape()
      ->mutable_dim(0)
      ->clear_dim_value();
  EXPECT_EQ(load_bytes(unset, "m.onnx", "", 5).inputs().at(0).shape, (Shape{5, 2}));
}

TEST(OnnxImport, SymbolicInnerDimensionNamesTheInput) {
  const std::string e = error_of([] { load_bytes(linear_model(true, 13, {1, kSym})); });
  EXPECT_EQ(e,
            "model.onnx: input \"x\" has symbolic dimension 1 in [1,N] (only the first, the "
            "batch, may be symbolic)");
  ModelBuilder neg = linear_model(true, 13, {1, -5});
  EXPECT_NE(error_of([&] { load_bytes(neg); }).find("input \"x\" has a negative dimension"),
            std::string::npos);
}

TEST(OnnxImport, TensorProtoEncodings) {
  auto parse = [](const TP& t) {
    const std::string s = t.SerializeAsString();
    return parse_tensor_proto(std::as_bytes(std::span(s.data(), s.size())), "t.pb");
  };
  TP d;
  d.set_data_type(TP::DOUBLE);
  d.add_dims(2);
  d.add_double_data(0.25);
  d.add_double_data(-3);
  Tensor td = parse(d);
  EXPECT_EQ(td.dtype(), DType::f64);
  EXPECT_EQ(values(td), (std::vector<float>{0.25f, -3}));

  for (auto [type, dtype] : {std::pair{TP::INT32, DType::i32}, std::pair{TP::INT8, DType::i8},
                             std::pair{TP::UINT8, DType::u8}}) {
    TP t;
    t.set_data_type(type);
    t.add_dims(3);
    for (int v : {7, 0, type == TP::UINT8 ? 255 : -128}) t.add_int32_data(v);
    const Tensor x = parse(t);
    EXPECT_EQ(x.dtype(), dtype);
    EXPECT_EQ(values(x), (std::vector<float>{7, 0, type == TP::UINT8 ? 255.f : -128.f}));
  }
  TP b;
  b.set_data_type(TP::BOOL);
  b.add_dims(3);
  for (int v : {1, 0, 1}) b.add_int32_data(v);
  EXPECT_EQ(values(parse(b)), (std::vector<float>{1, 0, 1}));

  TP i64 = i64_tensor("shape", {2}, {-1, 1LL << 40});
  const Tensor ti = parse(i64);
  ASSERT_EQ(ti.dtype(), DType::i64);
  EXPECT_EQ(ti.data<int64_t>()[1], 1LL << 40);

  TP raw8;
  raw8.set_data_type(TP::INT8);
  raw8.add_dims(2);
  raw8.set_raw_data(std::string("\x05\xfe", 2));
  EXPECT_EQ(values(parse(raw8)), (std::vector<float>{5, -2}));

  TP scalar = f32_tensor("s", {}, {2.5f});
  EXPECT_EQ(parse(scalar).shape(), Shape{});
  EXPECT_EQ(values(parse(scalar)), std::vector<float>{2.5f});

  TP empty = f32_tensor("e", {0, 3}, {});
  EXPECT_EQ(parse(empty).numel(), 0);

  TP big8;
  big8.set_data_type(TP::INT8);
  big8.add_dims(1);
  big8.add_int32_data(300);
  EXPECT_EQ(error_of([&] { parse(big8); }),
            "t.pb: tensor: int32_data[0] = 300 is out of range for i8");

  TP half;
  half.set_name("h");
  half.set_data_type(TP::FLOAT16);
  half.add_dims(1);
  half.add_int32_data(0x3c00);
  EXPECT_NE(error_of([&] {
              parse(half);
            }).find("t.pb: tensor \"h\": data type FLOAT16 (10) is not supported"),
            std::string::npos);

  TP both = f32_tensor("w", {1}, {1.f});
  both.add_float_data(2.f);
  EXPECT_NE(error_of([&] { parse(both); }).find("both raw_data and typed"), std::string::npos);
}

TEST(OnnxImport, ReadsTensorProtoFiles) {
  const fs::path dir = scratch("pb");
  {
    std::ofstream f(dir / "x.pb", std::ios::binary);
    f << f32_tensor("x", {2, 2}, kLinearX, false).SerializeAsString();
  }
  const Tensor t = read_tensor_proto((dir / "x.pb").string());
  EXPECT_EQ(t.shape(), (Shape{2, 2}));
  EXPECT_EQ(values(t), kLinearX);
  EXPECT_NE(error_of([&] { read_tensor_proto((dir / "missing.pb").string()); }).find("cannot open"),
            std::string::npos);
  {
    std::ofstream f(dir / "bad.pb", std::ios::binary);
    f << "\xff\xff\xff";
  }
  EXPECT_NE(error_of([&] {
              read_tensor_proto((dir / "bad.pb").string());
            }).find("bad.pb: not an ONNX TensorProto"),
            std::string::npos);
}

// W in an external file at offset 8 (after junk), B inline.
ModelBuilder external_model(const std::string& location, int64_t offset, int64_t length) {
  ModelBuilder m = linear_model();
  TP* w = m.model().mutable_graph()->mutable_initializer(0);
  w->clear_raw_data();
  w->set_data_location(TP::EXTERNAL);
  auto add = [&](const std::string& k, const std::string& v) {
    auto* e = w->add_external_data();
    e->set_key(k);
    e->set_value(v);
  };
  add("location", location);
  add("offset", std::to_string(offset));
  if (length >= 0) add("length", std::to_string(length));
  return m;
}

void write_weights(const fs::path& path) {
  fs::create_directories(path.parent_path());
  std::ofstream f(path, std::ios::binary);
  f.write("JUNKJUNK", 8);
  f.write(reinterpret_cast<const char*>(kW.data()), static_cast<std::streamsize>(kW.size() * 4));
}

TEST(OnnxImport, ExternalData) {
  const fs::path dir = scratch("ext");
  write_weights(dir / "w.bin");
  write_weights(dir / "weights" / "w.bin");
  for (const auto& [location, length] : {std::pair{std::string("w.bin"), int64_t{24}},
                                         std::pair{std::string("weights/w.bin"), int64_t{-1}}}) {
    external_model(location, 8, length).save(dir / "m.onnx");
    EXPECT_EQ(run1(load_onnx((dir / "m.onnx").string()), tf({2, 2}, kLinearX)), kLinearY)
        << location;
  }
}

TEST(OnnxImport, ExternalDataRejections) {
  const fs::path dir = scratch("ext_bad");
  const fs::path model_dir = dir / "model";
  write_weights(model_dir / "w.bin");
  write_weights(dir / "outside.bin");
  fs::create_symlink(dir / "outside.bin", model_dir / "link.bin");
  const std::string path = (model_dir / "m.onnx").string();
  auto err = [&](const std::string& location, int64_t offset, int64_t length) {
    external_model(location, offset, length).save(path);
    return error_of([&] { load_onnx(path); });
  };
  const std::string prefix = path + ": initializer \"W\": external data ";
  EXPECT_EQ(err("../outside.bin", 8, 24),
            prefix + "location \"../outside.bin\" leaves the model's directory");
  EXPECT_EQ(err("sub/../../outside.bin", 8, 24),
            prefix + "location \"sub/../../outside.bin\" leaves the model's directory");
  EXPECT_EQ(err((dir / "outside.bin").string(), 8, 24),
            prefix + "location \"" + (dir / "outside.bin").string() +
                "\" is an absolute path (it must be relative to the model's directory)");
  EXPECT_EQ(err("link.bin", 8, 24),
            prefix + "location \"link.bin\" resolves outside the model's directory");
  EXPECT_EQ(err("nope.bin", 8, 24), prefix + "file \"nope.bin\" does not exist");
  EXPECT_EQ(err("w.bin", 8, 20),
            prefix + "\"w.bin\" length 20 does not match dims [2,3] of f32 (24 bytes)");
  EXPECT_EQ(err("w.bin", 16, 24),
            prefix + "\"w.bin\" holds 32 bytes, the tensor needs 24 at offset 16");
  EXPECT_EQ(err("w.bin", int64_t{1} << 62, -1),
            prefix + "\"w.bin\" holds 32 bytes, the tensor needs 24 at offset 4611686018427387904");
  // parse_onnx with no directory cannot resolve external data.
  EXPECT_NE(error_of([] {
              load_bytes(external_model("w.bin", 8, 24));
            }).find("needs the model's directory"),
            std::string::npos);
}

TEST(OnnxImport, LegacySoftmaxOnTheLastAxisIsOneNode) {
  ModelBuilder m(11);
  m.input("x", {2, 3});
  m.node("Softmax", "sm", {"x"}, {"y"});  // opset 11 default axis 1 = last axis of a [2,3] input
  m.output("y");
  const graph::Graph g = load_bytes(m);
  ASSERT_EQ(g.nodes().size(), 1u);
  EXPECT_EQ(g.nodes()[0].attrs.get_int("axis", 0), -1);
  const std::vector<float> y = run1(g, tf({2, 3}, {1, 2, 3, 0, 0, 0}));
  const double s = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  const std::vector<double> want = {std::exp(1.0) / s, std::exp(2.0) / s, std::exp(3.0) / s,
                                    1.0 / 3,           1.0 / 3,           1.0 / 3};
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(y[i], want[i], 1e-6) << i;
}

TEST(OnnxImport, LegacySoftmaxFlattensTheTrailingBlock) {
  // Opset 11 Softmax(axis=1) on [1,2,2] normalizes over all 4 elements (the input flattened to
  // [1,4]); opset 13 would normalize over axis 1 only, pairs (1,3) and (2,4).
  for (const char* op : {"Softmax", "LogSoftmax"}) {
    ModelBuilder m(11);
    m.input("x", {1, 2, 2});
    attr_i(m.node(op, "sm", {"x"}, {"y"}), "axis", 1);
    m.output("y");
    const graph::Graph g = load_bytes(m);
    const std::vector<float> y = run1(g, tf({1, 2, 2}, {1, 2, 3, 4}));
    double s = 0;
    for (int k = 1; k <= 4; ++k) s += std::exp(k);
    ASSERT_EQ(y.size(), 4u);
    for (int k = 1; k <= 4; ++k) {
      const double p = std::exp(k) / s;
      EXPECT_NEAR(y[k - 1], std::string(op) == "Softmax" ? p : std::log(p), 1e-6) << op << k;
    }
    EXPECT_EQ(graph::ReferenceExecutor(g).run({{"x", tf({1, 2, 2}, {1, 2, 3, 4})}}).at("y").shape(),
              (Shape{1, 2, 2}));
  }
}

TEST(OnnxImport, UnsupportedOpsAreListedTogether) {
  ModelBuilder m;
  m.input("x", {1, 3, 4, 4});
  m.node("Relu", "r", {"x"}, {"a"});
  m.node("Resize", "up1", {"a"}, {"b"});
  m.node("NonMaxSuppression", "nms", {"b"}, {"c"});
  m.node("Resize", "up2", {"c"}, {"d"});
  m.node("FusedConv", "fc", {"d"}, {"y"})->set_domain("com.microsoft");
  m.output("y");
  EXPECT_EQ(error_of([&] { load_bytes(m); }),
            "model.onnx: unsupported ops: Resize (node \"up1\"), NonMaxSuppression (node \"nms\"), "
            "com.microsoft.FusedConv (node \"fc\")");
  const fs::path dir = scratch("unsupported");
  m.save(dir / "u.onnx");
  const OnnxScan scan = scan_onnx((dir / "u.onnx").string());
  EXPECT_EQ(scan.opset, 13);
  EXPECT_EQ(scan.node_count, 5);
  ASSERT_EQ(scan.unsupported.size(), 3u);
  EXPECT_EQ(scan.unsupported[1], (std::pair<std::string, std::string>{"NonMaxSuppression", "nms"}));
}

TEST(OnnxImport, OpsetRange) {
  for (int64_t opset : {5, 18}) {
    EXPECT_EQ(
        error_of([&] { load_bytes(linear_model(true, opset)); }),
        fmt::format("model.onnx: opset {} is not supported (loupe reads opsets 6 to 17)", opset));
  }
  for (int64_t opset : {6, 9, 17}) {
    EXPECT_EQ(run1(load_bytes(linear_model(true, opset)), tf({2, 2}, kLinearX)), kLinearY);
  }
  ModelBuilder ml = linear_model();
  ml.model().mutable_opset_import(0)->set_domain("ai.onnx.ml");
  EXPECT_EQ(error_of([&] { load_bytes(ml); }),
            "model.onnx: imports no opset of the default ONNX domain");
}

TEST(OnnxImport, TruncatedOrForeignBytesGiveOnlyErrors) {
  const std::string s = linear_model().bytes();
  int errors = 0;
  for (size_t n = 0; n < s.size(); ++n) {
    try {
      parse_onnx(std::as_bytes(std::span(s.data(), n)), "cut.onnx", "", {});
    } catch (const Error& e) {
      ++errors;
      EXPECT_EQ(std::string(e.what()).rfind("cut.onnx: ", 0), 0u) << e.what();
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    }
  }
  EXPECT_GT(errors, static_cast<int>(s.size()) / 2);
  for (std::string junk : {std::string("\x93NUMPY\x01\x00v\x00{'descr'"), std::string("hello"),
                           std::string(64, '\xff'), std::string()}) {
    EXPECT_EQ(error_of([&] {
                parse_onnx(std::as_bytes(std::span(junk.data(), junk.size())), "j.onnx", "", {});
              }).rfind("j.onnx: not an ONNX model", 0),
              0u)
        << junk;
  }
}

TEST(OnnxImport, InitializerSizeMismatch) {
  ModelBuilder raw = linear_model();
  raw.model().mutable_graph()->mutable_initializer(0)->mutable_raw_data()->resize(20);
  EXPECT_EQ(error_of([&] { load_bytes(raw); }),
            "model.onnx: initializer \"W\": raw_data holds 20 bytes, dims [2,3] of f32 need 24");
  ModelBuilder typed = linear_model(false);
  typed.model().mutable_graph()->mutable_initializer(0)->add_float_data(7);
  EXPECT_EQ(error_of([&] { load_bytes(typed); }),
            "model.onnx: initializer \"W\": holds 7 values, dims [2,3] need 6");
  ModelBuilder none = linear_model(false);
  none.model().mutable_graph()->mutable_initializer(0)->clear_float_data();
  EXPECT_EQ(error_of([&] { load_bytes(none); }),
            "model.onnx: initializer \"W\": has dims [2,3] but no data");
}

TEST(OnnxImport, HugeAndNegativeDims) {
  auto with_dims = [](std::vector<int64_t> dims) {
    ModelBuilder m = linear_model();
    TP* w = m.model().mutable_graph()->mutable_initializer(0);
    w->clear_dims();
    for (int64_t d : dims) w->add_dims(d);
    return error_of([&] { load_bytes(m); });
  };
  EXPECT_NE(with_dims({int64_t{1} << 40, int64_t{1} << 40}).find("overflows"), std::string::npos);
  // Plausible element count but nowhere near the bytes present: refused before allocating.
  EXPECT_EQ(with_dims({int64_t{1} << 40}),
            "model.onnx: initializer \"W\": raw_data holds 24 bytes, dims [1099511627776] of f32 "
            "need 4398046511104");
  EXPECT_NE(with_dims({2, -3}).find("initializer \"W\": has a negative dimension"),
            std::string::npos);
}

TEST(OnnxImport, GraphErrorsNameTheFileAndNode) {
  ModelBuilder dup_init = linear_model();
  dup_init.initializer(f32_tensor("B", {3}, kB));
  EXPECT_EQ(error_of([&] { load_bytes(dup_init); }),
            "model.onnx: initializer \"B\" is declared twice");

  ModelBuilder dup_node = linear_model();
  dup_node.model().mutable_graph()->mutable_node(2)->set_name("mm");
  EXPECT_NE(error_of([&] {
              load_bytes(dup_node);
            }).find("model.onnx: graph \"model\": two nodes are named \"mm\""),
            std::string::npos);

  ModelBuilder missing = linear_model();
  missing.model().mutable_graph()->mutable_node(1)->set_input(1, "nowhere");
  EXPECT_EQ(error_of([&] { load_bytes(missing); }),
            "model.onnx: node \"add\" (Add): input \"nowhere\" is not a graph input, an "
            "initializer or any node's output");

  ModelBuilder cycle;
  cycle.input("x", {2});
  cycle.node("Add", "a", {"x", "b_out"}, {"a_out"});
  cycle.node("Relu", "b", {"a_out"}, {"b_out"});
  cycle.output("b_out");
  EXPECT_EQ(error_of([&] { load_bytes(cycle); }),
            "model.onnx: node \"a\" (Add): is part of a cycle");

  ModelBuilder conv;
  conv.input("x", {1, 3, 8, 8});
  conv.initializer(f32_tensor("w", {4, 3, 3}, std::vector<float>(36, 1.f)));
  attr_ints(conv.node("Conv", "conv2", {"x", "w"}, {"y"}), "kernel_shape", {3, 3});
  conv.output("y");
  EXPECT_EQ(error_of([&] { load_bytes(conv); }).rfind("model.onnx: node \"conv2\" (Conv): ", 0),
            0u);

  ModelBuilder no_out = linear_model();
  no_out.model().mutable_graph()->clear_output();
  EXPECT_EQ(error_of([&] { load_bytes(no_out); }), "model.onnx: the graph has no outputs");
}

TEST(OnnxImport, AttributesOfEveryKind) {
  // Gemm: FLOAT alpha, INT transB. y = 2 * x W^T with W^T = kW as [2,3] -> W [3,2].
  ModelBuilder gemm;
  gemm.input("x", {2, 2});
  gemm.initializer(f32_tensor("Wt", {3, 2}, {1, 4, 2, 5, 3, 6}));
  auto* n = gemm.node("Gemm", "g", {"x", "Wt"}, {"y"});
  attr_f(n, "alpha", 2.f);
  attr_i(n, "transB", 1);
  gemm.output("y");
  EXPECT_EQ(run1(load_bytes(gemm), tf({2, 2}, kLinearX)),
            (std::vector<float>{18, 24, 30, -2, -4, -6}));

  // Pad at opset 10: STRING mode, INTS pads, FLOAT value as attributes.
  ModelBuilder pad(10);
  pad.input("x", {1, 2});
  auto* p = pad.node("Pad", "p", {"x"}, {"y"});
  attr_s(p, "mode", "constant");
  attr_ints(p, "pads", {0, 1, 0, 2});
  attr_f(p, "value", -1.f);
  pad.output("y");
  EXPECT_EQ(run1(load_bytes(pad), tf({1, 2}, {3, 4})), (std::vector<float>{-1, 3, 4, -1, -1}));

  // Clip at opset 6: bounds are attributes; an attribute with no type field (old writers).
  ModelBuilder clip(6);
  clip.input("x", {4});
  auto* c = clip.node("Clip", "c", {"x"}, {"y"});
  attr_f(c, "min", -1.f);
  attr(c, "max")->set_f(2.f);
  clip.output("y");
  EXPECT_EQ(run1(load_bytes(clip), tf({4}, {-5, 0, 1.5f, 9})),
            (std::vector<float>{-1, 0, 1.5f, 2}));

  // Kinds loupe has no use for are refused by name.
  ModelBuilder graph_attr;
  graph_attr.input("x", {1});
  attr(graph_attr.node("Relu", "r", {"x"}, {"y"}), "body")->set_type(onnx::AttributeProto::GRAPH);
  graph_attr.output("y");
  EXPECT_EQ(error_of([&] { load_bytes(graph_attr); }),
            "model.onnx: node \"r\" (Relu): attribute \"body\": has type GRAPH (5), which loupe "
            "does not read (it reads INT, FLOAT, STRING, INTS, FLOATS, TENSOR)");
}

TEST(OnnxImport, ConstantNodes) {
  if (!ops::is_registered("Constant")) GTEST_SKIP() << "Constant op not registered yet";
  ModelBuilder m;
  m.input("x", {2});
  attr_t(m.node("Constant", "c0", {}, {"k0"}), "value", f32_tensor("", {2}, {10, 20}, false));
  attr_f(m.node("Constant", "c1", {}, {"k1"}), "value_float", 0.5f);
  attr_floats(m.node("Constant", "c2", {}, {"k2"}), "value_floats", {1, 2});
  m.node("Add", "a0", {"x", "k0"}, {"t0"});
  m.node("Mul", "a1", {"t0", "k1"}, {"t1"});
  m.node("Add", "a2", {"t1", "k2"}, {"y"});
  m.output("y");
  const graph::Graph g = load_bytes(m);
  EXPECT_EQ(run1(g, tf({2}, {2, 4})), (std::vector<float>{7, 14}));
}

TEST(OnnxImport, LegacyAxesAttributesBecomeInputs) {
  if (!ops::is_registered("Unsqueeze") || !ops::is_registered("Squeeze")) {
    GTEST_SKIP() << "Squeeze / Unsqueeze not registered yet";
  }
  ModelBuilder m(11);
  m.input("x", {3});
  attr_ints(m.node("Unsqueeze", "u", {"x"}, {"a"}), "axes", {0, 2});
  m.node("Relu", "r", {"a"}, {"b"});
  attr_ints(m.node("Squeeze", "s", {"b"}, {"y"}), "axes", {2});
  m.output("y");
  const graph::Graph g = load_bytes(m);
  EXPECT_EQ(g.info("a").shape, (Shape{1, 3, 1}));
  EXPECT_EQ(g.info("y").shape, (Shape{1, 3}));
  EXPECT_EQ(run1(g, tf({3}, {-1, 0, 2})), (std::vector<float>{0, 0, 2}));
}

TEST(OnnxImport, ResizeBeforeOpset11IsRefusedNamingTheOpset) {
  if (!ops::is_registered("Resize")) GTEST_SKIP() << "Resize not registered";
  ModelBuilder m(10);
  m.input("x", {1, 1, 2, 2});
  m.initializer(f32_tensor("scales", {4}, {1, 1, 2, 2}));
  m.node("Resize", "up", {"x", "scales"}, {"y"});
  m.output("y");
  EXPECT_EQ(error_of([&] { load_bytes(m); }),
            "model.onnx: node \"up\" (Resize): Resize at opset 10 is not supported (loupe reads "
            "Resize from opset 11)");
}

}  // namespace
}  // namespace loupe::io
